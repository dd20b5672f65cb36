/**
 * What a first and a later `pulumi up` on a real cluster need from the registered resources (issue #16), checked on
 * prod's synthesis: prod has Windows and Debian guests, stateful and stateless VMs and a pool.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { RecordedResource } from "../../tools/mock-runtime";
import { SynthResult } from "../../tools/synth";
import { filesUnder } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "./shared";

let r: SynthResult;
let OUT: string;
const VM = "proxmoxve:index/vmLegacy:VmLegacy";

beforeAll(async () => {
    ({ r, out: OUT } = await committedSynth("prod"));
}, SYNTH_TIMEOUT);

const byUrn = () => new Map(r.resources.map((x) => [x.urn, x] as const));
/** The host a guest step's resource works on: `par-dc01-...` under the host's component. */
const vmOfHost = (host: string): RecordedResource => r.resources.find((x) => x.type === VM && x.inputs.name === host)!;

test("synthesizes clean", () => {
    expect(r.exitCode).toBe(0);
});

test("every guest command and copy is replaced with the VM it connects to, so a re-created VM is configured again", () => {
    const urns = byUrn();
    const remote = r.resources.filter((x) => x.type.startsWith("command:remote:"));
    expect(remote.length).toBeGreaterThan(100);
    // Exactly one VM each (connections are secret here, so the host is read from the step's name where it has one).
    expect(remote.filter((x) => x.options.replaceWith.length !== 1 || urns.get(x.options.replaceWith[0])?.type !== VM).map((x) => x.urn)).toEqual([]);
    const named = remote.filter((x) => /^par-[a-z]+\d\d-/.test(x.name));
    expect(named.length).toBeGreaterThan(100);
    // The mail server's and GLPI's `directory` steps run on the first DC (their service accounts and aliases live in AD).
    const hostOf = (name: string) => (/^par-(mail01|glpi01)-directory-/.test(name) ? "PAR-DC01" : name.split("-").slice(0, 2).join("-").toUpperCase());
    const wrong = named.filter((x) => x.options.replaceWith[0] !== vmOfHost(hostOf(x.name))?.urn);
    expect(wrong.map((x) => x.urn)).toEqual([]);
    // Every VM's steps follow it.
    const followed = new Set(remote.map((x) => urns.get(x.options.replaceWith[0])!.inputs.name));
    expect([...followed].sort()).toEqual(
        r.resources
            .filter((x) => x.type === VM)
            .map((x) => x.inputs.name)
            .sort(),
    );
});

test("each VM's Proxmox firewall (rules, IP set, options) is replaced with its VM", () => {
    const fw = r.resources.filter((x) => x.type.startsWith("proxmoxve:firewall/") && x.inputs.vmId !== undefined);
    expect(fw.length).toBeGreaterThan(0);
    const wrong = fw.filter((x) => {
        const vm = r.resources.find((v) => v.type === VM && v.inputs.vmId === x.inputs.vmId);
        return JSON.stringify(x.options.replaceWith) !== JSON.stringify([vm?.urn]);
    });
    expect(wrong.map((x) => x.urn)).toEqual([]);
});

test("VMs are deleted before they are replaced (their id and address are fixed), and join the pool the stack creates", () => {
    const vms = r.resources.filter((x) => x.type === VM);
    expect(vms.filter((v) => !v.options.deleteBeforeReplace).map((v) => v.inputs.name)).toEqual([]);
    const pools = r.resources.filter((x) => x.type === "proxmoxve:index/poolLegacy:PoolLegacy");
    expect(pools.map((p) => p.inputs.poolId)).toEqual(["billu"]);
    expect(vms.filter((v) => v.inputs.poolId !== "billu" || !v.options.dependsOn.includes(pools[0].urn)).map((v) => v.inputs.name)).toEqual([]);
});

test("the cloud-init drive is pinned to ide2 on every VM, a slot no disk uses (the OS disk is scsi0, data disks scsi1..)", () => {
    const vms = r.resources.filter((x) => x.type === VM);
    const wrong = vms.filter((v) => {
        const init = v.inputs.initialization as { interface?: string };
        const disks = (v.inputs.disks as { interface: string }[]).map((d) => d.interface);
        return init.interface !== "ide2" || disks.includes("ide2") || disks[0] !== "scsi0";
    });
    expect(wrong.map((v) => v.inputs.name)).toEqual([]);
});

