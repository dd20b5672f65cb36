/**
 * Every systemd unit the committed stacks push into a guest (out/<stack>/rendered/<host>/etc/systemd/system/*.service,
 * .timer, .mount, .path), checked by systemd's own verifier (`systemd-analyze verify`, level 3): unknown keys, bad
 * values, a timer without its service. The one message it may give is that a command is missing on this machine,
 * and only for a command the same host's rendered tree ships (a script the step installs beside the unit, e.g. the
 * backup client's backup-run.sh). Drop-ins (*.service.d/) are left out: they only make sense over the package's unit.
 */
import { spawnSync } from "child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { committedSynth, labSynth, SYNTH_TIMEOUT } from "./shared";

/** The committed stacks, and the dc lab's (two Samba DCs: the only stack with SYSVOL replication's units). */
const STACKS = ["dev", "prod", "ecotech", "labdc"];
/**
 * Commands a unit runs from a Debian package its host's step installs. `npm test` runs before the labs' packages are
 * installed (a fresh machine has none of these), so their absence here is not the unit's fault; a path outside this
 * list (a typo, a script nobody ships) still fails.
 */
const PACKAGED: Record<string, string> = {
    "/usr/sbin/dhcrelay": "isc-dhcp-relay",
    "/usr/bin/rclone": "rclone",
    "/usr/bin/pg_dump": "postgresql-client",
    "/usr/bin/python3": "python3",
    "/usr/bin/rsync": "rsync",
};
const outs = new Map<string, string>();

beforeAll(async () => {
    for (const stack of STACKS) outs.set(stack, (await (stack === "labdc" ? labSynth("dc", "labdc") : committedSynth(stack))).out);
}, SYNTH_TIMEOUT);

/** The units of each host of a stack's rendered tree: [host, unit file names]. */
function unitsOf(out: string): [string, string[]][] {
    const rendered = path.join(out, "rendered");
    return readdirSync(rendered)
        .map((host): [string, string[]] => {
            const dir = path.join(rendered, host, "etc", "systemd", "system");
            const units = existsSync(dir) ? readdirSync(dir).filter((f) => /\.(service|timer|mount|path)$/.test(f)) : [];
            return [host, units.sort()];
        })
        .filter(([, units]) => units.length > 0);
}

/** systemd-analyze verify of one host's units together (a timer finds its service), from a copy in a fresh folder. */
function verify(out: string, host: string, units: string[]): { status: number | null; lines: string[] } {
    const dir = mkdtempSync(path.join(tmpdir(), `billu-units-${host}-`));
    for (const u of units) copyFileSync(path.join(out, "rendered", host, "etc", "systemd", "system", u), path.join(dir, u));
    const r = spawnSync("systemd-analyze", ["verify", "--man=no", ...units], { cwd: dir, encoding: "utf8", timeout: 60_000 });
    expect(r.error).toBeUndefined(); // systemd-analyze (Debian package systemd) is a prerequisite of this test
    return { status: r.status, lines: r.stderr.split("\n").filter((l) => l !== "") };
}

test.each(STACKS)(
    "%s: every rendered unit passes systemd-analyze verify; a missing command is only one the host's step ships or a package it installs",
    (stack) => {
        const out = outs.get(stack)!;
        const hosts = unitsOf(out);
        // The stacks do render units (the drift check on dev's first DC, the backup timers, the DHCP relay...).
        if (stack === "dev")
            expect(hosts.find(([h]) => h === "PAR-DC01")?.[1]).toEqual(
                expect.arrayContaining(["billu-directory-drift.service", "billu-directory-drift.timer"]),
            );
        // SYSVOL replication (billu:domain.sysvolSyncMinutes): the PDC emulator's rsync daemon, the other DC's pull.
        if (stack === "labdc") {
            expect(hosts.find(([h]) => h === "PAR-DC02")?.[1]).toContain("billu-sysvol-rsyncd.service");
            expect(hosts.find(([h]) => h === "PAR-DC01")?.[1]).toEqual(expect.arrayContaining(["billu-sysvol-sync.service", "billu-sysvol-sync.timer"]));
        }
        expect(hosts.length).toBeGreaterThan(0);
        const problems: string[] = [];
        for (const [host, units] of hosts) {
            const { status, lines } = verify(out, host, units);
            for (const line of lines) {
                const missing = /^[\w@.-]+: Command (\/\S+) is not executable: No such file or directory$/.exec(line);
                if (missing && existsSync(path.join(out, "rendered", host, missing[1]))) continue;
                if (missing && PACKAGED[missing[1]] && !existsSync(missing[1])) continue;
                problems.push(`${host}: ${line}`);
            }
            if (status !== 0 && lines.length === 0) problems.push(`${host}: exit ${status} with no message`);
        }
        expect(problems).toEqual([]);
    },
);

test("the verifier is an oracle here: a misspelt key and a missing command nobody ships are reported", () => {
    const out = outs.get("dev")!;
    const dir = mkdtempSync(path.join(tmpdir(), "billu-units-oracle-"));
    const src = path.join(out, "rendered", "PAR-DC01", "etc", "systemd", "system");
    for (const u of ["billu-directory-drift.service", "billu-directory-drift.timer"]) copyFileSync(path.join(src, u), path.join(dir, u));
    const service = path.join(dir, "billu-directory-drift.service");
    writeFileSync(
        service,
        readFileSync(service, "utf8").replace("SyslogIdentifier=", "SyslogIdentifer=").replace("/usr/bin/python3 ", "/usr/bin/billu-no-such-python "),
    );
    const r = spawnSync("systemd-analyze", ["verify", "--man=no", "billu-directory-drift.service", "billu-directory-drift.timer"], {
        cwd: dir,
        encoding: "utf8",
    });
    expect(r.stderr).toContain("Unknown key 'SyslogIdentifer'");
    expect(r.stderr).toContain("Command /usr/bin/billu-no-such-python is not executable: No such file or directory");
});
