/**
 * SYSVOL replication between Samba DCs (billu:domain.sysvolSyncMinutes, components/domain-controller/sysvol.ts): the
 * model (who serves, who pulls, how often; the flow it asks for; bad input with exact messages) and the rendered
 * files, on the dc lab's stack (two Samba DCs, the PDC emulator on PAR-DC02). The units are also checked by
 * `systemd-analyze verify` in __tests__/synth/systemd-units.test.ts (the labdc stack).
 */
import { readFileSync } from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import {
    renderRsyncdConf,
    renderSyncService,
    renderSyncTimer,
    sambaSysvolPullStep,
    sambaSysvolSourceStep,
    sambaSysvolSteps,
    sysvolSyncCommand,
} from "../../components/domain-controller/sysvol";
import { model, problemsOf, ROOT, stackRaw } from "../helpers";

/** The dc lab's stack as raw config (the dev stack plus PAR-DC02 holding the PDC emulator). */
function labRaw(): Record<string, any> {
    const doc = parseYaml(readFileSync(path.join(ROOT, "labs", "dc", "Pulumi.labdc.yaml"), "utf8")) as { config: Record<string, unknown> };
    return Object.fromEntries(Object.entries(doc.config).flatMap(([k, v]) => (k.startsWith("billu:") ? [[k.slice(6), structuredClone(v)]] : [])));
}

describe("the model", () => {
    test("two Samba DCs: the PDC emulator serves, the other pulls every 5 minutes by default", () => {
        const s = model(labRaw()).domain!.sysvol!;
        expect([s.source.name, s.source.address, s.pullers.map((d) => `${d.name} ${d.address}`), s.minutes]).toEqual([
            "PAR-DC02",
            "10.20.10.12",
            ["PAR-DC01 10.20.10.11"],
            5,
        ]);
    });

    test("billu:domain.sysvolSyncMinutes sets the interval", () => {
        const raw = labRaw();
        raw.domain.sysvolSyncMinutes = 15;
        expect(model(raw).domain!.sysvol!.minutes).toBe(15);
    });

    test("one Samba DC (dev) or Windows DCs (prod): nothing to replicate, no steps", () => {
        for (const stack of ["dev", "prod"]) {
            const d = model(stackRaw(stack)).domain!;
            expect(d.sysvol).toBeUndefined();
            expect(sambaSysvolSteps(d)).toEqual([]);
        }
    });

    test("bad input (exit 2): a fraction, zero, more than a day; on Windows DCs", () => {
        const raw = labRaw();
        raw.domain.sysvolSyncMinutes = 2.5;
        expect(problemsOf(raw)).toEqual([
            'billu:domain.sysvolSyncMinutes: is 2.5, which must be a whole number of minutes. Fix: correct the value (see README, "Configuration")',
        ]);
        raw.domain.sysvolSyncMinutes = 0;
        expect(problemsOf(raw)).toEqual([
            'billu:domain.sysvolSyncMinutes: is 0, which must be at least 1 minute. Fix: correct the value (see README, "Configuration")',
        ]);
        raw.domain.sysvolSyncMinutes = 1441;
        expect(problemsOf(raw)).toEqual([
            'billu:domain.sysvolSyncMinutes: is 1441, which must be at most 1440 minutes (a day). Fix: correct the value (see README, "Configuration")',
        ]);
        const prod = stackRaw("prod");
        prod.domain.sysvolSyncMinutes = 5;
        expect(problemsOf(prod)).toEqual([
            "billu:domain.sysvolSyncMinutes: is 5, but Windows DCs replicate SYSVOL themselves (DFS-R). Fix: remove billu:domain.sysvolSyncMinutes, or use flavor: samba",
        ]);
    });

    test("bad input (exit 2): without the flow from the other DC to the PDC emulator, the line to add is named", () => {
        const raw = labRaw();
        raw.flows = raw.flows.filter((f: { service: string }) => f.service !== "sysvol-rsync");
        expect(problemsOf(raw)).toEqual([
            "billu:flows: lacks PAR-DC01 -> PAR-DC02 sysvol-rsync, which the domain controllers needs (Samba does not replicate SYSVOL: the other DCs pull the GPOs' files from the PDC emulator). Fix: append { from: PAR-DC01, to: PAR-DC02, service: sysvol-rsync } to billu:flows",
        ]);
    });
});

