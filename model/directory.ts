/**
 * The directory plan: BillU's OUs, groups, accounts and computers, computed from the HR export and the directory
 * lock. Pure: no Pulumi, no file I/O. The same plan feeds the per-object resources (so `pulumi preview` shows one
 * change per object), the appliers (Samba and Windows), `directory.json` and the updated lock.
 *
 * Conventions (README, "Directory"):
 * - OU tree under `OU=<company>,<domain DN>`: `OU=Utilisateurs` and `OU=Ordinateurs`, each with one OU per
 *   department holding one OU per service; `OU=Groupes` for the groups; `OU=Departs` for the accounts of people
 *   who left (disabled, never deleted).
 * - Global security groups: `GG_Personnel` (all staff), `GG_<Department>` and `GG_<Department>_<Service>`, each part
 *   ASCII-folded with every run of other characters turned into one dash (`GG_Finance-et-Comptabilite_Fiscalite`).
 *   Every person is a direct member of the three groups of their place.
 * - Identity: first name, last name and birth date, ASCII-folded, lower case, single spaces
 *   (`lea|laurent|1989-11-20`); the export has no employee id.
 * - Account name: `<first>.<last>`, ASCII-folded (é -> e, ø -> o, æ -> ae), lower case, letters, digits and dashes
 *   only; over 20 characters, `<initials>.<last>` (`jf.martinez`), cut to 20 if need be; a name already taken (in
 *   the lock, or by an earlier newcomer) gets the smallest free suffix 2, 3, ... (identities new to
 *   the lock are named in identity order, so the result does not depend on the export's line order). UPN
 *   `<sam>@<domain>`; mail `<first>.<last>[<same suffix>]@<mail domain>`, checked free as well, so it cannot collide.
 * - Common name: the display name `<Prenom> <Nom>`, or `<Prenom> <Nom> (<sam>)` for a suffixed homonym.
 */
import type { DriftPlan, DriftReaderPlan } from "./directory-drift";
import type { OnboardingPlan } from "./directory-onboarding";
import { createHash } from "crypto";
import { InputError, Problem, Problems } from "./errors";
import { cleanField, HrExport, HrRow } from "./hr";
import { DirectoryLock, EMPTY_LOCK, LockComputer, LockEntry } from "./directory-lock";
import { HOST_NAME_PATTERN } from "./host-name";
import type { PasswordPolicyPlan } from "./password-policy";

export const SAM_MAX = 20;
/** AD's upper bound for `cn` and `ou` values. */
export const RDN_MAX = 64;
export const MAIL_LOCAL_MAX = 64;
export const OU_NAMES = { users: "Utilisateurs", computers: "Ordinateurs", groups: "Groupes", departures: "Departs" } as const;
export const ALL_STAFF_GROUP = "GG_Personnel";
/**
 * AD's own upper bounds (the schema's rangeUpper) for the attributes the plan writes from the export: a longer
 * value makes the DC refuse the one-transaction apply, and so every later sync. displayName (256) cannot be
 * exceeded: it is Prenom and Nom, 64 each. The cn is cut to RDN_MAX by commonName.
 * https://learn.microsoft.com/en-us/windows/win32/adschema/attributes-all
 */
export const AD_LIMITS: readonly { readonly field: keyof HrRow; readonly column: string; readonly attribute: string; readonly max: number }[] = [
    { field: "prenom", column: "Prenom", attribute: "givenName", max: 64 },
    { field: "nom", column: "Nom", attribute: "sn", max: 64 },
    { field: "fonction", column: "Fonction", attribute: "title", max: 128 },
    { field: "societe", column: "Societe", attribute: "company", max: 64 },
    { field: "telephoneFixe", column: "Telephone fixe", attribute: "telephoneNumber", max: 64 },
    { field: "telephonePortable", column: "Telephone portable", attribute: "mobile", max: 64 },
    { field: "marquePc", column: "Marque PC", attribute: "description", max: 1024 },
];
/**
 * Computer names a workstation may never take, besides the hosts' names: the built-in accounts and the NetBIOS
 * reserved words (Microsoft, "Naming conventions in Active Directory for computers, domains, sites, and OUs",
 * https://learn.microsoft.com/en-us/troubleshoot/windows-server/active-directory/naming-conventions-for-computer-domain-site-ou),
 * the one-word ones that pass as computer names; the domain's NetBIOS name is added per site. A name ending in `$`
 * is no computer name at all (isComputerName).
 */
export const RESERVED_COMPUTER_NAMES: readonly string[] = [
    "ADMINISTRATOR",
    "ANONYMOUS",
    "BATCH",
    "BUILTIN",
    "DEFAULTACCOUNT",
    "DIALUP",
    "DOMAIN",
    "GUEST",
    "INTERACTIVE",
    "INTERNET",
    "KRBTGT",
    "LOCAL",
    "LOCALHOST",
    "NETWORK",
    "NULL",
    "PROXY",
    "RESTRICTED",
    "SELF",
    "SERVER",
    "SERVICE",
    "SYSTEM",
    "USERS",
    "WORLD",
];
export const GROUP_PREFIX = "GG_";

export type PersonAction = "create" | "move" | "update" | "disable" | "none";
export const ACTIONS: readonly PersonAction[] = ["create", "move", "update", "disable", "none"];

export interface OuPlan {
    /** Resource key: `users`, `users-finance-et-comptabilite`, `computers-dsi-exploitation`, ... (`root` for the top). */
    readonly key: string;
    readonly name: string;
    readonly dn: string;
    readonly description: string;
}

export interface GroupPlan {
    readonly sam: string;
    readonly dn: string;
    readonly description: string;
    readonly kind: "all" | "department" | "service";
    /** The department (as the HR export spells it) of a department or service group. */
    readonly department?: string;
}