test("no deprecated VM input (timeoutMoveDisk: the provider warns on every run)", () => {
    expect(r.resources.filter((x) => x.type === VM && "timeoutMoveDisk" in x.inputs).map((x) => x.inputs.name)).toEqual([]);
});

test("every rendered Linux step installs packages through billu_apt_install (cloud-init waited for, lists refreshed), none directly", () => {
    const rendered = path.join(OUT, "rendered");
    const direct = filesUnder(rendered)
        .filter((f) => !f.endsWith("billu-lib.sh"))
        .filter((f) => /apt-get[^\n]*\binstall\b/.test(readFileSync(f, "utf8")))
        .map((f) => path.relative(rendered, f));
    expect(direct).toEqual([]);
    const users = filesUnder(rendered).filter((f) => f.endsWith("run.sh") && readFileSync(f, "utf8").includes("billu_apt_install "));
    expect(users.length).toBeGreaterThanOrEqual(8);
});

test("prod: an HA group per node preferring it, and every stateful VM an HA resource of its home node's group", () => {
    const groups = r.resources.filter((x) => x.type === "proxmoxve:index/hagroup:Hagroup").map((x) => [x.inputs.group, x.inputs.nodes, x.inputs.restricted]);
    expect(groups).toEqual([
        ["ha-pve1", { pve1: 2, pve2: 1, pve3: 1 }, false],
        ["ha-pve2", { pve1: 1, pve2: 2, pve3: 1 }, false],
        ["ha-pve3", { pve1: 1, pve2: 1, pve3: 2 }, false],
    ]);
    const vms = r.resources.filter((x) => x.type === VM);
    const ha = r.resources
        .filter((x) => x.type === "proxmoxve:index/haresource:Haresource")
        .map((x) => {
            const vm = vms.find((v) => `vm:${String(v.inputs.vmId)}` === x.inputs.resourceId)!;
            // Its home node's group: the group named after the node the VM is placed on.
            return [vm.inputs.name, x.inputs.group === `ha-${String(vm.inputs.nodeName)}`, x.inputs.state, x.options.replaceWith[0] === vm.urn];
        });
    expect(ha).toEqual([
        ["PAR-BKP01", true, "started", true],
        ["PAR-DC01", true, "started", true],
        ["PAR-DC02", true, "started", true],
        ["PAR-DC03", true, "started", true],
        ["PAR-FS01", true, "started", true],
        ["PAR-FTP01", true, "started", true],
        ["PAR-GLPI01", true, "started", true],
        ["PAR-LOG01", true, "started", true],
        ["PAR-MAIL01", true, "started", true],
        ["PAR-MON01", true, "started", true],
        ["PAR-PBX01", true, "started", true],
    ]);
    expect(r.violations).toEqual([]);
});

test("knownHosts: one known_hosts line per Debian guest, the key the stack generated; Windows guests have none (#16)", () => {
    const debian = [
        "PAR-BKP01",
        "PAR-DHCP01",
        "PAR-DHCP02",
        "PAR-FS01",
        "PAR-FTP01",
        "PAR-FW01",
        "PAR-GLPI01",
        "PAR-LOG01",
        "PAR-MAIL01",
        "PAR-MON01",
        "PAR-MX01",
        "PAR-PBX01",
        "PAR-WEB01",
    ];
    const address = (h: string) =>
        (vmOfHost(h).inputs.initialization as { ipConfigs: { ipv4: { address: string } }[] }).ipConfigs[0].ipv4.address.split("/")[0];
    // The mocks answer a PrivateKey with `ecdsa-sha2-nistp384 mock-<name>` whatever the algorithm.
    expect(r.outputs.knownHosts).toBe(debian.map((h) => `${address(h)} ecdsa-sha2-nistp384 mock-${h.toLowerCase()}-host-key\n`).join(""));
    expect(
        r.resources.filter((x) => x.type === "tls:index/privateKey:PrivateKey" && x.name.endsWith("-host-key")).map((x) => [x.name, x.inputs.algorithm]),
    ).toEqual(debian.map((h) => [`${h.toLowerCase()}-host-key`, "ED25519"]).sort());
});
