/**
 * The GLPI plan (model/assets.ts): what dev derives (from the stack file, the directory plan and the mail plan, never
 * read back from the planner), and every bad input with its exact message.
 */
import { assetsSchema, planAssets, type AssetsPlan } from "../../model/assets";
import type { DomainModel } from "../../model/domain";
import { Problems } from "../../model/errors";
import type { DirectoryPlan } from "../../model/directory";
import type { MailPlan } from "../../model/mail";
import { model, problemsOf, stackRaw } from "../helpers";

const dev = () => stackRaw("dev");
const devModel = model(dev());
/** The index a flow pushed onto dev's billu:flows gets. */
const DEV_FLOWS = dev().flows.length;
const plan = devModel.plan<AssetsPlan>("assets")!;
const directory = devModel.plan<DirectoryPlan>("directory")!;
const mail = devModel.plan<MailPlan>("mail")!;
const planOf = (raw: Record<string, unknown>) => model(raw).plan<AssetsPlan>("assets")!;

describe("the assets plan of the dev stack", () => {
    test("PAR-GLPI01, its name in the domain, its certificate and the pinned release (no hash in dev)", () => {
        expect(plan.host).toEqual({ name: "PAR-GLPI01", zone: "servers", address: "10.20.10.61" });
        expect([plan.fqdn, plan.url]).toEqual(["par-glpi01.billu.remindme.lan", "https://par-glpi01.billu.remindme.lan"]);
        expect(plan.certificate).toEqual({ commonName: plan.fqdn, dnsNames: [plan.fqdn], ipAddresses: ["10.20.10.61"] });
        expect(plan.glpi).toEqual({ version: "10.0.18", url: "https://github.com/glpi-project/glpi/releases/download/10.0.18/glpi-10.0.18.tgz" });
        expect(plan.database).toEqual({ name: "glpi", user: "glpi" });
    });

    test("LDAPS: the DC, the users OU, a filter of enabled staff, and the users it must return are the directory plan's enabled people", () => {
        expect(plan.ldap.uris).toEqual(["ldaps://par-dc01.billu.remindme.lan"]);
        expect(plan.ldap.baseDn).toBe("OU=Utilisateurs,OU=BillU,DC=billu,DC=remindme,DC=lan");
        expect(plan.ldap.filter).toBe(
            "(&(objectCategory=person)(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2))" +
                "(memberOf=CN=GG_Personnel,OU=Groupes,OU=BillU,DC=billu,DC=remindme,DC=lan))",
        );
        expect([plan.ldap.serviceAccount, plan.ldap.bindDn]).toEqual(["svc-glpi", "svc-glpi@billu.remindme.lan"]);
        const enabled = directory.people.filter((p) => p.enabled).map((p) => p.sam);
        expect(plan.ldap.expectedUsers).toEqual([...enabled].sort());
        expect(plan.ldap.expectedUsers).toHaveLength(167);
    });

    test("profiles from groups (DSI technicians), self-service for everyone else, the default categories, one entity", () => {
        expect(plan.profiles).toEqual([{ group: "GG_DSI", groupDn: "CN=GG_DSI,OU=Groupes,OU=BillU,DC=billu,DC=remindme,DC=lan", profile: "Technician" }]);
        expect(plan.defaultProfile).toBe("Self-Service");
        expect(plan.categories).toHaveLength(8);
        expect(plan.entities).toEqual([]);
    });

    test("the helpdesk mailbox on the mail domain, read on the mail server", () => {
        expect(plan.helpdesk).toEqual({ address: `helpdesk@${mail.domain}`, mailHost: mail.hostname, imapsPort: 993, submissionPort: 587 });
    });

    test("the 167 workstations of the directory plan, each with its brand and owner", () => {
        const computers = directory.computers.filter((c) => c.enabled);
        expect(plan.computers).toHaveLength(167);
        expect(plan.computers.map((c) => [c.name, c.brand, c.owner])).toEqual(computers.map((c) => [c.name, c.description, c.owner]));
        const owner = new Map(directory.people.map((p) => [p.sam, p.department]));
        for (const c of plan.computers) expect([c.name, c.department, c.entity]).toEqual([c.name, owner.get(c.owner), "Root entity"]);
    });

    test("agents on every Debian host; the flows: HTTPS from the internal zones and every agent, LDAPS, IMAPS, submission; nothing from the WAN", () => {
        const debian = devModel.hosts.filter((h) => !h.os.startsWith("windows")).map((h) => h.name);
        expect(plan.inventory).toEqual({ url: "https://par-glpi01.billu.remindme.lan/front/inventory.php", hours: 24, agents: debian });
        const flows = plan.flows.map((f) => `${f.from} -> ${f.to} ${f.service}`);
        const internal = devModel.zones.filter((z) => z.kind === "department" || z.kind === "management").map((z) => `${z.name} -> PAR-GLPI01 https`);
        const agents = ["router", ...debian.filter((h) => h !== "PAR-FW01" && h !== "PAR-GLPI01")].map((h) => `${h} -> PAR-GLPI01 https`);
        expect(flows).toEqual([
            ...internal,
            ...agents,
            "PAR-GLPI01 -> PAR-DC01 ldaps",
            "PAR-GLPI01 -> PAR-MAIL01 imaps",
            "PAR-GLPI01 -> PAR-MAIL01 submission",
        ]);
        expect(flows.filter((f) => f.startsWith("wan ") || f.startsWith("dmz "))).toEqual([]);
    });

    test("entities per department when the model asks: one per department, each workstation in its owner's", () => {
        const raw = dev();
        raw.assets.entitiesPerDepartment = true;
        const p = planOf(raw);
        expect(p.entities.map((e) => e.name).sort()).toEqual([...new Set(directory.people.filter((x) => x.enabled).map((x) => x.department))].sort());
        expect(p.computers[0].entity).toBe(`Root entity > ${p.computers[0].department}`);
    });
});

