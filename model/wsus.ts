/**
 * The WSUS plan (pure): the `billu:wsus` config key, its validation against the site model, and the plan the WSUS
 * step renders (components/wsus): the host and its content disk, the products, classifications and languages it
 * synchronises, its upstream and sync time, its computer target groups and its automatic approval rules.
 *
 * Target groups use client-side targeting: each group is one OU of the directory plan, and the clients learn their
 * group from the WSUS GPO linked on that OU (`wsusServer.targetGroup`, registry TargetGroupEnabled/TargetGroup). One
 * GPO per target group OU: a computer's group is then where it sits in the OU tree. The planner checks every GPO with
 * `wsusServer` against the role: its URL names this host and port, its target group is a declared group linked on
 * that group's OU.
 */
import { z } from "zod";
import type { HostModel } from "./core";
import { isWindows } from "./core";
import { Problems, show } from "./errors";
import type { GpoConfig } from "./gpo";

/** The update classifications as WSUS names them (`Get-WsusClassification`), the fixed list Microsoft Update uses. */
export const WSUS_CLASSIFICATIONS = [
    "Applications",
    "Critical Updates",
    "Definition Updates",
    "Driver Sets",
    "Drivers",
    "Feature Packs",
    "Security Updates",
    "Service Packs",
    "Tools",
    "Update Rollups",
    "Updates",
    "Upgrades",
] as const;

/** WSUS's own ports (`wsusutil usecustomwebsite true`, the default on Windows Server 2012 and later). */
export const WSUS_HTTP_PORT = 8530;
export const WSUS_HTTPS_PORT = 8531;

/**
 * What the scheduled cleanup does: the switches of `Invoke-WsusServerCleanup` (UpdateServices module), as the model
 * names them (https://learn.microsoft.com/powershell/module/updateservices/invoke-wsusservercleanup).
 */
export const WSUS_CLEANUP_OPTIONS = {
    declineSupersededUpdates: "DeclineSupersededUpdates",
    declineExpiredUpdates: "DeclineExpiredUpdates",
    obsoleteUpdates: "CleanupObsoleteUpdates",
    obsoleteComputers: "CleanupObsoleteComputers",
    unneededContentFiles: "CleanupUnneededContentFiles",
    compressUpdates: "CompressUpdates",
} as const;
export type WsusCleanupOption = keyof typeof WSUS_CLEANUP_OPTIONS;
const CLEANUP_OPTION_NAMES = Object.keys(WSUS_CLEANUP_OPTIONS) as [WsusCleanupOption, ...WsusCleanupOption[]];
export const WEEK_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;
/** The scheduled task that runs the cleanup (Task Scheduler's root folder). */
export const WSUS_CLEANUP_TASK = "BillU WSUS cleanup";

const NAME = /^[A-Za-z0-9][A-Za-z0-9 _.()-]{0,63}$/;
const nameText = (what: string) => z.string().regex(NAME, `must be ${what}: letters, digits, spaces and _ . ( ) - (at most 64)`);

