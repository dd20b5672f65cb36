/**
 * Group Policy as data (`billu:gpo`): the site's GPOs, where they are linked (OU paths of the directory plan's
 * tree), in which order and whether enforced, who they apply to (groups of the directory plan), and their
 * settings: named policies from a catalogue (`GPO_POLICIES`: each maps to Microsoft's documented registry values
 * or security settings), raw registry policies, and security settings for GptTmpl.inf. Pure: the schema (its
 * `.describe()` text is the configuration reference), the checks (through Problems, with the key path, the value
 * and the fix) and the plan the renderers (components/gpo/render.ts) and the docs read.
 *
 * The password and lockout policy is another service's (`billu:passwordPolicy`): a GPO here can only name that
 * key (`accountPolicyFrom`) for its link at the domain; its values are not written by this service.
 */
import { createHash } from "crypto";
import { z } from "zod";
import type { DirectoryPlan } from "./directory";
import { Problems, show } from "./errors";
import { text } from "./text";

/** The config key (the user writes `billu:gpo`). */
const K = "billu:gpo";

/** Where the glpiAgent policy writes the GLPI agent's settings (HKLM), which its startup script reads. */
export const GLPI_AGENT_POLICY_KEY = "Software\\Policies\\BillU\\GlpiAgent";
/** The startup script the glpiAgent policy copies to SYSVOL (relative to the project root). */
export const GLPI_AGENT_SCRIPT = "scripts/assets/Install-GlpiAgent.ps1";

/** The link target `domain`: the domain's root (the only place account policies apply). */
export const DOMAIN_LINK = "domain";

/** Principals every domain has besides the directory plan's groups (security filtering may name them). */
export const WELL_KNOWN_PRINCIPALS = ["Authenticated Users", "Domain Users", "Domain Computers", "Domain Admins"] as const;

export const REG_TYPES = ["REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_MULTI_SZ", "REG_QWORD"] as const;
export type RegType = (typeof REG_TYPES)[number];
/** The type codes of WinNT.h, as Registry.pol stores them. */
export const REG_TYPE_CODES: Readonly<Record<RegType, number>> = { REG_SZ: 1, REG_EXPAND_SZ: 2, REG_BINARY: 3, REG_DWORD: 4, REG_MULTI_SZ: 7, REG_QWORD: 11 };

/** A registry key path below the hive, as Registry.pol stores it (no `HKEY_...` prefix, backslashes). */
const REG_KEY = /^[\x20-\x5b\x5d-\x7e]+(\\[\x20-\x5b\x5d-\x7e]+)*$/;

const regDataSchema = z.union([z.string().max(4096), z.number().int(), z.array(z.string().max(1024)).max(64)]);

const registrySchema = z
    .object({
        hive: z.enum(["HKLM", "HKCU"]).describe("HKLM: the GPO's computer part (Machine/Registry.pol); HKCU: its user part (User/Registry.pol)."),
        key: z
            .string()
            .min(1)
            .max(255)
            .regex(REG_KEY, "must be a registry key path below the hive, printable ASCII, parts split by \\")
            .describe("Key path below the hive, e.g. `Software\\Policies\\Microsoft\\Windows\\System`."),
        valueName: z
            .string()
            .min(1)
            .max(259)
            .regex(/^[\x20-\x7e]+$/, "must be printable ASCII")
            .describe("The value's name (at most 259 characters)."),
        type: z
            .enum(REG_TYPES)
            .describe("Registry type: REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ (a list), REG_DWORD, REG_QWORD (decimal string), REG_BINARY (hex string)."),
        data: regDataSchema.describe(
            "The data: a string (REG_SZ, REG_EXPAND_SZ; REG_QWORD as decimal digits; REG_BINARY as hex digits), an integer (REG_DWORD) or a list of strings (REG_MULTI_SZ).",
        ),
    })
    .strict()
    .describe("One registry policy value.");

const systemAccessValue = z.union([z.number().int().min(-1).max(999999999), text(128, "a value")]);

const securitySchema = z
    .object({
        systemAccess: z
            .record(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/, "must be a [System Access] setting name"), systemAccessValue)
            .default({})
            .describe("Settings of GptTmpl.inf's [System Access] section, e.g. `ForceLogoffWhenHourExpire: 1`. @default none"),
        registryValues: z
            .array(
                z
                    .object({
                        path: z
                            .string()
                            .min(1)
                            .max(300)
                            .regex(/^MACHINE\\[\x20-\x5b\x5d-\x7e]+(\\[\x20-\x5b\x5d-\x7e]+)*$/, "must be MACHINE\\<key path>\\<value name>")
                            .describe("`MACHINE\\System\\CurrentControlSet\\Control\\Lsa\\LmCompatibilityLevel`: key path and value name."),
                        type: z.enum(["REG_SZ", "REG_DWORD"]).describe("REG_DWORD (4) or REG_SZ (1)."),
                        data: z.union([z.number().int().min(0), text(512, "a value")]).describe("The value."),
                    })
                    .strict(),
            )
            .default([])
            .describe("Security options of GptTmpl.inf's [Registry Values] section. @default none"),
    })
    .strict()
    .default({})
    .describe("Security settings written to the GPO's GptTmpl.inf (Machine/Microsoft/Windows NT/SecEdit). @default none");

// ---------------------------------------------------------------------------------------------------------------
// The catalogue of named policies.

/** What a named policy contributes to its GPO. */
export interface Contribution {
    readonly machine?: readonly RegistryPolicy[];
    readonly user?: readonly RegistryPolicy[];
    readonly systemAccess?: readonly (readonly [string, string | number])[];
    readonly registryValues?: readonly SecurityRegistryValue[];
    readonly drives?: readonly Omit<DriveMapPlan, "uid">[];
    readonly sysvolFiles?: readonly SysvolFile[];
    readonly startupScripts?: readonly StartupScript[];
}

