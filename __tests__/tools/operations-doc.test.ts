/** docs/operations.md lists every backup storage value the committed stacks carry, as each stack file has it. */
import { readFileSync } from "fs";
import * as path from "path";
import { committedStacks } from "../../tools/docs/rpo";
import { ROOT, stackRaw } from "../helpers";

test("every billu:vmBackup.storage value of a committed stack is in the table of values to check", () => {
    const doc = readFileSync(path.join(ROOT, "docs", "operations.md"), "utf8");
    const section = /### The backup storage: values to check[\s\S]*?\n### /.exec(doc)![0];
    const rows = [...section.matchAll(/^\| (\w+) \| `billu:vmBackup\.storage\.(\w+)` \| `([^`]+)` \|/gm)].map((m) => [m[1], m[2], m[3]]);
    const expected = committedStacks(ROOT).flatMap((stack) =>
        Object.entries((stackRaw(stack).vmBackup?.storage ?? {}) as Record<string, string>)
            .filter(([k]) => k !== "kind")
            .map(([k, v]) => [stack, k, String(v)]),
    );
    expect(rows.sort()).toEqual(expected.sort());
});