export const wsusSchema = z
    .object({
        driveLetter: z
            .string()
            .regex(/^[D-Z]$/, "must be one capital letter from D to Z")
            .default("D")
            .describe("The drive letter of the content volume (the host's first data disk, formatted NTFS). @default D"),
        contentFolder: z
            .string()
            .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be one folder name of letters, digits, _ and -")
            .default("WSUS")
            .describe("The content folder on that volume (`wsusutil postinstall CONTENT_DIR=D:\\WSUS`). @default WSUS"),
        ssl: z
            .boolean()
            .default(false)
            .describe("Clients talk to WSUS over HTTPS on 8531 (a certificate bound to the WSUS site is then needed) instead of HTTP on 8530. @default false"),
        products: z
            .array(nameText("a product as WSUS names it"))
            .min(1)
            .describe('Products synchronised, as WSUS names them (`Get-WsusProduct`): "Windows Server 2022", "Windows 11", ...'),
        classifications: z.array(z.enum(WSUS_CLASSIFICATIONS)).min(1).describe("Update classifications synchronised."),
        languages: z
            .array(z.string().regex(/^[a-z]{2}(-[a-z]{2,4})?$/, "must be a language code such as fr or en"))
            .min(1)
            .default(["fr", "en"])
            .describe("Languages of the updates downloaded. @default [fr, en]"),
        upstream: z
            .union([
                z.literal("microsoft-update"),
                z
                    .object({
                        server: z
                            .string()
                            .regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, "must be a lower-case DNS name")
                            .describe("The upstream WSUS server's FQDN."),
                        ssl: z.boolean().default(false).describe("Over HTTPS (8531) rather than HTTP (8530). @default false"),
                    })
                    .strict(),
            ])
            .default("microsoft-update")
            .describe("Where updates come from: `microsoft-update`, or `{ server, ssl }` for an upstream WSUS (replica source). @default microsoft-update"),
        syncTime: z
            .string()
            .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (24 h)")
            .default("02:00")
            .describe("Time of day of the one daily synchronisation, in UTC (as the WSUS API stores it). @default 02:00"),
        targetGroups: z
            .array(
                z
                    .object({
                        name: nameText("a group name").describe("The computer target group's name (the GPO's `wsusServer.targetGroup`)."),
                        ou: z.string().min(1).describe("The OU of the directory plan whose computers are in it (`BillU/Ordinateurs`)."),
                    })
                    .strict(),
            )
            .min(1)
            .describe("Computer target groups (client-side targeting), one per OU."),
        approvalRules: z
            .array(
                z
                    .object({
                        name: nameText("a rule name").describe("The automatic approval rule's name (unique)."),
                        classifications: z
                            .array(z.enum(WSUS_CLASSIFICATIONS))
                            .min(1)
                            .describe("Classifications it approves (among billu:wsus.classifications)."),
                        products: z
                            .array(z.string().min(1))
                            .min(1)
                            .optional()
                            .describe("Products it approves (among billu:wsus.products). @default every synchronised product"),
                        targetGroups: z.array(z.string().min(1)).min(1).describe("Target groups it approves for (names of billu:wsus.targetGroups)."),
                        enabled: z.boolean().default(true).describe("@default true"),
                    })
                    .strict(),
            )
            .default([])
            .describe("Automatic approval rules. @default none (every approval by hand)"),
        cleanup: z
            .object({
                day: z.enum(WEEK_DAYS).default("Sunday").describe("Day of the week it runs. @default Sunday"),
                time: z
                    .string()
                    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (24 h)")
                    .default("04:00")
                    .describe("Time of day it starts, the server's local time (Task Scheduler's). @default 04:00"),
                options: z
                    .array(z.enum(CLEANUP_OPTION_NAMES))
                    .min(1)
                    .default([...CLEANUP_OPTION_NAMES])
                    .describe(
                        "What it does (`Invoke-WsusServerCleanup` switches): declineSupersededUpdates, declineExpiredUpdates, obsoleteUpdates, obsoleteComputers, unneededContentFiles, compressUpdates. @default all six",
                    ),
            })
            .strict()
            .default({})
            .describe("The weekly server cleanup (`Invoke-WsusServerCleanup` in a scheduled task run as SYSTEM). @default Sunday 04:00, every option"),
    })
    .strict()
    .describe("WSUS: the site's Windows update server (Windows Server 2022, UpdateServices with WID), docs/services/wsus.md.");

export type WsusConfig = z.output<typeof wsusSchema>;

export interface WsusRulePlan {
    readonly name: string;
    readonly classifications: readonly string[];
    /** The rule's products (every synchronised product when the config names none). */
    readonly products: readonly string[];
    readonly targetGroups: readonly string[];
    readonly enabled: boolean;
}

export interface WsusPlan {
    readonly host: string;
    /** `par-wsus01.billu.remindme.lan`. */
    readonly fqdn: string;
    readonly ssl: boolean;
    readonly port: number;
    /** The URL the clients' GPO must name. */
    readonly url: string;
    readonly driveLetter: string;
    /** `D:\WSUS`. */
    readonly contentDir: string;
    /** The data disk holding it (index in the host's disks). */
    readonly dataDisk: { readonly index: number; readonly sizeGiB: number };
    readonly products: readonly string[];
    readonly classifications: readonly string[];
    readonly languages: readonly string[];
    readonly upstream: { readonly kind: "microsoft-update" } | { readonly kind: "wsus"; readonly server: string; readonly ssl: boolean; readonly port: number };
    readonly syncTime: string;
    readonly targetGroups: readonly { readonly name: string; readonly ou: string; readonly gpo: string }[];
    readonly rules: readonly WsusRulePlan[];
    /** The weekly cleanup: its task, day, local start time and the `Invoke-WsusServerCleanup` switches (in the model's order). */
    readonly cleanup: { readonly task: string; readonly day: string; readonly time: string; readonly switches: readonly string[] };
}

const K = "billu:wsus";

export interface WsusInput {
    readonly cfg: WsusConfig | undefined;
    readonly hosts: readonly HostModel[];
    readonly domain: string;
    /**
     * The OU paths of the directory plan (`BillU/Ordinateurs`); `unchecked` when the site declares a directory that was
     * not planned (not checked here); undefined when the site has no directory.
     */
    readonly ous: ReadonlySet<string> | "unchecked" | undefined;
    /** `billu:gpo` as parsed (the GPOs whose `wsusServer` must point at this server). */
    readonly gpo: GpoConfig | undefined;
}

