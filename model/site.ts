/**
 * The validated site model: the one source every renderer, component and doc derives from. Built from the raw
 * `billu:` config (and, for a company site, the HR export) by `buildSiteModel`, which either returns a model
 * that satisfies every rule below or throws an InputError listing every problem.
 */
import { ZodIssue } from "zod";
import { BackupDataSet, BackupPlan, checkBackupNeeds } from "./backup";
import { contains, ipToInt, isIpv4, isUsableHost, overlaps, parseCidr, suggestNetwork } from "./addressing";
import { WINDOWS_CLIENT_OS, type Cidr, type CoreModel, type HostModel, type NicModel, type ZoneModel } from "./core";
import type { DirectoryPlan, LockLoader } from "./directory";
import { addressesNeeded, DhcpPlan } from "./dhcp";
import { DomainModel, ExtraDnsRecord, publishExtraRecords, unpublishable } from "./domain";
import { InputError, keyPath, Problems, show } from "./errors";
import type { FileServerPlan } from "./fileserver";
import type { FirewallModel } from "./flows";
import { HrExport, headcountByDepartment } from "./hr";
import { namingViolation } from "./naming";
import { Config, configSchema, CONFIG_KEYS, OsKind, Role, Zone } from "./schema";
import { CONTROL } from "./text";
import type { VpnLocal, VpnModel } from "./vpn";
import type { MailPlan } from "./mail";
import type { WebModel } from "./web";
import type { ContentLoader } from "./web-content";
import type { GuestResolvers } from "./guest-resolvers";
import { Asked, checkFlowNeeds, checkListeners, uncoveredFlows } from "./requirements";
import { dhcpService } from "./services/dhcp";
import { HOSTS_SOUND, planningOrder, ROLE_SPECS, STATEFUL_ROLES } from "./services/registry";
import { configOf, EveryHostNeed, FlowNeed, ListenNeed, PlanInput, Requirement, ServiceDescriptor } from "./services/types";

export type { Cidr, CoreModel, HostModel, NicModel, ZoneModel };
export { STATEFUL_ROLES };

export interface SiteModel extends CoreModel {
    readonly config: Config;
    readonly site: Config["site"] & { readonly protectStateful: boolean };
    readonly zones: readonly ZoneModel[];
    readonly hosts: readonly HostModel[];
    readonly hr?: HrExport;
    /** Headcount per HR department (company sites). */
    readonly headcount: ReadonlyMap<string, number>;
    zone(name: string): ZoneModel;
    host(name: string): HostModel;
    hostsByRole(role: Role): HostModel[];
    /** The router/firewall host. */
    readonly router: HostModel;
    /** The flow matrix, resolved (model/flows.ts). */
    readonly firewall?: FirewallModel;
    /** The directory plan from the HR export and the lock (company sites; model/directory.ts). */
    readonly directory?: DirectoryPlan;
    /**
     * The AD domain (`billu:domain`): DCs, FSMO placement, DNS records (the hosts' own and the ones services ask for,
     * `extraRecords`), members. Absent on a site without DCs.
     */
    readonly domain?: DomainModel;
    /** This site's end of the site-to-site tunnel (`billu:vpn`), validated against this model. */
    readonly vpnLocal?: VpnLocal;
    /** Both ends paired, once the peer's `vpnPeer` output is known (stacks/program.ts; components/vpn/peer.ts). */
    readonly vpn?: VpnModel;
    /** DHCP scopes, relay and servers (sites with a host of role dhcp). */
    readonly dhcp?: DhcpPlan;
    /** The mail service (`billu:mail`, the host of role mail; model/mail.ts). */
    readonly mail?: MailPlan;
    /** The file servers' plans (RAID 1 array, shares and their groups): one per host of role fileserver. */
    readonly fileservers?: readonly FileServerPlan[];
    /** The DMZ web server's sites (`billu:web`; model/web.ts). */
    readonly web?: WebModel;
    /**
     * Each host's resolvers and time sources, allowed by the flow matrix (model/guest-resolvers.ts); DCs are not in
     * it. Absent when the flow matrix is invalid (its problems are reported instead).
     */
    readonly guestResolvers?: ReadonlyMap<string, GuestResolvers>;
    /** The plan of a service of the registry by its key (undefined: it plans nothing on this site). */
    plan<T>(key: string): T | undefined;
    /** What the services asked of the rest of the site, with who asked (model/services/types.ts). */
    readonly requirements: readonly Asked<Requirement>[];
    /** What every host (or the hosts named) runs for a service: the base step installs it. */
    readonly everyHost: readonly Asked<EveryHostNeed>[];
    /** The data each host keeps, as its services declared it (`backup` requirements): the in-guest backup saves it. */
    readonly backups: readonly BackupDataSet[];
}

