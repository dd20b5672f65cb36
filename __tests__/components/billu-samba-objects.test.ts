/**
 * scripts/dc/billu-samba-objects.py, the Samba domain step's subnets and groups helper, run with python3 against a
 * stand-in for Samba's bindings (fake-samba/: a directory whose state is a JSON file, every call logged). Pinned: what
 * it prints (the step's log lines), that it opens the directory once and creates only what is missing, its errors and
 * exit codes. A real Samba DC is the dc and mail labs' part (the lab members' logons need the groups).
 */
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { renderObjectsTsv } from "../../components/domain-controller/samba";
import { ROOT, model, stackRaw } from "../helpers";

const HELPER = path.join(ROOT, "scripts", "dc", "billu-samba-objects.py");
const FAKE = path.join(__dirname, "fake-samba");
const CONFIG = "CN=Configuration,DC=billu,DC=remindme,DC=lan";
const OBJECTS = [
    "site\tPAR",
    "subnet\t10.20.0.0/24\tPAR",
    "subnet\t10.20.10.0/24\tPAR",
    "group\tGRP-Linux-SSH",
    "group\tGRP-Linux-Sudo",
    "user\tsvc-domain-join",
    "delegate\tsvc-domain-join\tCN=Computers,DC=billu,DC=remindme,DC=lan",
    "",
].join("\n");

interface Sam {
    sites: string[];
    subnets: Record<string, string>;
    groups: string[];
    fail?: string[];
    broken?: boolean;
}

function run(sam: Sam, objects = OBJECTS, args?: string[]) {
    const dir = mkdtempSync(path.join(tmpdir(), "billu-samba-objects-"));
    const state = path.join(dir, "sam.json");
    const log = path.join(dir, "calls.log");
    const file = path.join(dir, "objects.tsv");
    writeFileSync(state, JSON.stringify(sam));
    writeFileSync(log, "");
    writeFileSync(file, objects);
    const env = { PATH: process.env.PATH, PYTHONPATH: FAKE, PYTHONDONTWRITEBYTECODE: "1", FAKE_SAM: state, FAKE_SAM_LOG: log };
    const r = spawnSync("python3", [HELPER, ...(args ?? ["--objects", file])], { env, encoding: "utf8" });
    const calls = readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l !== "");
    return { status: r.status, stdout: r.stdout, stderr: r.stderr.split(dir + "/").join(""), calls, sam: JSON.parse(readFileSync(state, "utf8")) as Sam };
}

const EMPTY: Sam = { sites: ["PAR"], subnets: {}, groups: [] };
const DONE: Sam = { sites: ["PAR"], subnets: { "10.20.0.0/24": "PAR", "10.20.10.0/24": "PAR" }, groups: ["GRP-Linux-SSH", "GRP-Linux-Sudo"] };
const SEARCHES = [
    `search CN=Subnets,CN=Sites,${CONFIG} 1 (cn=10.20.0.0/24)`,
    `search CN=Subnets,CN=Sites,${CONFIG} 1 (cn=10.20.10.0/24)`,
    "search DC=billu,DC=remindme,DC=lan 2 (&(objectClass=group)(sAMAccountName=GRP-Linux-SSH))",
    "search DC=billu,DC=remindme,DC=lan 2 (&(objectClass=group)(sAMAccountName=GRP-Linux-Sudo))",
];

