/**
 * The WSUS server through the service seam: prod (PAR-WSUS01, billu:wsus, its GPO and flows) synthesized: the
 * WsusServer with its BaseServer and VM (the content's data disk), its step after the base step, the files it pushes,
 * the clients' flow rendered into the router's ruleset. Expected values come from the model and the stack file.
 */
import { readFileSync } from "fs";
import * as path from "path";
import type { WsusPlan } from "../../model/wsus";
import { SynthResult } from "../../tools/synth";
import { model, orderingDeps, stackRaw } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "./shared";

const m = model(stackRaw("prod"));
const plan = m.plan<WsusPlan>("wsus")!;
const host = m.hosts.find((h) => h.name === plan.host)!;
let r: SynthResult;
let out: string;
let stderr: string;

beforeAll(async () => {
    ({ r, out, stderr } = await committedSynth("prod"));
}, SYNTH_TIMEOUT);

test("prod synthesizes cleanly with its WSUS server: exit 0, no policy violation, an empty stderr", () => {
    expect([r.exitCode, r.violations, stderr]).toEqual([0, [], ""]);
    expect(r.resources.filter((x) => x.type === "billu:wsus:WsusServer").map((x) => [x.name, x.inputs])).toEqual([
        ["par-wsus01", { host: "PAR-WSUS01", url: "https://par-wsus01.billu.remindme.lan:8531", contentDir: "D:\\WSUS" }],
    ]);
});

test("its VM has the OS disk and the content's data disk of the host's model; the wsus step waits for the base step", () => {
    const vm = r.resources.find((x) => x.type === "proxmoxve:index/vmLegacy:VmLegacy" && x.name === "par-wsus01-vm")!;
    expect((vm.inputs.disks as { interface: string; datastoreId: string; size: number }[]).map((d) => [d.interface, d.datastoreId, d.size])).toEqual(
        host.disks.map((d, i) => [`scsi${i}`, d.datastore, d.sizeGiB]),
    );
    const urn = (name: string) => r.resources.find((x) => x.name === name)!.urn;
    expect(orderingDeps(r.resources.find((x) => x.name === "par-wsus01-wsus-prepare")!)).toContain(urn("par-wsus01-base-apply"));
});

test("the step pushes the functions as shipped and the plan's data", () => {
    const dir = path.join(out, "rendered", plan.host, "C", "ProgramData", "billu", "wsus");
    const shipped = readFileSync(path.join(__dirname, "..", "..", "scripts", "wsus", "wsus.ps1"), "utf8");
    expect(readFileSync(path.join(dir, "wsus.ps1"), "utf8")).toBe(shipped.replace(/\r?\n/g, "\r\n"));
    const data = JSON.parse(readFileSync(path.join(dir, "wsus.json"), "utf8"));
    expect([data.host, data.port, data.contentDir, data.products, data.classifications]).toEqual([
        plan.host,
        plan.port,
        plan.contentDir,
        plan.products,
        plan.classifications,
    ]);
    expect(data.dataDiskBytes).toBe(host.disks[1].sizeGiB * 1024 ** 3);
});

test("over HTTPS: the site CA issues the WSUS site's certificate for the FQDN and address, and only the wsus step receives it, on stdin", () => {
    const csrs = r.resources.filter((x) => x.type === "tls:index/certRequest:CertRequest" && x.name.endsWith("-par-wsus01-wsus-csr"));
    expect(csrs.map((c) => [c.inputs.subject, c.inputs.dnsNames, c.inputs.ipAddresses])).toEqual([
        [{ commonName: plan.fqdn, organization: "BillU" }, [plan.fqdn], [host.address]],
    ]);
    const apply = r.resources.find((x) => x.name === "par-wsus01-wsus-apply")!;
    expect([apply.inputs.stdin, apply.inputs.logging]).toEqual(["[secret]", "none"]);
    expect(apply.options.additionalSecretOutputs).toEqual(expect.arrayContaining(["stdout", "stderr"]));
});

test("the router lets every department zone reach WSUS on tcp/8531 (HTTPS), and only that port", () => {
    const nft = readFileSync(path.join(out, "rendered", "PAR-FW01", "etc", "nftables.conf"), "utf8");
    const lines = nft.split("\n").filter((l) => l.includes(`ip daddr ${host.address} `) && l.includes("kind:department -> PAR-WSUS01"));
    const departments = m.zones.filter((z) => z.kind === "department");
    expect(lines.map((l) => / ip saddr (\S+) .* tcp dport (\d+) /.exec(l)!.slice(1))).toEqual(departments.map((z) => [z.cidr.text, String(plan.port)]));
    expect(plan.port).toBe(8531);
});