/** The `backup` requirements, without their kind. */
function backupNeeds(asked: readonly Asked<Requirement>[]): BackupDataSet[] {
    return asked.flatMap((a) => (a.need.kind === "backup" ? [(({ kind: _kind, ...set }) => set)(a.need)] : []));
}

/** Reads the HR export named by `billu:directory.hrCsv`; injected so the model stays free of file I/O. */
export type HrLoader = (path: string) => HrExport;

/** A received value for a message, a long string cut (the message must not be as long as the value). */
function brief(value: unknown): string {
    return typeof value === "string" && value.length > 200 ? `${show(value.slice(0, 120))}... (${value.length} characters)` : show(value);
}

/** Converts zod issues into problems that name the key path, the value received and the fix. */
function zodProblems(raw: Record<string, unknown>, issues: ZodIssue[], problems: Problems): void {
    for (const issue of issues) {
        const path = keyPath("billu", issue.path);
        const value = issue.path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[k] : undefined), raw);
        if (issue.code === "invalid_type" && issue.received === "undefined") {
            problems.add(path, "is required but missing", `set ${path} in the stack config (see README, "Configuration")`);
        } else if (issue.code === "unrecognized_keys") {
            problems.add(
                path,
                `has unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`,
                'remove or rename them (see README, "Configuration")',
            );
        } else if (issue.code === "too_big" && (issue.type === "string" || issue.type === "array")) {
            // Never echo an oversized value: the message would be as long as the value.
            const n = typeof value === "string" || Array.isArray(value) ? value.length : Number.NaN;
            const unit = issue.type === "string" ? "characters long" : "entries";
            problems.add(
                path,
                `${issue.type === "string" ? "is" : "has"} ${n} ${unit}, more than the ${issue.maximum} it may ${issue.type === "string" ? "be" : "have"}`,
                `shorten it to at most ${issue.maximum} (see README, "Configuration")`,
            );
        } else if (issue.code === "invalid_enum_value" || issue.code === "invalid_union_discriminator") {
            problems.add(path, `is ${show(value)}`, `use one of ${issue.options.map(String).join(", ")}`);
        } else if (issue.code === "custom") {
            const fix = (issue.params as { fix?: string } | undefined)?.fix ?? 'correct the value (see README, "Configuration")';
            problems.add(path, `is ${brief(value)}, which ${issue.message}`, fix);
        } else {
            problems.add(path, `is ${brief(value)}, which ${issue.message.toLowerCase()}`, 'correct the value (see README, "Configuration")');
        }
    }
}

/** Optional loaders of project files (the model does no I/O of its own). */
export interface SiteLoaders {
    readonly webContent?: ContentLoader;
    /** The VPN partner's declared groups (model/services/types.ts Loaders.peerDirectory). */
    readonly peerDirectory?: import("./services/types").Loaders["peerDirectory"];
}

/** The config parsed, the core checked and every service planned, with what each asked of the rest of the site. */
interface PlannedSite {
    readonly cfg: Config;
    readonly core: CoreModel;
    readonly hr?: HrExport;
    readonly headcount: Map<string, number>;
    readonly plans: Map<string, unknown>;
    readonly asked: Asked<Requirement>[];
    /** The problems so far (none: planning throws on any); the site-wide checks add theirs. */
    readonly problems: Problems;
}

