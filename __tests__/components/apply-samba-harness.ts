/**
 * What the tests of scripts/directory/apply_samba.py share (directory-applier, directory-check, directory-onboarding):
 * the Python prelude that stands in for ldb and the samba modules and loads the applier, the domain's DNs, and a
 * planned person with every attribute the plan carries. Each test appends its own Db stand-in and its own main.
 */
import * as path from "path";
import { ROOT } from "../helpers";

export const APPLIER = path.join(ROOT, "scripts", "directory", "apply_samba.py");

/**
 * Python, run as `python3 -c <prelude + the test's part> <APPLIER> <argv...>`: stand-ins for ldb (a DN's case-folded
 * form is its upper-case text; Msg holds each attribute as a list, as ldb does) and for samba, samba.auth, samba.param
 * and samba.samdb (names only); then the applier loaded as `mod`, and `case`, the JSON on stdin.
 */
export const APPLY_SAMBA_PRELUDE = String.raw`
import importlib.util, json, os, sys, types

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
        super().__init__({k: (v if isinstance(v, list) else [v]) for k, v in attrs.items()})
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
`;

export const DOMAIN_DN = "DC=billu,DC=remindme,DC=lan";
export const ROOT_DN = `OU=BillU,${DOMAIN_DN}`;

/** A planned, enabled person at <dn> as the directory plan carries one (empty attributes, no group), with <fields> over it. */
export function plannedPerson(sam: string, dn: string, fields: Record<string, unknown> = {}) {
    return {
        sam,
        dn,
        cn: sam,
        enabled: true,
        upn: `${sam}@billu.remindme.lan`,
        mail: `${sam}@billu.remindme.lan`,
        displayName: sam,
        givenName: "",
        sn: "",
        title: "",
        department: "",
        company: "BillU",
        telephoneNumber: "",
        mobile: "",
        manager: "",
        groups: [] as string[],
        ...fields,
    };
}