export interface PolicyContext {
    readonly domain: string;
    readonly shares: readonly GpoShare[];
    /** The file server's home-folder share (`billu:fileserver.homeShare`), when it has one. */
    readonly homeShare?: GpoShare;
    /** The directory plan's users OU of a department (DN), by department name. */
    readonly departmentUsersOu: (department: string) => string | undefined;
    /** Reports a problem at `<policy path>.<sub>` (sub may be empty). */
    readonly problem: (sub: string, message: string, fix: string) => void;
    /** The domain's DCs: Samba or Windows (some policies need a Windows DC's schema). */
    readonly flavor: "samba" | "windows";
    /** Whether a name is a group of the directory plan. */
    readonly isGroup: (name: string) => boolean;
    /** The GLPI agent for Windows computers (billu:assets' plan): absent on a site without GLPI. */
    readonly glpiAgent?: GpoInput["glpiAgent"];
    /** GLPI is declared but planned nothing (its own problem is reported): no second problem here. */
    readonly glpiPending?: boolean;
}

interface NamedPolicy<T> {
    readonly schema: z.ZodType<T, z.ZodTypeDef, unknown>;
    /** What it does and where (the docs' catalogue), with the source of the registry values. */
    readonly doc: string;
    readonly expand: (value: T, ctx: PolicyContext) => Contribution;
}

const on = z.literal(true);
const SYSTEM_POLICIES = "Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\System";
const dword = (key: string, valueName: string, data: number): RegistryPolicy => ({ key, valueName, type: "REG_DWORD", data });
const sz = (key: string, valueName: string, data: string): RegistryPolicy => ({ key, valueName, type: "REG_SZ", data });
const driveLetter = z.string().refine((v) => /^[D-Z]$/.test(v), {
    message: "is not a drive letter from D to Z (A, B and C are the system's)",
    params: { fix: "use an upper-case letter from D to Z that no other mapped drive uses" },
});

const sharePath = (s: GpoShare, domain: string) => `\\\\${s.host.toLowerCase()}.${domain}\\${s.name}`;

function findShare(name: string, ctx: PolicyContext, sub: string): GpoShare | undefined {
    const s = ctx.shares.find((x) => x.name === name);
    if (!s) {
        ctx.problem(
            sub,
            `${show(name)} is not a share of the file server's plan`,
            ctx.shares.length > 0 ? `name one of ${ctx.shares.map((x) => x.name).join(", ")}` : "declare a file server (billu:fileserver) with this share",
        );
    }
    return s;
}

function policy<T>(p: NamedPolicy<T>): NamedPolicy<unknown> {
    return p as unknown as NamedPolicy<unknown>;
}

/**
 * The catalogue: each named setting and the registry values or security settings it writes. Sources: Microsoft's
 * Group Policy settings reference (the ADMX files' keys) and the security options reference.
 */
