/**
 * The file server plan (pure): the `billu:fileserver` config key, its validation against the site model, and the
 * plan every file server renderer reads: the RAID 1 array over the host's two data disks, and the shares with
 * the AD groups that may use them.
 *
 * Shares: by default one per department zone of the site model (read/write for the department's group) and one
 * common share (read/write for every member of staff); `billu:fileserver.shares` replaces that list when set.
 *
 * AD groups: the directory plan's own names (model/directory.ts: `departmentGroup`, `serviceGroup`,
 * `ALL_STAFF_GROUP`), so the shares' ACLs name exactly the groups the directory creates. Administrators: the
 * domain's built-in `Domain Admins`.
 */
import { createHash } from "crypto";
import { z } from "zod";
import { Problems, show } from "./errors";
import { HrExport } from "./hr";
import { ALL_STAFF_GROUP, departmentGroup, groupPart, serviceGroup } from "./directory";
import type { HostModel, ZoneModel } from "./core";
import type { PersonPlan } from "./directory";

export const FILESERVER_FLAVORS = ["linux", "windows"] as const;
export type FileServerFlavor = (typeof FILESERVER_FLAVORS)[number];

/** Share names: lower-case kebab-case, so they are the same on Samba and Windows and in a UNC path. */
export const SHARE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** The home share: a share name, optionally ending with `$` (Windows and Samba hide such a share from browsing). */
const HOME_SHARE_NAME = /^[a-z0-9][a-z0-9-]{0,61}\$?$/;

export const shareSchema = z
    .object({
        name: z
            .string()
            .regex(SHARE_NAME, "must be lower-case kebab-case, at most 63 characters")
            .describe("The share name (`\\\\PAR-FS01\\<name>`) and its folder name under the data volume."),
        department: z.string().min(1).optional().describe("A department share: read/write for the department's group (`GG_<Department>`)."),
        groups: z
            .array(z.string().min(1))
            .min(1)
            .optional()
            .describe("Or the groups given read/write, by their names in the directory plan (`GG_Personnel`, ...)."),
        comment: z.string().min(1).optional().describe('Shown to users browsing the server. Default: the department, or "Common share".'),
    })
    .strict();

/** An id range of winbind's idmap, as smb.conf writes it: `low-high`. */
const idRange = z.string().regex(/^[0-9]{1,10}-[0-9]{1,10}$/, "must be an id range low-high, e.g. 1000000-1999999");

export const idmapSchema = z
    .object({
        default: idRange
            .default("3000-7999")
            .describe("`idmap config * : range` (tdb): ids for the well-known SIDs and any domain without a range of its own. @default 3000-7999"),
        domain: idRange
            .default("10000-999999")
            .describe("This domain's range (backend rid: uid/gid = low + RID), the same on every member server. @default 10000-999999"),
        partner: idRange
            .default("1000000-1999999")
            .describe(
                "The trusted partner's domain (billu:trust.partner.netbios, backend rid), written only on a file server that serves a share of " +
                    "billu:trust.grants. @default 1000000-1999999",
            ),
    })
    .strict();

