/**
 * The Samba applier's check mode (issue #27), without Samba: scripts/directory/apply_samba.py's main() run by python3
 * against an in-memory stand-in for the directory, so `npm test` pins its report, its exit codes and its result file.
 * labs/directory proves the same against a real Samba AD DC (part 4: four edits by hand, the check, the repair).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { APPLIER, APPLY_SAMBA_PRELUDE, DOMAIN_DN, plannedPerson, ROOT_DN } from "./apply-samba-harness";

/** Stand-ins for ldb and SamDB: the directory is the case's JSON; main() runs with the case's argv. */
const HARNESS =
    APPLY_SAMBA_PRELUDE +
    String.raw`writes = []

class Db:
    def search(self, base, scope, expression, attrs):
        table = {
            "(objectClass=organizationalUnit)": "ous",
            "(objectClass=group)": "groups",
            "(&(objectCategory=person)(objectClass=user))": "users",
            "(objectClass=computer)": "computers",
        }[expression]
        return [Msg(o["dn"], o["attrs"]) for o in case["live"].get(table, [])]
    def modify_ldif(self, text):
        writes.append(text)
    def rename(self, a, b):
        writes.append("rename %s -> %s" % (a, b))
    def transaction_start(self):
        pass
    def transaction_commit(self):
        pass

mod.load_lp = lambda conf: None
mod.open_samdb = lambda conf, lp=None: Db()
code = mod.main(sys.argv[2:])
sys.stdout.flush()
print("WRITES " + json.dumps(writes))
print("EXIT %d" % code)
`;

const OU_RH = `OU=Recrutement,OU=RH,OU=Utilisateurs,${ROOT_DN}`;
const OU_DSI = `OU=Exploitation,OU=DSI,OU=Utilisateurs,${ROOT_DN}`;
const DEPARTS = `OU=Departs,${ROOT_DN}`;
const GROUPS = `OU=Groupes,${ROOT_DN}`;
const ADMIN_DN = `CN=Administrator,CN=Users,${DOMAIN_DN}`;
const DA_DN = `CN=Domain Admins,CN=Users,${DOMAIN_DN}`;

function person(sam: string, dn: string, phone: string) {
    return plannedPerson(sam, dn, { department: "RH", telephoneNumber: phone, groups: ["GG_RH"], password: `pw-${sam}` });
}

const LEA = person("lea.laurent", `CN=lea.laurent,${OU_RH}`, "01 23 45 67 89");
const MARC = person("marc.petit", `CN=marc.petit,${OU_RH}`, "01 98 76 54 32");
const PLAN = {
    version: 1,
    domainDn: DOMAIN_DN,
    rootDn: ROOT_DN,
    departuresDn: DEPARTS,
    ous: [{ dn: OU_RH, name: "Recrutement", description: "RH / Recrutement" }],
    groups: [{ sam: "GG_RH", dn: `CN=GG_RH,${GROUPS}`, description: "RH" }],
    privilegedGroups: [{ sam: "Domain Admins", members: ["Administrator"] }],
    users: [LEA, MARC, { sam: "gaelle.thomas", dn: `CN=gaelle.thomas,${DEPARTS}`, cn: "gaelle.thomas", enabled: false, groups: [] }],
    computers: [],
};

interface Entry {
    dn: string;
    attrs: Record<string, string | string[]>;
}
interface Live {
    ous: Entry[];
    groups: Entry[];
    users: Entry[];
}

