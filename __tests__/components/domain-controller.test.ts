/** The pure renderers of both flavors and of the Debian members: each step present, parameters from the model. */
import { spawnSync } from "child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { SECRET } from "../../components/domain-controller/common";
import { MEMBER_PATHS, memberJoinStep, renderSshdAd, renderSssdConf, renderSudoers } from "../../components/base-server/member";
import { renderExtraRecordsTsv, renderSmbConf, sambaDcStep, sambaDomainStep, sambaFsmoStep, renderObjectsTsv } from "../../components/domain-controller/samba";
import { REBOOT_MARK, windowsDcStep, windowsDomainStep, windowsFsmoStep, windowsReadyStep } from "../../components/domain-controller/windows";
import { renderRebootWait } from "../../components/domain-controller/DomainController";
import { certificationAuthoritiesDn, sambaSiteCaStep, windowsSiteCaStep } from "../../components/domain-controller/site-ca";
import { domainDocs } from "../../components/domain-controller/builder";
import { DomainModel } from "../../model/domain";
import { planVm } from "../../components/proxmox-vm/plan";
import { model, ROOT, stackRaw } from "../helpers";

function labRaw(): Record<string, any> {
    const doc = parseYaml(readFileSync(path.join(ROOT, "labs", "dc", "Pulumi.labdc.yaml"), "utf8")) as { config: Record<string, unknown> };
    return Object.fromEntries(Object.entries(doc.config).flatMap(([k, v]) => (k.startsWith("billu:") ? [[k.slice(6), v]] : [])));
}

const lab = model(labRaw());
const labDomain = lab.domain!;
const prodRaw = stackRaw("prod");
prodRaw.domain.conditionalForwarders = [{ domain: "ecotech.lan", servers: ["10.30.10.11", "10.30.10.12"] }];
const prod = model(prodRaw);
const prodDomain = prod.domain!;

/** The site data a step body starts with (`NAME='value'` lines before the verbatim script), as a record. */
function dataOf(script: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of script.split("\n")) {
        const m = /^([A-Z][A-Z0-9_]*)='([^']*)'$/.exec(line);
        if (!m) break;
        out[m[1]] = m[2];
    }
    return out;
}

/**
 * The site data a Windows step body starts with (`$NAME = 'value'` assignments, a value possibly spanning CRLF lines,
 * `''` for a quote), as a record.
 */
function psDataOf(script: string): Record<string, string> {
    const out: Record<string, string> = {};
    const re = /^\$([A-Z][A-Z0-9_]*) = '((?:[^']|'')*)'\r\n/;
    let rest = script;
    for (let m = re.exec(rest); m; m = re.exec(rest)) {
        out[m[1]] = m[2].replace(/''/g, "'");
        rest = rest.slice(m[0].length);
    }
    return out;
}

/** A Windows step body without its data: what follows the last data assignment. */
function bodyOf(script: string): string {
    const data = psDataOf(script);
    const lines = Object.entries(data)
        .map(([k, v]) => `$${k} = '${v.replace(/'/g, "''")}'\r\n`)
        .join("");
    expect(script.startsWith(lines)).toBe(true);
    return script.slice(lines.length);
}

/** Shipped scripts under scripts/dc, joined as stepScript joins them (CRLF line ends on Windows). */
function shipped(...files: string[]): string {
    return files
        .map((f) => readFileSync(path.join(ROOT, "scripts", "dc", f), "utf8").trimEnd())
        .join("\n")
        .replace(/\r?\n/g, "\r\n");
}

/** Every password the Windows scripts use goes Get-BilluSecret -> ConvertTo-SecureString, never a literal. */
function secretUses(script: string): string[] {
    return [...script.matchAll(/Get-BilluSecret '([a-z-]+)'/g)].map((m) => m[1]);
}

/** The `dc` step of a lab DC with the bootstrap resolvers its model gives it (model/guest-resolvers.ts). */
const dcStep = (dc: DomainModel["dcs"][number]) => sambaDcStep(labDomain, dc, lab.guestResolvers!.get(dc.name)!.dns);

