/**
 * The HR export, in the company's own layout: `;`-separated, UTF-8 with or without BOM, one header line with
 * exactly the columns below. Parsing is strict: a file that cannot be read as the export at all (undecodable, empty,
 * wrong header) throws at once; every bad line (wrong column count, a missing required field, a malformed date) is
 * collected in `problems`, so the directory checks (model/directory.ts) can add theirs and `buildSiteModel` reports
 * every bad line of the whole export in one pass.
 */
import { parse } from "csv-parse/sync";
import { Problem, Problems } from "./errors";

export const HR_COLUMNS = [
    "Civilite",
    "Prenom",
    "Nom",
    "Societe",
    "Site",
    "Departement",
    "Service",
    "Fonction",
    "Manager-Prenom",
    "Manager-Nom",
    "Nom de PC",
    "Marque PC",
    "Date de naissance",
    "Telephone fixe",
    "Telephone portable",
] as const;

export interface HrRow {
    /** Line number in the file (1 is the header). */
    readonly line: number;
    readonly civilite: string;
    readonly prenom: string;
    readonly nom: string;
    readonly societe: string;
    readonly site: string;
    readonly departement: string;
    readonly service: string;
    readonly fonction: string;
    readonly managerPrenom: string;
    readonly managerNom: string;
    readonly nomPc: string;
    readonly marquePc: string;
    /** As written in the export: `dd/mm/yyyy`. */
    readonly dateNaissance: string;
    readonly telephoneFixe: string;
    readonly telephonePortable: string;
}

export interface HrExport {
    readonly source: string;
    /** The good lines; a bad line is left out and reported in `problems`. */
    readonly rows: readonly HrRow[];
    /** One problem per bad line (path `<source>:<line>`), in line order. buildSiteModel reports them. */
    readonly problems: readonly Problem[];
    /** Names on the bad lines that have all their columns: a manager named there is found, not reported missing. */
    readonly rejected: readonly { readonly line: number; readonly prenom: string; readonly nom: string }[];
}

const REQUIRED: readonly [keyof HrRow, string][] = [
    ["prenom", "Prenom"],
    ["nom", "Nom"],
    ["departement", "Departement"],
    ["service", "Service"],
    ["dateNaissance", "Date de naissance"],
];

/**
 * Parses an HR export. `source` names the file in messages (`data/billu-hr.csv`). Throws InputError when the file
 * is not an export at all (undecodable bytes, empty, wrong header); returns every bad line (wrong column count, a
 * missing required field, a malformed date) in `problems`, the line left out of `rows`.
 */