/** The live directory exactly as the plan wants it. */
function inSync(): Live {
    const user = (u: typeof LEA): Entry => ({
        dn: u.dn,
        attrs: {
            sAMAccountName: u.sam,
            userAccountControl: "512",
            userPrincipalName: u.upn,
            mail: u.mail,
            displayName: u.displayName,
            department: u.department,
            company: u.company,
            telephoneNumber: u.telephoneNumber,
            memberOf: [`CN=GG_RH,${GROUPS}`],
        },
    });
    return {
        ous: [{ dn: OU_RH, attrs: { description: "RH / Recrutement" } }],
        groups: [
            { dn: `CN=GG_RH,${GROUPS}`, attrs: { sAMAccountName: "GG_RH", description: "RH", member: [LEA.dn, MARC.dn] } },
            { dn: DA_DN, attrs: { sAMAccountName: "Domain Admins", member: [ADMIN_DN] } },
        ],
        users: [
            user(LEA),
            user(MARC),
            { dn: `CN=gaelle.thomas,${DEPARTS}`, attrs: { sAMAccountName: "gaelle.thomas", userAccountControl: "514" } },
            { dn: ADMIN_DN, attrs: { sAMAccountName: "Administrator", userAccountControl: "512", memberOf: [DA_DN] } },
        ],
    };
}

/** The four edits of issue #27 by hand: lea moved to DSI, marc made a domain admin, the leaver re-enabled, marc's phone. */
function edited(): Live {
    const live = inSync();
    const [lea, marc, gaelle] = live.users;
    lea.dn = `CN=lea.laurent,${OU_DSI}`;
    live.groups[0].attrs.member = [lea.dn, MARC.dn];
    live.groups[1].attrs.member = [ADMIN_DN, MARC.dn];
    marc.attrs.memberOf = [`CN=GG_RH,${GROUPS}`, DA_DN];
    marc.attrs.telephoneNumber = "01 00 00 00 00";
    gaelle.attrs.userAccountControl = "512";
    return live;
}

interface Run {
    stdout: string[];
    stderr: string;
    writes: string[];
    exit: number;
}

function run(argv: string[], live: Live, plan: unknown = PLAN): Run {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "billu-check-"));
    const planPath = path.join(dir, "plan.json");
    fs.writeFileSync(planPath, typeof plan === "string" ? plan : JSON.stringify(plan));
    const args = argv.map((a) => a.replace("{plan}", planPath).replace("{dir}", dir));
    const r = spawnSync("python3", ["-c", HARNESS, APPLIER, ...args], { input: JSON.stringify({ live }), encoding: "utf8" });
    if (r.error) throw new Error("python3 is required by the unit suite");
    const lines = r.stdout.split("\n").filter((l) => l !== "");
    const exitLine = lines.pop() ?? "";
    const writesLine = lines.pop() ?? "WRITES []";
    const exit = exitLine.startsWith("EXIT ") ? Number(exitLine.slice(5)) : (r.status ?? -1);
    return {
        stdout: lines.map((l) => l.replace(/ in \d+\.\d\d s/, " in N s").replace(/\(\d+\.\d\d s CPU\)/, "(N s CPU)")),
        stderr: r.stderr,
        writes: JSON.parse(writesLine.slice(7)),
        exit,
    };
}

const FOUR = [
    `drift: Domain Admins | member | planned ["Administrator"] | live ["Administrator", "marc.petit"] | privileged`,
    `drift: gaelle.thomas | enabled | planned false | live true`,
    `drift: lea.laurent | dn | planned "CN=lea.laurent,${OU_RH}" | live "CN=lea.laurent,${OU_DSI}"`,
    `drift: marc.petit | telephoneNumber | planned "[secret]" | live "[secret]"`,
];

