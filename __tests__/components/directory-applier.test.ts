/**
 * The Samba applier's adoption rule, without Samba: scripts/directory/apply_samba.py run by python3 against an
 * in-memory stand-in for ldb and SamDB (the directory's current state), so `npm test` proves the rule on any machine.
 * The directory lab proves the same against a real Samba AD DC (labs/directory, case 4).
 */
import { spawnSync } from "child_process";
import { APPLIER, APPLY_SAMBA_PRELUDE, DOMAIN_DN, ROOT_DN } from "./apply-samba-harness";

/** The applier's diff against the case's directory (APPLY_SAMBA_PRELUDE: the stand-ins for the modules it imports). */
const HARNESS =
    APPLY_SAMBA_PRELUDE +
    String.raw`
class Db:
    def search(self, base, scope, expression, attrs):
        if expression == "(objectClass=computer)":
            return [Msg(c["dn"], {"sAMAccountName": c["sam"], "description": "Dell", "userAccountControl": "4096"}) for c in case["computers"]]
        if expression == "(objectClass=group)":
            return [Msg(g["dn"], {"sAMAccountName": g["sam"]}) for g in case.get("groups", [])]
        if expression == "(&(objectCategory=person)(objectClass=user))":
            return [Msg(u["dn"], dict(u["attrs"])) for u in case.get("users", [])]
        return []

applier = mod.Applier(Db(), case["plan"], case.get("secrets", {}))
applier.snapshot()
applier.diff()
print(json.dumps({"refusals": applier.refusals, "ops": [[op.kind, op.dn, op.new_dn] for op in applier.ops], "ldif": [op.ldif(redact=True) for op in applier.ops]}))
`;

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
    const { refusals, ops } = run({ plan: PLAN, computers: dn ? [{ sam: "PC0998$", dn }] : [] });
    return { refusals, ops };
}

function run(c: object): { refusals: string[]; ops: (string | null)[][]; ldif: string[] } {
    const r = spawnSync("python3", ["-c", HARNESS, APPLIER], { input: JSON.stringify(c), encoding: "utf8" });
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

describe("apply_samba.py and the acceptance account (billu:directory.acceptance, as renderApplierPlan writes it)", () => {
    const OU = `OU=Acceptance,${ROOT_DN}`;
    const DN = `CN=svc-acceptance,${OU}`;
    const SSH = `CN=GG_SSH_Linux,CN=Users,${DOMAIN_DN}`;
    const user = {
        sam: "svc-acceptance",
        dn: DN,
        cn: "svc-acceptance",
        enabled: true,
        upn: "svc-acceptance@billu.remindme.lan",
        mail: "",
        displayName: "svc-acceptance",
        givenName: "",
        sn: "",
        title: "",
        department: "",
        company: "",
        telephoneNumber: "",
        mobile: "",
        manager: "",
        groups: [],
        password: "pw-svc-acceptance",
        mustChangePassword: false,
        extraGroups: ["GG_SSH_Linux"],
    };
    const plan = { rootDn: ROOT_DN, domainDn: DOMAIN_DN, ous: [], groups: [], users: [user], computers: [] };
    const secrets = { "pw-svc-acceptance": "x" };

    test("created with its password, no pwdLastSet 0 (nobody changes it), and added to the domain step's SSH group", () => {
        const r = run({ plan, computers: [], groups: [{ sam: "GG_SSH_Linux", dn: SSH }], secrets });
        expect(r.refusals).toEqual([]);
        expect(r.ops).toEqual([
            ["add", DN, null],
            ["modify", SSH, null],
        ]);
        expect(r.ldif[0]).toBe(
            `dn: ${DN}\nchangetype: add\nobjectClass: user\nsAMAccountName: svc-acceptance\nuserPrincipalName: svc-acceptance@billu.remindme.lan\ndisplayName: svc-acceptance\nuserAccountControl: 512\nunicodePwd:: [secret]\n`,
        );
        expect(r.ldif[1]).toBe(`dn: ${SSH}\nchangetype: modify\nadd: member\nmember: ${DN}\n-\n`);
    });

    test("already in the SSH group: nothing to write", () => {
        const attrs = { sAMAccountName: "svc-acceptance", userAccountControl: "512", userPrincipalName: user.upn, displayName: user.sam, memberOf: SSH };
        const r = run({ plan, computers: [], groups: [{ sam: "GG_SSH_Linux", dn: SSH }], users: [{ dn: DN, attrs }], secrets });
        expect(r).toEqual({ refusals: [], ops: [], ldif: [] });
    });

    test("the SSH group missing (no domain step ran): refused, naming the group and what creates it", () => {
        const r = run({ plan, computers: [], groups: [], secrets });
        expect(r.refusals).toEqual(["the group GG_SSH_Linux of svc-acceptance does not exist (the DC's domain step creates it: run it first)"]);
    });
});