export interface PersonPlan {
    readonly identity: string;
    /** Line in the HR export; absent for a person who left. */
    readonly line?: number;
    readonly sam: string;
    readonly upn: string;
    readonly mail: string;
    readonly cn: string;
    readonly dn: string;
    readonly ou: string;
    readonly displayName: string;
    /** Absent for a person who left (the applier leaves their attributes as they were). */
    readonly attributes?: {
        readonly givenName: string;
        readonly sn: string;
        readonly title: string;
        readonly company: string;
        readonly telephoneNumber: string;
        readonly mobile: string;
    };
    readonly department: string;
    readonly service: string;
    /** The manager's account name. */
    readonly manager?: string;
    /** Group account names: all staff, department, service (none once the person has left). */
    readonly groups: readonly string[];
    readonly enabled: boolean;
    /** What this plan does to the person compared with the lock. */
    readonly action: PersonAction;
    /** Name of their computer (`Nom de PC`). */
    readonly computer?: string;
}

export interface ComputerPlan {
    readonly name: string;
    readonly sam: string;
    readonly dn: string;
    readonly ou: string;
    /** `Marque PC`; absent for a retired computer (left as it is). */
    readonly description?: string;
    /** Account name of the person it belongs to, or last belonged to (`managedBy`). */
    readonly owner: string;
    /** False for a retired computer: in the lock, no longer in the export (disabled in the departures OU). */
    readonly enabled: boolean;
    /** Line in the HR export; absent for a retired computer. */
    readonly line?: number;
}

export interface DirectoryPlan {
    readonly domain: string;
    readonly domainDn: string;
    readonly rootDn: string;
    readonly departuresDn: string;
    readonly mailDomain: string;
    /** Parents before children. */
    readonly ous: readonly OuPlan[];
    readonly groups: readonly GroupPlan[];
    /** Everyone in the export and everyone who left, by account name. */
    readonly people: readonly PersonPlan[];
    readonly computers: readonly ComputerPlan[];
    /** The lock after this plan (what `npm run directory:lock` writes). */
    readonly lock: { readonly people: readonly LockEntry[]; readonly computers: readonly LockComputer[] };
    readonly summary: Readonly<Record<PersonAction, number>>;
    /** What the sync does but a reviewer should know (a department zone nobody is left in); never blocks it. */
    readonly warnings: readonly string[];
    /** The acceptance account (`billu:directory.acceptance`), set by the directory service's planner. */
    readonly acceptance?: AcceptancePlan;
    /** The password and lockout policy, PSOs and logon hours (`billu:directory.accountPolicy`, model/password-policy.ts). */
    readonly passwordPolicy?: PasswordPolicyPlan;
    /** The privileged groups and their only members (planPrivilegedGroups), set by the directory service's planner. */
    readonly privileged?: readonly PrivilegedGroupPlan[];
    /** The drift check on a schedule on the first DC (`billu:directory.drift`, model/directory-drift.ts), set by the directory service's planner. */
    readonly drift?: DriftPlan;
    /** The read-only account of `npm run directory:drift` (`billu:directory.drift.reader`), set by the directory service's planner. */
    readonly driftReader?: DriftReaderPlan;
    /** Where new accounts' initial passwords are delivered (`billu:directory.onboarding`, model/directory-onboarding.ts), set by the directory service's planner. */
    readonly onboarding?: OnboardingPlan;
}

/** A privileged group of the domain and the names (accounts or groups) that are its only members. */
export interface PrivilegedGroupPlan {
    /** sAMAccountName: `Domain Admins`. */
    readonly sam: string;
    /** sAMAccountNames of its members, nobody else (issue #27: an extra member is drift, removed by the apply). */
    readonly members: readonly string[];
}

/**
 * The domain's privileged groups and who the site puts in them: the built-in Administrator in each (provisioning
 * puts it there), and on a Windows DC also the admin's domain account (`billu:guest.adminUser`, which the first DC's
 * `ready` step makes a domain admin, components/domain-controller/admin-login.ts). Nobody else: the directory check
 * reports any other member and the directory step removes it (issue #27).
 */
export function planPrivilegedGroups(flavor: "samba" | "windows", adminUser: string): PrivilegedGroupPlan[] {
    return [
        { sam: "Domain Admins", members: flavor === "windows" ? ["Administrator", adminUser] : ["Administrator"] },
        { sam: "Enterprise Admins", members: ["Administrator"] },
        { sam: "Schema Admins", members: ["Administrator"] },
    ];
}

export interface DirectoryInput {
    readonly hr: HrExport;
    readonly lock: DirectoryLock;
    /** AD DNS domain (`billu.remindme.lan`): the UPN suffix and the domain DN. */
    readonly domain: string;
    /** @default the AD domain */
    readonly mailDomain?: string;
    /** Name of the top OU (the company, `BillU`). */
    readonly company: string;
    /** Departments the site serves (its department zones); absent: any department is accepted. */
    readonly departments?: ReadonlySet<string>;
    /** The site's hosts (`billu:hosts`): no workstation may take one of their names. */
    readonly hosts?: readonly { readonly name: string; readonly role: string }[];
    /** The domain's NetBIOS name (`billu:site.netbiosName`): reserved as a computer name. */
    readonly netbiosName?: string;
    /** Warnings found by the caller (directoryOf), carried into the plan. */
    readonly warnings?: readonly string[];
}

// ---------------------------------------------------------------------------------------------- names and folding

/** Letters NFKD does not decompose into a base letter and marks. */
const LETTERS: Record<string, string> = {
    ø: "o",
    Ø: "O",
    æ: "ae",
    Æ: "AE",
    œ: "oe",
    Œ: "OE",
    ß: "ss",
    ẞ: "SS",
    đ: "d",
    Đ: "D",
    ð: "d",
    Ð: "D",
    ł: "l",
    Ł: "L",
    þ: "th",
    Þ: "TH",
    ı: "i",
    ħ: "h",
    Ħ: "H",
    ŋ: "n",
    Ŋ: "N",
};
const LETTERS_RE = new RegExp(`[${Object.keys(LETTERS).join("")}]`, "g");