export const GPO_POLICIES: Readonly<Record<string, NamedPolicy<unknown>>> = {
    screenLockTimeoutSeconds: policy({
        schema: z.number().int().min(60).max(7200),
        doc: "User: password-protected screen saver after N seconds idle (Control Panel > Personalization: ScreenSaveActive, ScreenSaverIsSecure, ScreenSaveTimeOut under HKCU\\Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop).",
        expand: (n: number) => {
            const k = "Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop";
            return { user: [sz(k, "ScreenSaveActive", "1"), sz(k, "ScreenSaverIsSecure", "1"), sz(k, "ScreenSaveTimeOut", String(n))] };
        },
    }),
    removableStorageDenyAll: policy({
        schema: on,
        doc: "User: All Removable Storage classes: Deny all access (HKCU\\Software\\Policies\\Microsoft\\Windows\\RemovableStorageDevices, Deny_All = 1).",
        expand: () => ({ user: [dword("Software\\Policies\\Microsoft\\Windows\\RemovableStorageDevices", "Deny_All", 1)] }),
    }),
    disableCmd: policy({
        schema: on,
        doc: "User: Prevent access to the command prompt, logon scripts still allowed (HKCU\\Software\\Policies\\Microsoft\\Windows\\System, DisableCMD = 2).",
        expand: () => ({ user: [dword("Software\\Policies\\Microsoft\\Windows\\System", "DisableCMD", 2)] }),
    }),
    noControlPanel: policy({
        schema: on,
        doc: "User: Prohibit access to Control Panel and PC settings (HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\Explorer, NoControlPanel = 1).",
        expand: () => ({ user: [dword("Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\Explorer", "NoControlPanel", 1)] }),
    }),
    smb1Disabled: policy({
        schema: on,
        doc: "Computer: SMBv1 server off (LanmanServer\\Parameters, SMB1 = 0) and the SMBv1 client driver disabled (mrxsmb10, Start = 4), as Microsoft's security baseline (MS Security Guide ADMX) sets them.",
        expand: () => ({
            machine: [
                dword("SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters", "SMB1", 0),
                dword("SYSTEM\\CurrentControlSet\\Services\\mrxsmb10", "Start", 4),
            ],
        }),
    }),
    lmCompatibilityLevel: policy({
        schema: z.number().int().min(0).max(5),
        doc: "Computer, security option: Network security: LAN Manager authentication level (Lsa, LmCompatibilityLevel; 5 = NTLMv2 only, refuse LM and NTLM), and no LM hash stored (NoLMHash = 1).",
        expand: (n: number) => ({
            registryValues: [
                { path: "MACHINE\\System\\CurrentControlSet\\Control\\Lsa\\LmCompatibilityLevel", type: "REG_DWORD", data: n },
                { path: "MACHINE\\System\\CurrentControlSet\\Control\\Lsa\\NoLMHash", type: "REG_DWORD", data: 1 },
            ],
        }),
    }),
    smbSigningRequired: policy({
        schema: on,
        doc: "Computer, security options: Microsoft network server and client: Digitally sign communications (always) (LanManServer and LanmanWorkstation Parameters, RequireSecuritySignature = 1, EnableSecuritySignature = 1).",
        expand: () => ({
            registryValues: ["LanManServer", "LanmanWorkstation"].flatMap((svc) =>
                ["EnableSecuritySignature", "RequireSecuritySignature"].map((v) => ({
                    path: `MACHINE\\System\\CurrentControlSet\\Services\\${svc}\\Parameters\\${v}`,
                    type: "REG_DWORD" as const,
                    data: 1,
                })),
            ),
        }),
    }),
    glpiAgent: policy({
        schema: on.describe("true: the computers this GPO applies to install the GLPI agent."),
        doc:
            "Computer: the GLPI agent (billu:assets.windowsAgent, an MSI pinned by SHA-256) installed by a PowerShell startup script " +
            "(Machine/Scripts/psscripts.ini) copied to SYSVOL (`\\\\<domain>\\SYSVOL\\<domain>\\billu\\glpi-agent\\`); its settings " +
            `in HKLM\\${GLPI_AGENT_POLICY_KEY} (Server: GLPI's inventory endpoint, MsiUrl, Version, Sha256 when pinned, Tag). ` +
            "Without a pinned hash the script installs nothing and logs why. Needs GLPI on the site (billu:assets).",
        expand: (_on: true, ctx) => {
            const a = ctx.glpiAgent;
            if (!a) {
                if (ctx.glpiPending) return {};
                ctx.problem(
                    "",
                    "deploys the GLPI agent, but the site has no GLPI server (billu:assets)",
                    "declare GLPI (billu:assets and a host of role assets), or remove glpiAgent",
                );
                return {};
            }
            const script = GLPI_AGENT_SCRIPT.split("/").pop()!;
            return {
                machine: [
                    sz(GLPI_AGENT_POLICY_KEY, "Server", a.server),
                    sz(GLPI_AGENT_POLICY_KEY, "MsiUrl", a.msiUrl),
                    sz(GLPI_AGENT_POLICY_KEY, "Version", a.version),
                    ...(a.sha256 ? [sz(GLPI_AGENT_POLICY_KEY, "Sha256", a.sha256)] : []),
                    sz(GLPI_AGENT_POLICY_KEY, "Tag", "windows"),
                ],
                sysvolFiles: [{ source: GLPI_AGENT_SCRIPT, target: `billu/glpi-agent/${script}` }],
                startupScripts: [{ cmdLine: `\\\\${ctx.domain}\\SYSVOL\\${ctx.domain}\\billu\\glpi-agent\\${script}`, parameters: "" }],
            };
        },
    }),
    wallpaper: policy({
        schema: z
            .object({
                file: z
                    .string()
                    .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_.-]+)*\.(bmp|jpg)$/, "must be a .bmp or .jpg path relative to the project root")
                    .describe("The image, relative to the project root (shipped to SYSVOL)."),
                style: z
                    .enum(["center", "tile", "stretch", "fit", "fill"])
                    .default("fill")
                    .describe("How the image fills the screen (WallpaperStyle). @default fill"),
            })
            .strict(),
        doc: "User: Desktop Wallpaper (HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\System, Wallpaper and WallpaperStyle); the image is copied from the repository to the domain's SYSVOL (`\\\\<domain>\\SYSVOL\\<domain>\\billu\\`).",
        expand: (w: { file: string; style: string }, ctx) => {
            const base = w.file.split("/").pop()!;
            const styles: Record<string, string> = { center: "0", tile: "0", stretch: "2", fit: "3", fill: "4" };
            return {
                user: [
                    sz(SYSTEM_POLICIES, "Wallpaper", `\\\\${ctx.domain}\\SYSVOL\\${ctx.domain}\\billu\\${base}`),
                    sz(SYSTEM_POLICIES, "WallpaperStyle", styles[w.style]),
                ],
                sysvolFiles: [{ source: w.file, target: `billu/${base}` }],
            };
        },
    }),
    driveMap: policy({
        schema: z
            .object({
                letter: driveLetter.describe("The drive letter, D to Z."),
                share: z.string().min(1).max(63).describe("A share of the file server's plan, or `department`: each user's department share."),
                label: text(64, "a label").optional().describe("The drive's label in Explorer. @default the share's name"),
            })
            .strict(),
        doc: "User: a mapped drive (Group Policy Preferences, Drives.xml, action Update). `share: department` maps each department's share for the users under that department's OU (item-level targeting).",
        expand: (d: { letter: string; share: string; label?: string }, ctx) => {
            // The accounts' homeDrive (the directory writes it with homeDirectory): a mapped drive on that letter would
            // hide the home folder, or the home folder the mapping.
            if (ctx.homeShare?.drive === `${d.letter}:`) {
                ctx.problem(
                    "letter",
                    `${show(d.letter)} is the accounts' home drive, billu:fileserver.homeDrive (${show(ctx.homeShare.drive)})`,
                    "give the mapped drive another letter, or set billu:fileserver.homeDrive to a letter no mapped drive uses",
                );
                return {};
            }
            if (d.share !== "department") {
                const s = findShare(d.share, ctx, "share");
                return s ? { drives: [{ letter: d.letter, path: sharePath(s, ctx.domain), label: d.label ?? s.name }] } : {};
            }
            const dept = ctx.shares.filter((s) => s.kind === "department" && s.department !== undefined);
            if (dept.length === 0) {
                ctx.problem(
                    "share",
                    `${show(d.share)}: the file server's plan has no department share`,
                    "name a share, or give the file server department shares",
                );
                return {};
            }
            const drives: Omit<DriveMapPlan, "uid">[] = [];
            for (const s of dept) {
                const ou = ctx.departmentUsersOu(s.department!);
                if (ou) drives.push({ letter: d.letter, path: sharePath(s, ctx.domain), label: d.label ?? s.name, ouFilter: ou });
            }
            return { drives };
        },
    }),
    folderRedirectionDocuments: policy({
        schema: z
            .object({
                share: z
                    .string()
                    .min(1)
                    .max(63)
                    .optional()
                    .describe("The file server's home share (billu:fileserver.homeShare); when written, it must be that one. Default: it."),
            })
            .strict(),
        doc: "User: Documents in `\\\\<file server>\\<home share>\\%USERNAME%\\Documents` (the Personal shell folder, HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\User Shell Folders, REG_EXPAND_SZ), the home share being billu:fileserver.homeShare, whose per-user folders the file server makes. The registry form: existing files are not moved (the Folder Redirection extension's fdeploy1.ini is not rendered).",
        expand: (f: { share?: string }, ctx) => {
            const h = ctx.homeShare;
            if (!h) {
                ctx.problem(
                    f.share === undefined ? "" : "share",
                    `${f.share === undefined ? "" : `${show(f.share)}: `}the file server's plan has no home share, so the redirected Documents would have no per-user folder`,
                    "set billu:fileserver.homeShare (e.g. home$): the file server makes each account's folder there",
                );
                return {};
            }
            if (f.share !== undefined && f.share !== h.name) {
                ctx.problem(
                    "share",
                    `${show(f.share)} is not the file server's home share ${show(h.name)} (billu:fileserver.homeShare)`,
                    `write share: ${h.name}, or leave share out`,
                );
                return {};
            }
            return {
                user: [
                    {
                        key: "Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\User Shell Folders",
                        valueName: "Personal",
                        type: "REG_EXPAND_SZ",
                        data: `${sharePath(h, ctx.domain)}\\%USERNAME%\\Documents`,
                    },
                ],
            };
        },
    }),
    logonBanner: policy({
        schema: z
            .object({
                caption: text(80, "a caption").describe("The message's title (legalnoticecaption)."),
                text: text(2000, "a message").describe("The message (legalnoticetext)."),
            })
            .strict(),
        doc: "Computer, security options: Interactive logon: message title and text (HKLM\\" + SYSTEM_POLICIES + ", legalnoticecaption and legalnoticetext).",
        expand: (b: { caption: string; text: string }) => ({
            machine: [sz(SYSTEM_POLICIES, "legalnoticecaption", b.caption), sz(SYSTEM_POLICIES, "legalnoticetext", b.text)],
        }),
    }),
    wsusServer: policy({
        schema: z
            .object({
                url: z
                    .string()
                    .max(255)
                    .regex(/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/, "must be http(s)://<host>[:port], lower-case, no path")
                    .describe("The WSUS server's URL (`https://par-wsus01.billu.remindme.lan:8531`)."),
                scheduledInstallDay: z.number().int().min(0).max(7).default(0).describe("0 every day, 1-7 Sunday to Saturday. @default 0"),
                scheduledInstallTime: z.number().int().min(0).max(23).default(3).describe("Hour of the scheduled install. @default 3"),
                targetGroup: z
                    .string()
                    .regex(/^[A-Za-z0-9][A-Za-z0-9 _.()-]{0,63}$/, "must be letters, digits, spaces and _ . ( ) - (at most 64)")
                    .optional()
                    .describe(
                        "Client-side targeting: the WSUS computer target group of the computers this GPO applies to (one of billu:wsus.targetGroups, whose OU this GPO is linked on; TargetGroupEnabled = 1, TargetGroup). @default none (server-side targeting)",
                    ),
            })
            .strict(),
        doc: "Computer: Specify intranet Microsoft update service location (HKLM\\Software\\Policies\\Microsoft\\Windows\\WindowsUpdate, WUServer and WUStatusServer; AU: UseWUServer = 1, AUOptions = 4 scheduled install; with targetGroup, TargetGroupEnabled = 1 and TargetGroup).",
        expand: (w: { url: string; scheduledInstallDay: number; scheduledInstallTime: number; targetGroup?: string }) => {
            const k = "Software\\Policies\\Microsoft\\Windows\\WindowsUpdate";
            return {
                machine: [
                    sz(k, "WUServer", w.url),
                    sz(k, "WUStatusServer", w.url),
                    dword(`${k}\\AU`, "UseWUServer", 1),
                    dword(`${k}\\AU`, "NoAutoUpdate", 0),
                    dword(`${k}\\AU`, "AUOptions", 4),
                    dword(`${k}\\AU`, "ScheduledInstallDay", w.scheduledInstallDay),
                    dword(`${k}\\AU`, "ScheduledInstallTime", w.scheduledInstallTime),
                    ...(w.targetGroup === undefined ? [] : [dword(k, "TargetGroupEnabled", 1), sz(k, "TargetGroup", w.targetGroup)]),
                ],
            };
        },
    }),
    windowsLaps: policy({
        schema: z
            .object({
                passwordAgeDays: z.number().int().min(1).max(365).default(30).describe("Days between two rotations of the password. @default 30"),
                passwordLength: z.number().int().min(14).max(64).default(20).describe("Characters of the password. @default 20"),
                readers: z.string().min(1).describe("The group of the directory plan the password is encrypted for (who may read it), such as GG_DSI."),
            })
            .strict(),
        doc: "Computer: Windows LAPS, built into current Windows (Server 2022 and Windows 11 since the April 2023 update): the local administrator's password rotated every N days and backed up, encrypted, to the computer's AD object, readable by one admin group (HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\LAPS: BackupDirectory = 2, PasswordAgeDays, PasswordLength, PasswordComplexity = 4, ADPasswordEncryptionEnabled = 1, ADPasswordEncryptionPrincipal). Windows DCs only: Samba's schema has no msLAPS-* attributes.",
        expand: (v: { passwordAgeDays: number; passwordLength: number; readers: string }, ctx) => {
            if (ctx.flavor === "samba") {
                ctx.problem(
                    "",
                    "Windows LAPS stores the password in the msLAPS-* attributes, which a Samba DC's schema does not have (Samba 4.17's stops at Windows Server 2016's)",
                    "remove windowsLaps from this GPO, or run the domain on Windows DCs (docs/services/gpo.md, LAPS)",
                );
            }
            if (!ctx.isGroup(v.readers)) {
                ctx.problem("readers", `${show(v.readers)} is not a group of the directory plan`, "name a group of the directory plan, such as GG_DSI");
            }
            const k = "Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\LAPS";
            return {
                machine: [
                    dword(k, "BackupDirectory", 2),
                    dword(k, "PasswordAgeDays", v.passwordAgeDays),
                    dword(k, "PasswordLength", v.passwordLength),
                    dword(k, "PasswordComplexity", 4),
                    dword(k, "ADPasswordEncryptionEnabled", 1),
                    sz(k, "ADPasswordEncryptionPrincipal", v.readers),
                ],
            };
        },
    }),
    forceLogoffWhenHoursExpire: policy({
        schema: on,
        doc: "Computer, security: Network security: Force logoff when logon hours expire ([System Access] ForceLogoffWhenHourExpire = 1, a domain-level setting) and Microsoft network server: Disconnect clients when logon hours expire (LanManServer EnableForcedLogOff = 1).",
        expand: () => ({
            systemAccess: [["ForceLogoffWhenHourExpire", 1]],
            registryValues: [
                { path: "MACHINE\\System\\CurrentControlSet\\Services\\LanManServer\\Parameters\\EnableForcedLogOff", type: "REG_DWORD", data: 1 },
            ],
        }),
    }),
};

