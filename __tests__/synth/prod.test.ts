/** Offline synthesis of the committed prod stack: clean, stateful VMs protected, DCs spread over nodes. */
import { readFileSync } from "fs";
import * as path from "path";
import { BACKUP_CLIENT_TYPE } from "../../components/contracts";
import { SynthResult } from "../../tools/synth";
import { AssetsPlan, glpiTarballUrl } from "../../model/assets";
import { model, ROOT, stackRaw } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "./shared";

let r: SynthResult;
let out: string;
let stderr: string;

beforeAll(async () => {
    ({ r, out, stderr } = await committedSynth("prod"));
}, SYNTH_TIMEOUT);

test("synthesizes clean", () => {
    expect(stderr).toBe("");
    expect(r.error).toBeUndefined();
    expect(r.violations).toEqual([]);
    expect(r.exitCode).toBe(0);
});

test("every stateful VM has its in-guest backup client, and prod's policy config lowers no rule (the in-guest rule is mandatory)", () => {
    const clients = r.resources.filter((x) => x.type === BACKUP_CLIENT_TYPE).map((x) => x.inputs.host);
    const stateful = r.resources
        .filter((x) => x.type === "proxmoxve:index/vmLegacy:VmLegacy" && x.inputs.name !== "PAR-BKP01" && (x.inputs.tags as string[]).includes("stateful"))
        .map((x) => x.inputs.name);
    expect(stateful.length).toBeGreaterThan(0);
    expect(clients.sort()).toEqual(stateful.sort());
    expect(JSON.parse(readFileSync(path.join(ROOT, "policies", "config.prod.json"), "utf8"))).toEqual({});
});

test("stateful VMs are protected and retained; the others are not", () => {
    const vms = r.resources.filter((x) => x.type === "proxmoxve:index/vmLegacy:VmLegacy");
    const protectedVms = vms.filter((v) => v.options.protect && v.options.retainOnDelete && v.inputs.protection === true).map((v) => v.inputs.name);
    expect(protectedVms.sort()).toEqual([
        "PAR-BKP01",
        "PAR-DC01",
        "PAR-DC02",
        "PAR-DC03",
        "PAR-FS01",
        "PAR-FTP01",
        "PAR-GLPI01",
        "PAR-LOG01",
        "PAR-MAIL01",
        "PAR-MON01",
        "PAR-PBX01",
    ]);
});

test("three Windows DCs on three nodes, cloned from each node's own template", () => {
    const dcs = r.resources.filter((x) => x.type === "proxmoxve:index/vmLegacy:VmLegacy" && String(x.inputs.name).startsWith("PAR-DC"));
    expect(
        dcs.map((d) => [d.inputs.name, d.inputs.nodeName, (d.inputs.clone as { vmId: number }).vmId, (d.inputs.operatingSystem as { type: string }).type]),
    ).toEqual([
        ["PAR-DC01", "pve1", 9010, "win11"],
        ["PAR-DC02", "pve2", 9021, "win11"],
        ["PAR-DC03", "pve3", 9022, "win11"],
    ]);
});