/** ASCII-folds Latin text: é -> e, ç -> c, ø -> o, æ -> ae, ß -> ss. Other scripts are left as they are. */
export const asciiFold = memo((s: string): string =>
    /[^\x00-\x7f]/.test(s)
        ? s
              .replace(LETTERS_RE, (c) => LETTERS[c])
              .normalize("NFKD")
              .replace(/\p{M}/gu, "")
        : s,
);

/** Caches a pure string function: an export repeats its first names, last names, departments and services. */
function memo(f: (s: string) => string): (s: string) => string {
    const cache = new Map<string, string>();
    return (s) => {
        let v = cache.get(s);
        if (v === undefined) {
            v = f(s);
            if (cache.size >= 50000) cache.clear();
            cache.set(s, v);
        }
        return v;
    };
}

/**
 * A name as the identity compares it: zero-width characters removed and NFKC (cleanField), folded, lower case, one
 * kind of apostrophe, single spaces, trimmed.
 */
export const normalizeName = memo((s: string): string =>
    asciiFold(cleanField(s))
        .toLowerCase()
        .replace(/[\u2018\u2019\u02bc`\u00b4]/g, "'")
        .replace(/\s+/g, " ")
        .trim(),
);

/** `dd/mm/yyyy` -> `yyyy-mm-dd`. */
export function isoDate(ddmmyyyy: string): string {
    const [d, m, y] = ddmmyyyy.split("/");
    return `${y}-${m}-${d}`;
}

export function identityOf(prenom: string, nom: string, dateNaissance: string): string {
    return `${normalizeName(prenom)}|${normalizeName(nom)}|${isoDate(dateNaissance)}`;
}

/** One part of an account name: folded, lower case, letters, digits and single dashes only. */
export const samPart = memo((s: string): string =>
    asciiFold(s)
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, "")
        .replace(/-+/g, "-")
        .replace(/^-|-$/g, ""),
);

/**
 * The account name (n = 1) or the n-th homonym's (`lea.laurent2`), at most 20 characters: `<first>.<last>`, or
 * when that is too long `<initials of the first name>.<last>` (`jf.martinez`, rather than a cut that reads as
 * another name), cut only when even that is too long.
 */
export function samCandidate(first: string, last: string, n: number): string {
    const suffix = n === 1 ? "" : String(n);
    const f = samPart(first);
    const l = samPart(last);
    const room = SAM_MAX - suffix.length;
    const full = `${f}.${l}`;
    if (full.length <= room) return full + suffix;
    const initials = f
        .split("-")
        .map((w) => w[0] ?? "")
        .join("");
    return `${initials}.${l}`.slice(0, room).replace(/[.-]+$/, "") + suffix;
}

/** The mail local part, the same way but cut only at the 64 characters a mail address allows. */
export function mailCandidate(first: string, last: string, n: number): string {
    const suffix = n === 1 ? "" : String(n);
    return `${samPart(first)}.${samPart(last)}`.slice(0, MAIL_LOCAL_MAX - suffix.length).replace(/[.-]+$/, "") + suffix;
}

/** A group name part: folded, every run of other characters one dash (`Finance-et-Comptabilite`). */
export const groupPart = memo((s: string): string =>
    asciiFold(s)
        .replace(/[^A-Za-z0-9]+/g, "-")
        .replace(/^-|-$/g, ""),
);

export function departmentGroup(department: string): string {
    return `${GROUP_PREFIX}${groupPart(department)}`;
}

export function serviceGroup(department: string, service: string): string {
    return `${GROUP_PREFIX}${groupPart(department)}_${groupPart(service)}`;
}

/** A resource-key part: lower-case slug. */
function keyPart(s: string): string {
    return groupPart(s).toLowerCase();
}

/** Escapes an RDN value (RFC 4514, section 2.4). */
export function escapeRdn(value: string): string {
    if (!/[\\,+"<>;=]|^[ #]| $/.test(value)) return value;
    return value
        .replace(/[\\,+"<>;=]/g, (c) => `\\${c}`)
        .replace(/^([ #])/, "\\$1")
        .replace(/ $/, "\\ ");
}

export function domainDn(domain: string): string {
    return domain
        .split(".")
        .map((p) => `DC=${escapeRdn(p)}`)
        .join(",");
}

/** The common name: the display name, plus the account name for a suffixed homonym; at most 64 characters. */
export function commonName(displayName: string, sam: string, baseSam: string): string {
    if (sam === baseSam) return displayName.slice(0, RDN_MAX).trimEnd();
    const tail = ` (${sam})`;
    return displayName.slice(0, RDN_MAX - tail.length).trimEnd() + tail;
}

function digestOf(values: readonly string[]): string {
    return createHash("sha256").update(JSON.stringify(values)).digest("hex").slice(0, 12);
}

function displayNameOf(r: HrRow): string {
    return `${r.prenom} ${r.nom}`.replace(/\s+/g, " ").trim();
}

/**
 * The first letter or digit of a name that the account-name rule cannot fold to ASCII (another script, a Latin
 * letter with no ASCII base such as ƒ), or undefined: samPart would silently drop it.
 */
export function unfoldableCharacter(s: string): string | undefined {
    return /(?![A-Za-z0-9])[\p{L}\p{N}]/u.exec(asciiFold(cleanField(s)))?.[0];
}

function codePoint(c: string): string {
    return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** A NetBIOS computer name: 1 to 15 letters, digits or dashes, not only digits, not starting or ending with a dash. */
export function isComputerName(s: string): boolean {
    return /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,13}[A-Za-z0-9])?$/.test(s) && !/^\d+$/.test(s);
}

// ------------------------------------------------------------------------------------------------------- the plan

interface Person {
    readonly row: HrRow;
    readonly identity: string;
    readonly nameKey: string;
}

/**
 * Checks the whole export against the site and the lock, and plans the directory. Returns every problem (the
 * export's own bad lines included), in line order, and a plan only when there is none.
 */
export function planDirectory(input: DirectoryInput): { plan?: DirectoryPlan; problems: Problem[] } {
    const { hr } = input;
    const src = hr.source;
    const found: { line: number; order: number; problem: Problem }[] = [];
    const report = (line: number, message: string, fix: string) => found.push({ line, order: found.length, problem: { path: `${src}:${line}`, message, fix } });
    for (const p of hr.problems) {
        const line = Number(/:(\d+)$/.exec(p.path)?.[1] ?? 0);
        found.push({ line, order: found.length, problem: p });
    }

    // Rows: department known to the site, names that give an account name, identity and computer unique.
    const people: Person[] = [];
    const byIdentity = new Map<string, number>();
    const byComputer = new Map<string, number>();
    const byName = new Map<string, Person[]>();
    const repeated = new Set<number>();
    const groupOwner = new Map<string, { department: string; service: string; line: number }>([[ALL_STAFF_GROUP, { department: "", service: "", line: 0 }]]);
    const serverNames = new Map((input.hosts ?? []).map((h) => [h.name.toUpperCase(), h]));
    const reserved = new Set([...RESERVED_COMPUTER_NAMES, ...(input.netbiosName ? [input.netbiosName.toUpperCase()] : [])].sort());
    // Departments and services by resource key (case and accents folded): two spellings would be two OUs of one
    // name for AD and two resources of one name for Pulumi.
    const placeByKey = new Map<string, { value: string; line: number }>();
    for (const r of hr.rows) {
        let ok = true;
        if (input.departments && !input.departments.has(r.departement)) {
            report(
                r.line,
                `has Departement ${JSON.stringify(r.departement)}, which no department zone of billu:network.zones serves`,
                `add a zone of kind department with department: ${JSON.stringify(r.departement)}, or correct the Departement`,
            );
            ok = false;
        }
        const foreign = (
            [
                [r.prenom, "Prenom"],
                [r.nom, "Nom"],
            ] as const
        ).filter(([v]) => unfoldableCharacter(v) !== undefined);
        for (const [v, column] of foreign) {
            const c = unfoldableCharacter(v)!;
            report(
                r.line,
                `has ${column} ${JSON.stringify(v)}, whose ${JSON.stringify(c)} (${codePoint(c)}) is not a Latin letter the account name can spell: it would be dropped from the account name`,
                "spell the name in Latin letters in the export",
            );
            ok = false;
        }
        for (const { field, column, attribute, max } of AD_LIMITS) {
            const v = r[field] as string;
            if (v.length > max) {
                report(
                    r.line,
                    `has a ${column} of ${v.length} characters, more than the ${max} AD allows for ${attribute}`,
                    `shorten the ${column} to at most ${max} characters in the HR export`,
                );
                ok = false;
            }
        }
        if (foreign.length === 0 && (samPart(r.prenom) === "" || samPart(r.nom) === "")) {
            report(
                r.line,
                `has Prenom ${JSON.stringify(r.prenom)} and Nom ${JSON.stringify(r.nom)}, which give no letter for an account name`,
                "write the name in Latin letters in the HR export",
            );
            ok = false;
        }
        const identity = identityOf(r.prenom, r.nom, r.dateNaissance);
        const twin = byIdentity.get(identity);
        if (twin !== undefined) {
            // One problem for a repeated line, not one per column it repeats (its computer, its groups), and not
            // one on every report of a repeated manager either (see repeated below).
            repeated.add(r.line);
            report(
                r.line,
                `is the same person as line ${twin} (same Prenom, Nom and Date de naissance: ${JSON.stringify(identity)})`,
                "remove the duplicate line, or correct the name or birth date",
            );
            continue;
        }
        byIdentity.set(identity, r.line);
        if (r.nomPc !== "") {
            const pcKey = r.nomPc.toUpperCase();
            const other = byComputer.get(pcKey);
            if (!isComputerName(r.nomPc)) {
                report(
                    r.line,
                    `has Nom de PC ${JSON.stringify(r.nomPc)}, which is not a valid computer name`,
                    "use 1 to 15 letters, digits or dashes, not only digits (a NetBIOS name)",
                );
                ok = false;
            } else if (other !== undefined) {
                report(r.line, `has Nom de PC ${JSON.stringify(r.nomPc)}, already the computer of line ${other}`, "give every computer its own name");
                ok = false;
            } else if (serverNames.has(pcKey)) {
                const h = serverNames.get(pcKey)!;
                report(
                    r.line,
                    `has Nom de PC ${JSON.stringify(r.nomPc)}, the name of the host ${h.name} (role ${h.role}) of this site: the directory would take over the server's machine account`,
                    "rename the workstation in the HR export (a workstation never takes a server's name)",
                );
                ok = false;
            } else if (HOST_NAME_PATTERN.test(pcKey)) {
                report(
                    r.line,
                    `has Nom de PC ${JSON.stringify(r.nomPc)}, which follows the server naming convention <SITE>-<ROLE><NN>[-<TAG>] (the names of the hosts of every stack)`,
                    "rename the workstation in the HR export with a name outside the server convention (like the export's PC0001)",
                );
                ok = false;
            } else if (reserved.has(pcKey)) {
                report(
                    r.line,
                    `has Nom de PC ${JSON.stringify(r.nomPc)}, a name reserved by Windows or the domain (${[...reserved].join(", ")})`,
                    "rename the workstation in the HR export",
                );
                ok = false;
            } else byComputer.set(pcKey, r.line);
        }
        for (const [name, what] of [
            [r.departement, "Departement"],
            [r.service, "Service"],
        ] as const) {
            if (name.length > RDN_MAX) {
                report(r.line, `has a ${what} of ${name.length} characters`, `shorten it to at most ${RDN_MAX} characters (the limit of an AD OU name)`);
                ok = false;
            }
        }
        let spelled = true;
        for (const [key, value, what] of [
            [keyPart(r.departement), r.departement, "Departement"],
            [`${keyPart(r.departement)}\u0000${keyPart(r.service)}`, `${r.departement}\u0000${r.service}`, "Service"],
        ] as const) {
            const first = placeByKey.get(key);
            if (!first) placeByKey.set(key, { value, line: r.line });
            else if (spelled && first.value !== value) {
                const [v, f] = what === "Departement" ? [value, first.value] : [r.service, first.value.split("\u0000")[1]];
                report(
                    r.line,
                    `has ${what} ${JSON.stringify(v)}, which differs only by case, accents or punctuation from ${what} ${JSON.stringify(f)} of line ${first.line}`,
                    `write the ${what} the same way on every line of the HR export`,
                );
                ok = false;
                spelled = false;
            }
        }
        for (const g of spelled ? [departmentGroup(r.departement), serviceGroup(r.departement, r.service)] : []) {
            const owner = groupOwner.get(g);
            const service = g.includes("_", GROUP_PREFIX.length) ? r.service : "";
            if (g.length > RDN_MAX) {
                report(
                    r.line,
                    `gives the group name ${g}, ${g.length} characters`,
                    `shorten the Departement or Service so the group name has at most ${RDN_MAX}`,
                );
                ok = false;
            } else if (owner && (owner.department !== r.departement || owner.service !== service)) {
                const of =
                    owner.line === 0
                        ? "the all-staff group"
                        : `Departement ${JSON.stringify(owner.department)}${owner.service ? ` / Service ${JSON.stringify(owner.service)}` : ""} (line ${owner.line})`;
                report(r.line, `gives the group name ${g}, already the name of ${of}`, "rename the Departement or Service so their group names differ");
                ok = false;
            } else if (!owner) groupOwner.set(g, { department: r.departement, service, line: r.line });
        }
        if (ok) {
            const p = { row: r, identity, nameKey: `${normalizeName(r.prenom)}|${normalizeName(r.nom)}` };
            people.push(p);
            const same = byName.get(p.nameKey);
            if (same) same.push(p);
            else byName.set(p.nameKey, [p]);
        }
    }

    // Managers, by first and last name (the export has nothing else): exactly one person must match.
    const managerOf = new Map<Person, Person>();
    const allByName = new Map<string, number[]>();
    for (const r of [...hr.rows.filter((x) => !repeated.has(x.line)), ...hr.rejected].sort((a, b) => a.line - b.line)) {
        const k = `${normalizeName(r.prenom)}|${normalizeName(r.nom)}`;
        const same = allByName.get(k);
        if (same) same.push(r.line);
        else allByName.set(k, [r.line]);
    }
    for (const p of people) {
        const { managerPrenom: mp, managerNom: mn, line } = p.row;
        if (mp === "" && mn === "") continue;
        if (mp === "" || mn === "") {
            report(
                line,
                `has ${mp === "" ? "Manager-Nom" : "Manager-Prenom"} ${JSON.stringify(mp || mn)} but no ${mp === "" ? "Manager-Prenom" : "Manager-Nom"}`,
                "fill in both manager columns, or neither",
            );
            continue;
        }
        const key = `${normalizeName(mp)}|${normalizeName(mn)}`;
        const lines = allByName.get(key) ?? [];
        const who = JSON.stringify(`${mp} ${mn}`);
        if (lines.length === 0) {
            report(line, `has manager ${who}, who is not in the export`, "correct Manager-Prenom and Manager-Nom, or add the manager to the export");
        } else if (lines.length > 1) {
            report(
                line,
                `has manager ${who}, who matches several people (lines ${lines.join(", ")})`,
                "the export names a manager by first and last name only: ask HR to tell the homonyms apart in their names, or leave the manager empty",
            );
        } else {
            const m = (byName.get(key) ?? [])[0];
            if (m) managerOf.set(p, m);
            // A manager whose own line is bad is reported on that line.
        }
    }

    const sorted = () => found.sort((a, b) => a.line - b.line || a.order - b.order).map((f) => f.problem);
    if (found.length > 0) return { problems: sorted() };
    const plan = buildPlan(input, people, managerOf);
    // Two accounts with one cn in one OU: the DC refuses the second (cn is the RDN; compared without case).
    const byCn = new Map<string, PersonPlan>();
    for (const p of plan.people.filter((x) => x.line !== undefined).sort((a, b) => a.line! - b.line!)) {
        const k = `${p.ou.toLowerCase()}\u0000${p.cn.toLowerCase()}`;
        const first = byCn.get(k);
        if (!first) {
            byCn.set(k, p);
            continue;
        }
        const names = (q: PersonPlan) => `Prenom ${JSON.stringify(q.attributes!.givenName)}, Nom ${JSON.stringify(q.attributes!.sn)}`;
        report(
            p.line!,
            `has the common name ${JSON.stringify(p.cn)} (${names(p)}), already the common name of line ${first.line} (${names(first)}) in ${p.ou}: the DC would refuse the second account`,
            "ask HR to spell one of the two names differently (a hyphenated first name: Jean-Pierre), or to place them in different services",
        );
    }
    if (found.length > 0) return { problems: sorted() };
    return { plan, problems: [] };
}

