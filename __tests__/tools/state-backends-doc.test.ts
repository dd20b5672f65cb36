/**
 * docs/state-backends.md names facts the repository holds: the StackReference names of `billu:vpn.peerStack` in its
 * table must be the committed stack files' (project from Pulumi.yaml), and its checkpoint-write formula the bench's.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { checkpointWrites } from "../../tools/bench-goals";
import { readBilluConfig } from "../../tools/stack-config";
import { ROOT } from "../helpers";

const doc = readFileSync(path.join(ROOT, "docs", "state-backends.md"), "utf8");

test("the peer-stack table is the committed stacks' billu:vpn.peerStack, in the project of Pulumi.yaml", () => {
    const table = Object.fromEntries([...doc.matchAll(/^\| (\w+) \| `([^`]+\/[^`]+)` \|$/gm)].map((m) => [m[1], m[2]]));
    const project = (parseYaml(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { name: string }).name;
    const committed = Object.fromEntries(
        ["prod", "ecotech"].map((s) => [s, (readBilluConfig(path.join(ROOT, `Pulumi.${s}.yaml`)).vpn as { peerStack: string }).peerStack]),
    );
    expect(table).toEqual(committed);
    // A DIY backend's name: the literal organization, this project, the other stack.
    expect(committed).toEqual({ prod: `organization/${project}/ecotech`, ecotech: `organization/${project}/prod` });
});

test("the doc's checkpoint formula is the bench's: 2 x resources + 1 writes, about resources x final size written", () => {
    expect(doc).toContain("`2 x resources + 1` writes");
    expect(doc).toContain("`resources x S` bytes");
    expect(checkpointWrites(1000, 5 * 2 ** 20)).toEqual({ writes: 2001, bytesWritten: 1000 * 5 * 2 ** 20 });
});