/** buildSiteModel's first part: throws an InputError for any problem of the config, the core or a service's plan. */
function planSite(raw: Record<string, unknown>, loadHr: HrLoader | undefined, loadLock: LockLoader | undefined, loaders: SiteLoaders): PlannedSite {
    const problems = new Problems();
    const parsed = configSchema.safeParse(raw);
    if (!parsed.success) {
        zodProblems(raw, parsed.error.issues, problems);
        problems.throwIfAny();
    }
    const cfg = (parsed as { data: Config }).data;
    boundedStrings(raw, problems);
    problems.throwIfAny();
    const isCompany = cfg.site.kind === "company";

    // The HR export (company sites): departments and headcounts.
    let hr: HrExport | undefined;
    const directoryCfg = cfg.directory as { hrCsv: string } | undefined;
    if (isCompany) {
        if (!directoryCfg) {
            problems.add(
                "billu:directory",
                "is required for a company site but missing",
                "set billu:directory.hrCsv to the committed HR export (data/billu-hr.csv)",
            );
        } else if (loadHr) {
            hr = loadHr(directoryCfg.hrCsv); // throws for a file that is no export; bad lines come back in hr.problems
        }
    }
    const headcount = hr ? headcountByDepartment(hr) : new Map<string, number>();

    const zones = validateZones(cfg, hr, headcount, problems);
    const hosts = validateHosts(cfg, zones, problems);
    // A zone whose network could not be parsed is left out of `zones`: every later check (the HR export's
    // departments, DHCP scopes and reservations, the file server, the VPN) would report it again as missing, once
    // per line or key. Report the root cause once and stop here.
    if (zones.length < cfg.network.zones.length) problems.throwIfAny();
    if (!isCompany) validatePartner(cfg, problems);

    const wanZone = zones.find((z) => z.kind === "wan");
    const core: CoreModel = {
        site: cfg.site,
        zones,
        hosts,
        router: hosts.find((h) => h.role === "firewall"),
        wanZone,
        internalNetworks: zones.filter((z) => z.kind !== "wan").map((z) => z.cidr),
        fqdn: (h) => `${h.name.toLowerCase()}.${cfg.site.domain}`,
    };

    // Every service of the registry plans after the services it reads (model/services/registry.ts). A service whose
    // dependency reported a problem is not planned (its problems would only echo that one); an optional dependency
    // (`web` reads `firewall?`) is then seen as absent. Everything found is reported at once, at the end.
    const plans = new Map<string, unknown>();
    const failed = new Set<string>(problems.count > 0 ? [HOSTS_SOUND] : []);
    const inputOf = (service: ServiceDescriptor): PlanInput<unknown> => ({
        config: cfg[Object.keys(service.config ?? {})[0]],
        all: cfg,
        core,
        hr,
        headcount,
        plan: <T>(key: string) => {
            if (!service.after.includes(key) && !service.after.includes(`${key}?`)) {
                throw new Error(`internal: ${service.key} reads the plan of ${key} without declaring it in after`);
            }
            return (failed.has(key) ? undefined : plans.get(key)) as T | undefined;
        },
        loaders: { lock: loadLock, webContent: loaders.webContent, peerDirectory: loaders.peerDirectory },
        problems,
    });
    const asked: Asked<Requirement>[] = [];
    for (const service of planningOrder()) {
        if (service.after.some((k) => failed.has(k))) {
            failed.add(service.key);
            continue;
        }
        const before = problems.count;
        const input = inputOf(service);
        const plan = service.plan(input);
        if (problems.count > before) failed.add(service.key);
        if (plan === undefined || failed.has(service.key)) continue;
        plans.set(service.key, plan);
        for (const need of service.requires?.(plan, input) ?? []) asked.push({ service: service.key, title: service.title, need });
    }
    problems.throwIfAny();
    return { cfg, core, hr, headcount, plans, asked, problems };
}

/**
 * The flows the site's services require and its billu:flows does not allow yet, each with the service that asks for
 * it (what buildSiteModel reports as "lacks ..."), in the order asked. For a tool that derives a stack from another
 * (labs/trust's Samba prod, lab:dc-config's second DC) and must declare what the model requires of the new site.
 * Throws an InputError, as buildSiteModel does, for a problem found before the flows are checked.
 */
