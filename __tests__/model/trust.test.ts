/** The forest trust plan (model/trust.ts): what a site derives, and every bad input with its exact message. */
import { formatProblem, Problems } from "../../model/errors";
import { BUILTIN_SERVICES } from "../../model/ports";
import { mirrorDirection, planTrust, sambaTrustCreateArgs, TrustInput, trustSchema } from "../../model/trust";

const HOSTS = [
    { name: "PAR-FW01", role: "firewall", zone: "management", address: "10.20.0.1" },
    { name: "PAR-DC01", role: "dc", zone: "servers", address: "10.20.10.11" },
    { name: "PAR-DC02", role: "dc", zone: "servers", address: "10.20.10.12" },
    { name: "PAR-FS01", role: "fileserver", zone: "servers", address: "10.20.10.20" },
    { name: "PAR-JMP01", role: "member", zone: "management", address: "10.20.0.30" },
];
const DOMAIN = {
    fqdn: "billu.remindme.lan",
    realm: "BILLU.REMINDME.LAN",
    netbiosName: "BILLU",
    flavor: "windows" as "windows" | "samba",
    dcs: [
        {
            name: "PAR-DC01",
            label: "par-dc01",
            fqdn: "par-dc01.billu.remindme.lan",
            address: "10.20.10.11",
            node: "pve1",
            os: "debian-12",
            first: true,
            roles: [],
        },
        {
            name: "PAR-DC02",
            label: "par-dc02",
            fqdn: "par-dc02.billu.remindme.lan",
            address: "10.20.10.12",
            node: "pve1",
            os: "debian-12",
            first: false,
            roles: [],
        },
    ],
};
const BASE = {
    partner: { domain: "ecotech-solutions.lan", netbios: "ECOTECH", adminGroup: "ECO-IT-Admins" },
    owner: {},
    grants: [{ group: "DL-ECO-Projets-Lecture", purpose: "read the project share", service: "smb", hosts: ["PAR-FS01"] }],
};

function input(cfg: unknown, over: Partial<TrustInput> = {}): TrustInput {
    return {
        site: { domain: "billu.remindme.lan" },
        cfg: cfg === undefined ? undefined : trustSchema.parse(cfg),
        domain: DOMAIN,
        vpn: { peerStack: "organization/billu-infra/ecotech", tunnel: "ecotech" },
        hosts: HOSTS,
        services: BUILTIN_SERVICES.map((s) => s.name),
        ...over,
    };
}
function messages(i: TrustInput): string[] {
    const p = new Problems();
    const plan = planTrust(i, p);
    if (p.count > 0) expect(plan).toBeUndefined();
    return p.all.map(formatProblem);
}

describe("the trust plan", () => {
    test("defaults: two-way forest trust from the first DC, selective authentication and SID filtering on, 64-character password", () => {
        const p = new Problems();
        const plan = planTrust(input(BASE), p)!;
        expect(p.all).toEqual([]);
        expect(plan.local).toEqual({ domain: "billu.remindme.lan", netbios: "BILLU", realm: "BILLU.REMINDME.LAN", flavor: "windows" });
        expect(plan.partner).toEqual({ domain: "ecotech-solutions.lan", netbios: "ECOTECH", realm: "ECOTECH-SOLUTIONS.LAN", adminGroup: "ECO-IT-Admins" });
        expect([plan.direction, plan.outgoing, plan.incoming, plan.selectiveAuthentication, plan.sidFiltering]).toEqual(["both", true, true, true, true]);
        expect([plan.isOwner, plan.passwordLength, plan.peerStack]).toEqual([true, 64, "organization/billu-infra/ecotech"]);
        expect(plan.dc).toEqual({ name: "PAR-DC01", fqdn: "par-dc01.billu.remindme.lan", address: "10.20.10.11" });
        expect(plan.grants).toEqual([
            {
                group: "DL-ECO-Projets-Lecture",
                purpose: "read the project share",
                service: "smb",
                hosts: [{ name: "PAR-FS01", zone: "servers", address: "10.20.10.20" }],
                member: "ECOTECH\\ECO-IT-Admins",
            },
        ]);
    });

    test("flows: the partner to every DC, every DC to the partner, and each grant's hosts per zone", () => {
        const plan = planTrust(
            input({
                ...BASE,
                grants: [...BASE.grants, { group: "DL-ECO-Jump-SSH", purpose: "SSH to the jump host", service: "ssh", hosts: ["PAR-JMP01", "PAR-FS01"] }],
            }),
            new Problems(),
        )!;
        expect(plan.flows.map((f) => [f.from, f.to, f.service, f.hosts?.join(",") ?? ""])).toEqual([
            ["vpn-partner", "servers", "ad-trust", "PAR-DC01,PAR-DC02"],
            ["PAR-DC01", "vpn-partner", "ad-trust", ""],
            ["PAR-DC02", "vpn-partner", "ad-trust", ""],
            ["vpn-partner", "servers", "smb", "PAR-FS01"],
            ["vpn-partner", "management", "ssh", "PAR-JMP01"],
            ["vpn-partner", "servers", "ssh", "PAR-FS01"],
        ]);
        expect(plan.flows[3].why).toBe("the partner's admins (ECO-IT-Admins): read the project share (grant DL-ECO-Projets-Lecture)");
    });

    test("the side that is not the owner reads the password: no length", () => {
        const plan = planTrust(input({ ...BASE, owner: undefined, direction: "both" }), new Problems())!;
        expect([plan.isOwner, plan.passwordLength]).toEqual([false, undefined]);
    });

    test("samba-tool arguments: forest, this half only, selective authentication and SID filtering as set", () => {
        const on = planTrust(input(BASE), new Problems())!;
        expect(sambaTrustCreateArgs(on)).toEqual([
            "--type=forest",
            "--direction=both",
            "--create-location=local",
            "--cross-organisation",
            "--quarantined=yes",
            "--skip-validation",
        ]);
        const off = planTrust(input({ ...BASE, direction: "outgoing", selectiveAuthentication: false, sidFiltering: false }), new Problems())!;
        expect(sambaTrustCreateArgs(off)).toEqual([
            "--type=forest",
            "--direction=outgoing",
            "--create-location=local",
            "--quarantined=no",
            "--skip-validation",
        ]);
    });

    test("a Samba side refuses selective authentication (Samba 4.17 ignores such a trust) and creates its half without the attribute", () => {
        const samba = { domain: { ...DOMAIN, flavor: "samba" as const } };
        expect(messages(input(BASE, samba))).toEqual([
            "billu:trust.selectiveAuthentication: is true on a Samba domain: Samba 4.17's winbindd and KDC ignore a trust with the " +
                "cross-organisation attribute (no validation, no Kerberos across). Fix: set billu:trust.selectiveAuthentication: false on this " +
                "side; the partner's admins stay limited by the grants' domain-local groups, the resources' ACLs and the flows",
        ]);
        const p = new Problems();
        const plan = planTrust(input({ ...BASE, selectiveAuthentication: false }, samba), p)!;
        expect(p.all).toEqual([]);
        expect(sambaTrustCreateArgs(plan)).not.toContain("--cross-organisation");
    });

    test("the partner's half mirrors this one's direction", () => {
        expect(["both", "incoming", "outgoing"].map((d) => mirrorDirection(d as "both"))).toEqual(["both", "outgoing", "incoming"]);
    });

    test("absent: nothing planned, no problem", () => {
        expect(messages(input(undefined))).toEqual([]);
        expect(planTrust(input(undefined), new Problems())).toBeUndefined();
    });
});