export const fileserverSchema = z
    .object({
        flavor: z
            .enum(FILESERVER_FLAVORS)
            .default("linux")
            .describe("`linux` (Debian 12: mdadm RAID 1 and Samba as an AD member) or `windows` (Storage Spaces mirror and SMB)."),
        mountPoint: z
            .string()
            .regex(/^\/[a-z0-9][a-z0-9._/-]*[a-z0-9]$/, "must be an absolute path of lower-case letters, digits, dots, dashes and slashes")
            .default("/srv/shares")
            .describe("Linux flavor: where the mirrored filesystem is mounted; every share is a folder below it."),
        driveLetter: z
            .string()
            .regex(/^[D-Z]$/, "must be one capital letter from D to Z")
            .default("S")
            .describe("Windows flavor: the drive letter of the mirrored volume."),
        alertEmail: z
            .string()
            .regex(/^[^@\s]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, "must be an e-mail address")
            .describe("Who is alerted when a disk fails or the mirror degrades (mdadm's MAILADDR, the Windows health task)."),
        commonShare: z
            .string()
            .regex(SHARE_NAME, "must be lower-case kebab-case, at most 63 characters")
            .default("commun")
            .describe("Name of the common share."),
        shares: z.array(shareSchema).min(1).optional().describe("The full share list, replacing the default (one per department zone, plus the common share)."),
        homeShare: z
            .string()
            .regex(HOME_SHARE_NAME, "must be lower-case kebab-case, at most 62 characters, optionally ending with $ (hidden from browsing), e.g. home$")
            .optional()
            .describe(
                "The home-folder share (e.g. `home$`; a trailing `$` hides it from browsing), the target of the Documents folder redirection " +
                    "(billu:gpo `folderRedirectionDocuments`): one folder per enabled account of the directory plan, owned by the account, " +
                    "open to it and the domain admins only; a leaver's folder is kept. Both flavors. Default: none (no home share).",
            ),
        homeDrive: z
            .string()
            .refine((v) => /^[D-Z]:$/.test(v), {
                message: "is not a drive letter from D to Z followed by a colon (A, B and C are the system's)",
                params: { fix: "write a letter and a colon, e.g. H:" },
            })
            .default("H:")
            .describe(
                "With a home share: the drive letter of each enabled account's home folder, written into AD as `homeDrive` " +
                    "(`homeDirectory` being `\\\\<file server FQDN>\\<home share>\\<account>`) by the directory step. " +
                    "No GPO drive mapping (billu:gpo `driveMap`) may use it. @default H:",
            ),
        idmap: idmapSchema
            .default({})
            .describe("Linux flavor: winbind's id ranges (idmap), pairwise disjoint: the default one, this domain's and the trusted partner's."),
    })
    .strict()
    .describe("The file server: a mirrored data volume (RAID 1) with one share per department and a common share.");

export type FileServerConfig = z.output<typeof fileserverSchema>;

/** The domain's built-in administrators group: full control on every share. */
export const ADMIN_GROUP = "Domain Admins";

export { ALL_STAFF_GROUP, departmentGroup, groupPart, serviceGroup };

/** ASCII, runs of anything else as one dash: "Finance et Comptabilité" -> "Finance-et-Comptabilite". */
function sharePart(s: string): string {
    return groupPart(s);
}

/** The default share name of a department: its name as lower-case kebab-case ASCII. */
export function departmentShareName(department: string): string {
    return sharePart(department).toLowerCase().slice(0, 63).replace(/-+$/, "");
}

/** Every group the directory plan defines, by the convention above: all staff, departments, services. */
export function directoryGroups(hr: HrExport | undefined, departments: readonly string[]): Set<string> {
    const groups = new Set([ALL_STAFF_GROUP, ...departments.map(departmentGroup)]);
    for (const r of hr?.rows ?? []) {
        groups.add(departmentGroup(r.departement));
        groups.add(serviceGroup(r.departement, r.service));
    }
    return groups;
}

export interface SharePlan {
    readonly name: string;
    readonly kind: "department" | "common" | "custom";
    readonly department?: string;
    /** Groups with read/write (Modify) access, by their names in the directory plan. */
    readonly groups: readonly string[];
    readonly comment: string;
}

/**
 * The home-folder share: one folder per enabled account of the directory plan below `folder`, owned by the account
 * with access for it and the admins only; the staff group may only traverse the share's root (not list it).
 */
export interface HomeSharePlan {
    /** The share name (`home$`). */
    readonly name: string;
    /** Its folder name under the data volume: the share name without its `$` (`home`). */
    readonly folder: string;
    /** The group allowed to connect and traverse the root (every account with a folder is a member): all staff. */
    readonly group: string;
    /** The accounts (sAMAccountName) that get a folder: the directory plan's enabled people, sorted. */
    readonly users: readonly string[];
    readonly comment: string;
    /** The accounts' home drive in AD (`billu:fileserver.homeDrive`, `H:`): their `homeDirectory` is this share's folder. */
    readonly drive: string;
}

