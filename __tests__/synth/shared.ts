/**
 * The synth tests' one way to synthesize. `committedSynth("prod")` synthesizes a committed stack
 * (Pulumi.<stack>.yaml) once per jest run, in the first test file that asks for it; every other file, in any worker,
 * reads that run's result: the SynthResult and the output folder (resources.json, rendered/, docs/, ...).
 * `variantSynth(stack, text)` does the same for a stack file given as text, shared by the files that pass the same
 * text (the Windows file server variant of dev). `ownSynth(...)` synthesizes a modified config in a fresh folder of
 * its own, for a test that needs one.
 *
 * Why the file system and not memory: jest gives every test file its own module registry and global object, so a
 * module-level cache dies with its file; only the file system is shared between files and workers. The folder is
 * made fresh for each `jest` run by __tests__/synth-cache-setup.ts (and deleted at the end), so no run reads what an
 * earlier run, or an earlier state of the code, synthesized. Run without it (no BILLU_TEST_SYNTH_CACHE), each file
 * synthesizes its own, as before.
 *
 * Claiming a stack is an atomic mkdir: one file synthesizes, the others wait for its result file (written whole,
 * then renamed into place). Every file, the one that synthesized included, gets its own parse of that file: a file
 * that changes `r` changes nothing another file sees, and every file sees the same values. The output folder is
 * shared: tests read it and write anywhere else.
 */
import { createHash } from "crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { format } from "util";
import type { SynthOptions, SynthResult } from "../../tools/synth";
import { model, ROOT, stackRaw } from "../helpers";
import { CACHE_ENV } from "../synth-cache-setup";

/** A beforeAll that synthesizes, or waits for the file that does: one synth of prod under load, with room. */
export const SYNTH_TIMEOUT = 240000;

export interface Synthesized {
    readonly r: SynthResult;
    /** The output folder (`r.outDir`). */
    readonly out: string;
    /**
     * What the run logged on the console's error stream: the program's warnings and errors (`pulumi.log.warn` under
     * the mock runtime), which the CLI prints on stderr. With `r.error`, all the CLI's stderr would hold.
     */
    readonly stderr: string;
}

type Stored = { r: SynthResult; stderr: string; thrown?: undefined } | { thrown: string };

/** A service's synth test set-up: its plan in dev, dev and prod synthesized, its host's rendered files. */
export interface ServiceSynth<P> {
    /** The service's plan in the committed dev stack (expected values come from it, never from a rendered file). */
    readonly plan: P;
    /** dev's synthesis, its output folder and stderr; set by the beforeAll. */
    r: SynthResult;
    out: string;
    stderr: string;
    /** prod's synthesis and stderr; set by the beforeAll. */
    prod: SynthResult;
    prodStderr: string;
    /** A file as dev's synth rendered it for the service's host (a guest path without its leading slash). */
    rendered(guestPath: string): string;
}

/**
 * The set-up the service test files share (ftp, pbx): the service's plan from the committed dev stack, a beforeAll
 * that takes dev's and prod's shared syntheses, and the host's rendered files. Call it at the top of the file.
 */
export function serviceSynth<P extends { readonly host: { readonly name: string } }>(service: string): ServiceSynth<P> {
    const plan = model(stackRaw("dev")).plan<P>(service);
    if (!plan) throw new Error(`the committed dev stack has no ${service} plan`);
    const s = {
        plan,
        rendered: (guestPath: string) => readFileSync(path.join(s.out, "rendered", plan.host.name, guestPath), "utf8"),
    } as ServiceSynth<P>;
    beforeAll(async () => {
        ({ r: s.r, out: s.out, stderr: s.stderr } = await committedSynth("dev"));
        ({ r: s.prod, stderr: s.prodStderr } = await committedSynth("prod"));
    }, SYNTH_TIMEOUT);
    return s;
}

/**
 * Expects <host> (its VM name) in <r> to be <component> on its BaseServer, its three resources and no other, with its
 * step <step> prepared only after the host's base step ran (the service servers' shared shape: backup, logs, mx,
 * monitoring).
 */
export function expectOnBaseServer(r: SynthResult, host: string, component: string, step: string): void {
    const name = host.toLowerCase();
    expect(
        r.resources
            .filter((x) => x.name === name)
            .map((x) => x.type)
            .sort(),
    ).toEqual([component, "billu:compute:BaseServer", "billu:compute:ProxmoxVm"].sort());
    const prepare = r.resources.find((x) => x.name === `${name}-${step}-prepare`);
    expect(prepare?.options.dependsOn).toContain(r.resources.find((x) => x.name === `${name}-base-apply`)!.urn);
}

/** The shared synthesis of a committed stack (Pulumi.<stack>.yaml at the project root), as this jest run made it. */
export function committedSynth(stack: string): Promise<Synthesized> {
    return shared(stack, stack);
}

