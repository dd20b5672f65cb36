/**
 * The Samba applier's adoption rule, without Samba: scripts/directory/apply_samba.py run by python3 against an
 * in-memory stand-in for ldb and SamDB (the directory's current state), so `npm test` proves the rule on any machine.
 * The directory lab proves the same against a real Samba AD DC (labs/directory, case 4).
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { ROOT } from "../helpers";

const APPLIER = path.join(ROOT, "scripts", "directory", "apply_samba.py");

/** Stand-ins for the modules the applier imports; a DN's case-folded form is its upper-case text. */
const HARNESS = String.raw`
import importlib.util, json, sys, types

class LdbError(Exception):
    pass

class Dn:
    def __init__(self, db, dn):
        self.dn = dn
    def get_casefold(self):
        return self.dn.upper()
    def __str__(self):
        return self.dn

class Msg(dict):
    def __init__(self, dn, attrs):
        super().__init__({k: [v] for k, v in attrs.items()})
        self.dn = dn

ldb = types.ModuleType("ldb")
ldb.Dn, ldb.LdbError, ldb.SCOPE_SUBTREE = Dn, LdbError, 2
sys.modules["ldb"] = ldb
for name in ("samba", "samba.auth", "samba.param", "samba.samdb"):
    sys.modules[name] = types.ModuleType(name)
sys.modules["samba.auth"].system_session = None
sys.modules["samba.param"].LoadParm = None
sys.modules["samba.samdb"].SamDB = None

spec = importlib.util.spec_from_file_location("apply_samba", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)

case = json.load(sys.stdin)

class Db:
    def search(self, base, scope, expression, attrs):
        if expression == "(objectClass=computer)":
            return [Msg(c["dn"], {"sAMAccountName": c["sam"], "description": "Dell", "userAccountControl": "4096"}) for c in case["computers"]]
        return []

applier = mod.Applier(Db(), case["plan"], {})
applier.snapshot()
applier.diff()
print(json.dumps({"refusals": applier.refusals, "ops": [[op.kind, op.dn, op.new_dn] for op in applier.ops]}))
`;

const DOMAIN_DN = "DC=billu,DC=remindme,DC=lan";
const ROOT_DN = `OU=BillU,${DOMAIN_DN}`;
const PLANNED = `CN=PC0998,OU=Qualité,OU=QHSE,OU=Ordinateurs,${ROOT_DN}`;
const PLAN = {
    rootDn: ROOT_DN,
    domainDn: DOMAIN_DN,
    ous: [],
    groups: [],
    users: [],
    computers: [{ name: "PC0998", sam: "PC0998$", dn: PLANNED, description: "Dell", owner: "paul.durand", enabled: true }],
};

/** The applier's verdict for the plan above when PC0998$ already exists at `dn` (or nowhere). */
function verdict(dn?: string): { refusals: string[]; ops: (string | null)[][] } {
    const r = spawnSync("python3", ["-c", HARNESS, APPLIER], {
        input: JSON.stringify({ plan: PLAN, computers: dn ? [{ sam: "PC0998$", dn }] : [] }),
        encoding: "utf8",
    });
    expect(r.error ? "python3 is required by the unit suite" : r.stderr).toBe("");
    return JSON.parse(r.stdout);
}

const refusal = (dn: string) =>
    `computer PC0998$ exists at ${dn}, outside ${ROOT_DN}: the directory adopts only computer accounts it created (a machine that joined the domain by itself is never taken over); rename the export's "Nom de PC", or move the account into ${ROOT_DN} by hand if it really is this person's`;

describe("apply_samba.py adopts a computer account only under the managed OU", () => {
    test("a machine that joined the domain by itself (CN=Computers): refused with the exact sentence, nothing planned", () => {
        const dn = `CN=PC0998,CN=Computers,${DOMAIN_DN}`;
        expect(verdict(dn)).toEqual({ refusals: [refusal(dn)], ops: [] });
    });

    test("anywhere else outside the managed OU (a server's OU, the domain controllers): refused", () => {
        for (const dn of [`CN=PC0998,OU=Serveurs,${DOMAIN_DN}`, `CN=PC0998,OU=Domain Controllers,${DOMAIN_DN}`]) {
            expect(verdict(dn)).toEqual({ refusals: [refusal(dn)], ops: [] });
        }
    });

    test("an account the applier created, under the managed OU: adopted (moved to its planned OU)", () => {
        const dn = `CN=PC0998,OU=Departs,${ROOT_DN}`;
        expect(verdict(dn)).toEqual({ refusals: [], ops: [["rename", dn, PLANNED]] });
    });

    test("no account yet: created", () => {
        expect(verdict()).toEqual({ refusals: [], ops: [["add", PLANNED, null]] });
    });
});