/**
 * What the file servers read of the forest trust's plan (model/trust.ts `TrustPlan`, structurally: trust.ts imports
 * this module's share-name rule, so this module does not import it).
 */
export interface TrustGrantsInput {
    readonly partner: { readonly netbios: string };
    readonly grants: readonly {
        readonly group: string;
        readonly purpose: string;
        /** The partner's admin group, `NETBIOS\\group`. */
        readonly member: string;
        readonly hosts: readonly { readonly name: string }[];
        readonly share?: { readonly name: string; readonly readOnly: boolean };
    }[];
}

/** An id range of winbind's idmap (inclusive). */
export interface IdRange {
    readonly low: number;
    readonly high: number;
}

/** A share a trust grant (billu:trust.grants[i].share) opens to its domain-local group, on this file server. */
export interface TrustSharePlan {
    readonly name: string;
    /** The grant's domain-local group of this domain (its one member is the partner's admin group). */
    readonly group: string;
    /** The partner's admin group as winbind names it (`ECOTECH\ECO-IT-Admins`): for the docs. */
    readonly partnerGroup: string;
    readonly readOnly: boolean;
    readonly comment: string;
}

export interface DataDiskPlan {
    /** Index in the host's `disks` (1 and 2: the OS disk is 0). */
    readonly index: number;
    readonly datastore: string;
    readonly sizeGiB: number;
}

export interface FileServerPlan {
    readonly host: string;
    readonly flavor: FileServerFlavor;
    readonly mountPoint: string;
    readonly driveLetter: string;
    readonly alertEmail: string;
    /** NetBIOS name of the domain (Samba's workgroup, the `BILLU\` of group names). */
    readonly workgroup: string;
    /** The mirror: md array (Linux) or storage pool and virtual disk (Windows). */
    readonly array: {
        readonly name: string;
        /** md UUID in mdadm's form (`8:8:8:8` hex), fixed from the host's identity so it can be rendered. */
        readonly mdUuid: string;
        /** ext4 UUID of the filesystem on the array. */
        readonly fsUuid: string;
        readonly label: string;
        readonly disks: readonly [DataDiskPlan, DataDiskPlan];
    };
    readonly adminGroup: string;
    readonly shares: readonly SharePlan[];
    /** The home-folder share (`billu:fileserver.homeShare`); absent when not set. */
    readonly homes?: HomeSharePlan;
    /** winbind's id ranges; `partner` only on a file server that serves a trust grant's share. */
    readonly idmap: {
        readonly default: IdRange;
        readonly domain: IdRange;
        readonly partner?: { readonly netbios: string; readonly range: IdRange };
    };
    /** The shares of billu:trust.grants this server serves (both flavors: smb.conf and billu-shares, or shares.ps1). */
    readonly trustShares: readonly TrustSharePlan[];
}

/** A stable UUID for a name: the same site and host always give the same array, so its identity can be rendered. */
function stableHex(seed: string): string {
    return createHash("sha256").update(seed).digest("hex").slice(0, 32);
}

export function arrayIdentity(domain: string, host: string): { mdUuid: string; fsUuid: string } {
    const md = stableHex(`billu-fileserver:${domain}:${host}:md`);
    const fs = stableHex(`billu-fileserver:${domain}:${host}:ext4`).split("");
    fs[12] = "4"; // RFC 4122 version 4 and variant bits, so every tool takes it for a well-formed UUID
    fs[16] = ((parseInt(fs[16], 16) & 0x3) | 0x8).toString(16);
    const f = fs.join("");
    return {
        mdUuid: [0, 8, 16, 24].map((i) => md.slice(i, i + 8)).join(":"),
        fsUuid: `${f.slice(0, 8)}-${f.slice(8, 12)}-${f.slice(12, 16)}-${f.slice(16, 20)}-${f.slice(20)}`,
    };
}

const FP = "billu:fileserver";

/**
 * Validates `billu:fileserver` and the file server hosts against the model, and plans each file server. Problems
 * name the key path as the user writes it; returns the plans (empty when the site has no file server).
 */
