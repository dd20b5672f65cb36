/**
 * The directory lock (`directory.lock.json`, committed beside the stack config and reviewed like a lock file): every
 * person the directory has ever held, by identity, with the account name and mail address they were given and
 * whether they have left. Names are assigned only to identities not in the lock, so a newcomer never renames anyone;
 * a person stays in the lock after leaving, so their name is never reused. Every computer too, with its last owner:
 * a computer that leaves the export is retired (disabled in the departures OU), never forgotten or deleted.
 *
 * One entry per line, sorted, so a review diff shows one line per person who arrived, moved or left.
 */
import { z } from "zod";
import { InputError, Problem, show } from "./errors";

export const LOCK_VERSION = 1;

const entrySchema = z
    .object({
        /** `<first name>|<last name>|<yyyy-mm-dd>`, normalized (ASCII-folded, lower case, single spaces). */
        identity: z.string().regex(/^[^|]+\|[^|]+\|\d{4}-\d{2}-\d{2}$/, "must be <first name>|<last name>|<yyyy-mm-dd>"),
        /** Display name, for the reader and for the departures OU's common name. */
        name: z.string().min(1),
        sam: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,19}$/, "must be 1 to 20 lower-case letters, digits, dots or dashes"),
        mail: z.string().regex(/^[a-z0-9.-]+@[a-z0-9.-]+$/, "must be a lower-case mail address"),
        department: z.string().min(1),
        service: z.string().min(1),
        /**
         * The last six digits of the desk number (`Telephone fixe`) as the export last gave it: enough for any extension
         * rule (model/telephony.ts takes 3 to 6), not the number itself (#16 keeps HR's numbers out of plain files). A
         * leaver's extension stays quarantined by the
         * telephony plan (model/telephony.ts) and is never given to anyone else silently. Absent: no desk number.
         */
        deskDigits: z
            .string()
            .regex(/^[0-9]{1,6}$/, "must be the last 1 to 6 digits of the desk number")
            .optional(),
        /** Hash of the other attributes (title, phones, manager, computer...): a change is an `update`. */
        digest: z.string().regex(/^[0-9a-f]{12}$/, "must be 12 hex digits"),
        left: z.boolean(),
    })
    .strict();

const computerSchema = z
    .object({
        name: z.string().regex(/^[A-Za-z0-9-]{1,15}$/, "must be a computer name (1 to 15 letters, digits or dashes)"),
        /** Account name of its last owner. */
        owner: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,19}$/, "must be an account name"),
        left: z.boolean(),
    })
    .strict();

const lockSchema = z
    .object({
        version: z.literal(LOCK_VERSION),
        people: z.array(entrySchema),
        computers: z.array(computerSchema).default([]),
    })
    .strict();

export type LockEntry = z.output<typeof entrySchema>;
export type LockComputer = z.output<typeof computerSchema>;

export interface DirectoryLock {
    /** Where it was read from, for messages (`directory.lock.json`); absent for the empty lock. */
    readonly source?: string;
    readonly people: readonly LockEntry[];
    readonly computers: readonly LockComputer[];
}

export const EMPTY_LOCK: DirectoryLock = { people: [], computers: [] };

/** Parses a lock file. Throws InputError listing every problem (bad JSON, bad entry, duplicate identity/name). */
export function parseDirectoryLock(text: string, source: string): DirectoryLock {
    const problems: Problem[] = [];
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        throw new InputError(
            [
                {
                    path: source,
                    message: `is not valid JSON (${(e as Error).message})`,
                    fix: "restore it from git, or regenerate it with npm run directory:lock",
                },
            ],
            "invalid directory lock",
        );
    }
    const parsed = lockSchema.safeParse(doc);
    if (!parsed.success) {
        for (const issue of parsed.error.issues) {
            const where = issue.path.reduce<string>((p, k) => (typeof k === "number" ? `${p}[${k}]` : `${p}.${k}`), source);
            const value = issue.path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), doc);
            problems.push({
                path: where,
                message: `is ${show(value)}, which ${issue.message.toLowerCase()}`,
                fix: "restore it from git, or correct the entry",
            });
        }
    }
    // Duplicates, on whatever entries there are (reported with the schema's problems, all at once).
    const list = (k: string) => {
        const raw = (doc as Record<string, unknown> | null)?.[k];
        return Array.isArray(raw) ? (raw as Record<string, unknown>[]) : [];
    };
    const unique: [string, string][] = [
        ["people", "identity"],
        ["people", "sam"],
        ["people", "mail"],
        ["computers", "name"],
    ];
    for (const [table, key] of unique) {
        const seen = new Map<string, number>();
        list(table).forEach((p, i) => {
            const v = p?.[key];
            if (typeof v !== "string") return;
            const first = seen.get(v.toLowerCase());
            if (first !== undefined) {
                problems.push({
                    path: `${source}.${table}[${i}].${key}`,
                    message: `${show(v)} is already the ${key} of ${table}[${first}]`,
                    fix: "keep one entry per person, name and computer (restore the lock from git)",
                });
            } else seen.set(v.toLowerCase(), i);
        });
    }
    if (problems.length > 0 || !parsed.success) throw new InputError(problems, "invalid directory lock");
    return { source, people: parsed.data.people, computers: parsed.data.computers };
}

/** The lock file's text: sorted, one entry per line (a review diff shows one line per change). */
export function renderDirectoryLock(lock: Pick<DirectoryLock, "people" | "computers">): string {
    const byKey =
        <T>(key: (t: T) => string) =>
        (a: T, b: T) =>
            key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
    const people = [...lock.people].sort(byKey((p) => p.identity)).map((p) =>
        JSON.stringify({
            identity: p.identity,
            name: p.name,
            sam: p.sam,
            mail: p.mail,
            department: p.department,
            service: p.service,
            ...(p.deskDigits ? { deskDigits: p.deskDigits } : {}),
            digest: p.digest,
            left: p.left,
        }),
    );
    const computers = [...lock.computers].sort(byKey((c) => c.name.toUpperCase())).map((c) => JSON.stringify({ name: c.name, owner: c.owner, left: c.left }));
    const list = (lines: string[]) => (lines.length ? `[\n${lines.map((l) => "    " + l).join(",\n")}\n  ]` : "[]");
    return `{\n  "version": ${LOCK_VERSION},\n  "people": ${list(people)},\n  "computers": ${list(computers)}\n}\n`;
}