describe("the rendered files", () => {
    const sync = () => model(labRaw()).domain!.sysvol!;

    test("rsyncd.conf: one read-only module, the other DC's address only, one user, no listing", () => {
        const conf = renderRsyncdConf(sync());
        expect(conf.split("\n").slice(1)).toEqual([
            "address = 10.20.10.12",
            "port = 873",
            "use chroot = yes",
            "uid = root",
            "gid = root",
            "reverse lookup = no",
            "max connections = 1",
            "lock file = /run/billu-sysvol-rsyncd.lock",
            "",
            "[sysvol]",
            "    path = /var/lib/samba/sysvol",
            "    comment = SYSVOL of the PDC emulator, for the other DCs",
            "    read only = yes",
            "    list = no",
            "    auth users = billu-sysvol:ro",
            "    secrets file = /etc/billu/sysvol/rsyncd.secrets",
            "    strict modes = yes",
            "    hosts allow = 10.20.10.11",
            "    hosts deny = *",
            "    timeout = 300",
            "",
        ]);
    });

    test("the secret reaches both ends only as a placeholder, in 0600 files", () => {
        const source = sambaSysvolSourceStep(model(labRaw()).domain!, sync());
        const pull = sambaSysvolPullStep(sync(), sync().pullers[0]);
        expect(source.files.find((f) => f.path === "/etc/billu/sysvol/rsyncd.secrets")).toEqual({
            path: "/etc/billu/sysvol/rsyncd.secrets",
            content: "billu-sysvol:{{secret:sysvol-password}}\n",
            mode: "0600",
        });
        expect(pull.files.find((f) => f.path === "/etc/billu/sysvol/rsync.password")).toEqual({
            path: "/etc/billu/sysvol/rsync.password",
            content: "{{secret:sysvol-password}}\n",
            mode: "0600",
        });
        expect([source.secrets, pull.secrets]).toEqual([["sysvol-password"], ["sysvol-password"]]);
    });

    test("the pull: the shipped tool against the PDC emulator's module, on a timer of the model's interval", () => {
        const s = sync();
        expect(sysvolSyncCommand(s)).toBe(
            "/usr/local/sbin/billu-sysvol-sync rsync://billu-sysvol@10.20.10.12:873/sysvol /var/lib/samba/sysvol /etc/billu/sysvol/rsync.password PAR-DC02",
        );
        const service = renderSyncService(s, s.pullers[0]);
        expect(service).toContain(`ExecStart=${sysvolSyncCommand(s)}\n`);
        expect(service).toContain("SyslogIdentifier=billu-sysvol-sync\n");
        expect(renderSyncTimer({ ...s, minutes: 15 }, s.pullers[0])).toContain("OnActiveSec=1min\nOnUnitActiveSec=15min\nUnit=billu-sysvol-sync.service\n");
        const tool = sambaSysvolPullStep(s, s.pullers[0]).files.find((f) => f.path === "/usr/local/sbin/billu-sysvol-sync")!;
        expect([tool.mode, tool.content]).toEqual(["0755", readFileSync(path.join(ROOT, "scripts", "dc", "billu-sysvol-sync.sh"), "utf8")]);
    });

    test("the steps: the PDC emulator's source first, then each other DC's pull", () => {
        expect(sambaSysvolSteps(model(labRaw()).domain!).map(([dc, step]) => `${dc.name} ${step}`)).toEqual(["PAR-DC02 sysvol-source", "PAR-DC01 sysvol-pull"]);
    });
});