function buildPlan(input: DirectoryInput, people: readonly Person[], managerOf: ReadonlyMap<Person, Person>): DirectoryPlan {
    const { domain, company, lock } = input;
    const mailDomain = (input.mailDomain ?? domain).toLowerCase();
    const dDn = domainDn(domain);
    const rootDn = `OU=${escapeRdn(company)},${dDn}`;
    const top = (k: keyof typeof OU_NAMES) => `OU=${OU_NAMES[k]},${rootDn}`;
    const departuresDn = top("departures");

    // Names: kept from the lock; assigned to new identities in identity order, never taking a name in the lock.
    const locked = new Map(lock.people.map((e) => [e.identity, e]));
    const takenSam = new Set(lock.people.map((e) => e.sam));
    const takenMail = new Set(lock.people.map((e) => e.mail));
    const names = new Map<string, { sam: string; mail: string }>();
    for (const p of people) {
        const e = locked.get(p.identity);
        if (e) names.set(p.identity, { sam: e.sam, mail: e.mail });
    }
    const newcomers = people.filter((p) => !locked.has(p.identity)).sort((a, b) => (a.identity < b.identity ? -1 : 1));
    // Names are only ever taken, never freed, during a plan: a homonym's search resumes where the last one stopped.
    const nextTry = new Map<string, number>();
    for (const p of newcomers) {
        for (let n = nextTry.get(p.nameKey) ?? 1; ; n++) {
            const sam = samCandidate(p.row.prenom, p.row.nom, n);
            const mail = `${mailCandidate(p.row.prenom, p.row.nom, n)}@${mailDomain}`;
            if (!takenSam.has(sam) && !takenMail.has(mail)) {
                takenSam.add(sam);
                takenMail.add(mail);
                names.set(p.identity, { sam, mail });
                nextTry.set(p.nameKey, n + 1);
                break;
            }
        }
    }

    // OUs and groups for every department and service of the export.
    const places = new Map<string, Set<string>>();
    for (const p of people) places.set(p.row.departement, (places.get(p.row.departement) ?? new Set()).add(p.row.service));
    const ous: OuPlan[] = [
        { key: "root", name: company, dn: rootDn, description: `${company}: managed from the HR export by billu-infra` },
        { key: "users", name: OU_NAMES.users, dn: top("users"), description: `${company} staff accounts, by department and service` },
        { key: "computers", name: OU_NAMES.computers, dn: top("computers"), description: `${company} workstations, by department and service` },
        { key: "groups", name: OU_NAMES.groups, dn: top("groups"), description: `${company} staff groups` },
        { key: "departures", name: OU_NAMES.departures, dn: departuresDn, description: "Accounts of people who left: disabled, kept with their data" },
    ];
    const groupsDn = top("groups");
    const groups: GroupPlan[] = [{ sam: ALL_STAFF_GROUP, dn: `CN=${ALL_STAFF_GROUP},${groupsDn}`, description: `All ${company} staff`, kind: "all" }];
    // One string per OU, shared by everyone in it.
    const ouCache = new Map<string, string>();
    const ouOf = (tree: "users" | "computers", department: string, service?: string) => {
        const k = `${tree}\u0000${department}\u0000${service ?? ""}`;
        let dn = ouCache.get(k);
        if (dn === undefined) {
            dn = `${service !== undefined ? `OU=${escapeRdn(service)},` : ""}OU=${escapeRdn(department)},${top(tree)}`;
            ouCache.set(k, dn);
        }
        return dn;
    };
    const deptOus: OuPlan[] = [];
    const serviceOus: OuPlan[] = [];
    for (const department of [...places.keys()].sort()) {
        for (const tree of ["users", "computers"] as const) {
            deptOus.push({ key: `${tree}-${keyPart(department)}`, name: department, dn: ouOf(tree, department), description: `Department ${department}` });
        }
        const g = departmentGroup(department);
        groups.push({ sam: g, dn: `CN=${g},${groupsDn}`, description: `Department ${department}`, kind: "department", department });
        for (const service of [...places.get(department)!].sort()) {
            for (const tree of ["users", "computers"] as const) {
                serviceOus.push({
                    key: `${tree}-${keyPart(department)}-${keyPart(service)}`,
                    name: service,
                    dn: ouOf(tree, department, service),
                    description: `Service ${service} (${department})`,
                });
            }
            const sg = serviceGroup(department, service);
            groups.push({ sam: sg, dn: `CN=${sg},${groupsDn}`, description: `Service ${service} (${department})`, kind: "service", department });
        }
    }
    ous.push(...deptOus, ...serviceOus);

    // People in the export.
    const summary: Record<PersonAction, number> = { create: 0, move: 0, update: 0, disable: 0, none: 0 };
    const planned: PersonPlan[] = [];
    const computers: ComputerPlan[] = [];
    const nextLock: LockEntry[] = [];
    for (const p of people) {
        const r = p.row;
        const { sam, mail } = names.get(p.identity)!;
        const displayName = displayNameOf(r);
        const cn = commonName(displayName, sam, samCandidate(r.prenom, r.nom, 1));
        const ou = ouOf("users", r.departement, r.service);
        const manager = managerOf.get(p);
        const managerSam = manager ? names.get(manager.identity)!.sam : undefined;
        const digest = digestOf([displayName, r.fonction, r.societe, r.telephoneFixe, r.telephonePortable, managerSam ?? "", r.nomPc, r.marquePc]);
        const before = locked.get(p.identity);
        const action: PersonAction = !before
            ? "create"
            : before.left || before.department !== r.departement || before.service !== r.service
              ? "move"
              : before.digest !== digest || before.name !== displayName
                ? "update"
                : "none";
        summary[action]++;
        planned.push({
            identity: p.identity,
            line: r.line,
            sam,
            upn: `${sam}@${domain}`,
            mail,
            cn,
            dn: `CN=${escapeRdn(cn)},${ou}`,
            ou,
            displayName,
            attributes: {
                givenName: r.prenom,
                sn: r.nom,
                title: r.fonction,
                company: r.societe,
                telephoneNumber: r.telephoneFixe,
                mobile: r.telephonePortable,
            },
            department: r.departement,
            service: r.service,
            manager: managerSam,
            groups: [ALL_STAFF_GROUP, departmentGroup(r.departement), serviceGroup(r.departement, r.service)],
            enabled: true,
            action,
            computer: r.nomPc || undefined,
        });
        nextLock.push({
            identity: p.identity,
            name: displayName,
            sam,
            mail,
            department: r.departement,
            service: r.service,
            ...(r.telephoneFixe.replace(/\D/g, "") ? { deskDigits: r.telephoneFixe.replace(/\D/g, "").slice(-6) } : {}),
            digest,
            left: false,
        });
        if (r.nomPc) {
            const cou = ouOf("computers", r.departement, r.service);
            computers.push({
                name: r.nomPc,
                sam: `${r.nomPc.toUpperCase()}$`,
                dn: `CN=${escapeRdn(r.nomPc)},${cou}`,
                ou: cou,
                description: r.marquePc,
                owner: sam,
                enabled: true,
                line: r.line,
            });
        }
    }

    // People in the lock but not in the export have left: disabled in the departures OU, out of every staff group.
    const present = new Set(people.map((p) => p.identity));
    for (const e of lock.people) {
        if (present.has(e.identity)) continue;
        const [first, last] = e.identity.split("|");
        const cn = commonName(e.name, e.sam, samCandidate(first, last, 1));
        const action: PersonAction = e.left ? "none" : "disable";
        summary[action]++;
        planned.push({
            identity: e.identity,
            sam: e.sam,
            upn: `${e.sam}@${domain}`,
            mail: e.mail,
            cn,
            dn: `CN=${escapeRdn(cn)},${departuresDn}`,
            ou: departuresDn,
            displayName: e.name,
            department: e.department,
            service: e.service,
            groups: [],
            enabled: false,
            action,
        });
        nextLock.push({ ...e, left: true });
    }

    // Computers in the lock but not in the export are retired: disabled in the departures OU, never deleted.
    const inExport = new Set(computers.map((c) => c.name.toUpperCase()));
    const nextComputers: LockComputer[] = computers.map((c) => ({ name: c.name, owner: c.owner, left: false }));
    for (const c of lock.computers) {
        if (inExport.has(c.name.toUpperCase())) continue;
        computers.push({
            name: c.name,
            sam: `${c.name.toUpperCase()}$`,
            dn: `CN=${escapeRdn(c.name)},${departuresDn}`,
            ou: departuresDn,
            owner: c.owner,
            enabled: false,
        });
        nextComputers.push({ ...c, left: true });
    }

    const bySam = (a: { sam: string }, b: { sam: string }) => (a.sam < b.sam ? -1 : a.sam > b.sam ? 1 : 0);
    return {
        domain,
        domainDn: dDn,
        rootDn,
        departuresDn,
        mailDomain,
        ous,
        groups: groups.sort((a, b) => (a.kind === "all" ? -1 : b.kind === "all" ? 1 : bySam(a, b))),
        people: planned.sort(bySam),
        computers: computers.sort(bySam),
        lock: {
            people: nextLock.sort((a, b) => (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0)),
            computers: nextComputers.sort((a, b) => (a.name.toUpperCase() < b.name.toUpperCase() ? -1 : 1)),
        },
        summary,
        warnings: input.warnings ?? [],
    };
}

