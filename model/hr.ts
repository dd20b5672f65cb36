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
    let records: string[][] = [];
    try {
        records = parse(text, { delimiter: ";", relax_column_count: true, skip_empty_lines: true, bom: false });
    } catch (e) {
        // csv-parse stops at the first malformed quote: nothing after it can be trusted, so report it alone.
        const err = e as Error & { lines?: number };
        problems.add(`${source}:${err.lines ?? 1}`, `cannot be read as CSV (${err.message})`, 'remove or double the stray quote (")');
        problems.throwIfAny("invalid HR export");
    }
    if (records.length === 0) {
        problems.add(source, "is empty", `write the header line: ${HR_COLUMNS.join(";")}`);
        problems.throwIfAny("invalid HR export");
    }
    const header = records[0].map((h) => h.trim());
    if (header.join(";") !== HR_COLUMNS.join(";")) {
        problems.add(`${source}:1`, `header is ${JSON.stringify(header.join(";"))}`, `use exactly the columns ${HR_COLUMNS.join(";")}`);
        problems.throwIfAny("invalid HR export");
    }
    // csv-parse skips empty lines, so recover each record's line number from the parser-independent text.
    const lineNumbers = recordLines(text);
    const rows: HrRow[] = [];
    const rejected: { line: number; prenom: string; nom: string }[] = [];
    records.slice(1).forEach((rec, i) => {
        const line = lineNumbers[i + 1] ?? i + 2;
        if (rec.length !== HR_COLUMNS.length) {
            problems.add(`${source}:${line}`, `has ${rec.length} columns`, `give every line the ${HR_COLUMNS.length} columns of the header`);
            return;
        }
        const f = rec.map((v) => v.trim());
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
            rejected.push({ line, prenom: row.prenom, nom: row.nom });
            return;
        }
        if (!isValidDate(row.dateNaissance)) {
            problems.add(`${source}:${line}`, `has Date de naissance ${JSON.stringify(row.dateNaissance)}`, "write the date as dd/mm/yyyy");
            rejected.push({ line, prenom: row.prenom, nom: row.nom });
            return;
        }
        rows.push(row);
    });
    return { source, rows, problems: problems.all, rejected };
}

function isValidDate(s: string): boolean {
    const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s);
    if (!m) return false;
    const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(y, mo - 1, d));
    return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** Line number of each non-empty line (the export has no quoted newlines; a quoted one would still be counted). */
function recordLines(text: string): number[] {
    const out: number[] = [];
    text.split(/\r?\n/).forEach((l, i) => {
        if (l.trim() !== "") out.push(i + 1);
    });
    return out;
}

/** Headcount per `Departement` value. */
export function headcountByDepartment(hr: HrExport): Map<string, number> {
    const m = new Map<string, number>();
    for (const r of hr.rows) m.set(r.departement, (m.get(r.departement) ?? 0) + 1);
    return m;
}
