/**
 * Central log collection (`billu:logs`): rsyslog on the host of role `logs` (`PAR-LOG01`, Debian 12) receives the
 * system and service logs of every host over TLS (syslog over TLS, RFC 5425, port 6514), each host's lines in its
 * own folder, kept for the retention. Pure: the schema (its `.describe()` text and defaults are the configuration
 * reference), the checks (through Problems, naming the key path), and the derived `LogsPlan` the renderers, the
 * component and the docs read.
 *
 * Design:
 * - Both ends are authenticated by the site CA. The collector accepts a client only with a certificate the site CA
 *   signed (rsyslog gtls `x509/certvalid`), and a client sends only to a server whose certificate names the
 *   collector's FQDN (`x509/name`). A host with a certificate from any other CA is refused in the TLS handshake.
 * - A host's folder is named by the model, not by the host: the collector maps the connection's source address to
 *   the host name through a table rendered from this plan, so a host cannot write into another host's folder by
 *   putting another name in its messages. An address the table does not know lands in `unknown/`.
 * - Nothing is lost while the collector is down: each client queues on disk (bounded by `queueMaxMiB`) and
 *   retries forever.
 * - Windows hosts are not forwarded yet (rsyslog is a Linux daemon; Windows Event Forwarding or an agent is
 *   another service): the plan lists them in `notForwarded`, with the reason, so the docs say so.
 */
import { z } from "zod";
import type { HostView } from "./core";
import { Problems, show } from "./errors";

/** Where the collector keeps each host's logs: `<REMOTE_DIR>/<host>/syslog.log`. */
export const REMOTE_DIR = "/var/log/remote";
/** The folder name of lines from an address the collector's table does not know. */
export const UNKNOWN_HOST_DIR = "unknown";
/** The catalogue service (model/services.ts) the flows name. */
export const SYSLOG_TLS_SERVICE = "syslog-tls";

const hostName = z.string().min(1).max(63);

export const logsSchema = z
    .object({
        host: hostName
            .optional()
            .describe(
                "The collector: a host of billu:hosts with role logs (host code LOG, `PAR-LOG01`, Debian 12). " + "@default the site's only host of role logs",
            ),
        port: z
            .number()
            .int()
            .min(1)
            .max(65535)
            .default(6514)
            .describe("TCP port the collector receives syslog over TLS on (RFC 5425 assigns 6514). @default 6514"),
        retentionDays: z
            .number()
            .int()
            .min(1)
            .max(3650)
            .default(180)
            .describe(
                "Days each host's logs are kept on the collector (rotated daily, then deleted). CNIL recommends keeping " +
                    "access logs six months to a year. @default 180",
            ),
        queueMaxMiB: z
            .number()
            .int()
            .min(16)
            .max(65536)
            .default(1024)
            .describe("Disk each client may use to queue its lines while the collector is unreachable, MiB. @default 1024"),
        forward: z
            .object({
                zones: z
                    .array(z.string().min(1))
                    .optional()
                    .describe("Zones whose hosts forward their logs. @default every zone (with `hosts`: only the hosts named there)"),
                hosts: z.array(hostName).optional().describe("Hosts that forward their logs, besides the zones named in `zones`. @default every host"),
            })
            .strict()
            .default({})
            .describe("Which hosts forward their logs to the collector. @default every Debian host of the site but the collector"),
    })
    .strict()
    .describe("Central log collection: rsyslog over TLS (site CA) on the host of role logs");

export type LogsConfig = z.output<typeof logsSchema>;

/** What the logs planner reads of a host (model/core.ts). */
export type LogsHost = HostView;

export interface LogsRequiredFlow {
    readonly from: string;
    readonly to: string;
    readonly service: string;
    readonly why: string;
}

export interface LogsCertificate {
    readonly commonName: string;
    readonly dnsNames: readonly string[];
    readonly ipAddresses: readonly string[];
}

export interface LogsClient {
    readonly name: string;
    readonly zone: string;
    readonly address: string;
    /** The host's name in the AD domain (or the site's domain): its certificate's name. */
    readonly fqdn: string;
    /** Its client certificate (TLS client authentication to the collector). */
    readonly certificate: LogsCertificate;
}

