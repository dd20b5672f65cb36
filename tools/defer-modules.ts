// Imported first by offline synth, before anything loads @pulumi/pulumi.
/**
 * Loading `@pulumi/pulumi` costs most of synth's start-up, and most of that is code synth never runs:
 *  - the closure serializer (dynamic providers, callbacks) requires the whole TypeScript compiler (~0.4 s);
 *  - `computeCodePaths`, for the same serializer, requires npm's Arborist with pacote, sigstore, tar and the
 *    rest of npm's install machinery, and normalize-package-data (~0.3 s);
 *  - the Automation API (`pulumi.automation`), which drives the CLI, with its own YAML parser (~0.05 s).
 * Offline synth hands the SDK a stand-in for each that loads the real module on first use, so a program that
 * does use them still works, only later. `npm run bench` prints what start-up costs with and without.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Module = require("module") as { _load: (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown };

interface Deferred {
    /** The request string as the SDK writes it. */
    request: string;
    /** The requiring file's path ends with this. */
    from: string;
    /**
     * What the stand-in answers for `__esModule` without loading: TypeScript's `__importStar` copies every key of
     * a module that is not an ES module (which would load it at once), so namespace imports need `true`;
     * `__importDefault` wraps a module that is not one, so default imports of CommonJS need `false`.
     */
    esModule: boolean;
}

export const DEFERRED: readonly Deferred[] = [
    { request: "typescript", from: "typescript-shim.js", esModule: false },
    { request: "@npmcli/arborist", from: "runtime/closure/codePaths.js", esModule: true },
    { request: "normalize-package-data", from: "runtime/closure/codePaths.js", esModule: false },
    { request: "./automation", from: "@pulumi/pulumi/index.js", esModule: true },
];

function standIn(load: () => Record<string | symbol, unknown>, esModule: boolean): unknown {
    // A function target, so a module that is a function or a class can be called and constructed.
    return new Proxy(function deferredModule() {}, {
        get: (_t, p) => (p === "__esModule" ? esModule : load()[p]),
        has: (_t, p) => p in load(),
        ownKeys: () => [...new Set([...Reflect.ownKeys(load()), "prototype"])],
        getOwnPropertyDescriptor: (t, p) => (p === "prototype" ? Reflect.getOwnPropertyDescriptor(t, p) : Object.getOwnPropertyDescriptor(load(), p)),
        apply: (_t, self, args) => Reflect.apply(load() as unknown as (...a: unknown[]) => unknown, self, args),
        construct: (_t, args) => Reflect.construct(load() as unknown as new (...a: unknown[]) => object, args),
    });
}

function deferModuleLoads(): void {
    const original = Module._load;
    Module._load = function (request, parent, isMain) {
        const d = DEFERRED.find((x) => x.request === request && parent?.filename?.replace(/\\/g, "/").endsWith(x.from));
        if (!d) return original.call(Module, request, parent, isMain);
        let real: Record<string | symbol, unknown> | undefined;
        const load = () => (real ??= original.call(Module, request, parent, isMain) as Record<string | symbol, unknown>);
        return standIn(load, d.esModule);
    };
}

deferModuleLoads();
