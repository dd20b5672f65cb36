/**
 * Pure renderers of Group Policy files (no Pulumi): Registry.pol (the PReg binary format, [MS-GPREG] 2.2.1), the
 * security template GptTmpl.inf (UTF-16LE with a BOM, as secedit writes it), the Drive Maps preference
 * (Drives.xml, [MS-GPPREF]), GPT.INI, and the manifest the apply step (scripts/gpo/apply.py) reads.
 *
 * GPT.INI's version is not rendered here: a GPO's version must grow each time its content changes, and only the DC
 * knows the version it holds. The apply step compares each part's rendered files with those in SYSVOL and bumps
 * the computer half (low 16 bits) or the user half (high 16 bits) only for a part that differs, so a re-run
 * changes nothing and a changed setting bumps exactly its GPO and part. (A version derived here, from a hash,
 * would not grow monotonically, and clients skip a GPO whose version did not change.)
 */
import { createHash } from "crypto";
import type { DriveMapPlan, GpoPlan, GposPlan, RegistryPolicy, SecurityRegistryValue, StartupScript } from "../../model/gpo";
import { REG_TYPE_CODES } from "../../model/gpo";

// -------------------------------------------------------------------------------------------------------------
// Registry.pol

/** `PReg` then version 1, both little-endian DWORDs ([MS-GPREG] 2.2.1: REGFILE_SIGNATURE 0x67655250). */
export const PREG_HEADER = Buffer.from([0x50, 0x52, 0x65, 0x67, 0x01, 0x00, 0x00, 0x00]);

const utf16 = (s: string) => Buffer.from(s, "utf16le");
/** A string with its NUL terminator, UTF-16LE. */
const utf16z = (s: string) => Buffer.concat([utf16(s), Buffer.alloc(2)]);

/** The data bytes of a value, as the registry stores it. */
export function regDataBytes(r: Pick<RegistryPolicy, "type" | "data">): Buffer {
    switch (r.type) {
        case "REG_SZ":
        case "REG_EXPAND_SZ":
            return utf16z(r.data as string);
        case "REG_MULTI_SZ":
            return Buffer.concat([...(r.data as readonly string[]).map(utf16z), Buffer.alloc(2)]);
        case "REG_DWORD": {
            const b = Buffer.alloc(4);
            b.writeUInt32LE(r.data as number);
            return b;
        }
        case "REG_QWORD": {
            const b = Buffer.alloc(8);
            b.writeBigUInt64LE(BigInt(r.data as string));
            return b;
        }
        case "REG_BINARY":
            return Buffer.from(r.data as string, "hex");
    }
}

/** One instruction: `[key;value;type;size;data]`, the delimiters and strings UTF-16LE, type and size LE DWORDs. */
export function pregEntry(r: RegistryPolicy): Buffer {
    const data = regDataBytes(r);
    const dword = (n: number) => {
        const b = Buffer.alloc(4);
        b.writeUInt32LE(n);
        return b;
    };
    const semi = utf16(";");
    return Buffer.concat([
        utf16("["),
        utf16z(r.key),
        semi,
        utf16z(r.valueName),
        semi,
        dword(REG_TYPE_CODES[r.type]),
        semi,
        dword(data.length),
        semi,
        data,
        utf16("]"),
    ]);
}

/** A Registry.pol: the header and the instructions in order. */
export function renderRegistryPol(entries: readonly RegistryPolicy[]): Buffer {
    return Buffer.concat([PREG_HEADER, ...entries.map(pregEntry)]);
}

// -------------------------------------------------------------------------------------------------------------
// GptTmpl.inf

function infValue(v: SecurityRegistryValue): string {
    // [Registry Values]: <path>=<type code>,<data>; a string is quoted.
    return v.type === "REG_DWORD" ? `${v.path}=4,${v.data}` : `${v.path}=1,"${String(v.data).replace(/"/g, '""')}"`;
}

/** GptTmpl.inf's text (CRLF lines), or undefined when the GPO has no security setting. */
export function renderGptTmplText(g: Pick<GpoPlan, "security">): string | undefined {
    const { systemAccess, registryValues } = g.security;
    if (systemAccess.length === 0 && registryValues.length === 0) return undefined;
    const lines = ["[Unicode]", "Unicode=yes"];
    if (systemAccess.length > 0) lines.push("[System Access]", ...systemAccess.map(([k, v]) => `${k} = ${typeof v === "number" ? v : `"${v}"`}`));
    if (registryValues.length > 0) lines.push("[Registry Values]", ...registryValues.map(infValue));
    lines.push("[Version]", 'signature="$CHICAGO$"', "Revision=1");
    return lines.map((l) => `${l}\r\n`).join("");
}

