/**
 * The SDK captures a stack trace for every resource (Resource.callsites, with an unlimited depth, to send the
 * source position to the engine) and for every internal promise (debuggablePromise, for leak reports). Offline
 * synth needs neither: resources.json has no source positions and synth waits for every registration itself.
 * `npm run bench` measures what they cost; synth turns them off.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const resourceModule = require("@pulumi/pulumi/resource");

export function disableStackTraces(): void {
    Error.stackTraceLimit = 0;
    resourceModule.Resource.callsites = () => [];
}
