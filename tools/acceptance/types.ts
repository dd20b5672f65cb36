/**
 * Acceptance scenarios (issue #23): BillU's user scenarios run against a deployed site from a host in the
 * management zone. A scenario is a module of its own (tools/acceptance/scenarios/<name>.ts) that turns the model and
 * the stack's outputs into checks; the runner (runner.ts) runs them, each bounded in time, and the reports
 * (report.ts) say what was expected and what was observed. Nothing here changes the site's configuration.
 */
import type { SiteModel } from "../../model/site";

/** The stack outputs a scenario reads (`pulumi stack output --json`, or synth's out/<stack>/outputs.json). */
export interface StackOutputs {
    readonly caCertPem?: string;
    /** `<address> <key type> <key>` lines: the hosts' pinned SSH keys. */
    readonly knownHosts?: string;
    readonly [key: string]: unknown;
}

/** What a scenario is given to build its checks. */
export interface ScenarioInput {
    readonly model: SiteModel;
    readonly outputs: StackOutputs;
    /** The acceptance account (`--account`, password in BILLU_ACCEPTANCE_PASSWORD), when one is given. */
    readonly account?: { readonly name: string; readonly password: string };
    /** A private folder for the run's files (a krb5.conf, the CA, a ticket cache), removed after the run. */
    readonly workDir: string;
    /** `--host-keys accept-new`: labs only, where guests keep their own host keys (not the stack's pinned ones). */
    readonly acceptNewHostKeys: boolean;
    /** `--member <host>`: the Linux member the logon scenario logs on to. @default the domain's first member */
    readonly member?: string;
    /** `--side`: where the run stands, for the scenarios that look from both sides (web). @default inside */
    readonly side?: "inside" | "wan";
    /** `--dhcp-probe <interface>@<zone>`: a NIC of the run's host on a department zone's network, for the dhcp scenario. */
    readonly dhcpProbe?: string;
    /** `--zone <zone>`: the zone the run's host stands in (the vpn scenario's flows, the ftp scenario's allowed zone). @default the management zone */
    readonly zone?: string;
    /** `--dry-run`: the checks are listed, not run (a scenario asks for its credentials only for a real run). */
    readonly dryRun?: boolean;
}

/** What a scenario's skip may read besides the model: the run's own options. */
export type RunOptions = Pick<ScenarioInput, "dhcpProbe" | "zone">;

/** One observation: what it expects, what it contacts, and how to observe. */
export interface Check {
    readonly name: string;
    readonly expected: string;
    /** The addresses or names it contacts (printed by --dry-run): only the site's own. */
    readonly contacts: readonly string[];
    /** Observes; resolves with what was observed; `ok` says whether that is the expected. */
    readonly run: () => Promise<{ ok: boolean; observed: string }>;
}

export interface Scenario {
    readonly name: string;
    readonly title: string;
    /** Why the scenario does not apply to this site (no DCs, no members), or undefined. */
    readonly skip: (model: SiteModel, opts?: RunOptions) => string | undefined;
    /** What it needs beyond the model and outputs (`account`), or undefined. */
    readonly needs?: readonly "account"[];
    readonly checks: (input: ScenarioInput) => Check[];
}

export interface CheckResult {
    readonly name: string;
    readonly expected: string;
    readonly observed: string;
    readonly ok: boolean;
    readonly ms: number;
}

export interface ScenarioResult {
    readonly name: string;
    readonly title: string;
    readonly checks: readonly CheckResult[];
    readonly ok: boolean;
    readonly ms: number;
}