/** GptTmpl.inf's bytes: UTF-16LE with its byte order mark. */
export function renderGptTmpl(g: Pick<GpoPlan, "security">): Buffer | undefined {
    const t = renderGptTmplText(g);
    return t === undefined ? undefined : Buffer.concat([Buffer.from([0xff, 0xfe]), utf16(t)]);
}

// -------------------------------------------------------------------------------------------------------------
// psscripts.ini (PowerShell startup scripts)

/**
 * Machine/Scripts/psscripts.ini, as the Group Policy editor writes it (UTF-16LE with a BOM, CRLF): a [Startup] section
 * with `<n>CmdLine` and `<n>Parameters` per script ([MS-GPSCR] 2.2.2). Undefined when the GPO has no startup script.
 */
export function renderPsScriptsIni(scripts: readonly StartupScript[]): Buffer | undefined {
    if (scripts.length === 0) return undefined;
    const lines = ["", "[Startup]", ...scripts.flatMap((s, i) => [`${i}CmdLine=${s.cmdLine}`, `${i}Parameters=${s.parameters}`])];
    return Buffer.concat([Buffer.from([0xff, 0xfe]), utf16(lines.map((l) => `${l}\r\n`).join(""))]);
}

// -------------------------------------------------------------------------------------------------------------
// Drives.xml (Group Policy Preferences)

const xmlAttr = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
/** GPP's class ids of the Drives collection and of one Drive ([MS-GPPREF] 2.2.1.2). */
const DRIVES_CLSID = "{8FDDCC1A-0C3C-43cd-A6B4-71A6DF20DA8C}";
const DRIVE_CLSID = "{935D1B74-9CB8-4e3c-9914-7DD559B7A417}";
/** A fixed `changed` stamp: the file's bytes depend on the model only (a re-run renders the same file). */
const CHANGED = "2000-01-01 00:00:00";

export function renderDrivesXml(drives: readonly DriveMapPlan[]): string | undefined {
    if (drives.length === 0) return undefined;
    const items = drives.map((d) => {
        const filters = d.ouFilter
            ? `<Filters><FilterOrgUnit bool="AND" not="0" name="${xmlAttr(d.ouFilter)}" userContext="1" directMember="0"/></Filters>`
            : "";
        return (
            `\t<Drive clsid="${DRIVE_CLSID}" name="${d.letter}:" status="${d.letter}:" image="2" changed="${CHANGED}" uid="${d.uid}" bypassErrors="1">` +
            `<Properties action="U" thisDrive="NOCHANGE" allDrives="NOCHANGE" userName="" path="${xmlAttr(d.path)}" label="${xmlAttr(d.label)}" persistent="1" useLetter="1" letter="${d.letter}"/>` +
            `${filters}</Drive>\r\n`
        );
    });
    return `<?xml version="1.0" encoding="utf-8"?>\r\n<Drives clsid="${DRIVES_CLSID}">\r\n${items.join("")}</Drives>\r\n`;
}

// -------------------------------------------------------------------------------------------------------------
// Client-side extensions and GPT.INI

/** Client-side extension GUID and its snap-in (tool) GUID, as gPC*ExtensionNames lists them ([MS-GPOL] 2.2.4). */
export const CSE = {
    registry: "{35378EAC-683F-11D2-A89A-00C04FBBCFA2}",
    registryMachineTool: "{D02B1F72-3407-48AE-BA88-E8213C6761F1}",
    registryUserTool: "{D02B1F73-3407-48AE-BA88-E8213C6761F1}",
    security: "{827D319E-6EAC-11D2-A4EA-00C04F79F83A}",
    securityTool: "{803E14A0-B4FB-11D0-A0D0-00A0C90F574B}",
    drives: "{5794DAFD-BE60-433F-88A2-1A31939AC01F}",
    drivesTool: "{2EA1A81B-48E5-45E9-8BB7-A6E3AC170006}",
    scripts: "{42B5FAAE-6536-11D2-AE5A-0000F87571E3}",
    scriptsMachineTool: "{40B6664F-4972-11D1-A7CA-0000F87571E3}",
    nullGuid: "{00000000-0000-0000-0000-000000000000}",
} as const;

