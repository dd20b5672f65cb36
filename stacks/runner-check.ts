/**
 * The runner check's I/O (the verdict is model/runner-access.ts): the Proxmox endpoint from config, and the local
 * address this machine would send from to reach it. Used by `npm run preflight` (tools/preflight.ts) and by the
 * program itself before `pulumi up` registers anything (stacks/program.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { createSocket } from "dgram";
import { isIPv6 } from "net";
import { InputError } from "../model/errors";
import { checkRunnerAddress, OPT_OUT_KEY, runnerCheckMode, RunnerVerdict } from "../model/runner-access";
import { SiteModel } from "../model/site";

export const ENDPOINT_KEY = "proxmoxve:endpoint";
/** The provider reads its endpoint from this variable when the config key is not set. */
export const ENDPOINT_ENV = "PROXMOX_VE_ENDPOINT";

/** Host and port of the endpoint (`https://pve1.example.lan:8006/`); port 8006 (PVE's API) when it names none. */
export function endpointTarget(endpoint: string): { host: string; port: number } {
    let url: URL;
    try {
        url = new URL(endpoint);
    } catch {
        throw new InputError([
            { path: ENDPOINT_KEY, message: `${JSON.stringify(endpoint)} is not a URL`, fix: "set it to the API's URL, e.g. https://pve1.example.lan:8006/" },
        ]);
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    return { host, port: url.port ? Number(url.port) : 8006 };
}

/**
 * The local address the kernel picks to reach host:port: a UDP socket's connect() only selects the route and the
 * source address (and resolves a name); no packet is sent.
 */
export function sourceAddressFor(endpoint: string): Promise<string> {
    const { host, port } = endpointTarget(endpoint);
    return new Promise((resolve, reject) => {
        const socket = createSocket(isIPv6(host) ? "udp6" : "udp4");
        // A failed lookup or route comes to the callback (and to "error"): settle once, always close the socket.
        let settled = false;
        const done = (e: Error | undefined) => {
            if (settled) return;
            settled = true;
            const address = e ? undefined : socket.address().address;
            socket.close();
            if (e) reject(e);
            else resolve(address!);
        };
        socket.on("error", done);
        socket.connect(port, host, (e?: Error) => done(e ?? undefined));
    }).catch((e: NodeJS.ErrnoException) => {
        throw new InputError([
            {
                path: ENDPOINT_KEY,
                message: `${JSON.stringify(endpoint)}: ${host} ${e.code === "ENOTFOUND" || e.code === "EAI_AGAIN" ? "does not resolve" : "cannot be reached"} on this machine (${e.code ?? e.message})`,
                fix: "make the endpoint's name resolve on this machine (an /etc/hosts entry, not the stack's own DCs) or use the node's address",
            },
        ]);
    }) as Promise<string>;
}

/** The runner's verdict against the allowlist, for an endpoint. */
export async function checkRunner(endpoint: string, allowlist: readonly string[]): Promise<RunnerVerdict> {
    return checkRunnerAddress(await sourceAddressFor(endpoint), allowlist, endpoint);
}

/** True under the SDK's mock runtime (offline synth, jest): there is no cluster to be locked out of. */
function mockedRuntime(): boolean {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
    return pulumi.runtime.getMonitor() instanceof MockMonitor;
}

export interface GuardOptions {
    readonly mocked?: boolean;
    readonly dryRun?: boolean;
    readonly endpoint?: string;
}

/**
 * Before the program registers anything: a runner outside the management allowlist gets a warning in a preview,
 * and `pulumi up` stops with exit 2 (an InputError) before the datacenter firewall can lock it out. Skipped under
 * the mock runtime and with `billu:proxmox.skipRunnerCheck: true` (a runner behind NAT, checked by hand). Without an
 * endpoint the provider itself fails, so there is nothing to check. The options are for tests.
 */
export async function guardRunner(model: SiteModel, opts: GuardOptions = {}): Promise<void> {
    const px = model.config.proxmox;
    const mode = runnerCheckMode({
        mocked: opts.mocked ?? mockedRuntime(),
        dryRun: opts.dryRun ?? pulumi.runtime.isDryRun(),
        optOut: px.skipRunnerCheck === true,
    });
    if (mode === "skip") return;
    const endpoint = opts.endpoint ?? new pulumi.Config("proxmoxve").get("endpoint") ?? process.env[ENDPOINT_ENV];
    if (endpoint === undefined) return;
    const verdict = await checkRunner(endpoint, px.managementAllowlist);
    if (verdict.problems.length === 0) return;
    const err = new InputError(verdict.problems, "this machine would lock itself out of the cluster");
    if (mode === "refuse") throw err;
    void pulumi.log.warn(`${err.message}\n  (pulumi up stops here; ${OPT_OUT_KEY}: true skips this check)`);
}
