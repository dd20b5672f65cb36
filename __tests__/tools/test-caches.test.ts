/**
 * The suite's caches never serve a stale result (issue #15): a parse kept for the jest run (__tests__/helpers.ts
 * `parsed`, behind stackRaw and loadHr) is keyed by the content it parsed, so the same file with other content is
 * parsed again, and the same content is read back from the run's folder; each call gets an object of its own. And the
 * python3 the tests start is the interpreter itself, not a version manager's shim (__tests__/synth-cache-setup.ts).
 */
import { spawnSync } from "child_process";
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { loadHr, ROOT } from "../helpers";
import { RUN_BIN, RUN_TMP_ENV } from "../synth-cache-setup";

const HEADER =
    "Civilite;Prenom;Nom;Societe;Site;Departement;Service;Fonction;Manager-Prenom;Manager-Nom;Nom de PC;Marque PC;Date de naissance;Telephone fixe;Telephone portable";
const line = (prenom: string, pc: string) => `Mme;${prenom};Martin;BillU;Paris;QHSE;Qualité;Technicienne;;;${pc};Dell;01/02/1985;;`;

/** The parses this jest run keeps in its folder. */
const kept = () => readdirSync(process.env[RUN_TMP_ENV]!).filter((f) => f.startsWith("parsed-hr-"));

test("an HR export whose content changes is parsed again, not read from the cache; the same content is cached once", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-cache-"));
    const file = path.join(dir, "hr.csv");
    const rel = path.relative(ROOT, file);
    const before = kept().length;

    writeFileSync(file, [HEADER, line("Zoé", "PC-A1")].join("\n") + "\n");
    const a = loadHr(rel);
    expect(a.rows.map((r) => [r.prenom, r.nomPc])).toEqual([["Zoé", "PC-A1"]]);
    expect(kept().length).toBe(before + 1);

    // Same path, other content: the new content's parse, and a second entry in the cache.
    writeFileSync(file, [HEADER, line("Inès", "PC-B2"), line("Léa", "PC-B3")].join("\n") + "\n");
    const b = loadHr(rel);
    expect(b.rows.map((r) => [r.prenom, r.nomPc])).toEqual([
        ["Inès", "PC-B2"],
        ["Léa", "PC-B3"],
    ]);
    expect(kept().length).toBe(before + 2);

    // The first content again: its cached parse, equal to the first and a fresh object (a test may change it).
    writeFileSync(file, [HEADER, line("Zoé", "PC-A1")].join("\n") + "\n");
    const again = loadHr(rel);
    expect(again).toEqual(a);
    expect(again).not.toBe(a);
    expect(kept().length).toBe(before + 2);
});

test("python3 on the workers' PATH execs the interpreter by its path (no version manager's shim in between)", () => {
    const first = (process.env.PATH ?? "")
        .split(path.delimiter)
        .map((d) => path.join(d, "python3"))
        .find((p) => {
            try {
                accessSync(p, constants.X_OK);
                return true;
            } catch {
                return false;
            }
        });
    expect(first).toBe(path.join(process.env[RUN_TMP_ENV]!, RUN_BIN, "python3"));
    const exe = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout.trim();
    expect(readFileSync(first!, "utf8")).toBe(`#!/bin/sh\nexec '${exe}' "$@"\n`);
    // What it execs is a program (ELF), not another script.
    expect(readFileSync(exe).subarray(0, 4).toString("latin1")).toBe("\x7fELF");
});