/** Reads the lock named by `billu:directory.lock` (absent: the empty lock); injected so the model does no I/O. */
export type LockLoader = (path: string | undefined) => DirectoryLock;

/**
 * The directory step of `buildSiteModel`: plans from the export, the site's department zones and the lock, adding
 * every problem (the export's bad lines, the lock's) to `problems`. Without a lock loader the lock is empty.
 */
export function directoryOf(
    cfg: {
        readonly site: { readonly domain: string; readonly company: string; readonly netbiosName?: string };
        readonly directory?: { readonly lock?: string; readonly mailDomain?: string };
        readonly hosts?: readonly { readonly name: string; readonly role: string }[];
    },
    hr: HrExport,
    zones: readonly { readonly kind: string; readonly department?: string; readonly name?: string; readonly index?: number }[],
    loadLock: LockLoader | undefined,
    problems: Problems,
): DirectoryPlan | undefined {
    let lock: DirectoryLock = EMPTY_LOCK;
    try {
        lock = loadLock ? loadLock(cfg.directory?.lock) : EMPTY_LOCK;
    } catch (e) {
        if (!(e instanceof InputError)) throw e;
        for (const p of e.problems) problems.add(p.path, p.message, p.fix);
    }
    // A department zone with nobody in the export: when every department of the export is served, its last person
    // left, which must not block the sync (the leavers are disabled as usual; the reviewer is warned). When some
    // department of the export is unserved too, the zone's department is most likely misspelt: that is reported on
    // the zone, whose fix lists the export's departments, and the lines of the department it should have named are
    // not reported again.
    const departmentZones = zones.filter((z) => z.kind === "department");
    // A department zone without a department is reported on the zone (model/site.ts), not on every line.
    const allNamed = departmentZones.every((z) => z.department);
    const served = new Set(departmentZones.map((z) => z.department ?? ""));
    const inExport = new Set(hr.rows.map((r) => r.departement));
    const empty = departmentZones.filter((z) => z.department && !inExport.has(z.department));
    const unserved = [...inExport].filter((d) => !served.has(d));
    const at = (z: (typeof zones)[number]) => `billu:network.zones[${z.index ?? zones.indexOf(z)}]`;
    let warnings: string[] = [];
    if (empty.length > 0 && unserved.length > 0) {
        for (const z of empty) {
            problems.add(
                `${at(z)}.department`,
                `${JSON.stringify(z.department)} is not a Departement of the HR export ${hr.source}`,
                `use one of ${[...inExport].sort().join(", ")}`,
            );
        }
    } else {
        warnings = empty.map(
            (z) =>
                `${at(z)}${z.name ? ` (${z.name})` : ""} serves Departement ${JSON.stringify(z.department)}, ` +
                `which has nobody in the HR export ${hr.source}: its people are disabled as leavers, its OUs and groups are kept; ` +
                "remove the zone once the department is closed",
        );
    }
    const r = planDirectory({
        hr,
        lock,
        domain: cfg.site.domain,
        mailDomain: cfg.directory?.mailDomain,
        company: cfg.site.company,
        departments: allNamed && !(empty.length > 0 && unserved.length > 0) ? served : undefined,
        hosts: cfg.hosts,
        netbiosName: cfg.site.netbiosName,
        warnings,
    });
    for (const p of r.problems) problems.add(p.path, p.message, p.fix);
    return problems.count === 0 ? r.plan : undefined;
}

