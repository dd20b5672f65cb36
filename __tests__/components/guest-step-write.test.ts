/** GuestStep's rendered-file writes: asynchronous, folders made on demand, failures surface. */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { writeRendered } from "../../components/guest-step/GuestStep";

const dir = mkdtempSync(path.join(tmpdir(), "billu-write-"));

test("a file in missing nested folders is written whole, and a second write replaces it", async () => {
    const file = path.join(dir, "PAR-WEB01", "var", "lib", "billu", "stage", "web", "run.sh");
    await writeRendered(file, "first\n");
    await writeRendered(file, "second\n");
    expect(readFileSync(file, "utf8")).toBe("second\n");
    expect(statSync(path.dirname(file)).isDirectory()).toBe(true);
});

test("many files of one folder written at once all land", async () => {
    const files = Array.from({ length: 50 }, (_, i) => path.join(dir, "PAR-DC01", "stage", `f${i}`));
    await Promise.all(files.map((f, i) => writeRendered(f, `content ${i}\n`)));
    expect(files.map((f) => readFileSync(f, "utf8"))).toEqual(files.map((_, i) => `content ${i}\n`));
});

test("a folder that cannot be made fails the write (no silent loss)", async () => {
    const blocker = path.join(dir, "blocker");
    writeFileSync(blocker, "a file where a folder should be");
    await expect(writeRendered(path.join(blocker, "x", "run.sh"), "x")).rejects.toMatchObject({ code: "ENOTDIR" });
});