/**
 * The shared synthesis of a stack file given as text (a committed stack edited the same way by several test files):
 * files that pass the same stack name and the same text share one synth.
 */
export function variantSynth(stack: string, configText: string): Promise<Synthesized> {
    return shared(`${stack}-${createHash("sha256").update(configText).digest("hex").slice(0, 16)}`, stack, configText);
}

/**
 * The shared synthesis of a lab's own stack file (labs/<lab>/Pulumi.<stack>.yaml, e.g. the dc lab's labdc), as
 * variantSynth shares it: the files that test the lab stack (its domain order, the lab's overrides) share one synth.
 */
export function labSynth(lab: string, stack: string): Promise<Synthesized> {
    return variantSynth(stack, readFileSync(path.join(ROOT, "labs", lab, `Pulumi.${stack}.yaml`), "utf8"));
}

async function shared(key: string, stack: string, configText?: string): Promise<Synthesized> {
    const cache = process.env[CACHE_ENV];
    if (!cache) {
        if (configText === undefined) return ownSynth({ stack });
        const dir = mkdtempSync(path.join(tmpdir(), `billu-synth-${stack}-`));
        writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), configText);
        return ownSynth({ stack, config: path.join(dir, `Pulumi.${stack}.yaml`), out: path.join(dir, "out") });
    }
    const out = path.join(cache, key);
    const stored = path.join(cache, `${key}.result.json`);
    if (claim(path.join(cache, `${key}.claim`))) {
        let config: string | undefined;
        if (configText !== undefined) {
            config = path.join(cache, `${key}.Pulumi.${stack}.yaml`);
            writeFileSync(config, configText);
        }
        let doc: Stored;
        try {
            doc = await isolatedSynth({ stack, config, root: ROOT, out, quiet: true });
        } catch (e) {
            // synth reports its own failures in the result; this is for anything else, so the waiters do not hang.
            doc = { thrown: String((e as Error)?.stack ?? e) };
        }
        // The result holds the mock secrets (random values, the leak tests look for them): readable by us alone.
        writeFileSync(`${stored}.tmp`, JSON.stringify(doc), { mode: 0o600 });
        renameSync(`${stored}.tmp`, stored);
    } else {
        await appears(stored, `the shared synth ${key} (claimed by another test file in ${cache})`);
    }
    const doc = JSON.parse(readFileSync(stored, "utf8")) as Stored;
    if (doc.thrown !== undefined) throw new Error(`the shared synth ${key} threw: ${doc.thrown}`);
    return { r: doc.r, out, stderr: doc.stderr };
}

/** A synthesis of its own (a modified config, another stack file), in a fresh folder unless `out` is given. */
export async function ownSynth(opts: Omit<SynthOptions, "root">): Promise<Synthesized> {
    const out = opts.out ?? path.join(mkdtempSync(path.join(tmpdir(), `billu-synth-${opts.stack}-`)), "out");
    const { r, stderr } = await isolatedSynth({ ...opts, root: ROOT, out, quiet: true });
    return { r, out: r.outDir, stderr };
}

/**
 * synth with modules of its own: the Pulumi runtime it drives is module state, so a file that synthesizes twice
 * (two shared stacks, or a shared one and its own) gives each run a fresh SDK and program. What it logs to
 * console.warn and console.error (the CLI's stderr) is recorded, as Node's console would print it.
 */
async function isolatedSynth(opts: SynthOptions): Promise<{ r: SynthResult; stderr: string }> {
    let r: SynthResult | undefined;
    let stderr = "";
    const { warn, error } = console;
    console.warn = console.error = (...args: unknown[]) => void (stderr += format(...args) + "\n");
    try {
        await jest.isolateModulesAsync(async () => {
            const { synth } = await import("../../tools/synth");
            r = await synth(opts);
        });
    } finally {
        Object.assign(console, { warn, error });
    }
    return { r: r!, stderr };
}

/** Makes the claim folder: true for the one caller that made it, false for every later one. */
function claim(dir: string): boolean {
    try {
        mkdirSync(dir);
        return true;
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw e;
    }
}

/** Resolves once `file` exists; fails, naming `what`, if it has not appeared within SYNTH_TIMEOUT. */
function appears(file: string, what: string): Promise<void> {
    const deadline = Date.now() + SYNTH_TIMEOUT - 5000;
    return new Promise((resolve, reject) => {
        const check = () => {
            if (existsSync(file)) resolve();
            else if (Date.now() > deadline) reject(new Error(`waited ${SYNTH_TIMEOUT / 1000 - 5} s for ${what}: its result ${file} never appeared`));
            else setTimeout(check, 100);
        };
        check();
    });
}
