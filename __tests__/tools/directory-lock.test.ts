/** `npm run directory:lock`: writes the updated lock back to the stack's committed lock; never on bad input. */
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { EMPTY_LOCK } from "../../model/directory-lock";
import { loadDirectoryLock } from "../../stacks/program";
import { writeLock } from "../../tools/directory-lock";
import { ROOT } from "../helpers";

function project(): string {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-lock-"));
    mkdirSync(path.join(dir, "data"));
    copyFileSync(path.join(ROOT, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
    copyFileSync(path.join(ROOT, "data", "billu-hr.csv"), path.join(dir, "data", "billu-hr.csv"));
    cpSync(path.join(ROOT, "sites"), path.join(dir, "sites"), { recursive: true }); // the web server's content (billu:web)
    return dir;
}

test("from no lock at all, the sample export gives exactly the committed lock", () => {
    const dir = project();
    const r = writeLock({ stack: "dev", root: dir });
    expect(r).toEqual({ file: path.join(dir, "directory.lock.json"), summary: { create: 167, move: 0, update: 0, disable: 0, none: 0 } });
    expect(readFileSync(r.file, "utf8")).toBe(readFileSync(path.join(ROOT, "directory.lock.json"), "utf8"));
});

test("an edited export updates the committed lock in place: the leaver is kept, marked left", () => {
    const dir = project();
    copyFileSync(path.join(ROOT, "directory.lock.json"), path.join(dir, "directory.lock.json"));
    const lines = readFileSync(path.join(ROOT, "data", "billu-hr.csv"), "utf8").split("\n");
    writeFileSync(path.join(dir, "edited.csv"), lines.filter((_, i) => i !== 94).join("\n"));
    const r = writeLock({ stack: "dev", root: dir, hrCsv: path.join(dir, "edited.csv") });
    expect(r.summary).toEqual({ create: 0, move: 0, update: 0, disable: 1, none: 166 });
    const lock = JSON.parse(readFileSync(r.file, "utf8"));
    expect(lock.people.filter((p: { left: boolean }) => p.left).map((p: { sam: string }) => p.sam)).toEqual(["gaelle.thomas2"]);
    expect(lock.computers.filter((c: { left: boolean }) => c.left)).toEqual([{ name: "PC0094", owner: "gaelle.thomas2", left: true }]);
});

test("a bad export: every bad line in the error, and the lock is not touched", () => {
    const dir = project();
    copyFileSync(path.join(ROOT, "directory.lock.json"), path.join(dir, "directory.lock.json"));
    const before = readFileSync(path.join(dir, "directory.lock.json"), "utf8");
    const lines = readFileSync(path.join(ROOT, "data", "billu-hr.csv"), "utf8").split("\n");
    writeFileSync(path.join(dir, "bad.csv"), [...lines.slice(0, -1), lines[89], lines[90]].join("\n") + "\n");
    expect(() => writeLock({ stack: "dev", root: dir, hrCsv: path.join(dir, "bad.csv") })).toThrow(
        /invalid configuration \(2 problems\):\n {2}- .*bad\.csv:169: is the same person as line 90 .*\n {2}- .*bad\.csv:170: is the same person as line 91 /,
    );
    expect(readFileSync(path.join(dir, "directory.lock.json"), "utf8")).toBe(before);
});

test("a lock path that does not exist is the empty lock", () => {
    delete process.env.BILLU_DIRECTORY_LOCK;
    process.env.BILLU_PROJECT_ROOT = mkdtempSync(path.join(tmpdir(), "billu-nolock-"));
    expect(loadDirectoryLock("directory.lock.json")).toEqual(EMPTY_LOCK);
    expect(loadDirectoryLock(undefined)).toEqual(EMPTY_LOCK);
    process.env.BILLU_DIRECTORY_LOCK = path.join(process.env.BILLU_PROJECT_ROOT, "nowhere.json");
    expect(existsSync(process.env.BILLU_DIRECTORY_LOCK)).toBe(false);
    expect(loadDirectoryLock("directory.lock.json")).toEqual(EMPTY_LOCK);
    process.env.BILLU_DIRECTORY_LOCK = path.join(ROOT, "directory.lock.json");
    expect(loadDirectoryLock(undefined).people).toHaveLength(167);
    delete process.env.BILLU_DIRECTORY_LOCK;
});
