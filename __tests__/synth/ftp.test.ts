/**
 * The FTP server through the service seam: the committed dev and prod stacks with PAR-FTP01 (its host, billu:ftp and
 * its flows), synthesized: the FtpServer on its BaseServer, its step after the domain join, its certificate from the
 * site CA, the flows rendered into the router's ruleset and the VM's Proxmox firewall, no secret rendered.
 * Expected values come from the model (the plan) and the stack files, never from the rendered files.
 */
import { readFileSync } from "fs";
import * as path from "path";
import type { FtpPlan } from "../../model/ftp";
import { model, orderingDeps, secretLeaks, stackRaw } from "../helpers";
import { serviceSynth } from "./shared";

const s = serviceSynth<FtpPlan>("ftp");
const { plan, rendered } = s;

test("dev and prod synthesize cleanly with their FTP server: exit 0, no policy violation, an empty stderr", () => {
    expect([s.r.exitCode, s.r.violations, s.stderr]).toEqual([0, [], ""]);
    expect([s.prod.exitCode, s.prod.violations, s.prodStderr]).toEqual([0, [], ""]);
    expect(s.prod.resources.filter((x) => x.type === "billu:ftp:FtpServer").map((x) => [x.name, x.inputs.host, x.inputs.passivePorts])).toEqual([
        ["par-ftp01", "PAR-FTP01", "40000-40099"],
    ]);
});

test("PAR-FTP01 is an FtpServer on its BaseServer; its step waits for the domain join, which waits for the base step", () => {
    expect(
        s.r.resources
            .filter((x) => x.name === "par-ftp01")
            .map((x) => x.type)
            .sort(),
    ).toEqual(["billu:compute:BaseServer", "billu:compute:ProxmoxVm", "billu:ftp:FtpServer"]);
    const urn = (name: string) => s.r.resources.find((x) => x.name === name)!.urn;
    const prepare = s.r.resources.find((x) => x.name === "par-ftp01-ftp-server-prepare")!;
    expect(orderingDeps(prepare)).toContain(urn("par-ftp01-ad-join-apply"));
    expect(orderingDeps(s.r.resources.find((x) => x.name === "par-ftp01-ad-join-prepare")!)).toContain(urn("par-ftp01-base-apply"));
    const ftp = s.r.resources.find((x) => x.type === "billu:ftp:FtpServer")!;
    expect(ftp.inputs).toEqual({
        host: plan.host.name,
        fqdn: plan.fqdn,
        address: plan.host.address,
        passivePorts: `${plan.passive.min}-${plan.passive.max}`,
        allowedZones: plan.allowedZones.map((z) => z.name),
        folders: plan.folders.map((f) => f.name),
    });
});

test("its certificate: the site CA's, for the FQDN and the address in the plan, for server authentication", () => {
    const csr = s.r.resources.find((x) => x.type === "tls:index/certRequest:CertRequest" && x.name === "par-ca-par-ftp01-ftp-csr")!;
    expect(csr.inputs.dnsNames).toEqual([plan.fqdn]);
    expect(csr.inputs.ipAddresses).toEqual([plan.host.address]);
    expect((csr.inputs.subject as { commonName: string }).commonName).toBe(plan.fqdn);
    const cert = s.r.resources.find((x) => x.name === "par-ca-par-ftp01-ftp-cert")!;
    expect(cert.inputs.allowedUses).toEqual(["digital_signature", "key_encipherment", "server_auth"]);
    // Signed by the site CA: the mocks answer its self-signed certificate (par-ca-cert) with `mock-par-ca-cert`.
    expect(cert.inputs.caCertPem).toContain("mock-par-ca-cert");
});

test("the rendered step: vsftpd's range and address from the plan, PAM's table from the plan's zones, no secret", () => {
    const conf = rendered("etc/vsftpd.conf");
    expect(conf).toContain(`\npasv_min_port=${plan.passive.min}\npasv_max_port=${plan.passive.max}\npasv_address=${plan.advertisedAddress}\n`);
    expect(rendered("etc/billu/ftp/access.conf")).toContain(`: ${plan.allowedZones.map((z) => z.cidr).join(" ")}\n`);
    expect(rendered("etc/billu/ftp/key.pem")).toBe("{{secret:ftp-key}}");
    const run = rendered("var/lib/billu/stage/ftp-server/run.sh");
    expect(run).toContain("billu_install '/etc/vsftpd.conf'");
    expect(run).toContain("billu_install '/etc/pam.d/vsftpd'");
    expect(secretLeaks(path.join(s.out, "rendered", plan.host.name), ["PRIVATE KEY", "BEGIN CERTIFICATE"])).toEqual([]);
});

test("the flows: the router accepts the control port and the passive range from each allowed zone only, and so does the VM's firewall", () => {
    const nft = readFileSync(path.join(s.out, "rendered", "PAR-FW01", "etc", "nftables.conf"), "utf8");
    const toFtp = nft.split("\n").filter((l) => l.includes(`ip daddr ${plan.host.address} `) && /dport (21|40000-40099) /.test(l));
    expect(toFtp.map((l) => l.replace(/.* ip saddr (\S+) ip daddr \S+ tcp dport (\S+) .*/, "$1 $2"))).toEqual(
        plan.allowedZones.flatMap((z) => [`${z.cidr} 21`, `${z.cidr} ${plan.passive.min}-${plan.passive.max}`]),
    );
    const rules = s.r.resources.find((x) => x.name === "par-ftp01-firewall-rules")!.inputs.rules as { source: string; dport: string; proto: string }[];
    expect(
        rules.filter((x) => x.dport === "21" || x.dport === `${plan.passive.min}:${plan.passive.max}`).map((x) => `${x.source} ${x.proto}/${x.dport}`),
    ).toEqual(plan.allowedZones.flatMap((z) => [`${z.cidr} tcp/21`, `${z.cidr} tcp/${plan.passive.min}:${plan.passive.max}`]));
});

test("monitoring watches vsftpd and its failed logins on PAR-FTP01", () => {
    const doc = JSON.parse(readFileSync(path.join(s.out, "rendered", "PAR-MON01", "etc", "billu", "monitoring", "zabbix-config.json"), "utf8"));
    expect(doc.hosts.find((h: { host: string }) => h.host === plan.host.name).templates).toEqual(["BillU Linux base", "BillU vsftpd", "BillU inventory agent"]);
    const t = doc.templates.find((x: { name: string }) => x.name === "BillU vsftpd");
    expect(t.items.find((i: { type: string }) => i.type === "agent-active")).toMatchObject({
        key: 'log[/var/log/vsftpd.log,"FAIL LOGIN",,,skip]',
        valueType: "log",
    });
    // The threshold is billu:monitoring.thresholds.ftpFailedLogins (dev keeps its default, 5).
    const fails = model(stackRaw("dev")).plan<{ thresholds: { ftpFailedLogins: number } }>("monitoring")!.thresholds.ftpFailedLogins;
    expect(t.macros).toContainEqual({ macro: "{$BILLU.FTP.FAILS}", value: String(fails) });
    expect(t.triggers.map((x: { expression: string; severity: string }) => [x.expression, x.severity])).toContainEqual([
        'count(/BillU vsftpd/log[/var/log/vsftpd.log,"FAIL LOGIN",,,skip],10m)>={$BILLU.FTP.FAILS}',
        "warning",
    ]);
});