describe("billu-samba-objects", () => {
    test("the lines it reads are the ones the domain step renders (subnet <cidr> <site>, group <name>)", () => {
        const rows = renderObjectsTsv(model(stackRaw("dev")).domain!).split("\n");
        expect(rows).toContain("subnet\t10.20.10.0/24\tPAR");
        expect(rows).toContain("group\tGRP-Linux-SSH");
    });

    test("a first run creates each missing subnet (linked to its site) and group, once, printing each in the step's words", () => {
        const r = run(EMPTY);
        expect([r.status, r.stderr, r.stdout]).toEqual([
            0,
            "",
            "subnet 10.20.0.0/24 -> PAR\nsubnet 10.20.10.0/24 -> PAR\ngroup GRP-Linux-SSH\ngroup GRP-Linux-Sudo\n",
        ]);
        expect(r.sam).toEqual(DONE);
        expect(r.calls).toEqual([
            "open /var/lib/samba/private/sam.ldb as system",
            SEARCHES[0],
            "transaction_start",
            `create_subnet ${CONFIG} 10.20.0.0/24 PAR`,
            "transaction_commit",
            SEARCHES[1],
            "transaction_start",
            `create_subnet ${CONFIG} 10.20.10.0/24 PAR`,
            "transaction_commit",
            SEARCHES[2],
            "newgroup GRP-Linux-SSH 0x80000002",
            SEARCHES[3],
            "newgroup GRP-Linux-Sudo 0x80000002",
        ]);
    });

    test("when all is there it only looks, and prints nothing", () => {
        const r = run(DONE);
        expect([r.status, r.stdout, r.stderr]).toEqual([0, "", ""]);
        expect(r.calls).toEqual(["open /var/lib/samba/private/sam.ldb as system", ...SEARCHES]);
    });

    test("a file without subnets or groups does not open the directory", () => {
        const r = run(EMPTY, "site\tPAR\nuser\tsvc-domain-join\n");
        expect([r.status, r.stdout, r.stderr, r.calls]).toEqual([0, "", "", []]);
    });

    test("an object that cannot be created: named with its line on stderr, the others still made, exit 1", () => {
        const r = run({ sites: [], subnets: {}, groups: [], fail: ["GRP-Linux-SSH"] });
        expect(r.status).toBe(1);
        expect(r.stderr.split("\n")).toEqual([
            "billu-samba-objects: cannot create subnet 10.20.0.0/24 (objects.tsv line 2): A site with the name PAR does not exist",
            "billu-samba-objects: cannot create subnet 10.20.10.0/24 (objects.tsv line 3): A site with the name PAR does not exist",
            "billu-samba-objects: cannot create group GRP-Linux-SSH (objects.tsv line 4): insufficient access rights",
            "billu-samba-objects: 3 object(s) could not be created (named above)",
            "",
        ]);
        expect(r.stdout).toBe("group GRP-Linux-Sudo\n");
        // A failed subnet's transaction is cancelled, not left open.
        expect(r.calls.filter((c) => c.startsWith("transaction_"))).toEqual([
            "transaction_start",
            "transaction_cancel",
            "transaction_start",
            "transaction_cancel",
        ]);
    });

    test("a directory that cannot be opened: exit 1, named", () => {
        const r = run({ ...EMPTY, broken: true });
        expect([r.status, r.stdout, r.stderr]).toEqual([
            1,
            "",
            "billu-samba-objects: cannot open the directory /var/lib/samba/private/sam.ldb: Unable to open tdb '/var/lib/samba/private/sam.ldb': No such file or directory\n",
        ]);
    });

    test("bad input exits 2 naming the line, before opening anything", () => {
        const kind = run(EMPTY, "site\tPAR\nsubnt\t10.20.0.0/24\tPAR\n");
        expect([kind.status, kind.stderr, kind.calls]).toEqual([
            2,
            "billu-samba-objects: objects.tsv line 2: kind 'subnt', expected one of site, subnet, group, user, delegate\n",
            [],
        ]);
        const short = run(EMPTY, "subnet\t10.20.0.0/24\n");
        expect([short.status, short.stderr, short.calls]).toEqual([
            2,
            "billu-samba-objects: objects.tsv line 1: 2 tab-separated fields, 3 expected for a subnet: 'subnet\\t10.20.0.0/24'\n",
            [],
        ]);
        const usage = run(EMPTY, OBJECTS, []);
        expect([usage.status, usage.calls]).toEqual([2, []]);
        expect(usage.stderr).toContain("billu-samba-objects: error: the following arguments are required: --objects\n");
    });
});