describe("bad billu:assets: one clear message each", () => {
    const input = {
        cfg: assetsSchema.parse({}),
        hosts: devModel.hosts.map((h) => ({ name: h.name, role: h.role, os: h.os, zone: h.zone, address: h.nics[0].address, index: h.index })),
        zones: devModel.zones,
        domain: devModel.plan<DomainModel>("dc"),
        directory,
    };

    const cases: [string, (r: Record<string, any>) => void, string][] = [
        [
            "a hash that is not 64 hex digits",
            (r) => {
                r.assets.glpi.sha256 = "abc";
            },
            'billu:assets.glpi.sha256: is "abc", which must be 64 hexadecimal digits. Fix: correct the value (see README, "Configuration")',
        ],
        [
            "a GLPI 9 release",
            (r) => {
                r.assets.glpi.version = "9.5.13";
            },
            'billu:assets.glpi.version: is "9.5.13", which must be a 10.x.y release number (glpi 10), like 10.0.18. Fix: correct the value (see README, "Configuration")',
        ],
        [
            "a host that does not exist",
            (r) => {
                r.assets.host = "PAR-GLPI09";
            },
            'billu:assets.host: "PAR-GLPI09" is not a host of billu:hosts. Fix: add the GLPI server to billu:hosts (role: assets, os: debian-12, e.g. PAR-GLPI01) and name it here',
        ],
        [
            "a host of another role",
            (r) => {
                r.assets.host = "PAR-FTP01";
            },
            'billu:assets.host: "PAR-FTP01" has role ftp, not assets. Fix: give GLPI its own host of role assets (e.g. PAR-GLPI01)',
        ],
        [
            "a profile for a group the directory plan does not have",
            (r) => {
                r.assets.profiles = [{ group: "GG_Informatique", profile: "Technician" }];
            },
            'billu:assets.profiles[0].group: "GG_Informatique" is not a group of the directory plan. Fix: use GG_Personnel, a department group (GG_DSI, ...) or a service group of the directory plan',
        ],
        [
            "a group given two profiles",
            (r) => {
                r.assets.profiles = [
                    { group: "GG_DSI", profile: "Technician" },
                    { group: "GG_DSI", profile: "Super-Admin" },
                ];
            },
            'billu:assets.profiles[1].group: "GG_DSI" is already billu:assets.profiles[0].group. Fix: give each group one profile',
        ],
        [
            "a profile GLPI does not have",
            (r) => {
                r.assets.profiles = [{ group: "GG_DSI", profile: "Wizard" }];
            },
            'billu:assets.profiles[0].profile: is "Wizard". Fix: use one of Super-Admin, Admin, Supervisor, Technician, Hotliner, Observer, Self-Service',
        ],
        [
            "a category named twice",
            (r) => {
                r.assets.categories = ["Messagerie", "messagerie"];
            },
            'billu:assets.categories[1]: "messagerie" is already billu:assets.categories[0]. Fix: name each category once',
        ],
        [
            "the WAN as an allowed zone",
            (r) => {
                r.assets.allowedZones = ["lan-dsi", "wan"];
            },
            'billu:assets.allowedZones[1]: "wan" is the WAN: GLPI is for staff inside the site. Fix: remove it; staff outside connect through the VPN',
        ],
        [
            "a flow from the WAN to the GLPI server",
            (r) => {
                r.flows.push({ from: "wan", to: "PAR-GLPI01", service: "https" });
            },
            `billu:flows[${DEV_FLOWS}]: lets the WAN reach PAR-GLPI01 (wan -> PAR-GLPI01), the GLPI server. Fix: remove it: GLPI is for staff inside the site (from outside, through the VPN); narrow a zone-wide flow with hosts`,
        ],
        [
            "a flow from every WAN zone narrowed to the GLPI server",
            (r) => {
                r.flows.push({ from: "kind:wan", to: "servers", service: "https", hosts: ["PAR-GLPI01"] });
            },
            `billu:flows[${DEV_FLOWS}]: lets the WAN reach PAR-GLPI01 (kind:wan -> servers), the GLPI server. Fix: remove it: GLPI is for staff inside the site (from outside, through the VPN); narrow a zone-wide flow with hosts`,
        ],
        [
            "GLPI published on the WAN address",
            (r) => {
                r.firewall.published.push({ service: "https", host: "PAR-GLPI01", publicPort: 8443 });
            },
            "billu:firewall.published[3].host: publishes PAR-GLPI01, the GLPI server, on the WAN address. Fix: remove it: GLPI is never published",
        ],
    ];
    test.each(cases)("%s", (_name, mutate, message) => {
        const raw = dev();
        mutate(raw);
        expect(problemsOf(raw)).toContain(message);
    });

    test("a site without a mail server: the planner names the helpdesk's need", () => {
        const problems = new Problems();
        expect(planAssets(input, problems)).toBeUndefined();
        expect(problems.all.map((p) => `${p.path}: ${p.message}. Fix: ${p.fix}`)).toEqual([
            "billu:assets.helpdesk: needs the site's mail server (the helpdesk mailbox and the notifications), and the site has none. Fix: declare the mail server (billu:mail and a host of role mail), or remove billu:assets",
        ]);
        expect(planAssets({ ...input, mail }, new Problems())?.helpdesk.address).toBe(plan.helpdesk.address);
    });

    test("a retired workstation (its owner left: disabled in the departures OU) is not pre-registered", () => {
        const retired = { ...directory.computers[0], name: "PC9999", sam: "PC9999$", enabled: false, description: undefined, line: undefined };
        const p = planAssets({ ...input, mail, directory: { ...directory, computers: [...directory.computers, retired] } }, new Problems())!;
        expect(p.computers).toHaveLength(167);
        expect(p.computers.map((c) => c.name)).not.toContain("PC9999");
    });

    test("a zone-wide WAN flow is the policy pack's (disallow-wan-to-lan), not this check's", () => {
        const raw = dev();
        raw.flows.push({ from: "wan", to: "servers", service: "https" });
        expect(problemsOf(raw)).toEqual([]);
    });

    test("a pinned hash in a production stack is accepted and kept in lower case", () => {
        const raw = dev();
        raw.site.environment = "prod";
        raw.assets.glpi.sha256 = "AB".repeat(32);
        expect(problemsOf(raw)).toEqual([]);
        expect(planOf(raw).glpi.sha256).toBe("ab".repeat(32));
    });
});