/**
 * The acceptance account (`billu:directory.acceptance`, issue #23): one account in an OU of its own under the
 * managed OU, outside the HR export, whose password is a generated secret handed to the directory step and read by
 * `npm run acceptance` from the stack's outputs. Member of the group the Linux members let in over SSH
 * (`billu:domain.linuxLogin.sshGroup`, created by the DC's domain step), so the logon scenario can log on to one.
 * Its password does not have to be changed at first logon: no person ever uses it.
 */
export interface AcceptancePlan {
    readonly sam: string;
    readonly upn: string;
    readonly cn: string;
    readonly dn: string;
    /** Its own OU (`OU=Acceptance,OU=BillU,...`). */
    readonly ou: OuPlan;
    /** Groups the directory does not manage (created by the domain step), joined by name, never left. */
    readonly extraGroups: readonly string[];
    /**
     * Managed groups it is in: its department's group (`billu:directory.acceptance.department`), which admits it to that
     * department's share; never All staff nor a service group (it is no person of the HR export).
     */
    readonly groups: readonly string[];
    /** Its mail address (`<account>@<mail domain>`), or "" without a mailbox (`billu:directory.acceptance.mailbox: false`). */
    readonly mail: string;
    readonly enabled: boolean;
}

/**
 * The flows the acceptance account's scenarios need from where `npm run acceptance` runs (a host of a management zone,
 * docs/acceptance.md): submission and IMAPS to the mail server when it has a mailbox, SMB to every file server when it
 * has a department. The other scenarios' flows (DNS and AD to the DCs, https to the web server) are the management
 * zone's own administration flows already; these two are not, so the model asks for them.
 */