export function missingFlows(raw: Record<string, unknown>, loadHr?: HrLoader, loadLock?: LockLoader, loaders: SiteLoaders = {}): Asked<FlowNeed>[] {
    const { core, plans, asked } = planSite(raw, loadHr, loadLock, loaders);
    const firewall = plans.get("firewall") as FirewallModel | undefined;
    return firewall
        ? uncoveredFlows(
              firewall,
              core,
              asked.filter((a): a is Asked<FlowNeed> => a.need.kind === "flow"),
          )
        : [];
}

export function buildSiteModel(raw: Record<string, unknown>, loadHr?: HrLoader, loadLock?: LockLoader, loaders: SiteLoaders = {}): SiteModel {
    const { cfg, core, hr, headcount, plans, asked, problems } = planSite(raw, loadHr, loadLock, loaders);
    const { zones, hosts } = core;

    // The records services ask of the internal DNS (the web server's names, the mail domain's MX), checked together:
    // the DC step publishes this one list (model/domain.ts).
    const dnsRequests: ExtraDnsRecord[] = asked.flatMap((a) => (a.need.kind === "dns" ? [a.need.record] : []));
    const adDomain = plans.get("dc") as DomainModel | undefined;
    const domain = adDomain ? publishExtraRecords(adDomain, dnsRequests, hosts, problems) : unpublishable(dnsRequests, problems);
    if (domain) plans.set("dc", domain);
    // The flows every service needs, and the flows that open a port where nothing listens (model/requirements.ts).
    const firewall = plans.get("firewall") as FirewallModel | undefined;
    if (firewall) {
        checkFlowNeeds(
            firewall,
            core,
            asked.filter((a): a is Asked<FlowNeed> => a.need.kind === "flow"),
            problems,
        );
        checkListeners(
            firewall,
            core,
            asked.filter((a): a is Asked<ListenNeed> => a.need.kind === "listen"),
            problems,
        );
    }
    // Every host's declared data is on a host the in-guest backup serves (model/backup.ts).
    const backupPlan = plans.get("backup") as BackupPlan | undefined;
    if (backupPlan) checkBackupNeeds(backupPlan, backupNeeds(asked), problems);
    problems.throwIfAny();

    const zoneByName = new Map(zones.map((z) => [z.name, z]));
    const hostByName = new Map(hosts.map((h) => [h.name, h]));
    const router = core.router!;
    const plan = <T>(key: string) => plans.get(key) as T | undefined;
    return {
        ...core,
        config: cfg,
        site: { ...cfg.site, protectStateful: cfg.site.protectStateful ?? cfg.site.environment === "prod" },
        hr,
        headcount,
        router,
        firewall,
        directory: plan<DirectoryPlan>("directory"),
        dhcp: plan<DhcpPlan>("dhcp"),
        domain: plan<DomainModel>("dc"),
        mail: plan<MailPlan>("mail"),
        vpnLocal: plan<VpnLocal>("vpn"),
        fileservers: plan<FileServerPlan[]>("fileserver") ?? [],
        guestResolvers: plan<ReadonlyMap<string, GuestResolvers>>("base"),
        web: plan<WebModel>("web"),
        plan,
        requirements: asked,
        everyHost: asked.filter((a): a is Asked<EveryHostNeed> => a.need.kind === "every-host"),
        backups: backupNeeds(asked),
        zone: (n) => {
            const z = zoneByName.get(n);
            if (!z) throw new Error(`unknown zone ${n}`);
            return z;
        },
        host: (n) => {
            const h = hostByName.get(n);
            if (!h) throw new Error(`unknown host ${n}`);
            return h;
        },
        hostsByRole: (role) => hosts.filter((h) => h.role === role),
    };
}

/** The backstop of the per-field bounds (model/text.ts): no string of the config is longer than this. */
export const MAX_CONFIG_STRING = 1024;

/**
 * Every string of the `billu:` config, at any depth, is one line of at most MAX_CONFIG_STRING characters: the
 * services' own schemas bound their fields, and this catches a field one of them forgot (a newline in a share's
 * comment would add a line to smb.conf).
 */