/** Duplicate entries of a list: each later index with the first one's index. */
function duplicates(values: readonly string[]): [number, number][] {
    const first = new Map<string, number>();
    const out: [number, number][] = [];
    values.forEach((v, i) => {
        const f = first.get(v);
        if (f === undefined) first.set(v, i);
        else out.push([i, f]);
    });
    return out;
}

/** Validates `billu:wsus` against the hosts, the directory's OUs and the WSUS GPOs, and plans the server. */
export function planWsus(input: WsusInput, problems: Problems): WsusPlan | undefined {
    const servers = input.hosts.filter((h) => h.role === "wsus");
    const { cfg } = input;
    if (servers.length === 0) {
        if (cfg)
            problems.add(
                K,
                "is set, but the site has no host of role wsus",
                "declare the WSUS host in billu:hosts (role wsus, a Windows OS), or remove billu:wsus",
            );
        return undefined;
    }
    if (!cfg) {
        problems.add(
            K,
            `is required for the WSUS server ${servers.map((h) => h.name).join(", ")} but missing`,
            "set billu:wsus (products, classifications, targetGroups; docs/services/wsus.md)",
        );
        return undefined;
    }
    const before = problems.count;
    const hp = (h: HostModel, k: string) => `billu:hosts[${h.index}].${k}`;
    if (servers.length > 1) {
        problems.add(
            hp(servers[1], "role"),
            `makes ${servers[1].name} a second WSUS server (${servers[0].name} is one)`,
            "give the site one WSUS server (replicas are not modelled)",
        );
    }
    const host = servers[0];
    if (!isWindows(host.os)) {
        problems.add(hp(host, "os"), `is ${show(host.os)}, but WSUS runs on Windows Server`, "use windows-2022-gui or windows-2022-core");
    }
    if (host.disks.length < 2) {
        problems.add(
            hp(host, "disks"),
            `gives ${host.name} no data disk after the OS disk`,
            "add a data disk for the WSUS content (billu:wsus.driveLetter, e.g. 200 GiB)",
        );
    }
    for (const [i, f] of duplicates(cfg.products))
        problems.add(`${K}.products[${i}]`, `${show(cfg.products[i])} is already products[${f}]`, "list every product once");
    for (const [i, f] of duplicates(cfg.classifications)) {
        problems.add(`${K}.classifications[${i}]`, `${show(cfg.classifications[i])} is already classifications[${f}]`, "list every classification once");
    }
    const groupNames = cfg.targetGroups.map((g) => g.name);
    for (const [i, f] of duplicates(groupNames))
        problems.add(`${K}.targetGroups[${i}].name`, `${show(groupNames[i])} is already targetGroups[${f}].name`, "give every target group its own name");
    for (const [i, f] of duplicates(cfg.targetGroups.map((g) => g.ou))) {
        problems.add(
            `${K}.targetGroups[${i}].ou`,
            `${show(cfg.targetGroups[i].ou)} is already targetGroups[${f}].ou`,
            "one target group per OU (a computer is in one OU)",
        );
    }
    const ous = input.ous === "unchecked" ? undefined : input.ous;
    if (input.ous === undefined) {
        problems.add(`${K}.targetGroups`, "name OUs, but the site has no directory plan (billu:directory)", "set billu:directory, or remove billu:wsus");
    } else if (ous) {
        const known = [...ous].sort();
        cfg.targetGroups.forEach((g, i) => {
            if (!ous.has(g.ou))
                problems.add(`${K}.targetGroups[${i}].ou`, `${show(g.ou)} is not an OU of the directory plan`, `use one of ${known.join(", ")}`);
        });
    }
    cfg.approvalRules.forEach((r, i) => {
        const rp = `${K}.approvalRules[${i}]`;
        r.classifications.forEach((c, j) => {
            if (!cfg.classifications.includes(c))
                problems.add(
                    `${rp}.classifications[${j}]`,
                    `${show(c)} is not synchronised`,
                    `add it to ${K}.classifications, or use one of ${cfg.classifications.join(", ")}`,
                );
        });
        (r.products ?? []).forEach((p, j) => {
            if (!cfg.products.includes(p))
                problems.add(`${rp}.products[${j}]`, `${show(p)} is not synchronised`, `add it to ${K}.products, or use one of ${cfg.products.join(", ")}`);
        });
        r.targetGroups.forEach((t, j) => {
            if (!groupNames.includes(t)) problems.add(`${rp}.targetGroups[${j}]`, `${show(t)} is not a target group`, `use one of ${groupNames.join(", ")}`);
        });
    });
    for (const [i, f] of duplicates(cfg.cleanup.options)) {
        problems.add(`${K}.cleanup.options[${i}]`, `${show(cfg.cleanup.options[i])} is already options[${f}]`, "list every cleanup option once");
    }
    for (const [i, f] of duplicates(cfg.approvalRules.map((r) => r.name))) {
        problems.add(`${K}.approvalRules[${i}].name`, `${show(cfg.approvalRules[i].name)} is already approvalRules[${f}].name`, "give every rule its own name");
    }

    const fqdn = `${host.name.toLowerCase()}.${input.domain}`;
    const port = cfg.ssl ? WSUS_HTTPS_PORT : WSUS_HTTP_PORT;
    const url = `${cfg.ssl ? "https" : "http"}://${fqdn}:${port}`;
    // The clients' side: every GPO with wsusServer names this server, with a declared target group on its own OU.
    const gpoOf = new Map<string, string>();
    (input.gpo?.gpos ?? []).forEach((g, i) => {
        const w = (g.policies as Record<string, unknown>).wsusServer as { url: string; targetGroup?: string } | undefined;
        if (!w) return;
        const wp = `billu:gpo.gpos[${i}].policies.wsusServer`;
        const u = new URL(w.url);
        const uPort = u.port === "" ? (u.protocol === "https:" ? 443 : 80) : Number(u.port);
        if (u.hostname !== fqdn || uPort !== port || u.protocol !== (cfg.ssl ? "https:" : "http:")) {
            problems.add(
                `${wp}.url`,
                `is ${show(w.url)}, but the WSUS server is ${url} (${host.name}, billu:wsus.ssl ${cfg.ssl})`,
                `set it to ${url}${uPort !== port || u.protocol !== (cfg.ssl ? "https:" : "http:") ? `, or change billu:wsus.ssl to ${!cfg.ssl}` : ""}`,
            );
        }
        if (w.targetGroup === undefined) {
            problems.add(
                `${wp}.targetGroup`,
                "is missing: the server uses client-side targeting",
                `set it to the target group of its OU (one of ${groupNames.join(", ")})`,
            );
            return;
        }
        const tg = cfg.targetGroups.find((t) => t.name === w.targetGroup);
        if (!tg) {
            problems.add(
                `${wp}.targetGroup`,
                `${show(w.targetGroup)} is not a target group of billu:wsus.targetGroups`,
                `use one of ${groupNames.join(", ")}, or add it there`,
            );
            return;
        }
        // An OU the directory does not have was reported above: no echo here.
        if ((!ous || ous.has(tg.ou)) && !g.links.some((l) => l.ou === tg.ou)) {
            problems.add(
                `billu:gpo.gpos[${i}].links`,
                `do not include ${show(tg.ou)}, the OU of target group ${show(tg.name)}`,
                `link ${show(g.name)} on ${tg.ou}`,
            );
        }
        gpoOf.set(tg.name, g.name);
    });
    cfg.targetGroups.forEach((t, i) => {
        if (!gpoOf.has(t.name) && input.gpo !== undefined) {
            problems.add(
                `${K}.targetGroups[${i}]`,
                `${show(t.name)} has no GPO: no billu:gpo.gpos entry sets wsusServer.targetGroup ${show(t.name)}`,
                `add a GPO linked on ${t.ou} with policies.wsusServer { url: ${url}, targetGroup: ${t.name} }`,
            );
        }
    });
    if (problems.count > before) return undefined;
    const up = cfg.upstream;
    return {
        host: host.name,
        fqdn,
        ssl: cfg.ssl,
        port,
        url,
        driveLetter: cfg.driveLetter,
        contentDir: `${cfg.driveLetter}:\\${cfg.contentFolder}`,
        dataDisk: { index: 1, sizeGiB: host.disks[1].sizeGiB },
        products: cfg.products,
        classifications: cfg.classifications,
        languages: cfg.languages,
        upstream:
            up === "microsoft-update"
                ? { kind: "microsoft-update" }
                : { kind: "wsus", server: up.server, ssl: up.ssl, port: up.ssl ? WSUS_HTTPS_PORT : WSUS_HTTP_PORT },
        syncTime: cfg.syncTime,
        targetGroups: cfg.targetGroups.map((t) => ({ ...t, gpo: gpoOf.get(t.name) ?? "" })),
        rules: cfg.approvalRules.map((r) => ({
            name: r.name,
            classifications: r.classifications,
            products: r.products ?? cfg.products,
            targetGroups: r.targetGroups,
            enabled: r.enabled,
        })),
        cleanup: {
            task: WSUS_CLEANUP_TASK,
            day: cfg.cleanup.day,
            time: cfg.cleanup.time,
            switches: cfg.cleanup.options.map((o) => WSUS_CLEANUP_OPTIONS[o]),
        },
    };
}