export function acceptanceFlows(
    acceptance: Pick<AcceptancePlan, "sam" | "mail" | "groups">,
    zones: readonly { readonly name: string; readonly kind: string }[],
    hosts: readonly { readonly name: string; readonly role: string }[],
): { from: string; to: string; service: string; why: string }[] {
    const out: { from: string; to: string; service: string; why: string }[] = [];
    for (const z of zones.filter((x) => x.kind === "management")) {
        if (acceptance.mail)
            for (const h of hosts.filter((x) => x.role === "mail"))
                for (const service of ["submission", "imaps"])
                    out.push({ from: z.name, to: h.name, service, why: `the acceptance run's mail scenario (npm run acceptance, as ${acceptance.sam})` });
        if (acceptance.groups.length > 0)
            for (const h of hosts.filter((x) => x.role === "fileserver"))
                out.push({ from: z.name, to: h.name, service: "smb", why: `the acceptance run's shares scenario (npm run acceptance, as ${acceptance.sam})` });
    }
    return out;
}

/**
 * The drift reader's plan (`billu:directory.drift.reader`), in the acceptance account's OU; undefined (with a problem)
 * when its name is already an account of the directory (a person's, the join account's or the acceptance account's).
 */
export function planDriftReader(
    account: string,
    plan: Pick<DirectoryPlan, "domain" | "people">,
    acceptance: Pick<AcceptancePlan, "sam" | "ou">,
    joinAccount: string | undefined,
    problems: Problems,
): DriftReaderPlan | undefined {
    const taken = [...(joinAccount ? [joinAccount] : []), acceptance.sam, ...plan.people.map((p) => p.sam)];
    if (taken.some((s) => s.toLowerCase() === account.toLowerCase())) {
        problems.add(
            "billu:directory.drift.reader",
            `${JSON.stringify(account)} is already an account of the directory (the join account, the acceptance account or a person's)`,
            "name the drift reader differently (default svc-drift-read)",
        );
        return undefined;
    }
    return { sam: account, upn: `${account}@${plan.domain}`, cn: account, dn: `CN=${escapeRdn(account)},${acceptance.ou.dn}` };
}

