import { existsSync } from "fs";
import * as path from "path";

let root: string | undefined;

/**
 * A path inside the repository (scripts, site content), the same whether the code runs from TypeScript sources
 * (Pulumi, jest) or compiled into dist/ (synth): the repository root is the nearest folder with Pulumi.yaml.
 */
export function repoPath(...parts: string[]): string {
    if (!root) {
        let dir = __dirname;
        while (!existsSync(path.join(dir, "Pulumi.yaml"))) {
            const up = path.dirname(dir);
            if (up === dir) throw new Error(`no Pulumi.yaml above ${__dirname}`);
            dir = up;
        }
        root = dir;
    }
    return path.join(root, ...parts);
}