export function planFileServers(
    cfg: {
        readonly fileserver: FileServerConfig | undefined;
        readonly proxmox: { readonly datastores: readonly string[] };
        readonly site: { readonly domain: string; readonly netbiosName?: string };
    },
    zones: readonly ZoneModel[],
    hosts: readonly HostModel[],
    hr: HrExport | undefined,
    problems: Problems,
    /** The directory plan's people (the home folders' accounts); "failed": the directory is declared but was not planned (its own problems say why). */
    people?: readonly Pick<PersonPlan, "sam" | "enabled">[] | "failed",
    /** The forest trust's plan (billu:trust): its grants' shares are served here. */
    trust?: TrustGrantsInput,
): FileServerPlan[] {
    const servers = hosts.filter((h) => h.role === "fileserver");
    if (servers.length === 0) return [];
    const fc = cfg.fileserver;
    if (!fc) {
        problems.add(
            FP,
            `is required for the file server ${servers.map((h) => h.name).join(", ")} but missing`,
            `set ${FP}.alertEmail (and optionally flavor, mountPoint, shares; see README, "File server")`,
        );
        return [];
    }
    const hp = (h: HostModel, k: string) => `billu:hosts[${h.index}].${k}`;
    let ok = true;
    for (const h of servers) {
        const data = h.disks.slice(1);
        if (data.length !== 2) {
            problems.add(
                hp(h, "disks"),
                `gives ${h.name} ${data.length} data disk${data.length === 1 ? "" : "s"} after the OS disk`,
                "give a file server exactly three disks: the OS disk, then two data disks of the same size on two distinct datastores",
            );
            ok = false;
            continue;
        }
        if (data[1].sizeGiB !== data[0].sizeGiB) {
            problems.add(
                hp(h, "disks[2].sizeGiB"),
                `is ${data[1].sizeGiB} but disks[1].sizeGiB is ${data[0].sizeGiB}`,
                "give both data disks the same size: a mirror is only as large as its smaller disk",
            );
            ok = false;
        }
        if (data[1].datastore === data[0].datastore) {
            const others = cfg.proxmox.datastores.filter((d) => d !== data[0].datastore);
            problems.add(
                hp(h, "disks[2].datastore"),
                `${show(data[1].datastore)} is also the datastore of disks[1]`,
                `put the two data disks on distinct datastores${others.length ? ` (e.g. ${others.join(" or ")})` : ""}, so losing one datastore leaves one half of the mirror`,
            );
            ok = false;
        }
        const windows = h.os.startsWith("windows");
        if (fc.flavor === "windows" && !windows) {
            problems.add(`${FP}.flavor`, `is "windows" but ${h.name} runs ${h.os} (${hp(h, "os")})`, "use flavor linux, or give the host a Windows OS");
            ok = false;
        } else if (fc.flavor === "linux" && windows) {
            problems.add(`${FP}.flavor`, `is "linux" but ${h.name} runs ${h.os} (${hp(h, "os")})`, "use flavor windows, or give the host os debian-12");
            ok = false;
        }
    }
    if (!cfg.site.netbiosName) {
        problems.add("billu:site.netbiosName", "is required for a file server (the domain's NetBIOS name) but missing", "set it, e.g. BILLU");
        ok = false;
    }

    const departmentZones = zones.filter((z) => z.kind === "department" && z.department);
    const departments = [...new Set(departmentZones.map((z) => z.department!))];
    const groups = directoryGroups(hr, departments);
    const shares: SharePlan[] = fc.shares
        ? fc.shares.map((s, i) => {
              const sp = `${FP}.shares[${i}]`;
              if ((s.department === undefined) === (s.groups === undefined)) {
                  problems.add(
                      sp,
                      `sets ${s.department ? "both department and groups" : "neither department nor groups"}`,
                      "give a share either a department or a list of groups",
                  );
                  ok = false;
              }
              if (s.department !== undefined && !departments.includes(s.department)) {
                  problems.add(
                      `${sp}.department`,
                      `${show(s.department)} is not the department of any department zone`,
                      `use one of ${departments.join(", ")}`,
                  );
                  ok = false;
              }
              (s.groups ?? []).forEach((g, j) => {
                  if (!groups.has(g)) {
                      problems.add(
                          `${sp}.groups[${j}]`,
                          `${show(g)} is not a group of the directory plan`,
                          `use ${ALL_STAFF_GROUP}, a department group (${departments.map(departmentGroup).join(", ")}) or a service group (directory naming)`,
                      );
                      ok = false;
                  }
              });
              const common = s.groups?.length === 1 && s.groups[0] === ALL_STAFF_GROUP;
              return {
                  name: s.name,
                  kind: s.department ? "department" : common ? "common" : "custom",
                  department: s.department,
                  groups: s.department ? [departmentGroup(s.department)] : (s.groups ?? []),
                  comment: s.comment ?? (s.department ? `${s.department} (department share)` : common ? "Common share (all staff)" : s.name),
              };
          })
        : [
              ...departments.map((d) => ({
                  name: departmentShareName(d),
                  kind: "department" as const,
                  department: d,
                  groups: [departmentGroup(d)],
                  comment: `${d} (department share)`,
              })),
              { name: fc.commonShare, kind: "common" as const, groups: [ALL_STAFF_GROUP], comment: "Common share (all staff)" },
          ];
    const seen = new Map<string, number>();
    shares.forEach((s, i) => {
        const prev = seen.get(s.name);
        if (prev !== undefined) {
            problems.add(
                fc.shares ? `${FP}.shares[${i}].name` : `${FP}.commonShare`,
                `${show(s.name)} is already the name of ${fc.shares ? `${FP}.shares[${prev}]` : "a department share"}`,
                "give every share its own name",
            );
            ok = false;
        }
        seen.set(s.name, i);
    });
    let homes: HomeSharePlan | undefined;
    if (fc.homeShare !== undefined) {
        const folder = fc.homeShare.replace(/\$$/, "");
        const clash = shares.find((s) => s.name === fc.homeShare || s.name === folder);
        if (clash) {
            problems.add(
                `${FP}.homeShare`,
                `${show(fc.homeShare)} would use the folder ${show(folder)} of the share ${show(clash.name)}`,
                "give the home share a name of its own (e.g. home$)",
            );
            ok = false;
        }
        if (people === undefined) {
            problems.add(
                `${FP}.homeShare`,
                "is set but the site has no directory plan (billu:directory): the home folders are its accounts'",
                "set billu:directory, or remove homeShare",
            );
            ok = false;
        }
        // A directory declared but not planned (its own problems stop the run, or a peer stack read without its HR
        // export): no home folders to plan, and nothing to echo.
        if (people !== "failed")
            homes = {
                name: fc.homeShare,
                folder,
                group: ALL_STAFF_GROUP,
                users: (people ?? [])
                    .filter((p) => p.enabled)
                    .map((p) => p.sam)
                    .sort(),
                comment: "Home folders (Documents redirection)",
                drive: fc.homeDrive,
            };
    }
    const idmap = planIdmap(fc, problems);
    if (!idmap) ok = false;
    // The trust grants' shares (billu:trust.grants[i].share): served by the grant's hosts, which planTrust checked are
    // file servers. The flow and the group are the trust's; the share and the partner's idmap range are this server's.
    const trustShares = new Map<string, TrustSharePlan[]>();
    (trust?.grants ?? []).forEach((g, i) => {
        if (!g.share) return;
        const sp = `billu:trust.grants[${i}].share`;
        const clash =
            shares.find((s) => s.name === g.share!.name)?.name ??
            (fc.homeShare !== undefined && [fc.homeShare, fc.homeShare.replace(/\$$/, "")].includes(g.share.name) ? fc.homeShare : undefined);
        if (clash !== undefined) {
            problems.add(`${sp}.name`, `${show(g.share.name)} is also the file server's share ${show(clash)}`, "give the grant's share a name of its own");
            ok = false;
        }
        for (const h of g.hosts) {
            const list = trustShares.get(h.name) ?? [];
            list.push({
                name: g.share.name,
                group: g.group,
                partnerGroup: g.member,
                readOnly: g.share.readOnly,
                comment: `${g.purpose} (partner ${trust!.partner.netbios})`,
            });
            trustShares.set(h.name, list);
        }
    });
    if (!ok || !idmap) return [];

    return servers.map((h) => ({
        host: h.name,
        flavor: fc.flavor,
        mountPoint: fc.mountPoint,
        driveLetter: fc.driveLetter,
        alertEmail: fc.alertEmail,
        workgroup: cfg.site.netbiosName!,
        array: {
            name: "billu-data",
            label: "billu-data",
            ...arrayIdentity(cfg.site.domain, h.name),
            disks: [1, 2].map((i) => ({ index: i, datastore: h.disks[i].datastore, sizeGiB: h.disks[i].sizeGiB })) as [DataDiskPlan, DataDiskPlan],
        },
        adminGroup: ADMIN_GROUP,
        shares,
        ...(homes ? { homes } : {}),
        idmap: {
            default: idmap.default,
            domain: idmap.domain,
            ...(trustShares.has(h.name) && fc.flavor === "linux" ? { partner: { netbios: trust!.partner.netbios, range: idmap.partner } } : {}),
        },
        trustShares: trustShares.get(h.name) ?? [],
    }));
}