export interface LogsPlan {
    /** The collector (`PAR-LOG01`), its zone and address. */
    readonly host: { readonly name: string; readonly zone: string; readonly address: string };
    /** The name clients reach and authenticate the collector by (its name in the AD domain, else the site's domain). */
    readonly fqdn: string;
    /** The collector's server certificate (site CA). */
    readonly certificate: LogsCertificate;
    readonly port: number;
    readonly retentionDays: number;
    readonly queueMaxMiB: number;
    /** `/var/log/remote`: one folder per host below it. */
    readonly remoteDir: string;
    /** The hosts that forward, in billu:hosts order. */
    readonly clients: readonly LogsClient[];
    /** Hosts that do not forward though the selection names them or their zone (Windows), and why. */
    readonly notForwarded: readonly { readonly name: string; readonly why: string }[];
    /** Flows the service needs in billu:flows: every client to the collector. */
    readonly flows: readonly LogsRequiredFlow[];
}

export interface LogsInput {
    /** The site's DNS domain (FQDNs when the site has no AD domain). */
    readonly site: { readonly domain: string };
    /** `billu:logs` as parsed by logsSchema; absent: every default when the site has a host of role logs. */
    readonly cfg: LogsConfig | undefined;
    readonly hosts: readonly LogsHost[];
    /** The zones; `routerAddress`: the router's own address in the zone (its lines to the collector come from it). */
    readonly zones: readonly { readonly name: string; readonly kind: string; readonly routerAddress?: string }[];
    /** The AD domain, when the site has one (the collector's and the clients' names are in it). */
    readonly domain?: { readonly fqdn: string };
}

const isWindows = (os: string) => os.startsWith("windows");

/**
 * Checks `billu:logs` against the hosts and zones and derives the plan. Returns undefined when the site has no
 * collector and no `billu:logs`, or when a problem was found (the caller throws them all).
 */
