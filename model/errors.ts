/**
 * Errors for bad input: config, HR export, lock files. Each problem names where it is (a config key path such
 * as `billu:network.zones[3].cidr`, or a file and line), the value received and how to fix it. Several problems
 * are reported at once, so a user fixes a whole config in one pass.
 */

export interface Problem {
    /** Where: `billu:network.zones[3].cidr`, or `data/billu-hr.csv:12`. */
    readonly path: string;
    /** What is wrong, including the value received. */
    readonly message: string;
    /** How to fix it. */
    readonly fix: string;
}

/** Formats a received value for a message: strings quoted, objects as compact JSON, absent values named. */
export function show(value: unknown): string {
    if (value === undefined) return "nothing";
    if (typeof value === "string") return JSON.stringify(value);
    try {
        const json = JSON.stringify(value);
        return json.length > 120 ? json.slice(0, 117) + "..." : json;
    } catch {
        return String(value);
    }
}

export function formatProblem(p: Problem): string {
    return `${p.path}: ${p.message}. Fix: ${p.fix}`;
}

/** Bad input (config, HR export, lock). Thrown before any resource is registered. */
export class InputError extends Error {
    readonly problems: readonly Problem[];
    constructor(problems: readonly Problem[], headline = "invalid configuration") {
        const n = problems.length;
        super(`${headline} (${n} problem${n === 1 ? "" : "s"}):\n` + problems.map((p) => "  - " + formatProblem(p)).join("\n"));
        this.name = "InputError";
        this.problems = problems;
    }
}

/** Collects problems while validating, then throws them all at once. */
export class Problems {
    private readonly list: Problem[] = [];
    add(path: string, message: string, fix: string): void {
        this.list.push({ path, message, fix });
    }
    get count(): number {
        return this.list.length;
    }
    get all(): readonly Problem[] {
        return this.list;
    }
    throwIfAny(headline?: string): void {
        if (this.list.length > 0) throw new InputError(this.list, headline);
    }
}

/** `billu:network.zones[3].cidr` from a key and a path below it. */
export function keyPath(namespace: string, path: readonly (string | number)[]): string {
    let out = namespace;
    path.forEach((p, i) => {
        if (typeof p === "number") out += `[${p}]`;
        else out += i === 0 ? `:${p}` : `.${p}`;
    });
    return out;
}
