/**
 * The service seam: what one service of the site declares (its descriptor), what its planner is given, and what
 * it asks of the rest of the site (its requirements). A descriptor is pure data plus a pure planner; the registry
 * (model/services/registry.ts) lists them, and the config schema, the role codes, the start order, the stateful
 * roles and `buildSiteModel` are derived from it. docs/adding-a-service.md walks through adding one.
 */
import type { ZodTypeAny } from "zod";
import type { BackupDataSet } from "../backup";
import type { CoreModel, RoleSpec } from "../core";
import type { ExtraDnsRecord } from "../domain";
import type { Problems } from "../errors";
import type { HrExport } from "../hr";

/**
 * A flow the service needs in `billu:flows`. Endpoints are written as in the matrix (model/endpoints.ts parses
 * them): a zone, a host, `router`, `vpn-partner` or `kind:<zone kind>`; `hosts` narrows a zone destination.
 */
export interface FlowNeed {
    readonly kind: "flow";
    readonly from: string;
    readonly to: string;
    readonly service: string;
    readonly hosts?: readonly string[];
    readonly why: string;
}

/**
 * A record the service needs in the site's internal DNS (the AD DNS of a company site, published by the DC step);
 * the record names the config key that asks for it (`owner`) and why (`purpose`).
 */
export interface DnsNeed {
    readonly kind: "dns";
    readonly record: ExtraDnsRecord;
}

/** A service (of the port catalogue) a host answers on: a flow to that host for anything else is refused. */
export interface ListenNeed {
    readonly kind: "listen";
    readonly host: string;
    readonly service: string;
    readonly why: string;
}

/**
 * Something every host (of the site, or of `hosts` when given) runs for this service: an agent, a backup client, a
 * log shipper. The one base step of every host (components/base-server) installs it.
 */
export interface EveryHostNeed {
    readonly kind: "every-host";
    /** The need's name, unique in the site (`log-shipper`). */
    readonly need: string;
    /** The service whose component renders it (its descriptor key). */
    readonly service: string;
    /** Hosts it applies to; absent: every host. */
    readonly hosts?: readonly string[];
    readonly why: string;
}

/**
 * Data a host keeps that the in-guest backup (`billu:backup`, model/backup.ts) must save: declared by the service
 * that owns it, so every service with state says what to back up.
 */
export interface BackupNeed extends BackupDataSet {
    readonly kind: "backup";
}

export type Requirement = FlowNeed | DnsNeed | ListenNeed | EveryHostNeed | BackupNeed;

/** Files read from the project (injected: the model does no I/O). */
export interface Loaders {
    readonly lock?: (path: string | undefined) => import("../directory-lock").DirectoryLock;
    readonly webContent?: import("../web-content").ContentLoader;
    /**
     * The groups the VPN partner's stack declares for its own domain (`billu:trust.localGroups` of its committed stack file),
     * given billu:vpn.peerStack; undefined when that stack's file is not in this project or declares none.
     */
    readonly peerDirectory?: (peerStack: string) => import("../trust").PeerDirectory | undefined;
}

/** What a planner is given. */
export interface PlanInput<Cfg> {
    /** Its own config (`billu:<key>`), parsed and defaulted by its schema; undefined when the key is absent. */
    readonly config: Cfg | undefined;
    /** The whole parsed `billu:` config, for the keys the core owns (network, guest, ...). Read-only. */
    readonly all: Readonly<Record<string, unknown>>;
    readonly core: CoreModel;
    /** The HR export (company sites). */
    readonly hr?: HrExport;
    readonly headcount: ReadonlyMap<string, number>;
    /** The plan of a service named in `after` (undefined when that service plans nothing on this site). */
    plan<T>(key: string): T | undefined;
    readonly loaders: Loaders;
    readonly problems: Problems;
}

export interface ServiceDescriptor<Cfg = any, Plan = any> {
    /** The service's key: its plan's name, its role's name when it has one, its docs page `docs/services/<key>.md`. */
    readonly key: string;
    /** For messages: `which <title> needs`. */
    readonly title: string;
    /**
     * The `billu:` keys it owns and their schemas (each with `.describe()` text and defaults). The first is its own
     * config, handed to the planner; usually `{ [key]: schema.optional() }`.
     */
    readonly config?: Readonly<Record<string, ZodTypeAny>>;
    /** Hosts of role `key`: the code in their names, start order, statefulness. */
    readonly role?: RoleSpec;
    /** Its page under docs/services/. @default `docs/services/<key>.md` */
    readonly docs?: string;
    /**
     * Services whose plans it reads: they are planned first, and it is not planned when one of them reported a
     * problem. `<key>?` reads that plan when it is sound and plans anyway when it is not. `hosts` means "once every
     * host of billu:hosts is sound" (a planner that cross-references host names).
     */
    readonly after: readonly string[];
    /** Config + core model + the plans it depends on -> its plan (undefined: nothing to do on this site). */
    plan(input: PlanInput<Cfg>): Plan | undefined;
    /** What it requires from the rest of the site, each with a reason. */
    requires?(plan: Plan, input: PlanInput<Cfg>): readonly Requirement[];
}

/** Declares a descriptor with its types checked (a registry entry is one of these). */
export function defineService<Cfg, Plan>(d: ServiceDescriptor<Cfg, Plan>): ServiceDescriptor<Cfg, Plan> {
    return d;
}

/** A service's own config (its first `billu:` key) from the parsed config, typed by its descriptor. */
export function configOf<Cfg>(service: ServiceDescriptor<Cfg, any>, config: Readonly<Record<string, unknown>>): Cfg | undefined {
    const key = Object.keys(service.config ?? {})[0];
    return key === undefined ? undefined : (config[key] as Cfg | undefined);
}

/** A service's plan from the site model, typed by its descriptor (undefined: it plans nothing on this site). */
export function planOf<Plan>(service: ServiceDescriptor<any, Plan>, model: { plan<T>(key: string): T | undefined }): Plan | undefined {
    return model.plan<Plan>(service.key);
}