describe("the tunnel's owner end", () => {
    test("one key, generated here: 48 alphanumeric characters, exported only as a secret", () => {
        // (The domain's passwords are pinned in domain-prod.test.ts, the directory's in directory.test.ts, mail's in mail.test.ts.)
        const keys = r.resources.filter(
            (x) =>
                x.type === "random:index/randomPassword:RandomPassword" &&
                !x.name.startsWith("par-domain-") &&
                !x.name.startsWith("par-directory-") &&
                !x.name.startsWith("par-mail01-") &&
                // the backup clients' credentials, pinned in __tests__/synth/backup.test.ts
                !x.name.startsWith("backup-") &&
                // the Zabbix database's password, pinned in __tests__/synth/monitoring.test.ts
                !x.name.startsWith("par-mon01-") &&
                // the PBX's SIP secrets and voicemail PINs, pinned in __tests__/synth/pbx.test.ts
                !x.name.startsWith("par-pbx01-") &&
                // the forest trust's password, pinned in __tests__/synth/trust.test.ts
                !x.name.startsWith("par-trust-") &&
                // GLPI's database and LDAP passwords and its API tokens, pinned below
                !x.name.startsWith("par-glpi01-"),
        );
        expect(keys.map((k) => [k.name, k.inputs.length, k.inputs.special, k.parent])).toEqual([
            ["par-vpn-ecotech-psk", 48, false, "urn:pulumi:prod::billu-infra::billu:site:Site$billu:vpn:SiteToSiteVpn::par-vpn-ecotech"],
        ]);
        expect(r.outputs.vpnPsk).toBe("[secret]");
    });
    test("vpnPeer is what offline synth of the partner reads for this stack (same function, same data)", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { offlineStackOutputs } = require("../../tools/peer-stack");
        const offline = offlineStackOutputs(ROOT, "organization/billu-infra/prod");
        expect(r.outputs.vpnPeer).toEqual(offline.outputs.vpnPeer);
        // ...and the forest trust's password (billu:trust.owner here), pinned in __tests__/synth/trust.test.ts.
        expect(offline.secretOutputNames).toEqual(["vpnPsk", "trustPassword"]);
    });
    test("the router's vpn step: the rendered files, the key through stdin", () => {
        const copies = r.resources.filter((x) => x.type === "command:remote:CopyToRemote" && x.name.startsWith("par-vpn-ecotech-step-copy-"));
        expect(copies.map((c) => c.inputs.remotePath)).toEqual([
            "/var/lib/billu/stage/vpn/billu-lib.sh",
            "/var/lib/billu/stage/vpn/run.sh",
            "/var/lib/billu/stage/vpn/files/etc/strongswan.d/billu-vpn.conf",
            "/var/lib/billu/stage/vpn/files/etc/swanctl/conf.d/billu-ecotech.conf",
            "/var/lib/billu/stage/vpn/files/etc/swanctl/conf.d/billu-ecotech.secrets.conf",
            "/var/lib/billu/stage/vpn/files/usr/local/sbin/billu-vpn-link-ecotech",
            "/var/lib/billu/stage/vpn/files/etc/systemd/system/billu-vpn-link-ecotech.service",
            "/var/lib/billu/stage/vpn/files/etc/systemd/system/strongswan.service.d/billu.conf",
        ]);
        const apply = r.resources.find((x) => x.name === "par-vpn-ecotech-step-apply")!;
        expect(apply.inputs.stdin).toBe("[secret]");
        expect(apply.options.additionalSecretOutputs).toEqual(expect.arrayContaining(["stdout", "stderr"]));
    });
});

test("GLPI (#21): PAR-GLPI01 with its generated secrets, the release and the pinned SHA-256 of billu:assets in its settings, the API tokens a secret output", () => {
    const raw = stackRaw("prod");
    const plan = model(raw).plan<AssetsPlan>("assets")!;
    const host = (raw.hosts as { name: string; address: string; node: string; vmId: number }[]).find((h) => h.name === plan.host.name)!;
    const vm = r.resources.find((x) => x.type === "proxmoxve:index/vmLegacy:VmLegacy" && x.inputs.name === plan.host.name)!;
    expect([vm.inputs.nodeName, vm.inputs.vmId]).toEqual([host.node, host.vmId]);
    expect(r.resources.filter((x) => x.type === "billu:assets:AssetsServer").map((x) => x.name)).toEqual([plan.host.name.toLowerCase()]);
    const server = `urn:pulumi:prod::billu-infra::billu:site:Site$billu:assets:AssetsServer::${plan.host.name.toLowerCase()}`;
    const pw = r.resources.filter((x) => x.type === "random:index/randomPassword:RandomPassword" && x.name.startsWith("par-glpi01-"));
    expect(pw.map((x) => [x.name, x.inputs.length, x.inputs.special, x.parent])).toEqual([
        ["par-glpi01-glpi-api-app", 40, false, server],
        ["par-glpi01-glpi-api-user", 40, false, server],
        ["par-glpi01-glpi-db", 40, false, server],
        ["par-glpi01-glpi-ldap", 32, false, server],
    ]);
    // The step installs the tarball only when its SHA-256 is this one (scripts/assets/glpi-step.sh).
    const pinned = raw.assets.glpi as { version: string; sha256: string };
    const env = readFileSync(path.join(out, "rendered", plan.host.name, "etc/billu/assets/assets.env"), "utf8");
    expect(env).toContain(`\nGLPI_VERSION='${pinned.version}'\nGLPI_URL='${glpiTarballUrl(pinned.version)}'\nGLPI_SHA256='${pinned.sha256}'\n`);
    expect(r.outputs.glpiApiTokens).toBe("[secret]");
});
