/**
 * `npm run bench:directory [-- --people 5000] [--synth]`: how long the directory plan of a large export takes.
 * Generates a deterministic export of N people (the sample's departments and services, accented names, homonyms,
 * managers), then times parse + plan with an empty lock (everyone new) and with the resulting lock (everyone
 * known), best of 5. With --synth, also times an offline synth of the dev stack (department zones widened) with that
 * export (one resource per OU and group, people and computers in chunks).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { repoPath } from "../components/paths";
import { planDirectory } from "../model/directory";
import { EMPTY_LOCK } from "../model/directory-lock";
import { HR_COLUMNS, parseHrExport } from "../model/hr";
import { timedNode } from "./bench-child";

const root = repoPath();
const FIRST = [
    "Léa",
    "Théo",
    "Jean-François",
    "Marie-Hélène",
    "Anaïs",
    "Loïc",
    "Gaëlle",
    "Zoé",
    "Noël",
    "Chloé",
    "Raphaël",
    "Maëlle",
    "Benoît",
    "Hélène",
    "Sébastien",
];
const LAST = [
    "Ødegaard",
    "N'Diaye",
    "Van der Berg",
    "Saint-Éxupéry",
    "Müller",
    "Côté",
    "Lefèvre",
    "Després",
    "Bélanger",
    "Traoré",
    "Da Silva",
    "Martinez",
    "Dubois",
    "Æbelø",
];

/** A small deterministic PRNG (mulberry32), so every run benches the same export. */
function rng(seed: number): () => number {
    return () => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/**
 * Person i's desk number, distinct in its last 6 digits (a site's extensions are its last 4 to 6 digits, and two
 * people whose numbers end alike are refused: model/telephony.ts), so everyone gets an extension, as at BillU.
 */
function deskNumber(i: number): string {
    const d = `0140${String(i).padStart(6, "0")}`;
    return d.replace(/(..)(?!$)/g, "$1 ");
}

export function generateExport(people: number): string {
    const sample = readFileSync(path.join(root, "data", "billu-hr.csv"), "utf8")
        .trimEnd()
        .split("\n")
        .slice(1);
    const places = [...new Set(sample.map((l) => l.split(";").slice(5, 7).join(";")))];
    const r = rng(42);
    const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)];
    const rows: string[][] = [];
    const seen = new Set<string>();
    // 40 managers with unique names first, then everyone else (homonyms welcome), each with a manager.
    for (let i = 0; i < people; i++) {
        const manager = i < 40;
        const first = manager ? `Cadre${i}` : pick(FIRST);
        const last = manager ? pick(LAST) : pick(LAST);
        const boss = i === 0 ? ["", ""] : rows[Math.floor(r() * Math.min(i, 40))].slice(1, 3);
        let date: string;
        do {
            const day = String(1 + Math.floor(r() * 28)).padStart(2, "0");
            const month = String(1 + Math.floor(r() * 12)).padStart(2, "0");
            date = `${day}/${month}/${1960 + Math.floor(r() * 45)}`;
        } while (seen.has(`${first}|${last}|${date}`)); // two lines of one person would be a bad export
        seen.add(`${first}|${last}|${date}`);
        const [dept, service] = pick(places).split(";");
        rows.push([
            "M.",
            first,
            last,
            "BillU",
            "Paris",
            dept,
            service,
            "Technicien",
            ...boss,
            `PC${String(i + 1).padStart(5, "0")}`,
            "HP",
            date,
            deskNumber(i),
            "",
        ]);
    }
    return [HR_COLUMNS.join(";"), ...rows.map((x) => x.join(";"))].join("\n") + "\n";
}

/** Best of `runs`: wall-clock and CPU (user + system) milliseconds; on a shared machine CPU is the steadier figure. */
/**
 * synth's arguments for the dev site with <csv> as its HR export (written to a fresh folder with the config of
 * largeDevConfig below), and no directory lock (everyone new): what bench-goals and `--synth` time.
 */
