// Imported first by offline synth and the bench worker, before anything loads @pulumi/pulumi.
/**
 * The SDK's closure serializer (dynamic providers, callbacks) requires the whole TypeScript compiler when the SDK
 * loads, about 0.7 s of synth's start-up, though synth never serializes a closure. Offline synth hands the SDK a
 * proxy that loads the compiler on first use instead.
 */
function deferTypescriptLoad(): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Module = require("module") as { _load: (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown };
    const original = Module._load;
    Module._load = function (request, parent, isMain) {
        if (request === "typescript" && parent?.filename?.endsWith("typescript-shim.js")) {
            let real: Record<string | symbol, unknown> | undefined;
            const load = () => (real ??= original.call(Module, request, parent, isMain) as Record<string | symbol, unknown>);
            return new Proxy(
                {},
                {
                    get: (_t, p) => load()[p],
                    has: (_t, p) => p in load(),
                    ownKeys: () => Reflect.ownKeys(load()),
                    getOwnPropertyDescriptor: (_t, p) => Object.getOwnPropertyDescriptor(load(), p),
                },
            );
        }
        return original.call(Module, request, parent, isMain);
    };
}

deferTypescriptLoad();