export function planLogs(input: LogsInput, problems: Problems): LogsPlan | undefined {
    const { hosts } = input;
    const before = problems.count;
    const collectors = hosts.filter((h) => h.role === "logs");
    if (!input.cfg && collectors.length === 0) return undefined;
    const cfg = input.cfg ?? logsSchema.parse({});

    // The collector: the one of role logs, or the one billu:logs.host names.
    let host: LogsHost | undefined;
    if (cfg.host !== undefined) {
        host = hosts.find((h) => h.name === cfg.host);
        if (!host) {
            problems.add(
                "billu:logs.host",
                `${show(cfg.host)} is not a host of billu:hosts`,
                collectors.length > 0
                    ? `name a host of role logs (${collectors.map((h) => h.name).join(", ")})`
                    : "add the collector to billu:hosts (role: logs, os: debian-12, e.g. PAR-LOG01) and name it here",
            );
        } else if (host.role !== "logs") {
            problems.add(
                "billu:logs.host",
                `${show(cfg.host)} has role ${host.role}, not logs`,
                `give the collector its own host of role logs (e.g. ${host.name.split("-")[0]}-LOG01), or name one here`,
            );
            host = undefined;
        }
    } else if (collectors.length === 0) {
        problems.add(
            "billu:hosts",
            "has no host of role logs, but billu:logs is set",
            "add the collector to billu:hosts (role: logs, os: debian-12, e.g. PAR-LOG01), or remove billu:logs",
        );
    } else if (collectors.length > 1) {
        problems.add(
            "billu:hosts",
            `has ${collectors.length} hosts of role logs (${collectors.map((h) => h.name).join(", ")}) and billu:logs.host names none`,
            "set billu:logs.host to the one that collects, or declare a single host of role logs",
        );
    } else {
        host = collectors[0];
    }
    if (host) {
        const hp = (k: string) => `billu:hosts[${host!.index}].${k}`;
        if (isWindows(host.os)) {
            problems.add(hp("os"), `${show(host.os)} cannot run rsyslog`, `use os: debian-12 for the log collector ${host.name}`);
        }
        const kind = input.zones.find((z) => z.name === host!.zone)?.kind;
        if (kind !== undefined && kind !== "servers" && kind !== "management") {
            problems.add(
                hp("zone"),
                `${show(host.zone)} is a ${kind} zone, but ${host.name} is the log collector (it holds every host's logs)`,
                `put the collector in a servers or management zone (${input.zones
                    .filter((z) => z.kind === "servers" || z.kind === "management")
                    .map((z) => z.name)
                    .join(", ")})`,
            );
        }
    }

    // The selection: zones and hosts that must exist; a Windows host or the collector named explicitly is an error.
    const zoneNames = new Set(input.zones.map((z) => z.name));
    const seenZones = new Map<string, number>();
    cfg.forward.zones?.forEach((z, i) => {
        const p = `billu:logs.forward.zones[${i}]`;
        if (!zoneNames.has(z)) {
            problems.add(p, `${show(z)} is not a zone of billu:network.zones`, `name one of ${[...zoneNames].join(", ")}`);
        } else if (seenZones.has(z)) {
            problems.add(p, `${show(z)} is already billu:logs.forward.zones[${seenZones.get(z)}]`, "name each zone once");
        }
        seenZones.set(z, i);
    });
    const byName = new Map(hosts.map((h) => [h.name, h]));
    const seenHosts = new Map<string, number>();
    cfg.forward.hosts?.forEach((n, i) => {
        const p = `billu:logs.forward.hosts[${i}]`;
        const h = byName.get(n);
        if (!h) {
            problems.add(p, `${show(n)} is not a host of billu:hosts`, "name a host of billu:hosts (the names are case-sensitive)");
        } else if (seenHosts.has(n)) {
            problems.add(p, `${show(n)} is already billu:logs.forward.hosts[${seenHosts.get(n)}]`, "name each host once");
        } else if (host && n === host.name) {
            problems.add(p, `${show(n)} is the collector itself; its own logs stay on it`, `remove ${n} from billu:logs.forward.hosts`);
        } else if (isWindows(h.os)) {
            problems.add(
                p,
                `${show(n)} runs ${h.os}: the log forwarding built here is rsyslog, for Debian hosts (Windows event forwarding is not built yet)`,
                `remove ${n} from billu:logs.forward.hosts`,
            );
        }
        seenHosts.set(n, i);
    });
    if (problems.count > before || !host) return undefined;

    const collector = host;
    const dnsDomain = (input.domain?.fqdn ?? input.site.domain).toLowerCase();
    const fqdnOf = (name: string) => `${name.toLowerCase()}.${dnsDomain}`;
    const all = cfg.forward.zones === undefined && cfg.forward.hosts === undefined;
    const selected = hosts.filter((h) => h.name !== collector.name && (all || cfg.forward.zones?.includes(h.zone) || cfg.forward.hosts?.includes(h.name)));
    // The router has an address in every zone and reaches the collector from its address in the collector's zone.
    const routerAddress = input.zones.find((z) => z.name === collector.zone)?.routerAddress;
    const clients: LogsClient[] = selected
        .filter((h) => !isWindows(h.os))
        .map((h) => {
            const fqdn = fqdnOf(h.name);
            const address = h.role === "firewall" && routerAddress ? routerAddress : h.address;
            return { name: h.name, zone: h.zone, address, fqdn, certificate: { commonName: fqdn, dnsNames: [fqdn], ipAddresses: [address] } };
        });
    const notForwarded = selected
        .filter((h) => isWindows(h.os))
        .map((h) => ({ name: h.name, why: `runs ${h.os}: rsyslog forwarding is for Debian hosts (Windows event forwarding is not built yet)` }));
    const fqdn = fqdnOf(collector.name);
    return {
        host: { name: collector.name, zone: collector.zone, address: collector.address },
        fqdn,
        certificate: { commonName: fqdn, dnsNames: [fqdn], ipAddresses: [collector.address] },
        port: cfg.port,
        retentionDays: cfg.retentionDays,
        queueMaxMiB: cfg.queueMaxMiB,
        remoteDir: REMOTE_DIR,
        clients,
        notForwarded,
        flows: requiredLogsFlows(collector, clients, hosts),
    };
}

/**
 * The flows log collection needs: every client opens syslog over TLS to the collector. The firewall host's own
 * traffic is the matrix's `router` endpoint (it leaves the router itself, not a zone behind it).
 */
export function requiredLogsFlows(
    collector: { readonly name: string },
    clients: readonly { readonly name: string }[],
    hosts: readonly LogsHost[],
): LogsRequiredFlow[] {
    const role = new Map(hosts.map((h) => [h.name, h.role]));
    return clients.map((c) => ({
        from: role.get(c.name) === "firewall" ? "router" : c.name,
        to: collector.name,
        service: SYSLOG_TLS_SERVICE,
        why: `${c.name} forwards its system and service logs to the collector`,
    }));
}