describe("samba flavor", () => {
    const [dc1, dc2] = labDomain.dcs;

    test("smb.conf: the first DC (the directory step's) shares the onboarding folder as the hidden onboarding$, last; the others do not", () => {
        const lines = renderSmbConf(labDomain, dc1).trimEnd().split("\n");
        expect(lines.slice(-5)).toEqual([
            "[onboarding$]",
            "    path = /var/lib/billu/onboarding",
            "    read only = yes",
            "    browseable = no",
            "    guest ok = no",
        ]);
        expect(renderSmbConf(labDomain, dc2)).not.toContain("onboarding");
        // labs/directory serves this section with a real smbd (part 1b).
    });

    test("smb.conf: an AD DC of the model's realm with LDAPS from the site CA and the forwarders", () => {
        const conf = renderSmbConf(labDomain, dc2);
        for (const line of [
            "    netbios name = PAR-DC02",
            "    realm = BILLU.REMINDME.LAN",
            "    workgroup = BILLU",
            "    server role = active directory domain controller",
            "    dns forwarder = 9.9.9.9",
            "    tls keyfile = /etc/samba/tls/billu-dc.key",
            "    tls cafile = /etc/samba/tls/billu-ca.pem",
            "    path = /var/lib/samba/sysvol/billu.remindme.lan/scripts",
            // Every authentication, failed and successful, in the DC's log (a partner's logon through the trust).
            "    log level = 1 auth_audit:3",
        ]) {
            expect(conf.split("\n")).toContain(line);
        }
    });

    test("billu-samba-tool: shipped verbatim from scripts/dc; the password goes from the environment into samba-tool's argv only", () => {
        const wrapper = dcStep(dc1).files.find((f) => f.path === "/usr/local/sbin/billu-samba-tool")!;
        const shippedText = readFileSync(path.join(ROOT, "scripts", "dc", "billu-samba-tool.py"), "utf8");
        expect(wrapper).toEqual({ path: "/usr/local/sbin/billu-samba-tool", content: shippedText, mode: "0755" });
        // Run it with python3, samba-tool replaced by a script that prints the argv and environment it was given (runpy
        // names the script it runs in argv[0]).
        const dir = mkdtempSync(path.join(tmpdir(), "billu-samba-tool-"));
        const fake = path.join(dir, "samba-tool");
        writeFileSync(fake, 'import json, os, sys\nprint(json.dumps({"argv": sys.argv, "secret": os.environ.get("BILLU_SECRET")}))\n');
        const script = path.join(dir, "billu-samba-tool");
        expect(shippedText.split('"/usr/bin/samba-tool"')).toHaveLength(2);
        writeFileSync(script, shippedText.replace('"/usr/bin/samba-tool"', JSON.stringify(fake)));
        const run = (env: Record<string, string>, ...args: string[]) =>
            spawnSync("python3", [script, ...args], { env: { PATH: process.env.PATH, ...env }, encoding: "utf8" });
        const ok = run({ BILLU_SECRET: "S3cr3t pass'word" }, "user", "create", "svc", "@BILLU_SECRET@", "--password=@BILLU_SECRET@");
        expect([ok.status, ok.stderr, JSON.parse(ok.stdout)]).toEqual([
            0,
            "",
            { argv: [fake, "user", "create", "svc", "S3cr3t pass'word", "--password=S3cr3t pass'word"], secret: null },
        ]);
        const missing = run({}, "user", "create", "svc", "@BILLU_SECRET@");
        expect([missing.status, missing.stdout, missing.stderr]).toEqual([1, "", "billu-samba-tool: BILLU_SECRET is empty or not set\n"]);
        // No placeholder: the arguments pass as they are, no secret needed.
        expect(JSON.parse(run({}, "fsmo", "show").stdout)).toEqual({ argv: [fake, "fsmo", "show"], secret: null });
    });

    test("the first DC provisions, the others join then replicate with it; passwords never on a command line", () => {
        const first = dcStep(dc1);
        const other = dcStep(dc2);
        // The site's data, then scripts/dc/samba-helpers.sh and samba-dc.sh verbatim: one script, the first DC's branch
        // chosen by FIRST_DC.
        expect(dataOf(first.script)).toEqual({
            FIRST_DC: "1",
            DOMAIN_FQDN: "billu.remindme.lan",
            AD_SITE: "PAR",
            REALM: "BILLU.REMINDME.LAN",
            NETBIOS_NAME: "BILLU",
            DC_ADDRESS: "10.20.10.11",
            DC_FQDN: "par-dc01.billu.remindme.lan",
            FIRST_NAME: "PAR-DC01",
            FIRST_FQDN: "par-dc01.billu.remindme.lan",
            NAMING_CONTEXTS: expect.stringContaining(" CN=Schema,CN=Configuration,DC=billu,DC=remindme,DC=lan "),
            RESOLV: "/etc/billu/dc/resolv.conf",
            RESOLV_BOOTSTRAP: "/etc/billu/dc/resolv.bootstrap.conf",
            BOOTSTRAP_RESOLVERS: "9.9.9.9",
            OWN_RESOLVERS: "10.20.10.12 127.0.0.1",
        });
        expect(dataOf(other.script)).toMatchObject({ FIRST_DC: "0", DC_ADDRESS: "10.20.10.12", FIRST_FQDN: "par-dc01.billu.remindme.lan" });
        expect(first.script).toContain("billu-samba-tool domain provision -s /etc/samba/smb.conf --server-role=dc");
        expect(first.script).toContain('--realm="$REALM" --domain="$NETBIOS_NAME" --site="$AD_SITE" --host-ip="$DC_ADDRESS"');
        expect(first.script).toContain("--adminpass=@BILLU_SECRET@");
        expect(other.script).toContain(
            'st_admin domain join "$DOMAIN_FQDN" DC -s /etc/samba/smb.conf --dns-backend=SAMBA_INTERNAL --site="$AD_SITE" --server="$FIRST_FQDN"',
        );
        expect(other.script).toContain('until st_admin drs kcc "$FIRST_FQDN"');
        // Guards: provision/join only without a directory; restart only when the config changed.
        for (const s of [first.script, other.script]) {
            expect(s).toContain("if [ ! -f /var/lib/samba/private/sam.ldb ]; then");
            expect(s).toContain(
                '\nbillu_service samba-ad-dc "its configuration or certificate changed" /etc/samba/smb.conf /etc/samba/tls/billu-ca.pem /etc/samba/tls/billu-dc.pem /etc/samba/tls/billu-dc.key\n',
            );
            expect(s).not.toMatch(/--password|--adminpass=[^@]|PASSWD=[^"]/);
        }
        expect(other.files.find((f) => f.path === "/etc/billu/dc/resolv.conf")!.content).toBe(
            "# Generated by billu-infra for PAR-DC02.\nsearch billu.remindme.lan\nnameserver 10.20.10.11\nnameserver 127.0.0.1\n",
        );
        expect(first.files.find((f) => f.path === "/etc/samba/tls/billu-dc.key")).toEqual({
            path: "/etc/samba/tls/billu-dc.key",
            content: `{{secret:${SECRET.ldapsKey}}}`,
            mode: "0600",
        });
        expect(first.secrets).toEqual([SECRET.admin, SECRET.ldapsCert, SECRET.ldapsKey, SECRET.caCert]);
    });

    test("resolution bootstraps through the model's resolvers and switches to the DC itself only once its DNS answers (#16)", () => {
        const resolv = (step: ReturnType<typeof dcStep>, p: string) => step.files.find((f) => f.path === p)!.content;
        const [first, other] = [dcStep(dc1), dcStep(dc2)];
        // The first DC: the upstream servers only (the flow matrix lets the servers zone reach the WAN on dns), never itself.
        expect(resolv(first, "/etc/billu/dc/resolv.bootstrap.conf")).toBe(
            "# Generated by billu-infra for PAR-DC01: bootstrap resolvers, until this DC's own DNS answers.\nsearch billu.remindme.lan\nnameserver 9.9.9.9\n",
        );
        // A joining DC: the DC before it first (the join looks up the forest there), then the upstream servers.
        expect(resolv(other, "/etc/billu/dc/resolv.bootstrap.conf")).toBe(
            "# Generated by billu-infra for PAR-DC02: bootstrap resolvers, until this DC's own DNS answers.\nsearch billu.remindme.lan\nnameserver 10.20.10.11\nnameserver 9.9.9.9\n",
        );
        expect(resolv(first, "/etc/billu/dc/resolv.conf")).toBe(
            "# Generated by billu-infra for PAR-DC01.\nsearch billu.remindme.lan\nnameserver 10.20.10.12\nnameserver 127.0.0.1\n",
        );
        // The step never installs /etc/resolv.conf as a plain file (it would put 127.0.0.1 in place before the packages).
        expect(first.files.map((f) => f.path)).not.toContain("/etc/resolv.conf");
        // Order in the body: bootstrap, packages, Samba up, a bounded wait for its DNS, then itself.
        const lines = first.script.split("\n");
        const at = (line: string) => {
            const i = lines.indexOf(line);
            expect([line, i]).not.toEqual([line, -1]);
            return i;
        };
        const order = [
            at(`dc_dns_ready || dc_resolv "$RESOLV_BOOTSTRAP" "bootstrap resolvers $BOOTSTRAP_RESOLVERS until this DC's DNS answers"`),
            at("    billu_apt_install samba samba-ad-dc winbind krb5-user ldap-utils ldb-tools bind9-dnsutils chrony"),
            at(
                'billu_service samba-ad-dc "its configuration or certificate changed" /etc/samba/smb.conf /etc/samba/tls/billu-ca.pem /etc/samba/tls/billu-dc.pem /etc/samba/tls/billu-dc.key',
            ),
            at("dc_wait_ready"),
            at(
                `until dc_dns_ready; do n=$((n + 1)); [ "$n" -le 300 ] || billu_die "this DC's DNS did not answer for $DOMAIN_FQDN within 60 s: /etc/resolv.conf keeps the bootstrap resolvers"; sleep 0.2; done`,
            ),
            at(`dc_resolv "$RESOLV" "this DC's DNS answers: resolving through $OWN_RESOLVERS"`),
        ];
        expect(order).toEqual([...order].sort((a, b) => a - b));
        expect(lines).toContain(
            `dc_dns_ready() { command -v dig >/dev/null && dig +norecurse +time=1 +tries=1 @127.0.0.1 "$DOMAIN_FQDN" SOA 2>/dev/null | grep -q "flags:.* aa"; }`,
        );
    });

    test("cloud-init gives a DC its bootstrap resolvers, not 127.0.0.1 (Samba does not exist on its first boot)", () => {
        expect(labDomain.dcs.map((d) => planVm(lab, lab.host(d.name)).dnsServers)).toEqual([["9.9.9.9"], ["10.20.10.11", "9.9.9.9"]]);
        expect(prodDomain.dcs.map((d) => planVm(prod, prod.host(d.name)).dnsServers)).toEqual([
            ["9.9.9.9", "149.112.112.112"],
            ["10.10.10.11", "9.9.9.9", "149.112.112.112"],
            ["10.10.10.11", "10.10.10.12", "9.9.9.9", "149.112.112.112"],
        ]);
    });

    test("cloud-init's /etc/hosts template holds the DC's own lines, so a reboot keeps its FQDN on its address, not 127.0.1.1", () => {
        const files = dcStep(dc2).files;
        const hosts = files.find((f) => f.path === "/etc/hosts")!.content;
        expect(hosts).toBe("# Generated by billu-infra for PAR-DC02.\n127.0.0.1 localhost\n10.20.10.12 par-dc02.billu.remindme.lan par-dc02\n");
        expect(files.find((f) => f.path === "/etc/cloud/templates/hosts.debian.tmpl")!.content).toBe(`## template:jinja\n${hosts}`);
        expect(files.find((f) => f.path === "/etc/cloud/cloud.cfg.d/99-billu-hostname.cfg")!.content).toBe(
            "# billu-infra: the dc step owns /etc/hostname.\npreserve_hostname: true\n",
        );
    });

    test("chrony: the PDC emulator (PAR-DC02 in the lab) follows the outside servers, the other DC follows it", () => {
        const chrony = (n: number) => dcStep(labDomain.dcs[n]).files.find((f) => f.path === "/etc/chrony/chrony.conf")!.content;
        expect(chrony(1)).toContain("pool 0.fr.pool.ntp.org iburst\n");
        expect(chrony(0)).toContain("server 10.20.10.12 iburst\n");
        expect(chrony(0)).not.toContain("pool.ntp.org");
        expect(chrony(0)).toContain("allow 10.20.10.0/24\nallow 172.16.120.0/24\n");
        expect(chrony(0)).toContain("ntpsigndsocket /var/lib/samba/ntp_signd\n");
    });

    test("fsmo: each configured role moves to its DC only when it is not there yet", () => {
        const s = sambaFsmoStep(labDomain, dc2).script;
        expect(dataOf(s)).toEqual({
            DC_LABEL: "par-dc02",
            DC_NAME: "PAR-DC02",
            DC_FQDN: "par-dc02.billu.remindme.lan",
            FSMO_PARTS: "PdcEmulationMasterRole:pdc RidAllocationMasterRole:rid InfrastructureMasterRole:infrastructure DomainDnsZonesMasterRole:domaindns",
        });
        expect(s).toContain("\nfor pair in $FSMO_PARTS; do\n");
        expect(s).toContain('if [ "$(holder "$show" "$now")" != "$DC_LABEL" ]; then');
        expect(s).toContain('st_admin fsmo transfer --role="$role" -H "ldap://$DC_FQDN"');
        expect(dataOf(sambaFsmoStep(labDomain, dc1).script).FSMO_PARTS).toBe(
            "SchemaMasterRole:schema DomainNamingMasterRole:naming ForestDnsZonesMasterRole:forestdns",
        );
    });

    test("domain: records and objects from the model, each created only when missing", () => {
        const step = sambaDomainStep(labDomain, dc1);
        const records = step.files.find((f) => f.path === "/etc/billu/domain/records.tsv")!.content;
        expect(records.split("\n")).toContain("par-fs01\t10.20.10.31\t10.20.10.in-addr.arpa\t31\ta");
        expect(records.split("\n")).toContain("par-fw01\t10.20.21.1\t21.20.10.in-addr.arpa\t1\t-");
        expect(renderObjectsTsv(labDomain).split("\n")).toEqual(
            expect.arrayContaining([
                "site\tPAR",
                "subnet\t10.20.21.0/24\tPAR",
                "group\tGRP-Linux-SSH",
                "user\tsvc-domain-join",
                "delegate\tsvc-domain-join\tCN=Computers,DC=billu,DC=remindme,DC=lan",
            ]),
        );
        expect(dataOf(step.script)).toMatchObject({ DOMAIN_FQDN: "billu.remindme.lan", DOMAIN_DN: "DC=billu,DC=remindme,DC=lan" });
        // The zones and records: one billu-samba-dns process (shipped verbatim with the step), the password in PASSWD,
        // the extra records' file only when there is one; its changes logged as the step's lines, a failure fatal.
        expect(step.files.find((f) => f.path === "/usr/local/sbin/billu-samba-dns")).toEqual({
            path: "/usr/local/sbin/billu-samba-dns",
            content: readFileSync(path.join(ROOT, "scripts", "dc", "billu-samba-dns.py"), "utf8"),
            mode: "0755",
        });
        const lines = step.script.split("\n");
        const call = lines.indexOf('PASSWD="$(billu_secret admin-password)" billu-samba-dns --domain "$DOMAIN_FQDN" --zones "$REVERSE_ZONES $EXTRA_ZONES" \\');
        expect(call).toBeGreaterThan(lines.indexOf("dc_wait_ready"));
        expect(lines.slice(call - 2, call + 5)).toEqual([
            'if [ "$HAS_EXTRA_RECORDS" = 1 ]; then set -- --extra-records /etc/billu/domain/extra-records.tsv; else set --; fi',
            "dns_rc=0",
            lines[call],
            '    --records /etc/billu/domain/records.tsv "$@" >"$BILLU_WORK/dns-changes" || dns_rc=$?',
            'while IFS= read -r line; do billu_log "$line"; done <"$BILLU_WORK/dns-changes"',
            '[ "$dns_rc" = 0 ] || billu_die "the DNS zones and records of this DC are not all as planned (billu-samba-dns exit $dns_rc, each problem named above)"',
            "tab=\"$(printf '\\t')\"",
        ]);
        // The subnets and groups: one billu-samba-objects process (shipped verbatim), after the loop that makes the site.
        expect(step.files.find((f) => f.path === "/usr/local/sbin/billu-samba-objects")).toEqual({
            path: "/usr/local/sbin/billu-samba-objects",
            content: readFileSync(path.join(ROOT, "scripts", "dc", "billu-samba-objects.py"), "utf8"),
            mode: "0755",
        });
        const objects = lines.indexOf('billu-samba-objects --objects /etc/billu/domain/objects.tsv >"$BILLU_WORK/object-changes" || obj_rc=$?');
        expect(objects).toBeGreaterThan(lines.indexOf("done < /etc/billu/domain/objects.tsv"));
        expect(lines.slice(objects + 1, objects + 3)).toEqual([
            'while IFS= read -r line; do billu_log "$line"; done <"$BILLU_WORK/object-changes"',
            '[ "$obj_rc" = 0 ] || billu_die "the subnets and groups of this domain are not all as planned (billu-samba-objects exit $obj_rc, each problem named above)"',
        ]);
        // No samba-tool process per record, subnet or group any more.
        expect(step.script).not.toMatch(/samba-tool sites subnet|samba-tool group add/);
        expect(step.script).not.toMatch(/st_admin dns|samba-tool dns/);
        expect(step.script).toContain('billu-samba-tool user create "$name" @BILLU_SECRET@');
        expect(step.secrets).toEqual([SECRET.admin, SECRET.join]);
    });
    test("domain: the zone of the public name, then the records services ask for, from one TSV file", () => {
        const step = sambaDomainStep(labDomain, dc1);
        expect(step.files.find((f) => f.path === "/etc/billu/domain/extra-records.tsv")!.content).toBe(
            [
                "billu.remindme.lan\tintranet\tA\t172.16.120.10\t-",
                "www.billu.example\t@\tA\t172.16.120.10\t-",
                "billu.remindme.lan\t@\tMX\tpar-mail01.billu.remindme.lan\t10",
                "",
            ].join("\n"),
        );
        expect(dataOf(step.script)).toMatchObject({ EXTRA_ZONES: "www.billu.example", HAS_EXTRA_RECORDS: "1" });
        // The zone and the records go to billu-samba-dns with the hosts' (its behaviour: billu-samba-dns.test.ts), before
        // the directory objects.
        const lines = step.script.split("\n");
        const call = lines.findIndex((l) => l.includes("billu-samba-dns --domain"));
        expect(call).toBeGreaterThan(0);
        expect(lines[call]).toContain('--zones "$REVERSE_ZONES $EXTRA_ZONES"');
        expect(call).toBeLessThan(lines.indexOf("done < /etc/billu/domain/objects.tsv"));
    });

    test("domain: a domain whose services ask for nothing gets no extra records file, the helper no --extra-records", () => {
        const bare = { ...labDomain, extraRecords: [], extraZones: [] };
        const step = sambaDomainStep(bare, dc1);
        expect(step.files.map((f) => f.path)).toEqual([
            "/usr/local/sbin/billu-samba-dns",
            "/usr/local/sbin/billu-samba-objects",
            "/etc/billu/domain/records.tsv",
            "/etc/billu/domain/objects.tsv",
        ]);
        // billu-samba-dns gets no --extra-records on this data (the reverse zones only).
        expect(dataOf(step.script)).toMatchObject({ EXTRA_ZONES: "", HAS_EXTRA_RECORDS: "0" });
        expect(step.script).toContain('\nif [ "$HAS_EXTRA_RECORDS" = 1 ]; then set -- --extra-records /etc/billu/domain/extra-records.tsv; else set --; fi\n');
        expect(renderExtraRecordsTsv(bare)).toBe("");
    });

    test("site-ca: the CA's PEM as a file from its secret, the domain's DN, then samba-helpers.sh and samba-site-ca.sh verbatim", () => {
        const step = sambaSiteCaStep(labDomain);
        expect(step.files).toEqual([{ path: "/etc/billu/domain/site-ca.pem", content: "{{secret:site-ca-cert}}" }]);
        expect(step.secrets).toEqual(["site-ca-cert"]);
        expect(dataOf(step.script)).toEqual({ DOMAIN_DN: "DC=billu,DC=remindme,DC=lan" });
        const sh = (f: string) => readFileSync(path.join(ROOT, "scripts", "dc", f), "utf8").trimEnd();
        expect(step.script.endsWith(`\n${sh("samba-helpers.sh")}\n${sh("samba-site-ca.sh")}`)).toBe(true);
        // The object's DN is the CA's common name under the container Windows members read.
        expect(sh("samba-site-ca.sh")).toContain('dn="CN=$cn,CN=Certification Authorities,CN=Public Key Services,CN=Services,CN=Configuration,$DOMAIN_DN"');
    });

    test("docs: the DNS section names the extra zone; every record services ask for with who asks and why", () => {
        const docs = domainDocs(labDomain);
        expect(docs.DNS.rows).toContainEqual(["zones for names outside the domain", "www.billu.example"]);
        expect(docs["DNS records for services"]).toEqual({
            columns: ["zone", "name", "type", "value", "asked by", "purpose"],
            rows: [
                ["billu.remindme.lan", "intranet", "A", "172.16.120.10", "billu:web.intranet.name", "the intranet site on PAR-WEB01"],
                [
                    "www.billu.example",
                    "@",
                    "A",
                    "172.16.120.10",
                    "billu:web.public.name",
                    "the public site on PAR-WEB01, reached directly from inside (no hairpin through the router)",
                ],
                ["billu.remindme.lan", "@", "MX", "10 par-mail01.billu.remindme.lan", "billu:mail.domain", "mail for billu.remindme.lan goes to PAR-MAIL01"],
            ],
        });
    });
});

describe("windows flavor", () => {
    const [dc1, dc2, dc3] = prodDomain.dcs;

    test("dc: the site's data, then scripts/dc/windows-dns-client.ps1 and windows-dc.ps1 verbatim; the branch chosen by FIRST_DC", () => {
        const forest = windowsDcStep(prodDomain, dc1).script;
        const join = windowsDcStep(prodDomain, dc3).script;
        expect(psDataOf(forest)).toEqual({
            FIRST_DC: "1",
            DOMAIN_FQDN: "billu.remindme.lan",
            NETBIOS_NAME: "BILLU",
            AD_SITE: "PAR",
            FIRST_FQDN: "par-dc01.billu.remindme.lan",
            DNS_SERVERS: "10.10.10.12 10.10.10.13 127.0.0.1",
            REBOOT_DELAY_SECONDS: "15",
            REBOOT_MARK,
        });
        expect(psDataOf(join)).toMatchObject({ FIRST_DC: "0", FIRST_FQDN: "par-dc01.billu.remindme.lan", DNS_SERVERS: "10.10.10.11 10.10.10.12 127.0.0.1" });
        for (const s of [forest, join]) {
            expect(bodyOf(s)).toBe(shipped("windows-dns-client.ps1", "windows-dc.ps1"));
            // Idempotence guard before anything else: an existing DC is left alone (no promotion, no reboot).
            expect(
                bodyOf(s)
                    .split("\r\n")
                    .find((l) => !l.startsWith("#") && !l.startsWith(" ") && !/^(function|\})/.test(l)),
            ).toBe("if ((Get-CimInstance Win32_ComputerSystem).DomainRole -ge 4) { Write-BilluLog 'already a domain controller'; return }");
            expect(s).toContain("shutdown.exe /r /t $REBOOT_DELAY_SECONDS /d p:4:2 /c 'billu: AD DS promotion'");
            expect(s.trimEnd().endsWith("Write-Output $REBOOT_MARK")).toBe(true);
            expect(s).not.toMatch(/Restart-Computer|Start-Sleep/);
            expect(secretUses(s)).toEqual([SECRET.dsrm, SECRET.admin, SECRET.admin]);
        }
    });

    test("no secret in an argument: every password goes through Get-BilluSecret into a SecureString", () => {
        const all = [
            ...prodDomain.dcs.flatMap((d) => [windowsDcStep(prodDomain, d), windowsReadyStep(prodDomain, d), windowsFsmoStep(prodDomain, d)]),
            windowsDomainStep(prodDomain),
        ];
        for (const step of all) {
            expect(step.script).not.toMatch(/-(AdminPassword|SafeModeAdministratorPassword|AccountPassword|Password)\s+'/);
            expect(step.script).not.toMatch(/ConvertTo-SecureString '/);
            for (const name of secretUses(step.script)) expect(step.secrets).toContain(name);
            expect(step.files).toEqual([]);
        }
    });

    test("ready: the data of each DC's time source and site name, then the verbatim scripts", () => {
        const [s1, s2, s3] = [dc1, dc2, dc3].map((d) => windowsReadyStep(prodDomain, d).script);
        expect(psDataOf(s1)).toEqual({
            DC_NAME: "PAR-DC01",
            DOMAIN_FQDN: "billu.remindme.lan",
            DNS_SERVERS: "10.10.10.12 10.10.10.13 127.0.0.1",
            FORWARDERS: "9.9.9.9 149.112.112.112",
            IS_PDC: "0",
            NTP_PEERS: "",
            PDC_NAME: "PAR-DC02",
            FIRST_DC: "1",
            AD_SITE: "PAR",
        });
        // Time: the PDC emulator (PAR-DC02) follows the outside servers; the others the domain hierarchy.
        expect(psDataOf(s2)).toMatchObject({ IS_PDC: "1", NTP_PEERS: "0.fr.pool.ntp.org,0x8 1.fr.pool.ntp.org,0x8", FIRST_DC: "0" });
        expect(psDataOf(s3)).toMatchObject({ IS_PDC: "0", NTP_PEERS: "", FIRST_DC: "0" });
        for (const s of [s1, s2, s3]) expect(bodyOf(s)).toBe(shipped("windows-dns-client.ps1", "windows-ldaps-cert.ps1", "windows-ready.ps1"));
        expect(s1).toContain("$deadline = (Get-Date).AddMinutes(20)");
        expect(s1).toContain('throw "${DC_NAME}: AD DS not ready within 20 minutes (ADWS or Get-ADDomain failing)"');
        expect(s1).toContain("if (Import-BilluLdapsCert (Get-BilluSecret 'ldaps-cert') (Get-BilluSecret 'ldaps-key')) {");
    });

    test("fsmo: the roles the model gives each DC, by the AD module's names", () => {
        expect(psDataOf(windowsFsmoStep(prodDomain, dc1).script)).toEqual({
            DC_NAME: "PAR-DC01",
            DC_FQDN: "par-dc01.billu.remindme.lan",
            ROLES: "SchemaMaster DomainNamingMaster",
        });
        expect(psDataOf(windowsFsmoStep(prodDomain, dc2).script)).toEqual({
            DC_NAME: "PAR-DC02",
            DC_FQDN: "par-dc02.billu.remindme.lan",
            ROLES: "PDCEmulator RIDMaster",
        });
        expect(psDataOf(windowsFsmoStep(prodDomain, dc3).script)).toEqual({
            DC_NAME: "PAR-DC03",
            DC_FQDN: "par-dc03.billu.remindme.lan",
            ROLES: "InfrastructureMaster",
        });
        expect(bodyOf(windowsFsmoStep(prodDomain, dc2).script)).toBe(shipped("windows-fsmo.ps1"));
    });

    test("domain: subnets, host records, the partner's conditional forwarder, groups and join account as data tables", () => {
        const s = windowsDomainStep(prodDomain).script;
        const data = psDataOf(s);
        expect(bodyOf(s)).toBe(shipped("windows-domain.ps1"));
        expect(Object.keys(data)).toEqual([
            "DOMAIN_FQDN",
            "DOMAIN_DN",
            "NETBIOS_NAME",
            "AD_SITE",
            "SUBNETS",
            "HOST_RECORDS",
            "EXTRA_ZONES",
            "EXTRA_RECORDS",
            "FORWARD_ZONES",
            "LINUX_GROUPS",
            "JOIN_ACCOUNT",
        ]);
        const rows = (t: string) => t.split("\r\n").map((r) => r.split("\t"));
        expect(rows(data.SUBNETS)).toContainEqual(["10.10.10.0/24", "10.10.10.in-addr.arpa"]);
        expect(rows(data.SUBNETS)).toHaveLength(prodDomain.subnets.length);
        expect(rows(data.HOST_RECORDS)).toContainEqual(["par-fs01", "10.10.10.31", "10.10.10.in-addr.arpa", "31", "a"]);
        expect(rows(data.HOST_RECORDS)).toHaveLength(prodDomain.records.length);
        expect(rows(data.FORWARD_ZONES)).toEqual([["ecotech.lan", "10.30.10.11,10.30.10.12"]]);
        expect(data).toMatchObject({ DOMAIN_DN: "DC=billu,DC=remindme,DC=lan", LINUX_GROUPS: "GRP-Linux-SSH GRP-Linux-Sudo", JOIN_ACCOUNT: "svc-domain-join" });
        // No members, no login groups: no join account, no groups, no secret.
        const bare = windowsDomainStep({ ...prodDomain, members: [], linuxLogin: undefined });
        expect(psDataOf(bare.script)).toMatchObject({ LINUX_GROUPS: "", JOIN_ACCOUNT: "" });
        expect(bare.secrets).toEqual([]);
        expect(windowsDomainStep(prodDomain).secrets).toEqual([SECRET.join]);
    });

    test("domain: the public name's zone and the records services ask for, as the Samba flavor's table", () => {
        const data = psDataOf(windowsDomainStep(prodDomain).script);
        expect(data.EXTRA_ZONES).toBe("www.billu.example");
        expect(data.EXTRA_RECORDS.split("\r\n")).toEqual([
            "billu.remindme.lan\tintranet\tA\t172.16.100.10\t-",
            "www.billu.example\t@\tA\t172.16.100.10\t-",
            "billu.remindme.lan\t@\tMX\tpar-mail01.billu.remindme.lan\t10",
        ]);
        expect(data.EXTRA_RECORDS + "\r\n").toBe(renderExtraRecordsTsv(prodDomain).replace(/\n/g, "\r\n"));
        // Nothing asked: empty data, the same script.
        const bare = windowsDomainStep({ ...prodDomain, extraRecords: [], extraZones: [] }).script;
        expect(psDataOf(bare)).toMatchObject({ EXTRA_ZONES: "", EXTRA_RECORDS: "" });
    });

    test("site-ca: the container's DN as data, then scripts/dc/windows-site-ca.ps1 verbatim; the CA from stdin", () => {
        const step = windowsSiteCaStep(prodDomain);
        expect(psDataOf(step.script)).toEqual({
            CA_CONTAINER: "CN=Certification Authorities,CN=Public Key Services,CN=Services,CN=Configuration,DC=billu,DC=remindme,DC=lan",
        });
        expect(certificationAuthoritiesDn(prodDomain)).toBe(psDataOf(step.script).CA_CONTAINER);
        expect(bodyOf(step.script)).toBe(shipped("windows-site-ca.ps1"));
        expect(step.files).toEqual([]);
        expect(step.secrets).toEqual([SECRET.caCert]);
    });

    test("the reboot wait: the DC's data, then scripts/dc/reboot-wait.sh verbatim", () => {
        const s = renderRebootWait(dc1);
        expect(dataOf(s)).toEqual({ DC_NAME: "PAR-DC01", DC_ADDRESS: "10.10.10.11", SSH_PORT: "22" });
        expect(s.endsWith(readFileSync(path.join(ROOT, "scripts", "dc", "reboot-wait.sh"), "utf8").trimEnd())).toBe(true);
    });

    /**
     * Runs the rendered wait with bash, `timeout` and `sleep` replaced by shell functions defined before it: probe n
     * finds the SSH port open unless downAt <= n < upAt. Its exit code, stderr and the probes made.
     */
    function rebootWait(reboot: string | undefined, downAt: number, upAt: number) {
        const dir = mkdtempSync(path.join(tmpdir(), "billu-reboot-wait-"));
        const fakes = [`n=0; timeout() { n=$((n + 1)); echo "$*" >>'${dir}/probes'; [ "$n" -lt ${downAt} ] || [ "$n" -ge ${upAt} ]; }`, "sleep() { :; }"];
        // HOME: the scratch folder, so no profile of this machine runs.
        const env = { PATH: process.env.PATH, HOME: dir, ...(reboot === undefined ? {} : { BILLU_REBOOT: reboot }) };
        const r = spawnSync("/bin/bash", ["-c", [...fakes, renderRebootWait(dc1)].join("\n")], { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        const probes = existsSync(path.join(dir, "probes")) ? readFileSync(path.join(dir, "probes"), "utf8").trimEnd().split("\n") : [];
        return { status: r.status, stderr: r.stderr, probes };
    }

    test("the reboot wait runs only after a scheduled reboot, waits for the port to go down then up, bounded both ways", () => {
        expect(rebootWait(undefined, 1, 1)).toEqual({ status: 0, stderr: "", probes: [] });
        expect(rebootWait("0", 1, 1)).toEqual({ status: 0, stderr: "", probes: [] });
        // Up twice, down three probes, then up: done at the first probe that finds it back.
        const ok = rebootWait("1", 3, 6);
        expect(ok).toEqual({ status: 0, stderr: "", probes: Array(6).fill("3 bash -c exec 3<>/dev/tcp/10.10.10.11/22") });
        // Never goes down: gives up after 300 probes (5 min).
        expect(rebootWait("1", 10000, 10000)).toEqual({
            status: 1,
            stderr: "PAR-DC01 did not go down for its reboot within 5 min\n",
            probes: Array(300).fill(expect.any(String)),
        });
        // Goes down, never comes back: 900 more probes (15 min).
        expect(rebootWait("1", 1, 10000)).toEqual({
            status: 1,
            stderr: "PAR-DC01 did not come back from its reboot within 15 min\n",
            probes: Array(901).fill(expect.any(String)),
        });
    });
});

describe("Debian members", () => {
    const d: DomainModel = labDomain;
    const host = lab.host("PAR-FS01");
    test("SSSD: AD identities, only the two login groups may log on, DNS left to the DC step", () => {
        const conf = renderSssdConf(d, host).split("\n");
        for (const line of [
            "id_provider = ad",
            "ad_server = par-dc01.billu.remindme.lan, par-dc02.billu.remindme.lan",
            "access_provider = simple",
            "simple_allow_groups = GRP-Linux-SSH, GRP-Linux-Sudo",
            "dyndns_update = false",
        ]) {
            expect(conf).toContain(line);
        }
        expect(renderSudoers(d)).toBe("# Generated by billu-infra: members of the AD group GRP-Linux-Sudo may sudo.\n%grp-linux-sudo ALL=(ALL:ALL) ALL\n");
    });
    test("the join reads the join account's password on stdin, once", () => {
        const step = memberJoinStep(d, host);
        expect(dataOf(step.script)).toEqual({
            HOST_NAME: "PAR-FS01",
            HOST_FQDN: "par-fs01.billu.remindme.lan",
            COMPUTER_NAME: "PAR-FS01",
            DOMAIN_FQDN: "billu.remindme.lan",
            REALM: "BILLU.REMINDME.LAN",
            JOIN_ACCOUNT: "svc-domain-join",
            DC_FQDN: "par-dc01.billu.remindme.lan",
        });
        expect(step.script).toContain('billu_secret join-password | adcli join --domain="$DOMAIN_FQDN" --domain-realm="$REALM" --domain-controller="$DC_FQDN"');
        expect(step.script).toContain('if ! klist -k /etc/krb5.keytab 2>/dev/null | grep -qi "host/$HOST_FQDN@$REALM"; then');
        expect(step.files.map((f) => [f.path, f.mode ?? "0644", f.check ?? ""])).toEqual([
            ["/etc/krb5.conf", "0644", ""],
            ["/etc/sssd/sssd.conf", "0600", ""],
            ["/etc/sudoers.d/billu-ad", "0440", "visudo -cq -f {}"],
            ["/etc/ssh/sshd_config.d/10-billu-ad.conf", "0644", ""],
        ]);
    });
    test("sshd takes AD users' tickets and passwords, ahead of cloud-init's drop-in, and is reloaded only when that changed", () => {
        expect(renderSshdAd(d)).toBe(
            [
                "# Generated by billu-infra: SSH logons of billu.remindme.lan's users with a Kerberos ticket (GSSAPI) or their password (PAM, SSSD).",
                "PasswordAuthentication yes",
                "GSSAPIAuthentication yes",
                "GSSAPICleanupCredentials yes",
                "UsePAM yes",
                "",
            ].join("\n"),
        );
        // sshd keeps the first value of a keyword: the drop-in sorts before cloud-init's 50-cloud-init.conf.
        expect(MEMBER_PATHS.sshd < "/etc/ssh/sshd_config.d/50-cloud-init.conf").toBe(true);
        expect(memberJoinStep(d, host).script).toContain("if billu_changed /etc/ssh/sshd_config.d/10-billu-ad.conf; then sshd -t && systemctl reload ssh; fi");
    });
});