/** The highest id winbind can hand out (uid_t is 32 bits). */
const MAX_ID = 4294967295;

/**
 * Parses and checks billu:fileserver.idmap: each range low <= high within 32 bits, and the three pairwise disjoint (an
 * id in two ranges would be two accounts at once on the server: one could read the other's files).
 */
function planIdmap(fc: FileServerConfig, problems: Problems): Record<keyof FileServerConfig["idmap"], IdRange> | undefined {
    const keys = ["default", "domain", "partner"] as const;
    const out: Partial<Record<(typeof keys)[number], IdRange>> = {};
    let ok = true;
    for (const k of keys) {
        const [low, high] = fc.idmap[k].split("-").map(Number);
        if (low > high || high > MAX_ID || low === 0) {
            problems.add(
                `${FP}.idmap.${k}`,
                `${show(fc.idmap[k])} is not a range of ids: ${low === 0 ? "0 is root's id" : low > high ? "its low end is above its high end" : `its high end is above ${MAX_ID}`}`,
                "write low-high with 0 < low <= high <= 4294967295, e.g. 1000000-1999999",
            );
            ok = false;
        } else out[k] = { low, high };
    }
    if (!ok) return undefined;
    const r = out as Record<(typeof keys)[number], IdRange>;
    keys.forEach((a, i) =>
        keys.slice(i + 1).forEach((b) => {
            if (r[a].low <= r[b].high && r[b].low <= r[a].high) {
                problems.add(
                    `${FP}.idmap.${b}`,
                    `${show(fc.idmap[b])} overlaps ${FP}.idmap.${a} (${show(fc.idmap[a])}): ids ${Math.max(r[a].low, r[b].low)}-${Math.min(r[a].high, r[b].high)} would map two accounts`,
                    `give ${b} a range outside ${fc.idmap[a]}, e.g. ${r[a].high + 1}-${r[a].high + 1 + (r[b].high - r[b].low)}`,
                );
                ok = false;
            }
        }),
    );
    return ok ? r : undefined;
}

/** What the directory writes into each enabled account for the home share: `homeDirectory` = `<root>\<sam>`, `homeDrive`. */
export interface HomeDirectories {
    /** `\\par-fs01.billu.remindme.lan\home$`. */
    readonly root: string;
    /** `H:` (billu:fileserver.homeDrive). */
    readonly drive: string;
}

/** The site's home share as the directory appliers need it, from the file servers' plans; undefined without one. */
export function homeDirectoriesOf(fileservers: readonly FileServerPlan[] | undefined, domainFqdn: string | undefined): HomeDirectories | undefined {
    const fs = (fileservers ?? []).find((f) => f.homes);
    if (!fs || !fs.homes || domainFqdn === undefined) return undefined;
    return { root: `\\\\${fs.host.toLowerCase()}.${domainFqdn}\\${fs.homes.name}`, drive: fs.homes.drive };
}
