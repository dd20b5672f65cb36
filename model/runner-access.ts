/**
 * Will the machine that runs Pulumi still reach the Proxmox API once the datacenter firewall is on? The stack
 * enables it with input policy DROP and lets in only `billu:proxmox.managementAllowlist` (the `management` IP set,
 * components/firewall/proxmox.ts). On a cluster the stack adopts, a runner outside that list is locked out of the
 * API, SSH and the consoles the moment the options resource is applied, half-way through `pulumi up`. Pure: the
 * address is found by stacks/runner-check.ts (the local source address of a route to the endpoint).
 */
import * as ipaddr from "ipaddr.js";
import { Problem, show } from "./errors";

export const ALLOWLIST_KEY = "billu:proxmox.managementAllowlist";
export const OPT_OUT_KEY = "billu:proxmox.skipRunnerCheck";

export interface RunnerVerdict {
    /** The runner's address, as found. */
    readonly address: string;
    /** The allowlist entry that holds it, when one does. */
    readonly matched?: string;
    /** Empty when the runner is inside the allowlist. */
    readonly problems: readonly Problem[];
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** An allowlist entry as Proxmox takes it in an IP set: an address or a network (CIDR). */
export function parseAllowlistEntry(entry: string): Range | undefined {
    try {
        if (entry.includes("/")) return ipaddr.parseCIDR(entry);
        const a = ipaddr.parse(entry);
        return [a, a.kind() === "ipv4" ? 32 : 128];
    } catch {
        return undefined;
    }
}

/**
 * Checks the runner's address against the allowlist. `endpoint` is the Proxmox endpoint as configured (for the
 * message only).
 */
export function checkRunnerAddress(address: string, allowlist: readonly string[], endpoint: string): RunnerVerdict {
    const problems: Problem[] = [];
    const ranges: { entry: string; range: Range }[] = [];
    allowlist.forEach((entry, i) => {
        const range = parseAllowlistEntry(entry);
        if (range) ranges.push({ entry, range });
        else
            problems.push({
                path: `${ALLOWLIST_KEY}[${i}]`,
                message: `${show(entry)} is neither an address nor a network`,
                fix: "write an address (10.10.0.5) or a network in CIDR form (10.10.0.0/24)",
            });
    });
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    try {
        // An IPv4 address reached over an IPv6 socket comes as ::ffff:a.b.c.d: compare it as the IPv4 address it is.
        addr = ipaddr.process(address);
    } catch {
        throw new Error(`internal: the runner's source address ${show(address)} is not an IP address`);
    }
    const shown = addr.toString();
    const matched = ranges.find((r) => r.range[0].kind() === addr.kind() && addr.match(r.range))?.entry;
    if (matched === undefined && problems.length === 0) {
        const host = addr.kind() === "ipv4" ? `${shown}/32` : `${shown}/128`;
        problems.push({
            path: ALLOWLIST_KEY,
            message:
                `does not hold ${shown}, the address this machine uses to reach the Proxmox API ${endpoint} (the list holds ${allowlist.join(", ")}): ` +
                "once the stack turns the datacenter firewall on (input policy DROP), this machine is locked out of the API, SSH and the consoles",
            fix:
                `run Pulumi from a machine inside one of those networks, or append "${host}" (or its network) to ${ALLOWLIST_KEY}; ` +
                `if the nodes see this machine behind NAT, check the translated address yourself and set ${OPT_OUT_KEY} to true`,
        });
    }
    return { address: shown, matched, problems };
}

/**
 * What the program does about the runner: nothing under the mock runtime (offline synth, tests: no cluster) or
 * when the stack opts out; a warning in a preview (it changes nothing on the cluster); a refusal, before any
 * resource is registered, in an update (`pulumi up`'s second pass, the one that applies the firewall).
 */
export function runnerCheckMode(p: { readonly mocked: boolean; readonly dryRun: boolean; readonly optOut: boolean }): "skip" | "warn" | "refuse" {
    if (p.mocked || p.optOut) return "skip";
    return p.dryRun ? "warn" : "refuse";
}
