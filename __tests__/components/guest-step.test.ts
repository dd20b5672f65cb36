/**
 * The guest step's run script, run for real with /bin/sh: files installed with their mode, secrets substituted
 * from stdin and never printed, checks gating installation, a second run changing nothing.
 */
import { execFileSync, spawnSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, existsSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { encodeSecrets, renderStep } from "../../components/guest-step/render";

const user = execFileSync("id", ["-un"]).toString().trim();
const group = execFileSync("id", ["-gn"]).toString().trim();

/** Materializes a rendered step under a temp root, rewriting the guest paths into it (the lab override). */
function stage(root: string, files: { path: string; content: string; mode?: string; check?: string }[], script: string, secretNames: string[]) {
    const r = renderStep({
        host: "PAR-TEST01",
        step: "demo",
        os: "linux",
        files: files.map((f) => ({ ...f, owner: `${user}:${group}` })),
        script,
        secretNames,
    });
    for (const s of r.staged) {
        const local = path.join(root, s.remotePath);
        mkdirSync(path.dirname(local), { recursive: true });
        // Lab override: guest paths live under the temp root.
        writeFileSync(local, s.content.replaceAll("'/etc/", `'${root}/etc/`).replaceAll(`'${r.stageDir}'`, `'${root}${r.stageDir}'`));
    }
    for (const f of files) {
        const staged = path.join(root, r.stageDir, "files", root, f.path);
        mkdirSync(path.dirname(staged), { recursive: true });
        writeFileSync(staged, f.content);
    }
    return { r, run: path.join(root, r.stageDir, "run.sh") };
}

describe("guest step run script (real sh)", () => {
    let root: string;
    beforeEach(() => (root = mkdtempSync(path.join(tmpdir(), "billu-step-"))));
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    test("installs, substitutes secrets from stdin, and a second run changes nothing", () => {
        const files = [
            { path: "/etc/demo/app.conf", content: "user = billu\npassword = {{secret:db}}\n", mode: "0600" },
            { path: "/etc/demo/plain.conf", content: "hello\n" },
        ];
        const script = 'if billu_changed /etc/demo/app.conf; then echo "restart app"; else echo "app unchanged"; fi';
        const { run } = stage(root, files, script.replaceAll("/etc/", `${root}/etc/`), ["db"]);
        const stdin = encodeSecrets({ db: "s3cr'et\"$x" });
        const first = spawnSync("sh", [run], { input: stdin, encoding: "utf8" });
        expect(first.status).toBe(0);
        expect(first.stdout).toContain("restart app");
        expect(first.stdout + first.stderr).not.toContain("s3cr");
        expect(readFileSync(`${root}/etc/demo/app.conf`, "utf8")).toBe("user = billu\npassword = s3cr'et\"$x\n");
        expect(statSync(`${root}/etc/demo/app.conf`).mode & 0o777).toBe(0o600);
        expect(statSync(`${root}/etc/demo/plain.conf`).mode & 0o777).toBe(0o644);
        const second = spawnSync("sh", [run], { input: stdin, encoding: "utf8" });
        expect(second.status).toBe(0);
        expect(second.stdout).toBe("app unchanged\n");
    });

    test("a missing secret fails the step and installs nothing", () => {
        const { run } = stage(root, [{ path: "/etc/demo/app.conf", content: "password = {{secret:db}}\n" }], "true", ["db"]);
        const r = spawnSync("sh", [run], { input: "", encoding: "utf8" });
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain("missing secrets: db");
        expect(existsSync(`${root}/etc/demo/app.conf`)).toBe(false);
    });

    test("a failing check keeps the installed file", () => {
        mkdirSync(`${root}/etc/demo`, { recursive: true });
        writeFileSync(`${root}/etc/demo/app.conf`, "good\n");
        const { run } = stage(root, [{ path: "/etc/demo/app.conf", content: "bad\n", check: "grep -q good {}" }], "true", []);
        const r = spawnSync("sh", [run], { input: "", encoding: "utf8" });
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain("check failed for");
        expect(readFileSync(`${root}/etc/demo/app.conf`, "utf8")).toBe("good\n");
    });
});

describe("renderStep", () => {
    test("refuses a placeholder with no secret of that name", () => {
        expect(() =>
            renderStep({ host: "H", step: "s", os: "linux", files: [{ path: "/etc/x", content: "{{secret:psk}}" }], script: "", secretNames: [] }),
        ).toThrow("guest step H/s uses {{secret:psk}} but no secret of that name is given");
    });

    test("the hash changes with any staged byte and only then", () => {
        const a = renderStep({ host: "H", step: "s", os: "linux", files: [{ path: "/etc/x", content: "1" }], script: "true", secretNames: [] });
        const b = renderStep({ host: "H", step: "s", os: "linux", files: [{ path: "/etc/x", content: "1" }], script: "true", secretNames: [] });
        const c = renderStep({ host: "H", step: "s", os: "linux", files: [{ path: "/etc/x", content: "2" }], script: "true", secretNames: [] });
        expect(a.hash).toBe(b.hash);
        expect(a.hash).not.toBe(c.hash);
    });

    test("windows steps stage under ProgramData and run PowerShell", () => {
        const r = renderStep({
            host: "PAR-DC01",
            step: "forest",
            os: "windows",
            files: [{ path: "C:/ProgramData/billu/dc/forest.ps1", content: "x" }],
            script: "Write-Output 1",
            secretNames: [],
        });
        expect(r.command).toBe('powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "C:/ProgramData/billu/stage/forest/run.ps1"');
        expect(r.staged.map((s) => s.remotePath)).toEqual([
            "C:/ProgramData/billu/stage/forest/billu-lib.ps1",
            "C:/ProgramData/billu/stage/forest/run.ps1",
            "C:/ProgramData/billu/stage/forest/files/C/ProgramData/billu/dc/forest.ps1",
        ]);
    });
});
