/**
 * scripts/dc/billu-samba-dns.py, the Samba domain step's DNS helper, run with python3 against a stand-in for Samba's
 * Python bindings (fake-samba/: an in-memory DNS server whose state is a JSON file, every RPC call logged). Pinned: the
 * changes it prints (the step's log lines), the RPC calls it makes (one bind; nothing written when all is right; an
 * update keeps the old record's TTL and flags), its errors and exit codes. The real bindings and a real Samba DC are
 * the dc and mail labs' part (labs/dc: records added, tampered records repaired, a re-run changes nothing).
 */
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { ROOT } from "../helpers";

const HELPER = path.join(ROOT, "scripts", "dc", "billu-samba-dns.py");
const FAKE = path.join(__dirname, "fake-samba");
const BIND = "bind ncacn_ip_tcp:127.0.0.1[sign] as administrator with S3cr3t pass'word (PASSWD in the environment: False)";
const DOMAIN = "billu.remindme.lan";
const ZONES = "10.20.10.in-addr.arpa 21.20.10.in-addr.arpa www.billu.example";
const RECORDS = ["par-fs01\t10.20.10.31\t10.20.10.in-addr.arpa\t31\ta", "par-fw01\t10.20.21.1\t21.20.10.in-addr.arpa\t1\t-", ""].join("\n");
const EXTRA = [
    "billu.remindme.lan\tintranet\tA\t172.16.120.10\t-",
    "www.billu.example\t@\tA\t172.16.120.10\t-",
    "billu.remindme.lan\t@\tMX\tpar-mail01.billu.remindme.lan\t10",
    "",
].join("\n");

type Zones = Record<string, Record<string, string[]>>;
interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
    calls: string[];
    zones: Zones;
}

/** One run of the helper on <zones> (the server's state), with the data files and arguments given. */
function run(
    zones: Zones,
    opts: { records?: string; extra?: string | null; fail?: string[]; refuse?: boolean; env?: Record<string, string>; args?: string[] } = {},
): Run {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-samba-dns-"));
    const file = (name: string, text: string) => (writeFileSync(path.join(dir, name), text), path.join(dir, name));
    const state = file("state.json", JSON.stringify({ zones, fail: opts.fail ?? [], refuse: opts.refuse ?? false }));
    const log = file("calls.log", "");
    const records = file("records.tsv", opts.records ?? RECORDS);
    const extra = opts.extra === null ? [] : ["--extra-records", file("extra-records.tsv", opts.extra ?? EXTRA)];
    const args = opts.args ?? ["--domain", DOMAIN, "--zones", ZONES, "--records", records, ...extra];
    const env = {
        PATH: process.env.PATH,
        PYTHONPATH: FAKE,
        PYTHONDONTWRITEBYTECODE: "1",
        FAKE_DNS: state,
        FAKE_DNS_LOG: log,
        ...(opts.env ?? { PASSWD: "S3cr3t pass'word" }),
    };
    const r = spawnSync("python3", [HELPER, ...args], { env, encoding: "utf8" });
    const calls = readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l !== "");
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls, zones: JSON.parse(readFileSync(state, "utf8")).zones };
}

/** The server before the first run: the AD zone (its apex has the DC's address) and one reverse zone, both empty of ours. */
const FRESH: Zones = { "billu.remindme.lan": { "@": ["A 10.20.10.11"] }, "10.20.10.in-addr.arpa": {} };
/** The server once every zone and record is as planned. */
const PLANNED: Zones = {
    "billu.remindme.lan": { "@": ["A 10.20.10.11", "MX 10 par-mail01.billu.remindme.lan"], intranet: ["A 172.16.120.10"], "par-fs01": ["A 10.20.10.31"] },
    "10.20.10.in-addr.arpa": { "31": ["PTR par-fs01.billu.remindme.lan"] },
    "21.20.10.in-addr.arpa": { "1": ["PTR par-fw01.billu.remindme.lan"] },
    "www.billu.example": { "@": ["A 172.16.120.10"] },
};
/** The reads every run makes: the zone list, then each record's name and type. */
const READS = [
    "EnumZones",
    "EnumRecords billu.remindme.lan par-fs01 A",
    "EnumRecords 10.20.10.in-addr.arpa 31 PTR",
    "EnumRecords 21.20.10.in-addr.arpa 1 PTR",
    "EnumRecords billu.remindme.lan intranet A",
    "EnumRecords www.billu.example @ A",
    "EnumRecords billu.remindme.lan @ MX",
];

