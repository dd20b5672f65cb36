/**
 * The PBS storage's secret is read by the program (stacks/program.ts), never by a component: missing while the
 * stack stores on PBS, it is bad input before any resource exists; offline synth gets a placeholder secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { readdirSync, readFileSync, statSync } from "fs";
import * as path from "path";
import { InputError } from "../../model/errors";
import { vmBackupPbsPassword } from "../../stacks/program";
import { model, ROOT, stackRaw } from "../helpers";

beforeAll(() => pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "billu-infra", "prod"));

const prod = model(stackRaw("prod"));
const asked: string[] = [];
const none = (k: string) => {
    asked.push(k);
    return undefined;
};
const problems = (f: () => unknown) => {
    try {
        f();
        return [];
    } catch (e) {
        if (e instanceof InputError) return e.problems.map((p) => `${p.path}: ${p.message}. Fix: ${p.fix}`);
        throw e;
    }
};

test("prod stores on PBS: without the secret, the program stops with the key, the server and the command", () => {
    expect(problems(() => vmBackupPbsPassword(prod, none, false))).toEqual([
        "billu:vmBackupPbsPassword: is not set, and billu:vmBackup.storage.kind is pbs: the cluster cannot log on to pbs1.billu.remindme.lan. " +
            "Fix: run pulumi config set --secret billu:vmBackupPbsPassword (the password or API token secret of pve-backup@pbs!pve)",
    ]);
});

test("the secret set is what the component gets; offline synth gets a placeholder, secret too", async () => {
    const given = pulumi.secret("from-the-stack");
    expect(vmBackupPbsPassword(prod, (k) => (k === "vmBackupPbsPassword" ? given : undefined), false)).toBe(given);
    const placeholder = vmBackupPbsPassword(prod, none, true)!;
    expect(await pulumi.isSecret(placeholder)).toBe(true);
});

test("dev stores on NFS: no secret is asked for", () => {
    asked.length = 0;
    expect(vmBackupPbsPassword(model(stackRaw("dev")), none, false)).toBeUndefined();
    expect(asked).toEqual([]);
});

test("no component reads the stack's config: the program reads it and passes arguments", () => {
    const files = (dir: string): string[] =>
        readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? files(path.join(dir, f)) : [path.join(dir, f)]));
    const readers = files(path.join(ROOT, "components")).filter(
        (f) => f.endsWith(".ts") && /\bnew pulumi\.Config\(|\bConfig\(\s*"billu"/.test(readFileSync(f, "utf8")),
    );
    expect(readers.map((f) => path.relative(ROOT, f))).toEqual([]);
});
