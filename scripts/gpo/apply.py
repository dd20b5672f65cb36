#!/usr/bin/python3
"""Applies BillU's Group Policy plan to a Samba AD DC (billu-infra, components/gpo).

Reads the manifest (gpos.json, rendered by components/gpo/render.ts: every GPO with its files in base64, its
client-side extension names and security filtering, the links per OU in link order, the files for the domain's
SYSVOL share) and, on the local sam.ldb and SYSVOL folder:

- creates each GPO missing by display name: the groupPolicyContainer with its User and Machine containers, as
  `samba-tool gpo create` makes them, but through the local sam.ldb (samba-tool gpo create needs network
  credentials of a Group Policy creator for its SMB connection; this step runs as root on the DC only);
- installs the files of each part (Machine, User) only when their bytes differ, and then bumps that part of the
  version (computer: +1, user: +65536) in GPT.INI and versionNumber, so a re-run changes nothing and a changed
  setting bumps exactly its GPO and part; sets gPCMachineExtensionNames / gPCUserExtensionNames;
- security filtering: Apply Group Policy (and Read) for the planned principals, Apply removed from Authenticated
  Users when the GPO is filtered (Read kept, as GPMC does);
- links: each planned OU's gPLink holds the planned GPOs in link order (link order 1 is the last entry, as
  [MS-GPOL] 2.2.2 reads it), enforced ones with flag 2; links to GPOs this plan does not manage are kept, first;
- copies the SYSVOL share files (the wallpaper) when they differ;
- then `samba-tool ntacl sysvolreset` when anything in SYSVOL changed (the folder ACLs follow the GPOs' AD ACLs).

Usage: apply.py --manifest gpos.json [--sysvol DIR] [--smb-conf FILE]
--sysvol defaults to the path of smb.conf's [sysvol] share, the folder `samba-tool ntacl sysvolreset` resets (a
fixed /var/lib/samba/sysvol wrote the files where Samba does not serve them on a DC whose state directory differs).
Prints one line per change. Exit 0: applied or nothing to do; 1: failed.
"""
import argparse
import base64
import json
import os
import re
import subprocess
import sys
import uuid

import ldb
from samba.auth import system_session
from samba.dcerpc import security
from samba.ndr import ndr_pack, ndr_unpack
from samba.param import LoadParm
from samba.samdb import SamDB

APPLY_GROUP_POLICY = "edacfd8f-ffb3-11d1-b41d-00a0c968f939"
WELL_KNOWN = {"Authenticated Users": "S-1-5-11"}
DOMAIN_RIDS = {"Domain Users": 513, "Domain Computers": 515, "Domain Admins": 512}
PARTS = {"machine": ("Machine", 1), "user": ("User", 65536)}


def log(msg):
    print("gpo: " + msg, flush=True)


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".billu-tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def find_gpo(samdb, policies_dn, name):
    res = samdb.search(policies_dn, scope=ldb.SCOPE_ONELEVEL, expression="(&(objectClass=groupPolicyContainer)(displayName=%s))" % ldb.binary_encode(name),
                       attrs=["cn", "versionNumber", "gPCMachineExtensionNames", "gPCUserExtensionNames"])
    if len(res) > 1:
        raise SystemExit("gpo: %d GPOs are named %r: rename or delete all but one, the step finds GPOs by display name" % (len(res), name))
    return res[0] if res else None