const linkSchema = z
    .object({
        ou: text(512, "an OU path").describe(
            "Where the GPO is linked: `domain` (the domain root), or an OU of the directory plan written as its path from the domain, `/` between levels: `BillU`, `BillU/Utilisateurs`, `BillU/Utilisateurs/DSI`.",
        ),
        order: z
            .number()
            .int()
            .min(1)
            .max(999)
            .optional()
            .describe("Link order on that OU (1 wins over 2). @default after the GPOs with an order, in billu:gpo.gpos order"),
        enforced: z.boolean().default(false).describe("Enforced (no override): the link wins over links below that block or contradict it. @default false"),
    })
    .strict();

/** One GPO as the user writes it. */
const gpoEntrySchema = z
    .object({
        name: z
            .string()
            .min(1)
            .max(128)
            .regex(/^[A-Za-z0-9][A-Za-z0-9 _.()-]*$/, "must be letters, digits, spaces and _ . ( ) - (at most 128)")
            .describe("Display name (unique): the apply step finds the GPO by it, so renaming makes a new GPO."),
        description: text(256, "a description").optional().describe("What it is for (the docs' table). @default none"),
        kind: z.enum(["security", "standard"]).describe("BillU's two families of GPOs: security (hardening) or standard (user environment)."),
        links: z.array(linkSchema).max(64).default([]).describe("Where it is linked. @default nowhere (created, not applied)"),
        securityFiltering: z
            .array(text(64, "a group name"))
            .max(32)
            .optional()
            .describe(
                "Groups it applies to (Apply Group Policy): groups of the directory plan (`GG_Personnel`, `GG_DSI`) or `Authenticated Users`, `Domain Users`, `Domain Computers`, `Domain Admins`. Computer settings need `Domain Computers` (or Authenticated Users). @default Authenticated Users",
            ),
        accountPolicyFrom: z
            .literal("billu:passwordPolicy")
            .optional()
            .describe(
                "This GPO carries the domain's password and lockout policy, whose values are the config key named here (another service's). @default none",
            ),
        policies: z
            .object(Object.fromEntries(Object.entries(GPO_POLICIES).map(([k, p]) => [k, p.schema.optional().describe(p.doc)])))
            // Unknown names are kept for the planner, which names the policy they probably mean.
            .passthrough()
            .default({})
            .describe(
                "Named policies of the catalogue (docs/services/gpo.md lists them), e.g. `disableCmd: true`, `screenLockTimeoutSeconds: 600`. @default none",
            ),
        registry: z.array(registrySchema).max(256).default([]).describe("Raw registry policies, for what the catalogue does not name. @default none"),
        security: securitySchema,
    })
    .strict();

