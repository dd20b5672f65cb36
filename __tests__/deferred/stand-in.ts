/**
 * Jest's side of tools/defer-modules.ts (jest.config.js maps the modules to the files beside this one). Every test
 * file that loads @pulumi/pulumi loads it into a module registry of its own, and with it three modules that only
 * the SDK's closure serializer uses (dynamic providers, callbacks), which no test runs: the TypeScript compiler,
 * npm's Arborist and normalize-package-data, ~0.7 s of CPU per file. Jest does not load modules through Node's
 * Module._load, so the tools' hook cannot defer them here: the mapping does, with the same stand-in, which loads
 * the real module (by its path, which the mapping does not match) on first use.
 */
import { existsSync, readFileSync } from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");

export function standIn(load: () => Record<string | symbol, unknown>, esModule: boolean): unknown {
    let real: Record<string | symbol, unknown> | undefined;
    const get = () => (real ??= load());
    // A function target, so a module that is a function or a class can be called and constructed.
    return new Proxy(function deferredModule() {}, {
        get: (_t, p) => (p === "__esModule" ? esModule : get()[p]),
        has: (_t, p) => p in get(),
        ownKeys: () => [...new Set([...Reflect.ownKeys(get()), "prototype"])],
        getOwnPropertyDescriptor: (t, p) => (p === "prototype" ? Reflect.getOwnPropertyDescriptor(t, p) : Object.getOwnPropertyDescriptor(get(), p)),
        apply: (_t, self, args) => Reflect.apply(get() as unknown as (...a: unknown[]) => unknown, self, args),
        construct: (_t, args) => Reflect.construct(get() as unknown as new (...a: unknown[]) => object, args),
    });
}

/**
 * The real module's main file, found as Node finds it from @pulumi/pulumi (the node_modules folders above it, the
 * package's `main`). Not by a resolver: jest's, and the createRequire jest hands a test, apply the mapping and would
 * answer with the stand-in.
 */
export function realPath(name: string): string {
    for (let dir = path.join(ROOT, "node_modules", "@pulumi", "pulumi"); ; dir = path.dirname(dir)) {
        const pkg = path.join(dir, "node_modules", name, "package.json");
        if (existsSync(pkg)) return path.join(path.dirname(pkg), (JSON.parse(readFileSync(pkg, "utf8")) as { main?: string }).main ?? "index.js");
        if (dir === path.dirname(dir)) throw new Error(`${name} is not installed above @pulumi/pulumi: run npm ci`);
    }
}