export function largeDevSynthArgs(csv: string): string[] {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-bench-large-"));
    writeFileSync(path.join(dir, "export.csv"), csv);
    writeFileSync(path.join(dir, "Pulumi.dev.yaml"), stringifyYaml(largeDevConfig()));
    return [
        "--stack",
        "dev",
        "--config",
        path.join(dir, "Pulumi.dev.yaml"),
        "--hr-csv",
        path.join(dir, "export.csv"),
        "--directory-lock",
        path.join(dir, "no-lock.json"),
    ];
}

/**
 * The dev stack's config, with every department zone widened to a /16 (and its DHCP pool with it), so the DHCP
 * plan's sizing accepts thousands of people per department (and no DHCP reservation in the old zones).
 */
export function largeDevConfig(): { config: Record<string, unknown> } {
    const doc = parseYaml(readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, any> };
    doc.config["billu:network"].zones
        .filter((z: any) => z.kind === "department")
        .forEach((z: any, k: number) => {
            const net = `10.${100 + k}`;
            Object.assign(z, { cidr: `${net}.0.0/16`, gateway: `${net}.0.1`, dhcp: { enabled: true, poolStart: `${net}.1.0`, poolEnd: `${net}.255.250` } });
        });
    // Reservations name addresses of the original zones: not part of this measurement.
    if (doc.config["billu:dhcp"]) doc.config["billu:dhcp"].reservations = [];
    return doc;
}

function best(runs: number, f: () => void): { wall: number; cpu: number } {
    let wall = Infinity;
    let cpu = Infinity;
    for (let i = 0; i < runs; i++) {
        const t = process.hrtime.bigint();
        const c = process.cpuUsage();
        f();
        const used = process.cpuUsage(c);
        wall = Math.min(wall, Number(process.hrtime.bigint() - t) / 1e6);
        cpu = Math.min(cpu, (used.user + used.system) / 1000);
    }
    return { wall, cpu };
}

const fmt = (m: { wall: number; cpu: number }) => `${m.wall.toFixed(1).padStart(8)} ms wall ${m.cpu.toFixed(1).padStart(8)} ms CPU`;

function main(): void {
    const argv = process.argv.slice(2);
    const n = Number(argv[argv.indexOf("--people") + 1] ?? 5000) || 5000;
    const csv = generateExport(n);
    const cfg = parseYaml(readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, any> };
    const departments = new Set<string>(cfg.config["billu:network"].zones.filter((z: any) => z.kind === "department").map((z: any) => z.department));
    const bytes = Buffer.from(csv);
    const input = (lock = EMPTY_LOCK) => ({ hr: parseHrExport(bytes, "bench.csv"), lock, domain: "billu.remindme.lan", company: "BillU", departments });
    const first = planDirectory(input());
    if (!first.plan)
        throw new Error(
            `the generated export is invalid: ${first.problems
                .slice(0, 3)
                .map((p) => p.message)
                .join("; ")}`,
        );
    const lock = { people: first.plan.lock.people, computers: first.plan.lock.computers };
    const parseMs = best(5, () => parseHrExport(bytes, "bench.csv"));
    const emptyMs = best(5, () => planDirectory(input()));
    const lockedMs = best(5, () => planDirectory(input(lock)));
    const homonyms = first.plan.people.filter((p) => /\d$/.test(p.sam)).length;
    process.stdout.write(
        [
            `directory plan of a ${n}-person export (${first.plan.ous.length} OUs, ${first.plan.groups.length} groups, ${first.plan.computers.length} computers, ${homonyms} suffixed homonyms), best of 5:`,
            `  parse the export                      ${fmt(parseMs)}`,
            `  parse + plan, empty lock (all new)    ${fmt(emptyMs)}`,
            `  parse + plan, full lock (all known)   ${fmt(lockedMs)}`,
            "",
        ].join("\n"),
    );
    if (argv.includes("--synth")) {
        const out = path.join(mkdtempSync(path.join(tmpdir(), "billu-bench-directory-")), "out");
        const p = timedNode(root, path.join(__dirname, "synth.js"), [...largeDevSynthArgs(csv), "--out", out]);
        const count = /(\d+) resources/.exec(p.stdout)?.[1] ?? "?";
        process.stdout.write(
            `  offline synth of dev (department zones widened) with this export   ${(p.wallMs / 1000).toFixed(1).padStart(6)} s (${count} resources, exit ${p.status})\n`,
        );
    }
}

if (require.main === module) main();