export const gpoSchema = z
    .object({
        gpos: z.array(gpoEntrySchema).max(100).describe("The site's GPOs, created and linked on the first domain controller."),
    })
    .strict()
    .describe("Group Policy: GPOs, their links, security filtering and settings (Samba flavor rendered; docs/services/gpo.md).");

export type GpoConfig = z.output<typeof gpoSchema>;
type GpoEntry = GpoConfig["gpos"][number];

// ---------------------------------------------------------------------------------------------------------------
// The plan.

export type RegData = string | number | readonly string[];

export interface RegistryPolicy {
    readonly key: string;
    readonly valueName: string;
    readonly type: RegType;
    readonly data: RegData;
}

export interface SecurityRegistryValue {
    readonly path: string;
    readonly type: "REG_SZ" | "REG_DWORD";
    readonly data: string | number;
}

/** A mapped drive (Group Policy Preferences, User/Preferences/Drives/Drives.xml). */
export interface DriveMapPlan {
    readonly letter: string;
    /** `\\par-fs01.billu.remindme.lan\finance`. */
    readonly path: string;
    readonly label: string;
    /** Item-level targeting: only users under this OU (DN) get it; absent: every user the GPO applies to. */
    readonly ouFilter?: string;
    /** A stable `{GUID}` for the item (GPP's uid), derived from the GPO name and letter. */
    readonly uid: string;
}

/** A PowerShell startup script of the GPO's computer part (Machine/Scripts/psscripts.ini, [Startup]). */
export interface StartupScript {
    /** The script's UNC path (in the domain's SYSVOL share). */
    readonly cmdLine: string;
    readonly parameters: string;
}

/** A file the apply step copies to the domain's SYSVOL share (outside the GPO folders), e.g. the wallpaper. */
export interface SysvolFile {
    /** Path relative to the project root. */
    readonly source: string;
    /** Path relative to `<sysvol>/<domain>/`: `billu/wallpaper.bmp`. */
    readonly target: string;
}

export interface GpoLinkPlan {
    /** The link target as written (`BillU/Utilisateurs`, `domain`). */
    readonly ou: string;
    readonly dn: string;
    readonly order: number;
    readonly enforced: boolean;
}