/** The acceptance account's plan, or undefined (with a problem) when its name or OU clashes with the directory's. */
export function planAcceptance(
    cfg: { readonly account: string; readonly ou: string; readonly enabled: boolean; readonly department?: string; readonly mailbox?: boolean },
    plan: Pick<DirectoryPlan, "domain" | "rootDn" | "people" | "groups" | "mailDomain">,
    domain: { readonly joinAccount?: string; readonly sshGroup?: string },
    problems: Problems,
): AcceptancePlan | undefined {
    const at = "billu:directory.acceptance";
    const before = problems.count;
    const taken = [...(domain.joinAccount ? [domain.joinAccount] : []), ...plan.people.map((p) => p.sam)];
    if (taken.some((s) => s.toLowerCase() === cfg.account.toLowerCase()))
        problems.add(
            `${at}.account`,
            `${JSON.stringify(cfg.account)} is already an account of the directory (the join account or a person's)`,
            "name the acceptance account differently (default svc-acceptance)",
        );
    if ((Object.values(OU_NAMES) as string[]).some((n) => n.toLowerCase() === cfg.ou.toLowerCase()))
        problems.add(
            `${at}.ou`,
            `${JSON.stringify(cfg.ou)} is one of the directory's own OUs (${Object.values(OU_NAMES).join(", ")})`,
            "give the acceptance account an OU of its own (default Acceptance)",
        );
    const departmentGroups = plan.groups.filter((g) => g.kind === "department");
    const group = cfg.department === undefined ? undefined : departmentGroup(cfg.department);
    if (group !== undefined && !departmentGroups.some((g) => g.sam === group))
        problems.add(
            `${at}.department`,
            `${JSON.stringify(cfg.department)} is not a department of the HR export`,
            `use one of ${departmentGroups.map((g) => JSON.stringify(g.department)).join(", ")}, or leave it out (no department share)`,
        );
    if (problems.count > before) return undefined;
    const ouDn = `OU=${escapeRdn(cfg.ou)},${plan.rootDn}`;
    return {
        sam: cfg.account,
        upn: `${cfg.account}@${plan.domain}`,
        cn: cfg.account,
        dn: `CN=${escapeRdn(cfg.account)},${ouDn}`,
        ou: { key: "acceptance", name: cfg.ou, dn: ouDn, description: "The acceptance account: BillU's scenarios run as it (npm run acceptance)" },
        extraGroups: domain.sshGroup ? [domain.sshGroup] : [],
        groups: group ? [group] : [],
        mail: cfg.mailbox === false ? "" : `${cfg.account}@${plan.mailDomain}`,
        enabled: cfg.enabled,
    };
}
