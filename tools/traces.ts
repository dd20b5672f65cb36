/**
 * The SDK captures a stack trace for every resource (Resource.callsites, with an unlimited depth, to send the
 * source position to the engine) and for every internal promise (debuggablePromise, for leak reports). Offline
 * synth needs neither: resources.json has no source positions and synth waits for every registration itself.
 * `npm run bench` measures what they cost; synth turns them off.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const resourceModule = require("@pulumi/pulumi/resource");

// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggableModule = require("@pulumi/pulumi/runtime/debuggable");

export function disableStackTraces(): void {
    Error.stackTraceLimit = 0;
    resourceModule.Resource.callsites = () => [];
    // The SDK calls it through the module object, so replacing the export reaches every call site.
    debuggableModule.debuggablePromise = <T>(p: Promise<T>) => p;
}