function boundedStrings(raw: Record<string, unknown>, problems: Problems): void {
    const visit = (v: unknown, at: (string | number)[]): void => {
        if (typeof v === "string") {
            if (at[0] === "guest" && at[1] === "sshPublicKeys") return; // bounded and checked by their own format
            const path = keyPath("billu", at);
            if (v.length > MAX_CONFIG_STRING) {
                problems.add(path, `is ${v.length} characters long, more than the ${MAX_CONFIG_STRING} any billu: value may be`, "shorten it");
            } else if (CONTROL.test(v)) {
                problems.add(path, `is ${show(v)}, which holds a line break or another control character`, "write it on one line");
            }
        } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, [...at, i]));
        else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) visit(x, [...at, k]);
    };
    for (const [k, v] of Object.entries(raw)) visit(v, [k]);
}

/**
 * A partner site (`billu:site.kind: partner`) is a gateway and its networks, no HR export; it may run its own AD
 * (DCs and billu:domain, for the forest trust of billu:trust), never BillU's directory.
 */
function validatePartner(cfg: Config, problems: Problems): void {
    if (cfg.directory) {
        problems.add("billu:directory", "is set on a partner site, which has no directory", "remove billu:directory, or make billu:site.kind company");
    }
    const hasDomain = (cfg as { domain?: unknown }).domain !== undefined;
    cfg.hosts.forEach((h, i) => {
        if (h.role === "dc" && !hasDomain) {
            problems.add(
                `billu:hosts[${i}].role`,
                `is dc on a partner site without billu:domain`,
                "remove the host, or give the partner its own domain in billu:domain",
            );
        } else if (h.joinDomain && !hasDomain) {
            problems.add(`billu:hosts[${i}].joinDomain`, "is true on a partner site, which has no AD to join", "remove joinDomain");
        }
    });
}

function duplicates<T, K extends string | number>(items: readonly T[], key: (t: T) => K | undefined): Map<K, number[]> {
    const seen = new Map<K, number[]>();
    items.forEach((it, i) => {
        const k = key(it);
        if (k === undefined) return;
        seen.set(k, [...(seen.get(k) ?? []), i]);
    });
    return new Map([...seen].filter(([, idx]) => idx.length > 1));
}

