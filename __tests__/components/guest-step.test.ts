/**
 * The guest step's run script, run for real with /bin/sh: files installed with their mode, secrets substituted
 * from stdin and never printed, checks gating installation, a second run changing nothing.
 */
import { execFileSync, spawnSync } from "child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync, existsSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { encodeSecrets, renderStep } from "../../components/guest-step/render";

const user = execFileSync("id", ["-un"]).toString().trim();
const group = execFileSync("id", ["-gn"]).toString().trim();

/** Materializes a rendered step under a temp root, rewriting the guest paths into it (the lab override). */
function stage(
    root: string,
    files: { path: string; content: string; mode?: string; check?: string }[],
    script: string,
    secretNames: string[],
    dirs?: { path: string; mode: string }[],
) {
    const r = renderStep({
        host: "PAR-TEST01",
        step: "demo",
        os: "linux",
        files: files.map((f) => ({ ...f, owner: `${user}:${group}` })),
        dirs: dirs?.map((d) => ({ ...d, owner: `${user}:${group}` })),
        script,
        secrets: secretNames,
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

    test("a failing check keeps the installed file, its mode, and leaves no candidate behind", () => {
        mkdirSync(`${root}/etc/demo`, { recursive: true });
        writeFileSync(`${root}/etc/demo/app.conf`, "good\n", { mode: 0o600 });
        const { run } = stage(root, [{ path: "/etc/demo/app.conf", content: "bad {{secret:db}}\n", mode: "0600", check: "grep -q good {}" }], "true", ["db"]);
        const r = spawnSync("sh", [run], { input: encodeSecrets({ db: "s3cret" }), encoding: "utf8" });
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain("check failed for");
        expect(r.stdout + r.stderr).not.toContain("s3cret");
        expect(readFileSync(`${root}/etc/demo/app.conf`, "utf8")).toBe("good\n");
        expect(statSync(`${root}/etc/demo/app.conf`).mode & 0o777).toBe(0o600);
        expect(readdirSync(`${root}/etc/demo`)).toEqual(["app.conf"]);
    });

    test("missing folders are created 0755 under the step's umask 077; secret files stay 0600, and so does the body's umask", () => {
        // The old library made these 0700 (mkdir -p under the step's umask 077), which locked daemons out of them.
        const files = [
            { path: "/etc/demo/deep/er/app.key", content: "key = {{secret:db}}\n", mode: "0600" },
            { path: "/etc/demo/deep/er/site.conf", content: "public\n" },
        ];
        const script = 'umask; stat -c "%a" "$BILLU_WORK" "$BILLU_SECRETS"; echo x > "$BILLU_WORK/made-by-body"; stat -c "%a" "$BILLU_WORK/made-by-body"';
        const { run } = stage(root, files, script, ["db"]);
        const r = spawnSync("sh", [run], { input: encodeSecrets({ db: "s3cret" }), encoding: "utf8" });
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        for (const d of ["etc", "etc/demo", "etc/demo/deep", "etc/demo/deep/er"]) {
            const st = statSync(`${root}/${d}`);
            expect([d, (st.mode & 0o7777).toString(8), st.uid]).toEqual([d, "755", process.getuid!()]);
        }
        expect(statSync(`${root}/etc/demo/deep/er/app.key`).mode & 0o777).toBe(0o600);
        expect(statSync(`${root}/etc/demo/deep/er/site.conf`).mode & 0o777).toBe(0o644);
        expect(readFileSync(`${root}/etc/demo/deep/er/app.key`, "utf8")).toBe("key = s3cret\n");
        // umask, the work folder, the secrets read from stdin, a file the body writes there.
        expect(
            r.stdout
                .split("\n")
                .filter((l) => !l.startsWith("billu["))
                .join(" "),
        ).toBe("0077 700 600 600 ");
    });

    test("a folder the caller asks for gets its mode before the files land, and a second run changes nothing", () => {
        mkdirSync(`${root}/etc/demo`, { recursive: true, mode: 0o700 });
        const files = [{ path: "/etc/demo/tables/t.cf", content: "bind_pw = {{secret:db}}\n", mode: "0600" }];
        const { run } = stage(
            root,
            files,
            'stat -c "%a" /etc/demo/tables'.replaceAll("/etc/", `${root}/etc/`),
            ["db"],
            [
                { path: "/etc/demo/tables", mode: "0750" },
                { path: "/etc/demo", mode: "0755" },
            ],
        );
        const stdin = encodeSecrets({ db: "s3cret" });
        const first = spawnSync("sh", [run], { input: stdin, encoding: "utf8" });
        expect(first.status).toBe(0);
        expect(first.stdout).toBe(
            `billu[demo]: updated the folder ${root}/etc/demo/tables (750 ${user}:${group})\n` +
                `billu[demo]: updated the folder ${root}/etc/demo (755 ${user}:${group})\n` +
                `billu[demo]: updated ${root}/etc/demo/tables/t.cf\n750\n`,
        );
        const second = spawnSync("sh", [run], { input: stdin, encoding: "utf8" });
        expect([second.status, second.stdout, second.stderr]).toEqual([0, "750\n", ""]);
    });
});

describe("renderStep", () => {
    test("refuses a placeholder with no secret of that name", () => {
        expect(() =>
            renderStep({ host: "H", step: "s", os: "linux", files: [{ path: "/etc/x", content: "{{secret:psk}}" }], script: "", secrets: [] }),
        ).toThrow("guest step H/s uses {{secret:psk}} but no secret of that name is given");
    });

    test("refuses folder modes on Windows and a mode that is not octal", () => {
        const dirs = [{ path: "/etc/x", mode: "750", owner: "root:root" }];
        expect(() => renderStep({ host: "H", step: "s", os: "windows", files: [], dirs, script: "", secrets: [] })).toThrow(
            "guest step H/s: folder modes are POSIX; a Windows step has no dirs",
        );
        expect(() => renderStep({ host: "H", step: "s", os: "linux", files: [], dirs: [{ ...dirs[0], mode: "u=rwx" }], script: "", secrets: [] })).toThrow(
            'guest step H/s: the folder /etc/x has mode "u=rwx"; give octal digits ("0750")',
        );
    });

    test("the hash changes with any staged byte and only then", () => {
        const a = renderStep({ host: "H", step: "s", os: "linux", files: [{ path: "/etc/x", content: "1" }], script: "true", secrets: [] });
        const b = renderStep({ host: "H", step: "s", os: "linux", files: [{ path: "/etc/x", content: "1" }], script: "true", secrets: [] });
        const c = renderStep({ host: "H", step: "s", os: "linux", files: [{ path: "/etc/x", content: "2" }], script: "true", secrets: [] });
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
            secrets: [],
        });
        expect(r.command).toBe('powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "C:/ProgramData/billu/stage/forest/run.ps1"');
        expect(r.staged.map((s) => s.remotePath)).toEqual([
            "C:/ProgramData/billu/stage/forest/billu-lib.ps1",
            "C:/ProgramData/billu/stage/forest/run.ps1",
            "C:/ProgramData/billu/stage/forest/files/C/ProgramData/billu/dc/forest.ps1",
        ]);
    });
});