export interface GpoPlan {
    readonly name: string;
    readonly description: string;
    readonly kind: "security" | "standard";
    readonly links: readonly GpoLinkPlan[];
    /** Principals with Apply Group Policy (`Authenticated Users` when not filtered). */
    readonly applyTo: readonly string[];
    /** Whether Authenticated Users' Apply was removed (the GPO is filtered to `applyTo`). */
    readonly filtered: boolean;
    readonly accountPolicyFrom?: string;
    /** The named policies as written, in written order (the docs show them). */
    readonly named: readonly { readonly name: string; readonly value: unknown }[];
    readonly machine: { readonly registry: readonly RegistryPolicy[]; readonly startupScripts: readonly StartupScript[] };
    readonly user: { readonly registry: readonly RegistryPolicy[]; readonly drives: readonly DriveMapPlan[] };
    readonly security: { readonly systemAccess: readonly (readonly [string, string | number])[]; readonly registryValues: readonly SecurityRegistryValue[] };
}

export interface GposPlan {
    /** The domain's DNS name (`billu.remindme.lan`) and DN. */
    readonly domain: string;
    readonly domainDn: string;
    readonly flavor: "samba" | "windows";
    /** The DC the step runs on: the PDC emulator (where Group Policy tools write, as GPMC does). */
    readonly dc: string;
    readonly gpos: readonly GpoPlan[];
    /** For each OU with links: its GPOs in link order (1 first). */
    readonly links: readonly { readonly ou: string; readonly dn: string; readonly gpos: readonly { readonly name: string; readonly enforced: boolean }[] }[];
    readonly sysvolFiles: readonly SysvolFile[];
    /**
     * Windows LAPS' one-time domain setup, when a GPO sets `windowsLaps` (Windows DCs only): the schema extended, and
     * on each OU a LAPS GPO is linked on (the computers' OUs), the computers' permission to write their own password
     * and the readers' permission to read it. @default absent: no GPO sets windowsLaps
     */
    readonly laps?: { readonly ous: readonly string[]; readonly readers: readonly string[] };
}

export interface GpoShare {
    readonly name: string;
    readonly host: string;
    readonly kind: string;
    readonly department?: string;
    /** The home share's drive in AD (billu:fileserver.homeDrive, `H:`): no mapped drive may take its letter. */
    readonly drive?: string;
}