function validateZones(cfg: Config, hr: HrExport | undefined, headcount: ReadonlyMap<string, number>, problems: Problems): ZoneModel[] {
    const out: ZoneModel[] = [];
    const zp = (i: number, k?: string) => `billu:network.zones[${i}]${k ? "." + k : ""}`;
    for (const [name, idx] of duplicates(cfg.network.zones, (z) => z.name)) {
        problems.add(zp(idx[1], "name"), `${show(name)} is already the name of billu:network.zones[${idx[0]}]`, "give every zone a unique name");
    }
    for (const [vlan, idx] of duplicates(cfg.network.zones, (z) => z.vlanId)) {
        problems.add(
            zp(idx[1], "vlanId"),
            `${vlan} is already the VLAN id of billu:network.zones[${idx[0]}] (${cfg.network.zones[idx[0]].name})`,
            "give every zone its own VLAN id",
        );
    }
    if (!cfg.network.zones.some((z) => z.kind === "wan")) {
        problems.add("billu:network.zones", "has no zone of kind wan", "add the WAN transit network (kind: wan)");
    }
    cfg.network.zones.forEach((z: Zone, i) => {
        const cidr = parseCidr(z.cidr);
        if (!cidr) {
            const suggestion = typeof z.cidr === "string" ? suggestNetwork(z.cidr) : undefined;
            problems.add(
                zp(i, "cidr"),
                `${show(z.cidr)} is not a valid IPv4 network in CIDR notation`,
                suggestion && suggestion !== z.cidr
                    ? `write the network address, ${suggestion}`
                    : "write a network address and a prefix length, e.g. 10.10.20.0/24",
            );
            return;
        }
        if (z.vlanId !== undefined && (z.vlanId < 1 || z.vlanId > 4094)) {
            problems.add(zp(i, "vlanId"), `${z.vlanId} is out of range`, "use a VLAN id from 1 to 4094");
        }
        if (z.vlanId === undefined && z.kind !== "wan") {
            problems.add(zp(i, "vlanId"), "is required but missing", "give every internal zone a VLAN id from 1 to 4094");
        }
        if (z.kind === "department") {
            if (!z.department && cfg.site.kind === "partner") {
                // A partner site's LANs serve no HR department: nothing to check.
            } else if (!z.department) {
                problems.add(zp(i, "department"), "is required for a department zone but missing", "name the HR export's Departement value this zone serves");
            }
            // A department with nobody in the HR export (its last person left) is a warning of the directory plan
            // (model/directory.ts directoryOf), not an error: the leaver must still be disabled.
        } else if (z.department) {
            problems.add(zp(i, "department"), `is set on a zone of kind ${z.kind}`, "remove it, or make the zone kind department");
        }
        const addrOk = (key: "gateway" | "routerAddress", v: string | undefined): boolean => {
            if (v === undefined) return true;
            if (!isIpv4(v)) {
                problems.add(zp(i, key), `${show(v)} is not an IPv4 address`, "write a dotted IPv4 address");
                return false;
            }
            if (!isUsableHost(cidr, v)) {
                problems.add(
                    zp(i, key),
                    `${v} is not a usable address of ${cidr.text}`,
                    `pick an address inside ${cidr.text}, neither its network nor its broadcast address`,
                );
                return false;
            }
            return true;
        };
        addrOk("gateway", z.gateway);
        addrOk("routerAddress", z.routerAddress);
        if (z.kind === "department" && z.department && hr && !z.dhcp?.enabled) sizeStaticZone(cfg, z, i, cidr, headcount, problems);
        let dhcp: ZoneModel["dhcp"];
        if (z.dhcp?.enabled) {
            const { poolStart, poolEnd } = z.dhcp;
            if (!poolStart || !poolEnd) {
                problems.add(zp(i, "dhcp"), "is enabled without poolStart and poolEnd", "set dhcp.poolStart and dhcp.poolEnd inside the zone");
            } else if (!isIpv4(poolStart) || !isIpv4(poolEnd) || !isUsableHost(cidr, poolStart) || !isUsableHost(cidr, poolEnd)) {
                problems.add(zp(i, "dhcp"), `pool ${poolStart}-${poolEnd} is not inside ${cidr.text}`, `choose a pool of usable addresses inside ${cidr.text}`);
            } else if (ipToInt(poolStart) > ipToInt(poolEnd)) {
                problems.add(zp(i, "dhcp.poolEnd"), `${poolEnd} comes before poolStart ${poolStart}`, "swap poolStart and poolEnd");
            } else {
                const router = z.routerAddress ?? z.gateway;
                for (const a of new Set([z.gateway, router])) {
                    if (isIpv4(a) && ipToInt(a) >= ipToInt(poolStart) && ipToInt(a) <= ipToInt(poolEnd)) {
                        problems.add(zp(i, "dhcp"), `pool ${poolStart}-${poolEnd} contains the gateway ${a}`, "start the pool after the gateway's address");
                    }
                }
                dhcp = { poolStart, poolEnd };
            }
        }
        out.push({
            name: z.name,
            kind: z.kind,
            department: z.department,
            cidr,
            vlanId: z.vlanId,
            bridge: z.bridge,
            gateway: z.gateway,
            routerAddress: z.routerAddress ?? z.gateway,
            dhcp,
            index: i,
        });
    });
    // Overlaps, reported once per pair.
    for (let a = 0; a < out.length; a++) {
        for (let b = a + 1; b < out.length; b++) {
            if (overlaps(out[a].cidr, out[b].cidr)) {
                problems.add(
                    zp(out[b].index, "cidr"),
                    `${out[b].cidr.text} (${out[b].name}) overlaps ${out[a].cidr.text} (${out[a].name}, billu:network.zones[${out[a].index}])`,
                    "give each zone its own non-overlapping network",
                );
            }
        }
    }
    return out;
}

/**
 * A department zone without DHCP still holds its people's devices: its usable addresses, less the router's, must
 * hold the department's headcount times billu:dhcp.devicesPerPerson plus billu:dhcp.marginPercent (one device per
 * person and no margin without billu:dhcp). With DHCP on, the pool is sized the same way (model/dhcp.ts).
 */
