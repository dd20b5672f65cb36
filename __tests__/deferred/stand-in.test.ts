/**
 * The stand-ins jest.config.js maps three of the SDK's modules to: loaded on first use, they are the real modules,
 * and the one SDK feature that uses them, the closure serializer (with computeCodePaths), works through them.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { realPath } from "./stand-in";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const real = (name: string) => require(realPath(name));

test("typescript, @npmcli/arborist and normalize-package-data are stand-ins that answer as the real modules", () => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const ts = require("typescript");
    const arborist = require("@npmcli/arborist");
    const normalize = require("normalize-package-data");
    /* eslint-enable @typescript-eslint/no-require-imports */
    expect([ts === real("typescript"), arborist === real("@npmcli/arborist"), normalize === real("normalize-package-data")]).toEqual([false, false, false]);
    expect(ts.version).toBe(real("typescript").version);
    expect(Object.keys(arborist).sort()).toEqual(Object.keys(real("@npmcli/arborist")).sort());
    expect(typeof arborist.Arborist).toBe("function");
    const data: Record<string, unknown> = { name: "x", version: "1.0.0" };
    normalize(data);
    expect(data._id).toBe("x@1.0.0");
});

test("the SDK's closure serializer, which uses all three, works through them", async () => {
    const pulumi = await import("@pulumi/pulumi");
    const serialized = await pulumi.runtime.serializeFunction(() => 6 * 7);
    expect(serialized.text).toContain("6 * 7");
    const paths = await pulumi.runtime.computeCodePaths({ extraIncludePackages: [] });
    // npm's Arborist walks the project's dependencies: each one outside the SDK's own packages is a code path.
    const deps = Object.keys((JSON.parse(readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as { dependencies: object }).dependencies);
    const expected = deps.filter((d) => !d.startsWith("@pulumi/")).map((d) => `node_modules/${d}`);
    expect(expected.length).toBeGreaterThan(0);
    expect([...paths.keys()]).toEqual(expect.arrayContaining(expected));
}, 120000);