export interface GpoInput {
    readonly cfg: GpoConfig | undefined;
    readonly domain:
        | {
              readonly fqdn: string;
              readonly dn: string;
              readonly flavor: "samba" | "windows";
              readonly dcs: readonly { readonly name: string }[];
              readonly pdcEmulator: { readonly name: string };
          }
        | undefined;
    readonly directory:
        | (Pick<DirectoryPlan, "ous" | "groups" | "domainDn"> & { readonly acceptance?: { readonly ou: { readonly dn: string; readonly name: string } } })
        | undefined;
    /**
     * Groups the directory keeps though its plan may not list them today: the department zones' groups (a department
     * whose last person left has no group in the plan, but the directory never deletes one). @default none
     */
    readonly keptGroups?: readonly string[];
    /** Every file server's shares (the file server plan), with the host's FQDN. */
    readonly shares: readonly GpoShare[];
    /** The file server's home-folder share (its plan's `homes`). @default none */
    readonly homeShare?: GpoShare;
    /** The GLPI agent for Windows computers (model/assets.ts AssetsPlan.windowsAgent). @default none: the site has no GLPI */
    readonly glpiAgent?: { readonly version: string; readonly msiUrl: string; readonly sha256?: string; readonly server: string };
    /** billu:assets is declared (or a host of role assets) but planned nothing: its own problem is reported. @default false */
    readonly glpiPending?: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Planning.

/** The RDN values of a DN from its first (leaf) to its last, unescaped. */
export function rdnValues(dn: string): string[] {
    const out: string[] = [];
    let cur = "";
    for (let i = 0; i < dn.length; i++) {
        const c = dn[i];
        if (c === "\\" && i + 1 < dn.length) {
            cur += dn[++i];
        } else if (c === ",") {
            out.push(cur);
            cur = "";
        } else cur += c;
    }
    out.push(cur);
    return out.map((r) => r.replace(/^[A-Za-z]+=/, ""));
}

/** The OU paths a link may name (`BillU/Utilisateurs/DSI`) and their DNs, from the directory plan. */
export function ouPaths(directory: NonNullable<GpoInput["directory"]>): Map<string, string> {
    const depth = rdnValues(directory.domainDn).length;
    const out = new Map<string, string>();
    const dns = [...directory.ous.map((o) => o.dn), ...(directory.acceptance ? [directory.acceptance.ou.dn] : [])];
    for (const dn of dns) {
        const values = rdnValues(dn);
        out.set(
            values
                .slice(0, values.length - depth)
                .reverse()
                .join("/"),
            dn,
        );
    }
    return out;
}

/** A stable `{GUID}` from a seed (GPP item uids are GUIDs; the same GPO and drive always give the same one). */
export function stableGuid(seed: string): string {
    const h = createHash("sha256").update(seed).digest("hex").toUpperCase();
    return `{${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}}`;
}

function checkRegistryData(type: RegType, data: RegData): string | undefined {
    switch (type) {
        case "REG_DWORD":
            return typeof data === "number" && data >= 0 && data <= 0xffffffff ? undefined : "an integer from 0 to 4294967295";
        case "REG_QWORD":
            return typeof data === "string" && /^\d{1,20}$/.test(data) && BigInt(data) <= 0xffffffffffffffffn
                ? undefined
                : "a decimal string from 0 to 18446744073709551615";
        case "REG_BINARY":
            return typeof data === "string" && /^([0-9a-fA-F]{2})*$/.test(data) ? undefined : "a string of hex digit pairs";
        case "REG_MULTI_SZ":
            return Array.isArray(data) && data.every((s) => s.length > 0 && !s.includes("\u0000")) ? undefined : "a list of non-empty strings";
        default:
            return typeof data === "string" && !data.includes("\u0000") ? undefined : "a string";
    }
}

/**
 * Checks `billu:gpo` against the directory plan (OUs, groups) and the file server plan (shares) and derives the
 * plan. Undefined: no `billu:gpo`, or a problem (reported through `problems`).
 */
export function planGpos(input: GpoInput, problems: Problems): GposPlan | undefined {
    const { cfg } = input;
    if (!cfg) return undefined;
    const before = problems.count;
    if (!input.domain || input.domain.dcs.length === 0) {
        problems.add(K, "is set, but the site has no domain controller", "declare the domain (billu:domain and a host of role dc), or remove billu:gpo");
        return undefined;
    }
    if (!input.directory) {
        problems.add(
            K,
            "is set, but the site has no directory plan (billu:directory): its links and filters name the directory's OUs and groups",
            "set billu:directory, or remove billu:gpo",
        );
        return undefined;
    }
    const domain = input.domain;
    const paths = ouPaths(input.directory);
    paths.set(DOMAIN_LINK, domain.dn);
    const groups = new Set<string>([...input.directory.groups.map((g) => g.sam), ...(input.keptGroups ?? []), ...WELL_KNOWN_PRINCIPALS]);
    const usersOu = (department: string) =>
        input.directory!.ous.find(
            (o) => o.name === department && rdnValues(o.dn).length === rdnValues(domain.dn).length + 3 && /^OU=[^,]+,OU=Utilisateurs,/.test(o.dn),
        )?.dn;

    const seenNames = new Map<string, number>();
    const usedLetters = new Map<string, string>();
    const sysvolFiles = new Map<string, SysvolFile>();
    const planned: GpoPlan[] = [];
    cfg.gpos.forEach((g: GpoEntry, i) => {
        const gp = `${K}.gpos[${i}]`;
        const lower = g.name.toLowerCase();
        if (seenNames.has(lower)) {
            problems.add(
                `${gp}.name`,
                `${show(g.name)} is already the name of ${K}.gpos[${seenNames.get(lower)}] (display names are compared ignoring case)`,
                "give each GPO its own name",
            );
        }
        seenNames.set(lower, i);

        const links: GpoLinkPlan[] = [];
        const seenOu = new Set<string>();
        g.links.forEach((l, j) => {
            const lp = `${gp}.links[${j}].ou`;
            const dn = paths.get(l.ou);
            if (!dn) {
                const near = [...paths.keys()].filter((p) => p.toLowerCase() === l.ou.toLowerCase() || p.endsWith(`/${l.ou.split("/").pop()}`));
                problems.add(
                    lp,
                    `${show(l.ou)} is not an OU of the directory plan`,
                    near.length > 0
                        ? `write its path from the domain: ${near.map((n) => show(n)).join(" or ")}`
                        : `write \`domain\` or an OU path from the domain such as ${show([...paths.keys()].find((p) => p.includes("/")) ?? "BillU")} (docs/services/directory.md lists the tree)`,
                );
                return;
            }
            if (seenOu.has(l.ou)) {
                problems.add(lp, `${show(l.ou)} is linked twice by this GPO`, "link each OU once");
                return;
            }
            seenOu.add(l.ou);
            links.push({ ou: l.ou, dn, order: l.order ?? 0, enforced: l.enforced });
        });

        const applyTo = g.securityFiltering ?? ["Authenticated Users"];
        const seenGroup = new Set<string>();
        g.securityFiltering?.forEach((name, j) => {
            const fp = `${gp}.securityFiltering[${j}]`;
            if (!groups.has(name)) {
                const near = [...groups].filter((x) => x.toLowerCase() === name.toLowerCase());
                problems.add(
                    fp,
                    `${show(name)} is not a group of the directory plan nor a well-known principal`,
                    near.length > 0
                        ? `write it as ${show(near[0])} (names are case-sensitive here)`
                        : `name a group of the directory plan (GG_Personnel, a department's GG_ group) or one of ${WELL_KNOWN_PRINCIPALS.join(", ")}`,
                );
            } else if (seenGroup.has(name)) {
                problems.add(fp, `${show(name)} is named twice`, "name each group once");
            }
            seenGroup.add(name);
        });

        const machine: RegistryPolicy[] = [];
        const user: RegistryPolicy[] = [];
        const systemAccess: (readonly [string, string | number])[] = [];
        const registryValues: SecurityRegistryValue[] = [];
        const drives: DriveMapPlan[] = [];
        const startupScripts: StartupScript[] = [];
        const named: { name: string; value: unknown }[] = [];
        for (const [name, raw] of Object.entries(g.policies)) {
            const pp = `${gp}.policies.${name}`;
            const entry = Object.prototype.hasOwnProperty.call(GPO_POLICIES, name) ? GPO_POLICIES[name] : undefined;
            if (!entry) {
                const near = Object.keys(GPO_POLICIES).filter((k) => k.toLowerCase() === name.toLowerCase());
                problems.add(
                    pp,
                    `${show(name)} is not a policy of the catalogue`,
                    near.length > 0 ? `write ${show(near[0])}` : `use one of ${Object.keys(GPO_POLICIES).join(", ")}, or write the value under registry`,
                );
                continue;
            }
            const parsed = entry.schema.safeParse(raw);
            if (!parsed.success) {
                for (const issue of parsed.error.issues) {
                    const at = issue.path.length > 0 ? `${pp}.${issue.path.join(".")}` : pp;
                    problems.add(at, `${show(raw)}: ${issue.message}`, `see the catalogue in docs/services/gpo.md for ${name}`);
                }
                continue;
            }
            named.push({ name, value: parsed.data });
            const c = entry.expand(parsed.data, {
                domain: domain.fqdn,
                shares: input.shares,
                homeShare: input.homeShare,
                departmentUsersOu: usersOu,
                problem: (sub, message, fix) => problems.add(sub ? `${pp}.${sub}` : pp, message, fix),
                flavor: domain.flavor,
                isGroup: (name) => groups.has(name),
                glpiAgent: input.glpiAgent,
                glpiPending: input.glpiPending,
            });
            startupScripts.push(...(c.startupScripts ?? []));
            machine.push(...(c.machine ?? []));
            user.push(...(c.user ?? []));
            systemAccess.push(...(c.systemAccess ?? []));
            registryValues.push(...(c.registryValues ?? []));
            for (const f of c.sysvolFiles ?? []) {
                const prev = sysvolFiles.get(f.target);
                if (prev && prev.source !== f.source) {
                    problems.add(
                        pp,
                        `${show(f.source)} would be copied to SYSVOL as billu/${f.target.split("/").pop()}, as ${show(prev.source)} is`,
                        "give the two files different names",
                    );
                }
                sysvolFiles.set(f.target, f);
            }
            for (const d of c.drives ?? []) {
                const owner = usedLetters.get(d.letter);
                const here = `${gp}.policies.${name}.letter`;
                if (owner !== undefined && owner !== here) {
                    problems.add(here, `${show(d.letter)} is already the drive letter of ${owner}`, "give each mapped drive its own letter");
                    usedLetters.set(d.letter, here);
                    break;
                }
                usedLetters.set(d.letter, here);
                drives.push({ ...d, uid: stableGuid(`${g.name}\u0000${d.letter}\u0000${d.path}`) });
            }
        }
        g.registry.forEach((r, j) => {
            const bad = checkRegistryData(r.type, r.data);
            if (bad) {
                problems.add(`${gp}.registry[${j}].data`, `${show(r.data)} is not ${bad}, as ${r.type} needs`, `write ${bad}, or change type`);
                return;
            }
            (r.hive === "HKLM" ? machine : user).push({ key: r.key, valueName: r.valueName, type: r.type, data: r.data });
        });
        for (const [k, v] of Object.entries(g.security.systemAccess)) systemAccess.push([k, v]);
        registryValues.push(...g.security.registryValues);
        // The same value written twice: the second would silently win.
        for (const [part, list] of [
            ["HKLM", machine],
            ["HKCU", user],
        ] as const) {
            const seen = new Set<string>();
            for (const r of list) {
                const id = `${r.key.toLowerCase()}\u0000${r.valueName.toLowerCase()}`;
                if (seen.has(id))
                    problems.add(gp, `writes ${part}\\${r.key}\\${r.valueName} twice`, "keep one of the two settings (a named policy may already write it)");
                seen.add(id);
            }
        }
        const seenSa = new Set<string>();
        for (const [k] of systemAccess) {
            if (seenSa.has(k))
                problems.add(`${gp}.security.systemAccess`, `sets ${k} twice`, "keep one of the two settings (a named policy may already set it)");
            seenSa.add(k);
        }
        planned.push({
            name: g.name,
            description: g.description ?? "",
            kind: g.kind,
            links,
            applyTo,
            filtered: g.securityFiltering !== undefined && !g.securityFiltering.includes("Authenticated Users"),
            ...(g.accountPolicyFrom ? { accountPolicyFrom: g.accountPolicyFrom } : {}),
            named,
            machine: { registry: machine, startupScripts },
            user: { registry: user, drives },
            security: { systemAccess, registryValues },
        });
    });

    // Link order per OU: explicit orders first (a clash is an error), then the rest in billu:gpo.gpos order.
    const byOu = new Map<string, { dn: string; entries: { gpo: number; link: number; order: number; enforced: boolean }[] }>();
    planned.forEach((g, gi) =>
        g.links.forEach((l, li) => {
            const e = byOu.get(l.ou) ?? { dn: l.dn, entries: [] };
            e.entries.push({ gpo: gi, link: li, order: l.order, enforced: l.enforced });
            byOu.set(l.ou, e);
        }),
    );
    const links: { ou: string; dn: string; gpos: { name: string; enforced: boolean }[] }[] = [];
    const finalOrder = new Map<string, number>();
    for (const [ou, { dn, entries }] of byOu) {
        const explicit = entries.filter((e) => e.order > 0);
        const seen = new Map<number, number>();
        for (const e of explicit) {
            if (seen.has(e.order)) {
                problems.add(
                    `${K}.gpos[${e.gpo}].links[${e.link}].order`,
                    `${e.order} is already the link order of ${show(planned[seen.get(e.order)!].name)} on ${show(ou)}`,
                    "give each GPO linked on an OU its own order",
                );
            }
            seen.set(e.order, e.gpo);
        }
        const sorted = [...explicit.sort((a, b) => a.order - b.order), ...entries.filter((e) => e.order === 0)];
        sorted.forEach((e, n) => finalOrder.set(`${e.gpo}\u0000${e.link}`, n + 1));
        links.push({ ou, dn, gpos: sorted.map((e) => ({ name: planned[e.gpo].name, enforced: e.enforced })) });
    }
    if (problems.count > before) return undefined;
    const gpos = planned.map((g, gi) => ({ ...g, links: g.links.map((l, li) => ({ ...l, order: finalOrder.get(`${gi}\u0000${li}`)! })) }));
    // LAPS: the OUs its GPOs are linked on (the computers below them write their own password) and who reads it.
    const lapsGpos = gpos.filter((g) => g.named.some((n) => n.name === "windowsLaps"));
    const laps = lapsGpos.length
        ? {
              ous: [...new Set(lapsGpos.flatMap((g) => g.links.map((l) => l.dn)))],
              readers: [...new Set(lapsGpos.map((g) => (g.named.find((n) => n.name === "windowsLaps")!.value as { readers: string }).readers))],
          }
        : undefined;
    return {
        domain: domain.fqdn,
        domainDn: domain.dn,
        flavor: domain.flavor,
        dc: domain.pdcEmulator.name,
        gpos,
        links,
        sysvolFiles: [...sysvolFiles.values()],
        ...(laps ? { laps } : {}),
    };
}