describe("bad input, each message pinned", () => {
    test("a site without a domain or a tunnel", () => {
        expect(messages(input(BASE, { domain: undefined, vpn: undefined }))).toEqual([
            "billu:trust: is set on a site without a domain (no billu:domain or no host of role dc). Fix: add the site's DCs and billu:domain, or remove billu:trust",
            "billu:trust: needs the site-to-site tunnel to the partner, but billu:vpn is missing. Fix: configure billu:vpn with the partner's stack: the trust's traffic and its password's stack come from it",
        ]);
    });

    test("the partner's domain: not a DNS name, this domain, inside it; its NetBIOS name this one's", () => {
        expect(messages(input({ ...BASE, partner: { ...BASE.partner, domain: "ecotech" } }))).toEqual([
            'billu:trust.partner.domain: "ecotech" is a single label (an AD domain needs at least two, e.g. billu.remindme.lan). Fix: write the partner forest\'s root DNS domain, e.g. ecotech-solutions.lan',
        ]);
        expect(messages(input({ ...BASE, partner: { ...BASE.partner, domain: "eco.billu.remindme.lan", netbios: "BILLU" } }))).toEqual([
            "billu:trust.partner.domain: \"eco.billu.remindme.lan\" is this site's own domain billu.remindme.lan, or inside it, or contains it. Fix: a forest trust joins two distinct forests: name the partner's root domain",
            "billu:trust.partner.netbios: \"BILLU\" is this domain's own NetBIOS name. Fix: write the partner domain's NetBIOS name",
        ]);
    });

    test("grants: a group twice, an unknown service, unknown hosts, a DC, the gateway, and a direction that admits no partner user", () => {
        const cfg = {
            ...BASE,
            direction: "incoming",
            grants: [BASE.grants[0], { group: "dl-eco-projets-lecture", purpose: "again", service: "smbx", hosts: ["PAR-FS09", "PAR-DC02", "PAR-FW01"] }],
        };
        expect(messages(input(cfg))).toEqual([
            "billu:trust.grants[0]: grants the partner's admins access here, but billu:trust.direction is incoming (the partner's users cannot authenticate here). Fix: set direction: both or outgoing, or remove the grant",
            'billu:trust.grants[1].group: "dl-eco-projets-lecture" is also billu:trust.grants[0].group. Fix: use one domain-local group per purpose',
            'billu:trust.grants[1].service: "smbx" is not a service of the port catalogue. Fix: name a catalogue service (model/ports.ts or billu:firewall.services), e.g. smb or ssh',
            'billu:trust.grants[1].hosts[0]: "PAR-FS09" is not a host of billu:hosts. Fix: name a host of billu:hosts',
            'billu:trust.grants[1].hosts[1]: "PAR-DC02" is a domain controller. Fix: grant the partner\'s admins a member server (a jump host, a file server), never a DC or the gateway',
            'billu:trust.grants[1].hosts[2]: "PAR-FW01" is a firewall. Fix: grant the partner\'s admins a member server (a jump host, a file server), never a DC or the gateway',
            "billu:trust.grants[1]: grants the partner's admins access here, but billu:trust.direction is incoming (the partner's users cannot authenticate here). Fix: set direction: both or outgoing, or remove the grant",
        ]);
    });

    test("the schema: a NetBIOS name in lowercase, a short password, an unknown key", () => {
        const r = trustSchema.safeParse({ ...BASE, partner: { ...BASE.partner, netbios: "ecotech" }, owner: { passwordLength: 16 }, selective: true });
        expect(r.success).toBe(false);
        expect(r.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([
            "partner.netbios: must be a NetBIOS domain name: 1 to 15 uppercase letters, digits or dashes, starting with a letter",
            "owner.passwordLength: Number must be greater than or equal to 32",
            ": Unrecognized key(s) in object: 'selective'",
        ]);
    });
});