describe("billu-samba-dns", () => {
    test("a first run creates the missing zones and adds every record, printing each change in the step's words", () => {
        const r = run(FRESH);
        expect([r.status, r.stderr]).toEqual([0, ""]);
        expect(r.stdout.split("\n")).toEqual([
            "created zone 21.20.10.in-addr.arpa",
            "created zone www.billu.example",
            "A par-fs01 10.20.10.31",
            "PTR 10.20.10.31 par-fs01",
            "PTR 10.20.21.1 par-fw01",
            "A intranet.billu.remindme.lan 172.16.120.10",
            "A www.billu.example 172.16.120.10",
            "MX billu.remindme.lan 10 par-mail01.billu.remindme.lan.",
            "",
        ]);
        expect(r.zones).toEqual(PLANNED);
        // One connection, authenticated as the Administrator with PASSWD's value, PASSWD gone from the environment
        // before the bindings run; a zone is created in the domain's partition with secure updates only.
        expect(r.calls.slice(0, 7)).toEqual([
            BIND,
            "EnumZones",
            "ZoneCreate 21.20.10.in-addr.arpa",
            "AllowUpdate secure 21.20.10.in-addr.arpa",
            "ZoneCreate www.billu.example",
            "AllowUpdate secure www.billu.example",
            "EnumRecords billu.remindme.lan par-fs01 A",
        ]);
        expect(r.calls.filter((c) => c.startsWith("bind "))).toHaveLength(1);
    });

    test("on a server that is as planned it reads, writes nothing and prints nothing", () => {
        const r = run(PLANNED);
        expect([r.status, r.stdout, r.stderr]).toEqual([0, "", ""]);
        expect(r.calls).toEqual([BIND, ...READS]);
        expect(r.zones).toEqual(PLANNED);
    });

    test("names compare as DNS does: another case or a final dot is the same value", () => {
        const zones: Zones = JSON.parse(JSON.stringify(PLANNED));
        zones["10.20.10.in-addr.arpa"]["31"] = ["PTR PAR-FS01.Billu.Remindme.Lan."];
        zones["billu.remindme.lan"]["@"] = ["A 10.20.10.11", "MX 10 PAR-MAIL01.billu.remindme.lan"];
        const r = run(zones);
        expect([r.status, r.stdout, r.stderr]).toEqual([0, "", ""]);
        expect(r.calls).toEqual([BIND, ...READS]);
    });

    test("wrong values are repaired: a host's A and PTR replaced, a service's stray value removed, a changed MX replaced", () => {
        const zones: Zones = JSON.parse(JSON.stringify(PLANNED));
        zones["billu.remindme.lan"]["par-fs01"] = ["A 10.20.10.250"];
        zones["10.20.10.in-addr.arpa"]["31"] = ["PTR par-old01.billu.remindme.lan"];
        zones["www.billu.example"]["@"] = ["A 172.16.120.10", "A 10.20.10.251"];
        zones["billu.remindme.lan"].intranet = ["A 10.20.10.250"];
        zones["billu.remindme.lan"]["@"] = ["A 10.20.10.11", "MX 20 par-mail01.billu.remindme.lan"];
        const r = run(zones);
        expect([r.status, r.stderr]).toEqual([0, ""]);
        expect(r.stdout.split("\n")).toEqual([
            "A par-fs01 10.20.10.250 -> 10.20.10.31",
            "PTR 10.20.10.31 par-old01.billu.remindme.lan -> par-fs01",
            "A intranet.billu.remindme.lan 172.16.120.10",
            "A intranet.billu.remindme.lan: removed 10.20.10.250",
            "A www.billu.example: removed 10.20.10.251",
            "MX billu.remindme.lan 10 par-mail01.billu.remindme.lan.",
            "MX billu.remindme.lan: removed 20 par-mail01.billu.remindme.lan.",
            "",
        ]);
        expect(r.zones).toEqual(PLANNED);
        // A host's record is replaced in one update that keeps the old record's flags, serial, TTL and time stamp.
        expect(r.calls).toContain("UpdateRecord billu.remindme.lan par-fs01 add A 10.20.10.31 (flags 0xf0 serial 7 ttl 3600 stamp 1234) delete A 10.20.10.250");
        expect(r.calls).toContain(
            "UpdateRecord 10.20.10.in-addr.arpa 31 add PTR par-fs01.billu.remindme.lan (flags 0xf0 serial 7 ttl 3600 stamp 1234) delete PTR par-old01.billu.remindme.lan",
        );
        expect(r.calls.filter((c) => c.startsWith("UpdateRecord"))).toHaveLength(7);
        expect(run(r.zones).calls).toEqual([BIND, ...READS]);
    });

    test("without extra records only the zones and the hosts' records are read", () => {
        const r = run(PLANNED, { extra: null });
        expect([r.status, r.stdout, r.stderr]).toEqual([0, "", ""]);
        expect(r.calls).toEqual([BIND, ...READS.slice(0, 4)]);
    });

    test("a record that cannot be written: named on stderr with its line, the others still applied, exit 1", () => {
        const r = run(FRESH, { fail: ["10.20.10.in-addr.arpa/31", "www.billu.example/@"] });
        expect(r.status).toBe(1);
        expect(r.stderr.split("\n")).toEqual([
            "billu-samba-dns: cannot write PTR 31.10.20.10.in-addr.arpa par-fs01.billu.remindme.lan (records.tsv line 1): WERR_ACCESS_DENIED (0x00000005): WERR_ACCESS_DENIED",
            "billu-samba-dns: cannot add A www.billu.example 172.16.120.10 (extra-records.tsv line 2): WERR_ACCESS_DENIED (0x00000005): WERR_ACCESS_DENIED",
            "billu-samba-dns: 2 zone(s) or record(s) could not be read or written (named above)",
            "",
        ]);
        expect(r.stdout.split("\n")).toEqual([
            "created zone 21.20.10.in-addr.arpa",
            "created zone www.billu.example",
            "A par-fs01 10.20.10.31",
            "PTR 10.20.21.1 par-fw01",
            "A intranet.billu.remindme.lan 172.16.120.10",
            "MX billu.remindme.lan 10 par-mail01.billu.remindme.lan.",
            "",
        ]);
    });

    test("a refused connection: exit 1, the reason named", () => {
        const r = run(FRESH, { refuse: true });
        expect([r.status, r.stdout, r.stderr]).toEqual([
            1,
            "",
            "billu-samba-dns: cannot connect to the DNS RPC server of this DC (127.0.0.1): 0xc000006d: The attempted logon is invalid.\n",
        ]);
    });

    test("bad input exits 2 naming the problem, before any connection: no password, a short line, an unknown type or kind", () => {
        const none = run(FRESH, { env: {} });
        expect([none.status, none.stdout, none.stderr, none.calls]).toEqual([
            2,
            "",
            "billu-samba-dns: PASSWD (the domain Administrator's password) is empty or not set\n",
            [],
        ]);
        const short = run(FRESH, { records: "par-fs01\t10.20.10.31\t10.20.10.in-addr.arpa\t31\n" });
        expect([short.status, short.calls]).toEqual([2, []]);
        expect(short.stderr).toMatch(
            /^billu-samba-dns: \/.*\/records\.tsv line 1: 4 tab-separated fields, 5 expected: 'par-fs01\\t10\.20\.10\.31\\t10\.20\.10\.in-addr\.arpa\\t31'\n$/,
        );
        const kind = run(FRESH, { records: "par-fs01\t10.20.10.31\t10.20.10.in-addr.arpa\t31\tx\n" });
        expect([kind.status, kind.stderr.replace(/\/\S*\//, "")]).toEqual([
            2,
            "billu-samba-dns: records.tsv line 1: kind 'x', expected a (A and PTR records) or - (PTR only)\n",
        ]);
        const type = run(FRESH, { extra: "billu.remindme.lan\t@\tTXT\thello\t-\n" });
        expect([type.status, type.stderr.replace(/\/\S*\//, "")]).toEqual([
            2,
            "billu-samba-dns: extra-records.tsv line 1: record type 'TXT' is not supported (A or MX)\n",
        ]);
        const usage = run(FRESH, { args: ["--zones", ZONES] });
        expect([usage.status, usage.calls]).toEqual([2, []]);
        expect(usage.stderr).toContain("billu-samba-dns: error: the following arguments are required: --domain, --records\n");
    });
});