export function parseHrExport(bytes: Uint8Array, source: string): HrExport {
    const problems = new Problems();
    let text: string;
    try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
        problems.add(source, "is not valid UTF-8 text", "export the file as UTF-8 (with or without BOM)");
        problems.throwIfAny("invalid HR export");
        throw new Error("unreachable");
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    // One kind of line break, so a record's raw text counts its lines the way an editor shows them.
    text = text.replace(/\r\n?/g, "\n");
    let records: { raw: string; record: string[] }[] = [];
    try {
        records = parse(text, { delimiter: ";", relax_column_count: true, skip_empty_lines: true, bom: false, raw: true }) as unknown as {
            raw: string;
            record: string[];
        }[];
    } catch (e) {
        // csv-parse stops at the first malformed quote: nothing after it can be trusted, so report it alone.
        const err = e as Error & { lines?: number };
        problems.add(`${source}:${err.lines ?? 1}`, `cannot be read as CSV (${err.message})`, 'remove or double the stray quote (")');
        problems.throwIfAny("invalid HR export");
    }
    // The export's real line of each record: a quoted field may span lines, and skipped empty lines still count.
    // A record's raw text starts with the empty lines skipped before it and ends with its own line break.
    let next = 1;
    const numbered = records.map(({ raw, record }) => {
        const line = next + (/^\n*/.exec(raw)?.[0].length ?? 0);
        next += raw.split("\n").length - 1;
        return { line, record };
    });
    // A line of blanks only is an empty line too.
    const lines = numbered.filter((r) => r.record.some((v) => v.trim() !== ""));
    if (lines.length === 0) {
        problems.add(source, "is empty", `write the header line: ${HR_COLUMNS.join(";")}`);
        problems.throwIfAny("invalid HR export");
    }
    const header = lines[0].record.map((h) => h.trim());
    if (header.join(";") !== HR_COLUMNS.join(";")) {
        problems.add(`${source}:${lines[0].line}`, `header is ${JSON.stringify(header.join(";"))}`, `use exactly the columns ${HR_COLUMNS.join(";")}`);
        problems.throwIfAny("invalid HR export");
    }
    if (lines.length === 1) {
        // Planned as it is, an export with nobody in it would disable every account of the directory.
        problems.add(
            source,
            "has the header line but no data rows (nobody in the export)",
            "export the staff list again with one line per person below the header; an empty export would disable every account",
        );
        problems.throwIfAny("invalid HR export");
    }
    const rows: HrRow[] = [];
    const rejected: { line: number; prenom: string; nom: string }[] = [];
    for (const { line, record: rec } of lines.slice(1)) {
        if (rec.length !== HR_COLUMNS.length) {
            problems.add(`${source}:${line}`, `has ${rec.length} columns`, `give every line the ${HR_COLUMNS.length} columns of the header`);
            continue;
        }
        // A control character (NUL, a line break in a quoted field, ...) or a bidirectional override cannot be
        // stored in (or is invisible in) the directory: the DC would refuse the whole change set, or show a forged name.
        const controls = rec.flatMap((v, i) => {
            const c = CONTROL.exec(v.trim());
            return c ? [`${HR_COLUMNS[i]} ${JSON.stringify(v.trim())} (U+${c[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")})`] : [];
        });
        const f = rec.map(cleanField);
        const names = { line, prenom: f[1], nom: f[2] };
        if (controls.length > 0) {
            problems.add(
                `${source}:${line}`,
                `has a control character in ${controls.join(", ")}`,
                "remove the control characters (line breaks included) from these fields in the HR export",
            );
            rejected.push(names);
            continue;
        }
        const row: HrRow = {
            line,
            civilite: f[0],
            prenom: f[1],
            nom: f[2],
            societe: f[3],
            site: f[4],
            departement: f[5],
            service: f[6],
            fonction: f[7],
            managerPrenom: f[8],
            managerNom: f[9],
            nomPc: f[10],
            marquePc: f[11],
            dateNaissance: f[12],
            telephoneFixe: f[13],
            telephonePortable: f[14],
        };
        const missing = REQUIRED.filter(([k]) => row[k] === "").map(([, col]) => col);
        if (missing.length > 0) {
            problems.add(`${source}:${line}`, `has no ${missing.join(", ")}`, "fill in the missing columns in the HR export");
            rejected.push(names);
            continue;
        }
        const date = dateProblem(row.dateNaissance);
        if (date) {
            problems.add(`${source}:${line}`, `has Date de naissance ${JSON.stringify(row.dateNaissance)}${date.what}`, date.fix);
            rejected.push(names);
            continue;
        }
        rows.push(row);
    }
    return { source, rows, problems: problems.all, rejected };
}

/** C0 and C1 control characters, and the bidirectional embeddings, overrides and isolates. */
const CONTROL = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;
/** Zero-width characters: invisible, they would make two spellings of one name two identities. */
export const ZERO_WIDTH = /[\u200b-\u200d\u2060\ufeff]/g;

/**
 * A field as the directory stores it: zero-width characters removed, NFKC-normalised (full-width and other
 * compatibility forms become their plain letters: `Ｌéa` is `Léa`), trimmed.
 */
export function cleanField(v: string): string {
    return v.replace(ZERO_WIDTH, "").normalize("NFKC").trim();
}

/** Why a `Date de naissance` is not a date (appended to the value), or undefined when it is one. */
function dateProblem(s: string): { what: string; fix: string } | undefined {
    const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s);
    if (!m) return { what: "", fix: "write the date as dd/mm/yyyy" };
    const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(y, mo - 1, d));
    if (date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d) return undefined;
    return { what: ", a date that does not exist", fix: "correct the day or the month (dd/mm/yyyy) in the HR export" };
}

/** Headcount per `Departement` value. */
export function headcountByDepartment(hr: HrExport): Map<string, number> {
    const m = new Map<string, number>();
    for (const r of hr.rows) m.set(r.departement, (m.get(r.departement) ?? 0) + 1);
    return m;
}
