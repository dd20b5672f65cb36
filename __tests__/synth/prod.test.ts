/** Offline synthesis of the committed prod stack: clean, stateful VMs protected, DCs spread over nodes. */
import { readFileSync } from "fs";
import * as path from "path";
import { BACKUP_CLIENT_TYPE } from "../../components/contracts";
import { SynthResult } from "../../tools/synth";
import { ROOT } from "../helpers";
import { committedSynth, SYNTH_TIMEOUT } from "./shared";

let r: SynthResult;

beforeAll(async () => {
    ({ r } = await committedSynth("prod"));
}, SYNTH_TIMEOUT);

test("synthesizes clean", () => {
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
                !x.name.startsWith("par-trust-"),
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