function sizeStaticZone(cfg: Config, z: Zone, i: number, cidr: Cidr, headcount: ReadonlyMap<string, number>, problems: Problems): void {
    const people = headcount.get(z.department!) ?? 0;
    if (people === 0) return;
    const dhcp = configOf(dhcpService, cfg);
    const perPerson = dhcp?.devicesPerPerson ?? 1;
    const margin = dhcp?.marginPercent ?? 0;
    const needed = addressesNeeded(people, perPerson, margin);
    const usable = (prefix: number) => 2 ** (32 - prefix) - (prefix >= 31 ? 0 : 2);
    const router = new Set([z.gateway, z.routerAddress ?? z.gateway].filter((a) => isIpv4(a) && isUsableHost(cidr, a)));
    const free = usable(cidr.prefix) - router.size;
    if (free >= needed) return;
    let prefix = cidr.prefix;
    while (prefix > 0 && usable(prefix) - router.size < needed) prefix--;
    const why = dhcp
        ? `${people} people in the HR export x ${perPerson} devices per person (billu:dhcp.devicesPerPerson) + ${margin}% margin (billu:dhcp.marginPercent)`
        : `one address for each of its ${people} people in the HR export`;
    problems.add(
        `billu:network.zones[${i}].cidr`,
        `${cidr.text} holds ${free} address${free === 1 ? "" : "es"} besides the router's, but department ${show(z.department)} needs ${needed} (${why})`,
        `widen the zone to a /${prefix} or larger`,
    );
}

