/**
 * The shares acceptance scenario (tools/acceptance/scenarios/shares.ts, issue #23): --dry-run for every committed
 * stack lists its steps from the model; the account's own and other department shares come from the directory plan
 * and the share plan; smbclient's answers are judged by their NT_STATUS codes (a stub smbclient here; the real one
 * against a real Samba in labs/fileserver).
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { sharesOf, sharesScenario, TREE_DENIED } from "../../tools/acceptance/scenarios/shares";
import { dryRun as dryRunOf, modelOf } from "./acceptance-dry-run";

const dryRun = (args: string[], password?: string) => dryRunOf("shares", args, password);

describe("--dry-run lists the shares scenario of every committed stack from the model, contacting nothing", () => {
    test.each(["dev", "prod"])("%s: two steps per file server, contacting the file server's own address over SMB", async (stack) => {
        const m = modelOf(stack);
        const fs = m.fileservers!;
        const r = await dryRun(["--stack", stack]);
        const as = m.directory!.acceptance!.sam;
        // The stack's acceptance account is in DSI's group (billu:directory.acceptance.department: DSI): its own share is
        // dsi, the other the first department share whose group it is not in.
        expect(m.directory!.acceptance!.groups).toEqual(["GG_DSI"]);
        const pick = sharesOf(m, fs[0].shares, as);
        expect("own" in pick && [pick.own.name, pick.other.name]).toEqual(["dsi", "direction"]);
        expect(r).toEqual({
            code: 0,
            err: "",
            out: [
                `shares: the acceptance account writes to its department share and is refused on another's (${2 * fs.length} steps; logs on as ${as})`,
                ...fs.flatMap((f) => [
                    `    SMB: ${as} writes, lists and removes a test file on \\\\${f.host}\\dsi: expects written, listed and removed; contacts ${m.host(f.host).nics[0].address} (smb)`,
                    `    SMB: ${as} is refused on \\\\${f.host}\\direction at tree connect: expects ${TREE_DENIED}; contacts ${m.host(f.host).nics[0].address} (smb)`,
                ]),
                "",
            ].join("\n"),
        });
    });
    test("ecotech has no file server: the scenario says why it does not run", async () => {
        expect(await dryRun(["--stack", "ecotech"])).toEqual({ code: 0, err: "", out: "[shares] not run: the site has no file server\n" });
    });
    test("with an account, the steps name its department's share and another's, from the directory plan", async () => {
        const r = await dryRun(["--stack", "dev", "--account", "emma.dupont"], "unused-in-a-dry-run");
        expect(r.code).toBe(0);
        expect(r.out).toContain("    SMB: emma.dupont writes, lists and removes a test file on \\\\PAR-FS01\\direction: expects written");
        expect(r.out).toContain("    SMB: emma.dupont is refused on \\\\PAR-FS01\\dsi at tree connect: expects tree connect failed: NT_STATUS_ACCESS_DENIED");
    });
});

describe("sharesOf: the account's own and another department's share, from the model", () => {
    const m = modelOf("dev");
    const fs = m.fileservers![0];
    test("a DSI account: its own is dsi (GG_DSI), the other the first department share it is not in", () => {
        const r = sharesOf(m, fs.shares, "agnes.cote");
        expect("own" in r && [r.own.name, r.other.name]).toEqual(["dsi", "direction"]);
    });
    test("the account name is matched as AD matches it (case-insensitive)", () => {
        const r = sharesOf(m, fs.shares, "Agnes.Cote");
        expect("own" in r && r.own.name).toBe("dsi");
    });
    test("an account outside the directory plan has no department share: the reason says so", () => {
        expect(sharesOf(m, fs.shares, "svc-other")).toEqual({
            reason: "svc-other is not an enabled account of the model's directory plan (the HR export) nor its acceptance account (billu:directory.acceptance)",
        });
    });
    test("the acceptance account: its department's group (billu:directory.acceptance.department) picks its own share", () => {
        const r = sharesOf(m, fs.shares, "SVC-Acceptance");
        expect("own" in r && [r.own.name, r.other.name]).toEqual(["dsi", "direction"]);
    });
    test("the acceptance account without a department: the reason names the key to set", () => {
        const noDept = { ...m, directory: { ...m.directory!, acceptance: { ...m.directory!.acceptance!, groups: [] } } } as typeof m;
        expect(sharesOf(noDept, fs.shares, "svc-acceptance")).toEqual({
            reason: "svc-acceptance is in no department's group: set billu:directory.acceptance.department (the department whose share it writes to)",
        });
    });
    test("no department share admits the account: the reason lists its groups", () => {
        const only = fs.shares.filter((s) => s.name === "dsi");
        expect(sharesOf(m, only, "emma.dupont")).toEqual({
            reason: "no department share admits emma.dupont (its groups: GG_Personnel, GG_Direction, GG_Direction_Direction-generale)",
        });
    });
    test("every department share admits the account: there is nothing to be refused on", () => {
        const only = fs.shares.filter((s) => s.name === "dsi");
        expect(sharesOf(m, only, "agnes.cote")).toEqual({
            reason: "every department share admits agnes.cote: there is no other department's share to be refused on",
        });
    });
});

describe("the checks judge smbclient's answers by their NT_STATUS codes", () => {
    const m = modelOf("dev");
    let dir: string;
    let savedPath: string | undefined;
    // A stub smbclient: records its arguments, prints the test's answer for its share (//ip/<share>, its 5th argument)
    // with NAME replaced by the file the scenario puts (its 7th, the -c commands), and exits 1 as smbclient does on an error.
    const stub = (answers: Record<string, string>) => {
        const script = ["#!/bin/sh", `echo "$@" >> "${dir}/calls"`, "name=$(printf '%s' \"$7\" | sed -n 's/.*put \\([^;]*\\);.*/\\1/p')", 'case "$5" in'];
        for (const [share, out] of Object.entries(answers))
            script.push(`    */${share}) printf '%s\\n' '${out.replace(/'/g, "'\\''")}' | sed "s/NAME/$name/g"; exit 1 ;;`);
        script.push("esac", "exit 1", "");
        writeFileSync(path.join(dir, "smbclient"), script.join("\n"));
        chmodSync(path.join(dir, "smbclient"), 0o755);
    };
    beforeEach(() => {
        dir = mkdtempSync(path.join(tmpdir(), "billu-shares-test-"));
        savedPath = process.env.PATH;
        process.env.PATH = `${dir}:${process.env.PATH}`;
    });
    afterEach(() => {
        process.env.PATH = savedPath;
        rmSync(dir, { recursive: true, force: true });
    });
    const run = async (account: string) => {
        const input = { model: m, outputs: {}, account: { name: account, password: "s3cret pass" }, workDir: dir, acceptNewHostKeys: false };
        const out = [];
        for (const c of sharesScenario.checks(input)) out.push({ name: c.name, ...(await c.run()) });
        return out;
    };
    const written = "putting file NAME as \\NAME (0.1 kb/s)\n  NAME   A   70  Sat Dec  5 00:00:00 2026\n\n\t\t1 blocks\nNT_STATUS_NO_SUCH_FILE listing \\NAME";
    test("written, listed, removed (the last listing finds nothing) and refused at tree connect: both pass", async () => {
        stub({ direction: written, dsi: TREE_DENIED });
        const [own, other] = await run("emma.dupont");
        expect(own).toEqual({
            name: "SMB: emma.dupont writes, lists and removes a test file on \\\\PAR-FS01\\direction",
            ok: true,
            observed: "written, listed and removed",
        });
        expect(other).toEqual({ name: "SMB: emma.dupont is refused on \\\\PAR-FS01\\dsi at tree connect", ok: true, observed: TREE_DENIED });
        const calls = readFileSync(path.join(dir, "calls"), "utf8");
        expect(calls).toMatch(
            new RegExp(
                `^-s ${dir}/smb.conf -A ${dir}/smb-PAR-FS01.auth //10.20.10.31/direction -c lcd ${dir}; put (billu-acceptance-\\d+-\\d+\\.txt); ls \\1; del \\1; ls \\1$`,
                "m",
            ),
        );
        expect(calls).toContain(`-s ${dir}/smb.conf -A ${dir}/smb-PAR-FS01.auth //10.20.10.31/dsi -c ls\n`); // only a listing on the other share
        expect(calls).not.toContain("s3cret"); // the password only in the 0600 file, never on a command line
        expect(readFileSync(path.join(dir, "smb-PAR-FS01.auth"), "utf8")).toBe("username = emma.dupont\npassword = s3cret pass\ndomain = BILLU\n");
        expect(statSync(path.join(dir, "smb-PAR-FS01.auth")).mode & 0o777).toBe(0o600);
    });
    test("a file written but not removed (the delete refused) fails, with the status", async () => {
        stub({
            direction: written.replace(
                /NT_STATUS_NO_SUCH_FILE listing .*$/,
                "NT_STATUS_ACCESS_DENIED deleting remote file \\NAME\n  NAME   A   70  Sat Dec  5 00:00:00 2026",
            ),
        });
        const [own] = await run("emma.dupont");
        expect(own).toMatchObject({ ok: false, observed: "smbclient exit 1: NT_STATUS_ACCESS_DENIED" });
    });
    test("a write refused (the ACL) fails, even though the final listing finds nothing", async () => {
        stub({
            direction:
                "NT_STATUS_ACCESS_DENIED opening remote file \\NAME\nNT_STATUS_NO_SUCH_FILE listing \\NAME\nNT_STATUS_NO_SUCH_FILE deleting remote file \\NAME\nNT_STATUS_NO_SUCH_FILE listing \\NAME",
        });
        const [own] = await run("emma.dupont");
        expect(own.ok).toBe(false);
    });
    test("an ACL refusal on the other share (the session opened, the write denied) is not a tree-connect refusal", async () => {
        stub({ dsi: "NT_STATUS_ACCESS_DENIED opening remote file \\x" });
        const [, other] = await run("emma.dupont");
        expect(other).toMatchObject({ ok: false, observed: "smbclient exit 1: NT_STATUS_ACCESS_DENIED opening remote file \\x" });
    });
    test("a refused logon fails both, with the server's reason", async () => {
        stub({ direction: "session setup failed: NT_STATUS_LOGON_FAILURE", dsi: "session setup failed: NT_STATUS_LOGON_FAILURE" });
        const [own, other] = await run("emma.dupont");
        expect(own).toMatchObject({ ok: false, observed: "smbclient exit 1: NT_STATUS_LOGON_FAILURE" });
        expect(other).toMatchObject({ ok: false, observed: "smbclient exit 1: session setup failed: NT_STATUS_LOGON_FAILURE" });
    });
    test("an account the model gives no department share fails both checks with the reason, contacting nothing", async () => {
        stub({});
        const checks = await run("svc-other");
        const reason =
            "svc-other is not an enabled account of the model's directory plan (the HR export) nor its acceptance account (billu:directory.acceptance)";
        expect(checks.map((c) => [c.ok, c.observed])).toEqual([
            [false, reason],
            [false, reason],
        ]);
        expect(() => readFileSync(path.join(dir, "calls"))).toThrow();
    });
});