def create_gpo(samdb, policies_dn, realm, sysvol_dir, name):
    guid = "{%s}" % str(uuid.uuid4()).upper()
    dn = ldb.Dn(samdb, "CN=%s,%s" % (guid, policies_dn))
    samdb.transaction_start()
    try:
        m = ldb.Message(dn)
        m["objectClass"] = ldb.MessageElement("groupPolicyContainer", ldb.FLAG_MOD_ADD, "objectClass")
        m["displayName"] = ldb.MessageElement(name, ldb.FLAG_MOD_ADD, "displayName")
        m["gPCFileSysPath"] = ldb.MessageElement("\\\\%s\\sysvol\\%s\\Policies\\%s" % (realm, realm, guid), ldb.FLAG_MOD_ADD, "gPCFileSysPath")
        m["versionNumber"] = ldb.MessageElement("0", ldb.FLAG_MOD_ADD, "versionNumber")
        m["gPCFunctionalityVersion"] = ldb.MessageElement("2", ldb.FLAG_MOD_ADD, "gPCFunctionalityVersion")
        m["flags"] = ldb.MessageElement("0", ldb.FLAG_MOD_ADD, "flags")
        samdb.add(m)
        for child in ("User", "Machine"):
            c = ldb.Message(ldb.Dn(samdb, "CN=%s,%s" % (child, dn)))
            c["objectClass"] = ldb.MessageElement("container", ldb.FLAG_MOD_ADD, "objectClass")
            samdb.add(c)
    except Exception:
        samdb.transaction_cancel()
        raise
    samdb.transaction_commit()
    folder = os.path.join(sysvol_dir, realm, "Policies", guid)
    for sub in ("Machine", "User"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    write(os.path.join(folder, "GPT.INI"), b"[General]\r\nVersion=0\r\n")
    log("created %s %s" % (guid, name))
    return guid


def part_files_differ(folder, files):
    return any(read(os.path.join(folder, f["path"])) != base64.b64decode(f["base64"]) for f in files)


def installed_part_files(folder, sub):
    out = []
    for root, _dirs, names in os.walk(os.path.join(folder, sub)):
        for n in names:
            out.append(os.path.relpath(os.path.join(root, n), folder).replace(os.sep, "/"))
    return sorted(out)


def sid_of(samdb, domain_sid, principal):
    if principal in WELL_KNOWN:
        return WELL_KNOWN[principal]
    if principal in DOMAIN_RIDS:
        return "%s-%d" % (domain_sid, DOMAIN_RIDS[principal])
    res = samdb.search(samdb.domain_dn(), scope=ldb.SCOPE_SUBTREE, expression="(&(objectClass=group)(sAMAccountName=%s))" % ldb.binary_encode(principal), attrs=["objectSid"])
    if len(res) != 1:
        raise SystemExit("gpo: the group %r of the security filtering is not in the directory: run the directory step first" % principal)
    return str(ndr_unpack(security.dom_sid, res[0]["objectSid"][0]))


def set_filtering(samdb, dn, sids, filtered):
    """The GPO's DACL: Apply Group Policy and Read for `sids`; Authenticated Users keep Read, lose Apply if filtered."""
    res = samdb.search(dn, scope=ldb.SCOPE_BASE, attrs=["nTSecurityDescriptor"], controls=["sd_flags:1:4"])
    sd = ndr_unpack(security.descriptor, res[0]["nTSecurityDescriptor"][0])
    domain_sid = samdb.get_domain_sid()
    sddl = sd.as_sddl(security.dom_sid(domain_sid))
    head, body = sddl.split("D:", 1)
    flags_m = re.match(r"^([A-Z]*)", body)
    dflags = flags_m.group(1)
    aces = re.findall(r"\([^)]*\)", body[len(dflags):].split("S:")[0])
    tail = "S:" + body.split("S:", 1)[1] if "S:" in body else ""
    keep = [a for a in aces if APPLY_GROUP_POLICY not in a.lower()]
    want = list(keep)
    apply_sids = [s for s in sids if not (filtered and s == "S-1-5-11")]
    if not filtered and "S-1-5-11" not in apply_sids:
        apply_sids.append("S-1-5-11")
    dsid = security.dom_sid(domain_sid)

    def norm(ace):
        # The ACE as as_sddl writes it (a domain group's SID as its alias: DU, DC, DA), so comparisons hold.
        return security.descriptor.from_sddl("D:" + ace, dsid).as_sddl(dsid).split("D:", 1)[1]

    for s in apply_sids + ["S-1-5-11"]:
        # Read for each principal; Authenticated Users keep Read when filtered (clients read every GPO in scope).
        read_ace = norm("(A;CI;LCRPLORC;;;%s)" % s)
        if not any(a.upper() == read_ace.upper() for a in want):
            want.append(read_ace)
    for s in apply_sids:
        want.append(norm("(OA;CI;CR;%s;;%s)" % (APPLY_GROUP_POLICY, s)))
    new_sddl = "%sD:%s%s%s" % (head, dflags, "".join(want), tail)
    new_sd = security.descriptor.from_sddl(new_sddl, security.dom_sid(domain_sid))
    if new_sd.as_sddl(security.dom_sid(domain_sid)) == sddl:
        return False
    msg = ldb.Message(dn)
    msg["nTSecurityDescriptor"] = ldb.MessageElement(ndr_pack(new_sd), ldb.FLAG_MOD_REPLACE, "nTSecurityDescriptor")
    samdb.modify(msg, controls=["sd_flags:1:4"])
    return True


def parse_gplink(value):
    return [(m.group(1), int(m.group(2))) for m in re.finditer(r"\[LDAP://([^;\]]+);(\d+)\]", value or "")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--sysvol")
    ap.add_argument("--smb-conf", default=os.environ.get("BILLU_SMB_CONF"))
    args = ap.parse_args()
    with open(args.manifest, encoding="utf-8") as f:
        plan = json.load(f)

    lp = LoadParm()
    if args.smb_conf:
        lp.load(args.smb_conf)
    else:
        lp.load_default()
    if not args.sysvol:
        args.sysvol = lp.get("path", "sysvol")
        if not args.sysvol:
            raise SystemExit("gpo: smb.conf has no [sysvol] share: this is not a provisioned Samba AD DC")
    samdb = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
    realm = plan["domain"]
    domain_dn = str(samdb.domain_dn())
    if domain_dn.lower() != plan["domainDn"].lower():
        raise SystemExit("gpo: this DC's domain is %s, the plan's %s" % (domain_dn, plan["domainDn"]))
    policies_dn = "CN=Policies,CN=System," + domain_dn
    domain_sid = samdb.get_domain_sid()
    sysvol_changed = False
    gpo_dn_by_name = {}

    for g in plan["gpos"]:
        found = find_gpo(samdb, policies_dn, g["name"])
        guid = str(found["cn"][0]) if found else create_gpo(samdb, policies_dn, realm, args.sysvol, g["name"])
        sysvol_changed |= found is None
        dn = ldb.Dn(samdb, "CN=%s,%s" % (guid, policies_dn))
        gpo_dn_by_name[g["name"]] = str(dn)
        folder = os.path.join(args.sysvol, realm, "Policies", guid)
        cur = samdb.search(dn, scope=ldb.SCOPE_BASE, attrs=["versionNumber", "gPCMachineExtensionNames", "gPCUserExtensionNames"])[0]
        version = int(str(cur.get("versionNumber", idx=0) or "0"))
        bump = 0
        for part, (sub, step) in PARTS.items():
            files = [f for f in g["files"] if f["part"] == part]
            planned = sorted(f["path"] for f in files)
            installed = installed_part_files(folder, sub)
            if planned == installed and not part_files_differ(folder, files):
                continue
            for path in installed:
                if path not in planned:
                    os.remove(os.path.join(folder, path))
            for f in files:
                write(os.path.join(folder, f["path"]), base64.b64decode(f["base64"]))
            os.makedirs(os.path.join(folder, sub), exist_ok=True)
            bump += step
            log("%s: %s files updated" % (g["name"], sub))
        gpt = read(os.path.join(folder, "GPT.INI"))
        m = re.search(rb"Version=(\d+)", gpt or b"")
        on_disk = int(m.group(1)) if m else -1
        new_version = max(version, on_disk if on_disk >= 0 else 0) + bump
        msg = ldb.Message(dn)
        if new_version != version:
            msg["versionNumber"] = ldb.MessageElement(str(new_version), ldb.FLAG_MOD_REPLACE, "versionNumber")
        for attr, key in (("gPCMachineExtensionNames", "machineExtensions"), ("gPCUserExtensionNames", "userExtensions")):
            want, have = g[key], str(cur.get(attr, idx=0) or "")
            if want != have:
                msg[attr] = ldb.MessageElement(want, ldb.FLAG_MOD_REPLACE, attr) if want else ldb.MessageElement([], ldb.FLAG_MOD_DELETE, attr)
        if len(msg) > 0:
            samdb.modify(msg)
        if new_version != on_disk:
            write(os.path.join(folder, "GPT.INI"), ("[General]\r\nVersion=%d\r\ndisplayName=%s\r\n" % (new_version, g["name"])).encode("utf-8"))
            sysvol_changed = True
            log("%s: version %d -> %d" % (g["name"], version, new_version))
        sids = [sid_of(samdb, domain_sid, p) for p in g["applyTo"]]
        if set_filtering(samdb, dn, sids, g["filtered"]):
            sysvol_changed = True
            log("%s: security filtering %s" % (g["name"], ", ".join(g["applyTo"])))

    managed = {v.lower() for v in gpo_dn_by_name.values()}
    for link in plan["links"]:
        res = samdb.search(link["dn"], scope=ldb.SCOPE_BASE, attrs=["gPLink"])
        current = str(res[0].get("gPLink", idx=0) or "")
        foreign = [(d, f) for d, f in parse_gplink(current) if d.lower() not in managed]
        # Link order 1 is the last entry: ours in reverse planned order, after the links this plan does not manage.
        ours = [(gpo_dn_by_name[x["name"]], 2 if x["enforced"] else 0) for x in reversed(link["gpos"])]
        want = "".join("[LDAP://%s;%d]" % e for e in foreign + ours)
        if want != current:
            msg = ldb.Message(ldb.Dn(samdb, link["dn"]))
            msg["gPLink"] = ldb.MessageElement(want, ldb.FLAG_MOD_REPLACE, "gPLink")
            samdb.modify(msg)
            log("links of %s: %s" % (link["dn"], ", ".join(x["name"] for x in link["gpos"])))

    for f in plan["sysvolFiles"]:
        path = os.path.join(args.sysvol, realm, f["path"])
        data = base64.b64decode(f["base64"])
        if read(path) != data:
            write(path, data)
            sysvol_changed = True
            log("SYSVOL file %s" % f["path"])

    if sysvol_changed:
        cmd = ["samba-tool", "ntacl", "sysvolreset"] + (["-s", args.smb_conf] if args.smb_conf else [])
        subprocess.run(cmd, check=True)
        log("SYSVOL ACLs reset")
    return 0


if __name__ == "__main__":
    sys.exit(main())