function validateHosts(cfg: Config, zones: readonly ZoneModel[], problems: Problems): HostModel[] {
    const hp = (i: number, k?: string) => `billu:hosts[${i}]${k ? "." + k : ""}`;
    const zoneByName = new Map(zones.map((z) => [z.name, z]));
    const nodes = new Set(cfg.proxmox.nodes.map((n) => n.name));
    const datastores = new Set(cfg.proxmox.datastores);
    for (const [name, idx] of duplicates(cfg.hosts, (h) => h.name)) {
        problems.add(hp(idx[1], "name"), `${show(name)} is already the name of billu:hosts[${idx[0]}]`, "give every host a unique name");
    }
    for (const [addr, idx] of duplicates(cfg.hosts, (h) => h.address)) {
        problems.add(
            hp(idx[1], "address"),
            `${addr} is already the address of billu:hosts[${idx[0]}] (${cfg.hosts[idx[0]].name})`,
            "give every host its own address",
        );
    }
    for (const [id, idx] of duplicates(cfg.hosts, (h) => h.vmId)) {
        problems.add(hp(idx[1], "vmId"), `${id} is already the VM id of billu:hosts[${idx[0]}] (${cfg.hosts[idx[0]].name})`, "give every host its own VM id");
    }
    const routers = cfg.hosts.filter((h) => h.role === "firewall");
    if (routers.length !== 1) {
        problems.add("billu:hosts", `has ${routers.length} hosts of role firewall`, "declare exactly one router/firewall host (role: firewall)");
    }
    const out: HostModel[] = [];
    cfg.hosts.forEach((h, i) => {
        const naming = namingViolation(h.name, cfg.site.code, h.role, h.os);
        if (naming) {
            problems.add(hp(i, "name"), `${show(h.name)} ${naming}`, 'rename the host to follow the naming convention (README, "Naming")');
        }
        if (h.vmId < 100 || h.vmId > 999999999) {
            problems.add(hp(i, "vmId"), `${h.vmId} is out of range`, "use a Proxmox VM id from 100 to 999999999");
        }
        if (!nodes.has(h.node)) {
            problems.add(hp(i, "node"), `${show(h.node)} is not a node of billu:proxmox.nodes`, `use one of ${[...nodes].join(", ")}`);
        }
        // The Windows 11 template is a workstation's (model/client.ts builds its join): a server role on it would get
        // none of its Windows Server steps (AD DS, WSUS, the file server's features).
        if (h.os === WINDOWS_CLIENT_OS && h.role !== "client") {
            problems.add(
                hp(i, "os"),
                `${show(h.os)} on ${h.name} (role ${h.role}): the Windows 11 template is for clients only`,
                "use debian-12, windows-2022-gui or windows-2022-core for a server",
            );
        }
        const template = cfg.proxmox.templates[h.os as OsKind]?.[h.node];
        if (template === undefined && nodes.has(h.node)) {
            problems.add(
                hp(i, "os"),
                `${show(h.os)} has no template on node ${h.node}`,
                `add billu:proxmox.templates.${h.os}.${h.node} (the VM id of the template on that node), or pick another OS or node`,
            );
        }
        h.disks.forEach((d, j) => {
            if (!datastores.has(d.datastore)) {
                problems.add(
                    hp(i, `disks[${j}].datastore`),
                    `${show(d.datastore)} is not a datastore of billu:proxmox.datastores`,
                    `use one of ${[...datastores].join(", ")}`,
                );
            }
        });
        const zone = zoneByName.get(h.zone);
        if (!zone && cfg.network.zones.some((z) => z.name === h.zone)) return; // the zone itself is reported
        if (!zone) {
            problems.add(hp(i, "zone"), `${show(h.zone)} is not a zone of billu:network.zones`, `use one of ${zones.map((z) => z.name).join(", ")}`);
            return;
        }
        if (!isIpv4(h.address)) {
            problems.add(hp(i, "address"), `${show(h.address)} is not an IPv4 address`, "write a dotted IPv4 address");
            return;
        }
        const isRouter = h.role === "firewall";
        if (!isUsableHost(zone.cidr, h.address)) {
            problems.add(
                hp(i, "address"),
                `${h.address} is outside zone ${zone.name} (${zone.cidr.text})`,
                `pick a usable address inside ${zone.cidr.text}, or move the host to the zone that holds it`,
            );
            return;
        }
        if (!isRouter && h.address === zone.gateway) {
            problems.add(hp(i, "address"), `${h.address} is the gateway of zone ${zone.name}`, "pick another address; the gateway belongs to the router");
            return;
        }
        if (isRouter && h.address !== zone.routerAddress) {
            problems.add(
                hp(i, "address"),
                `${h.address} is not the router address of zone ${zone.name} (${zone.routerAddress})`,
                "set the firewall's address to its zone's gateway",
            );
        }
        if (zone.dhcp && ipToInt(h.address) >= ipToInt(zone.dhcp.poolStart) && ipToInt(h.address) <= ipToInt(zone.dhcp.poolEnd)) {
            problems.add(
                hp(i, "address"),
                `${h.address} is inside the DHCP pool ${zone.dhcp.poolStart}-${zone.dhcp.poolEnd} of zone ${zone.name}`,
                "pick a static address outside the pool, or shrink the pool",
            );
        }
        const wan = zones.find((z) => z.kind === "wan");
        const nics: NicModel[] = isRouter
            ? // The router has one NIC per zone: its management NIC first (the one Pulumi connects to), then the others
              // in config order. Only the WAN NIC carries the default route.
              [zone, ...zones.filter((z) => z !== zone)].map((z, n) => ({
                  zone: z.name,
                  ifname: `eth${n}`,
                  bridge: z.bridge,
                  vlanId: z.vlanId,
                  address: z.routerAddress,
                  prefix: z.cidr.prefix,
                  gateway: z === wan ? z.gateway : undefined,
              }))
            : [
                  {
                      zone: zone.name,
                      ifname: "eth0",
                      bridge: zone.bridge,
                      vlanId: zone.vlanId,
                      address: h.address,
                      prefix: zone.cidr.prefix,
                      gateway: zone.gateway,
                  },
              ];
        out.push({
            ...h,
            nics,
            templateVmId: template ?? 0,
            stateful: STATEFUL_ROLES.includes(h.role),
            startOrder: ROLE_SPECS.get(h.role)!.startOrder,
            index: i,
        });
    });
    // Addresses must also not collide with any zone's router address.
    out.forEach((h) => {
        if (h.role === "firewall") return;
        const clash = zones.find((z) => z.routerAddress === h.address && z.name !== h.zone);
        if (clash) {
            problems.add(hp(h.index, "address"), `${h.address} is the router's address in zone ${clash.name}`, "pick another address");
        }
    });
    void contains;
    return out;
}

/** Config keys of the namespace, for loaders. */
export { CONFIG_KEYS };
export { InputError };
