/**
 * Conditional forwarders on a Samba DC (components/domain-controller/samba-forwarders.ts): ecotech's ECO-DC01 forwards
 * BillU's zone (the VPN pairing's conditional forwarder) through unbound, which its internal DNS asks first.
 */
import { execFileSync } from "child_process";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { renderSmbConf } from "../../components/domain-controller/samba";
import { LOCAL_FORWARDER, renderUnboundForwarders, sambaDnsForwarders, sambaForwardersStep } from "../../components/domain-controller/samba-forwarders";
import { model, stackRaw } from "../helpers";

const eco = model(stackRaw("ecotech"));
const domain = eco.domain!;
const dc = domain.dcs[0];
const billu = model(stackRaw("prod"));
// What the VPN pairing gives ecotech (model/vpn.ts): BillU's domain to BillU's DCs.
const conditional = [{ domain: billu.domain!.fqdn, servers: billu.domain!.dcs.map((d) => d.address) }];

test("smb.conf asks the local unbound first, then the global forwarders; unchanged without conditional forwarders", () => {
    expect(sambaDnsForwarders(domain, conditional)).toEqual([LOCAL_FORWARDER, ...domain.forwarders]);
    expect(renderSmbConf(domain, dc, conditional)).toContain(`    dns forwarder = 127.0.0.53 ${domain.forwarders.join(" ")}\n`);
    expect(renderSmbConf(domain, dc)).toContain(`    dns forwarder = ${domain.forwarders.join(" ")}\n`);
});

test("unbound: the partner zone to the partner's DCs (no DNSSEC for it), the rest upstream, listening on 127.0.0.53 only", () => {
    const conf = renderUnboundForwarders(domain, dc, conditional);
    const body = conf.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    expect(body).toEqual([
        "server:",
        "    interface: 127.0.0.53",
        "    port: 53",
        "    do-ip6: no",
        "    access-control: 127.0.0.0/8 allow",
        `    domain-insecure: "${billu.domain!.fqdn}"`,
        `    private-domain: "${billu.domain!.fqdn}"`,
        "forward-zone:",
        `    name: "${billu.domain!.fqdn}"`,
        ...billu.domain!.dcs.map((d) => `    forward-addr: ${d.address}`),
        "forward-zone:",
        '    name: "."',
        ...domain.forwarders.map((s) => `    forward-addr: ${s}`),
    ]);
});

test("the dns-forward step: its file, its data, a body sh accepts", () => {
    const step = sambaForwardersStep(domain, dc, conditional);
    expect(step.files.map((f) => f.path)).toEqual(["/etc/unbound/unbound.conf.d/billu-forwarders.conf"]);
    expect(step.script.split("\n").filter((l) => /^[A-Z_]+=/.test(l))).toEqual([
        "UNBOUND_CONF='/etc/unbound/unbound.conf.d/billu-forwarders.conf'",
        "LOCAL_FORWARDER='127.0.0.53'",
        `ZONES='${billu.domain!.fqdn}'`,
    ]);
    const file = path.join(mkdtempSync(path.join(tmpdir(), "billu-fwd-")), "run.sh");
    writeFileSync(file, step.script);
    expect(() => execFileSync("sh", ["-n", file])).not.toThrow();
});