describe("apply_samba.py --check", () => {
    test("in sync: no difference, exit 0, nothing written", () => {
        const r = run(["--plan", "{plan}", "--check"], inSync());
        expect(r).toEqual({
            stdout: ["directory check: in sync (planned: 1 OUs, 1 groups, 3 accounts, 0 computers, 1 privileged groups) in N s, nothing written"],
            stderr: "",
            writes: [],
            exit: 0,
        });
    });

    test("the four edits by hand: exactly those four, sorted, planned and live values, phone numbers never shown; exit 1, nothing written", () => {
        const r = run(["--plan", "{plan}", "--check"], edited());
        expect(r).toEqual({
            stdout: [
                ...FOUR,
                "directory check: 4 difference(s), 1 in privileged groups (planned: 1 OUs, 1 groups, 3 accounts, 0 computers, 1 privileged groups) in N s, nothing written",
            ],
            stderr: "",
            writes: [],
            exit: 1,
        });
    });

    test("--result writes the verdict for monitoring: counts, the time of the check, the differences", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "billu-result-"));
        const result = path.join(dir, "status.json");
        const before = Date.now();
        const r = run(["--plan", "{plan}", "--check", "--result", result], edited());
        expect(r.exit).toBe(1);
        const doc = JSON.parse(fs.readFileSync(result, "utf8"));
        const checkedAt = Date.parse(doc.checkedAt);
        expect(checkedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
        expect(checkedAt).toBeLessThanOrEqual(Date.now());
        expect({ ...doc, checkedAt: "T" }).toEqual({
            version: 1,
            checkedAt: "T",
            inSync: false,
            drift: 4,
            privilegedDrift: 1,
            differences: [
                { object: "Domain Admins", attribute: "member", planned: ["Administrator"], live: ["Administrator", "marc.petit"], privileged: true },
                { object: "gaelle.thomas", attribute: "enabled", planned: false, live: true, privileged: false },
                { object: "lea.laurent", attribute: "dn", planned: LEA.dn, live: `CN=lea.laurent,${OU_DSI}`, privileged: false },
                { object: "marc.petit", attribute: "telephoneNumber", planned: "[secret]", live: "[secret]", privileged: false },
            ],
        });
        expect(fs.readdirSync(dir)).toEqual(["status.json"]);
        expect(fs.readFileSync(result, "utf8")).not.toContain("01 00 00 00 00");
    });

    test("privileged groups have no tolerance: a member the plan does not name is drift even when it is a group", () => {
        const live = inSync();
        live.groups[1].attrs.member = [ADMIN_DN, `CN=GG_RH,${GROUPS}`];
        const r = run(["--plan", "{plan}", "--check"], live);
        expect(r.stdout[0]).toBe(`drift: Domain Admins | member | planned ["Administrator"] | live ["Administrator", "GG_RH"] | privileged`);
        expect(r.exit).toBe(1);
    });

    test("a planned member missing from a privileged group is drift too", () => {
        const live = inSync();
        live.groups[1].attrs.member = [];
        const r = run(["--plan", "{plan}", "--check"], live);
        expect(r.stdout[0]).toBe(`drift: Domain Admins | member | planned ["Administrator"] | live [] | privileged`);
    });

    test("a staff group membership changed by hand is reported per account", () => {
        const live = inSync();
        live.users[0].attrs.memberOf = [];
        const r = run(["--plan", "{plan}", "--check"], live);
        expect(r.stdout[0]).toBe(`drift: lea.laurent | memberOf | planned ["GG_RH"] | live []`);
        expect(r.exit).toBe(1);
    });
});

describe("apply_samba.py --check: bad input exits 2, naming the file, the key and the fix", () => {
    const FIX = "the plan is rendered by synth (components/directory): re-run the directory step, or restore the file";

    test("a plan that is not JSON", () => {
        const r = run(["--plan", "{plan}", "--check"], inSync(), "{oops");
        expect(r.exit).toBe(2);
        expect(r.stderr).toMatch(
            /^directory check: bad input: \/.*\/plan\.json: not JSON \(Expecting property name enclosed in double quotes: line 1 column 2 \(char 1\)\): /,
        );
        expect(r.stderr).toContain(FIX);
        expect(r.stderr).not.toContain("Traceback");
    });

    test("an entry without its key", () => {
        const plan = { ...PLAN, users: [{ ...LEA, sam: undefined }], privilegedGroups: [{ sam: "Domain Admins", members: "Administrator" }] };
        const r = run(["--plan", "{plan}", "--check"], inSync(), plan);
        expect(r.exit).toBe(2);
        expect(r.stderr.replace(/: \/\S+\/plan\.json: /, ": plan.json: ")).toBe(
            `directory check: bad input: plan.json: users[0].sam is null, not a str; privilegedGroups[0].members is "Administrator", not a list: ${FIX}\n`,
        );
    });

    test("a plan that does not exist", () => {
        const r = run(["--plan", "{dir}/nope.json", "--check"], inSync());
        expect(r.exit).toBe(2);
        expect(r.stderr).toMatch(/^directory check: bad input: \/\S+\/nope\.json: cannot be read \(No such file or directory\): /);
    });

    test("--result without --check, --check with --dry-run: usage errors (exit 2)", () => {
        for (const argv of [
            ["--plan", "{plan}", "--result", "{dir}/x.json"],
            ["--plan", "{plan}", "--check", "--dry-run"],
        ]) {
            const r = spawnSync("python3", ["-c", HARNESS, APPLIER, ...argv], { input: JSON.stringify({ live: inSync() }), encoding: "utf8" });
            expect(r.status).toBe(2);
        }
    });
});

