/**
 * The shell the guest steps ship from scripts/<area>/ (step bodies, the library, the tools they install) passes
 * ShellCheck at warning level, under the shell its shebang names (POSIX sh when it has none: step bodies and the
 * library are sourced into run.sh, which is `#!/bin/sh`). A deliberately broken file in the same run proves
 * ShellCheck reports what it finds. The scripts at the top of scripts/ are developer tooling, not shipped.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { filesUnder, ROOT } from "../helpers";

const shipped = filesUnder(path.join(ROOT, "scripts"))
    .filter((f) => f.endsWith(".sh") && path.dirname(f) !== path.join(ROOT, "scripts"))
    .sort();
const shellOf = (f: string) => (/^#!.*\bbash\b/.test(readFileSync(f, "utf8")) ? "bash" : "sh");

function shellcheck(shell: string, files: string[]): { status: number | null; out: string } {
    const r = spawnSync("shellcheck", ["-s", shell, "-S", "warning", "-f", "gcc", ...files], { encoding: "utf8" });
    if (r.error) throw new Error(`shellcheck did not run (${r.error.message}): install it (apt-get install shellcheck)`);
    return { status: r.status, out: r.stdout + r.stderr };
}

test("the step scripts ShellCheck knows are the ones under scripts/<area>/", () => {
    expect(shipped.map((f) => path.relative(ROOT, f))).toEqual(
        expect.arrayContaining(["scripts/mail/mail.sh", "scripts/mail/mail-packages.sh", "scripts/directory/mail-directory.sh", "scripts/lib/billu-lib.sh"]),
    );
});

test("every shipped shell script passes ShellCheck (warning level) under its shell", () => {
    for (const shell of ["sh", "bash"]) {
        const files = shipped.filter((f) => shellOf(f) === shell);
        if (files.length === 0) continue;
        expect([shell, shellcheck(shell, files)]).toEqual([shell, { status: 0, out: "" }]);
    }
});

test("a script with an unassigned variable and an unquoted cd is reported, so a clean result comes from a checker that ran", () => {
    const broken = path.join(mkdtempSync(path.join(tmpdir(), "billu-sc-")), "broken.sh");
    writeFileSync(broken, 'cd /tmp\necho "$undefined_thing"\n');
    const r = shellcheck("sh", [broken]);
    expect(r.status).toBe(1);
    expect(r.out).toContain(`${broken}:1:1: warning: Use 'cd ... || exit' or 'cd ... || return' in case cd fails. [SC2164]`);
    expect(r.out).toContain(`${broken}:2:7: warning: undefined_thing is referenced but not assigned. [SC2154]`);
});