/** `[{cse}{tool}]...`, sorted by CSE GUID as the editors write them; empty when there is none. */
function extensionNames(pairs: readonly (readonly [string, string])[]): string {
    return [...pairs]
        .sort((a, b) => (a[0] + a[1] < b[0] + b[1] ? -1 : 1))
        .map(([c, t]) => `[${c}${t}]`)
        .join("");
}

/** GPT.INI for a version (the apply step writes it: it knows the version the DC holds). */
export function renderGptIni(version: number, displayName: string): string {
    return `[General]\r\nVersion=${version}\r\ndisplayName=${displayName}\r\n`;
}

// -------------------------------------------------------------------------------------------------------------
// The manifest the apply step reads.

/** A folder name for a GPO in the staging area (its display name, kebab-case). */
export function gpoSlug(name: string): string {
    return name
        .normalize("NFD")
        .replace(/[\u0300-\u036f]/g, "")
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "");
}

export interface GpoFiles {
    /** Path in the GPO's SYSVOL folder (`Machine/Registry.pol`) -> bytes, and which part it belongs to. */
    readonly files: readonly { readonly path: string; readonly part: "machine" | "user"; readonly bytes: Buffer }[];
    readonly machineExtensions: string;
    readonly userExtensions: string;
}

/** Every file of a GPO's SYSVOL folder (GPT.INI aside) and its extension names. */
export function renderGpoFiles(g: GpoPlan): GpoFiles {
    const files: { path: string; part: "machine" | "user"; bytes: Buffer }[] = [];
    const machine: [string, string][] = [];
    const user: [string, string][] = [];
    if (g.machine.registry.length > 0) {
        files.push({ path: "Machine/Registry.pol", part: "machine", bytes: renderRegistryPol(g.machine.registry) });
        machine.push([CSE.registry, CSE.registryMachineTool]);
    }
    const inf = renderGptTmpl(g);
    if (inf) {
        files.push({ path: "Machine/Microsoft/Windows NT/SecEdit/GptTmpl.inf", part: "machine", bytes: inf });
        machine.push([CSE.security, CSE.securityTool]);
    }
    const ps = renderPsScriptsIni(g.machine.startupScripts);
    if (ps) {
        files.push({ path: "Machine/Scripts/psscripts.ini", part: "machine", bytes: ps });
        machine.push([CSE.scripts, CSE.scriptsMachineTool]);
    }
    if (g.user.registry.length > 0) {
        files.push({ path: "User/Registry.pol", part: "user", bytes: renderRegistryPol(g.user.registry) });
        user.push([CSE.registry, CSE.registryUserTool]);
    }
    const drives = renderDrivesXml(g.user.drives);
    if (drives) {
        files.push({ path: "User/Preferences/Drives/Drives.xml", part: "user", bytes: Buffer.from(drives, "utf8") });
        user.push([CSE.nullGuid, CSE.drivesTool], [CSE.drives, CSE.drivesTool]);
    }
    return { files, machineExtensions: extensionNames(machine), userExtensions: extensionNames(user) };
}

/**
 * The apply step's data (`gpos.json`): every GPO with its links, filtering, extension names and files (base64: the
 * staged files are text), the links per OU in order, and the files for the domain's SYSVOL share. `readFile`
 * reads a file of the project (the wallpaper).
 */
export function renderGpoManifest(plan: GposPlan, readFile: (projectPath: string) => Buffer): string {
    const gpos = plan.gpos.map((g) => {
        const f = renderGpoFiles(g);
        return {
            name: g.name,
            slug: gpoSlug(g.name),
            applyTo: g.applyTo,
            filtered: g.filtered,
            machineExtensions: f.machineExtensions,
            userExtensions: f.userExtensions,
            files: f.files.map((x) => ({ path: x.path, part: x.part, sha256: sha256(x.bytes), base64: x.bytes.toString("base64") })),
        };
    });
    const sysvol = plan.sysvolFiles.map((s) => {
        const bytes = readFile(s.source);
        return { path: s.target, sha256: sha256(bytes), base64: bytes.toString("base64") };
    });
    return (
        JSON.stringify(
            {
                domain: plan.domain,
                domainDn: plan.domainDn,
                gpos,
                links: plan.links.map((l) => ({ dn: l.dn, gpos: l.gpos })),
                sysvolFiles: sysvol,
                ...(plan.laps ? { laps: { ous: plan.laps.ous, readers: plan.laps.readers } } : {}),
            },
            null,
            1,
        ) + "\n"
    );
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