describe("apply_samba.py repairs the drift (the same diff, written)", () => {
    test("the four edits: one change per drifted object, the extra domain admin removed, nothing else", () => {
        const r = run(["--plan", "{plan}"], edited());
        expect(r.exit).toBe(0);
        expect(r.writes).toEqual([
            `rename CN=lea.laurent,${OU_DSI} -> ${LEA.dn}`,
            `dn: ${MARC.dn}\nchangetype: modify\nreplace: telephoneNumber\ntelephoneNumber: 01 98 76 54 32\n-\n`,
            `dn: CN=gaelle.thomas,${DEPARTS}\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 514\n-\n`,
            `dn: ${DA_DN}\nchangetype: modify\ndelete: member\nmember: ${MARC.dn}\n-\n`,
        ]);
        expect(r.stdout).toEqual([
            "directory: 4 change(s) written in one transaction: 3 modify, 1 rename (planned: 1 OUs, 1 groups, 3 accounts, 0 computers) in N s (N s CPU)",
        ]);
    });
});

describe("apply_samba.py: homeDirectory and homeDrive (the home share), owned only when the plan carries them", () => {
    const HOME = String.raw`\\par-fs01.billu.remindme.lan\home$\lea.laurent`;
    const HOME_PLAN = { ...PLAN, users: [{ ...LEA, homeDirectory: HOME, homeDrive: "H:" }, ...PLAN.users.slice(1)] };
    /** lea's account with the home attributes <dir> and <drive>. */
    function withHome(dir: string, drive: string): Live {
        const live = inSync();
        live.users[0].attrs.homeDirectory = dir;
        live.users[0].attrs.homeDrive = drive;
        return live;
    }

    test("as planned: in sync, exit 0, nothing written", () => {
        const r = run(["--plan", "{plan}", "--check"], withHome(HOME, "H:"), HOME_PLAN);
        expect([r.stdout.slice(0, -1), r.exit, r.writes]).toEqual([[], 0, []]);
    });

    test("--check reports a homeDirectory changed by hand, with both values; exit 1, nothing written", () => {
        const r = run(["--plan", "{plan}", "--check"], withHome(String.raw`\\par-fs01.billu.remindme.lan\commun`, "H:"), HOME_PLAN);
        expect(r.stdout.slice(0, -1)).toEqual([
            String.raw`drift: lea.laurent | homeDirectory | planned "\\\\par-fs01.billu.remindme.lan\\home$\\lea.laurent" | live "\\\\par-fs01.billu.remindme.lan\\commun"`,
        ]);
        expect([r.exit, r.writes]).toEqual([1, []]);
    });

    test("the step sets absent ones in one modify of exactly the two attributes", () => {
        const r = run(["--plan", "{plan}"], inSync(), HOME_PLAN);
        expect(r.exit).toBe(0);
        expect(r.writes).toEqual([
            `dn: ${LEA.dn}\nchangetype: modify\nreplace: homeDirectory\nhomeDirectory: ${HOME}\n-\nreplace: homeDrive\nhomeDrive: H:\n-\n`,
        ]);
    });

    test("a plan without them (no home share) leaves a live homeDirectory alone", () => {
        const r = run(["--plan", "{plan}", "--check"], withHome(String.raw`\\elsewhere\x`, "K:"));
        expect([r.exit, r.writes]).toEqual([0, []]);
    });
});
