#!/usr/bin/python3
"""Applies BillU's directory plan to a Samba AD DC (billu-infra, components/directory).

Reads the plan (plan.json: OUs, groups, users and computers as planned from the HR export), reads the directory's
current state in one pass over the local sam.ldb, computes only the differences and writes them as one LDIF change
set in one transaction: the same plan twice writes nothing, and a failure writes nothing either. The service
accounts' initial passwords (acceptance, drift reader) come from the guest step's secrets file (lines `<name>TAB<hex of
the value>`); they are set only when an account is created and are never printed (the change log shows
`unicodePwd:: [secret]`).

New people (issue #24): a person's plan entry carries no password. The applier generates each new person's initial
password itself (Python's `secrets`, AD complexity), sets it with "must change at first logon" (pwdLastSet 0), and
writes in the same run an onboarding sheet (plan key `onboarding`: one `;` CSV per run that created people: sam, upn,
display name, department, initial password, created at) into the folder the DC shares as the hidden `onboarding$`.
The sheet is created 0600 (root only), given an NT ACL (mirrored in POSIX ACLs) that lets the readers' group read it
and nobody else (SYSTEM and Administrators aside), all before the directory transaction commits: a failure leaves
neither accounts nor a sheet. Sheets older than the plan's retentionDays are deleted by every run.

Safety: a planned account, group or computer that already exists outside the managed OU (CN=Computers included: only
this applier creates accounts under the managed OU) is never adopted; the run stops before writing anything.
The privileged groups the plan names (privilegedGroups: Domain Admins, ...) hold exactly their planned members: an
extra member is removed, a missing one added back.

Check mode (--check, issue #27): the same plan, the same read, the same diff, nothing written. Each difference is one
line `drift: <object> | <attribute> | planned <JSON> | live <JSON>` (object: an OU's DN, else a sAMAccountName; a
privileged group's line ends `| privileged`), sorted; phone numbers show as "[secret]". --result <file> also writes
the verdict as JSON for monitoring (checkedAt, drift, privilegedDrift, differences), replaced atomically.
Exit 0 in sync, 1 drift, 2 bad input (a plan that cannot be read, a wrong flag), 3 the directory could not be read.

Remote check (--url ldaps://<DC>, npm run directory:drift from a management host): the same check over LDAPS as a
read-only account (--user <account@realm>, its password on stdin's first line, never an argument), the DC's
certificate verified against --ca-file for the URL's host (Samba's "tls verify peer = ca_and_name": a name, not an
address), a simple bind inside TLS (the management host needs no krb5.conf). Only with --check: a remote run never writes.

Usage: apply_samba.py --plan plan.json --secrets <file> [--smb-conf <file>] [--dry-run] [--log <file>]
       apply_samba.py --plan plan.json --check [--result <file>] [--smb-conf <file>]
       apply_samba.py --plan plan.json --check --url ldaps://<DC> --user <account@realm> --ca-file <pem> < password
The smb.conf is BILLU_SMB_CONF, else Samba's default. Exit 0: applied or nothing to do; 1: refused or failed.
"""
import argparse
import base64
import datetime
import csv
import io
import json
import os
import re
import secrets as csprng
import sys
import time

import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

UF_ACCOUNTDISABLE = 0x2
UF_PASSWD_NOTREQD = 0x20
UF_NORMAL_ACCOUNT = 0x200
UF_WORKSTATION_TRUST_ACCOUNT = 0x1000
# ADS_GROUP_TYPE_GLOBAL_GROUP | ADS_GROUP_TYPE_SECURITY_ENABLED, as a signed 32-bit value.
GLOBAL_SECURITY_GROUP = -2147483646
# The attributes the plan owns on a present person's account: an empty planned value means "absent".
USER_ATTRS = ["userPrincipalName", "mail", "displayName", "givenName", "sn", "title", "department", "company", "telephoneNumber", "mobile", "ipPhone", "homeDirectory", "homeDrive"]
# Owned only when the plan carries the key: ipPhone (the extension, issue #26) on a site with a PBX; elsewhere it is
# left as it is. A leaver's planned ipPhone is "" (their quarantined extension rings nobody): cleared when disabled.
# homeDirectory and homeDrive (the account's folder on the home share, billu:fileserver.homeShare/homeDrive) only with a
# home share, and only for present people: a leaver's are kept, as their folder is.
OPTIONAL_ATTRS = {"ipPhone", "homeDirectory", "homeDrive"}
PLAN_KEYS = {"userPrincipalName": "upn"}
# Secret inputs of the account (components/directory): a check names the attribute, never the value.
SECRET_ATTRS = {"telephoneNumber", "mobile"}


class Refused(Exception):
    pass


# A new person's initial password (issue #24), the alphabet of the service accounts' RandomPassword
# (components/directory/Directory.ts accountPassword): AD refuses a password holding a 3-letter run of the user's name
# (Windows checks name tokens), so the letters are consonants only. 20 characters, at least 3 digits and 2 of each of
# upper, lower and symbol (AD's complexity needs 3 of the 4 classes), the rest from all; ~114 bits.
PW_DIGITS = "0123456789"
PW_UPPER = "BCDFGHJKLMNPQRSTVWXZ"
PW_LOWER = "bcdfghjkmnpqrstvwxz"
PW_SYMBOLS = "!#%+-=?@_"
PW_LENGTH = 20


def initial_password():
    chars = [csprng.choice(PW_DIGITS) for _ in range(3)]
    for pool in (PW_UPPER, PW_LOWER, PW_SYMBOLS):
        chars += [csprng.choice(pool) for _ in range(2)]
    every = PW_DIGITS + PW_UPPER + PW_LOWER + PW_SYMBOLS
    chars += [csprng.choice(every) for _ in range(PW_LENGTH - len(chars))]
    csprng.SystemRandom().shuffle(chars)
    return "".join(chars)


# The onboarding folder's and each sheet's NT ACL (SDDL): owner Administrators, SYSTEM and Administrators full control,
# the readers' group (%s: its SID) read (the folder: read and traverse, inherited). Protected (P): nothing inherited
# from above, so no Domain Users, no Everyone, no creator.
FOLDER_SDDL = "O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;%s)"
SHEET_SDDL = "O:BAG:SYD:PAI(A;;FA;;;SY)(A;;FA;;;BA)(A;;0x120089;;;%s)"
SHEET_NAME = re.compile(r"^onboarding-(\d{8}T\d{6}Z)(?:-\d+)?\.csv$")
SHEET_COLUMNS = ["sam", "upn", "displayName", "department", "initialPassword", "createdAt"]


def ldif_line(attr, value):
    """One LDIF attribute line: the value as is when it is a SAFE-STRING (RFC 2849), else base64."""
    safe = value == "" or (all(0x20 <= ord(c) < 0x7F for c in value) and value[0] not in " :<" and not value.endswith(" "))
    if safe:
        return "%s: %s" % (attr, value)
    return "%s:: %s" % (attr, base64.b64encode(value.encode("utf-8")).decode("ascii"))


class Op:
    """One change: an LDIF record (add or modify) or a rename. `log` is its LDIF with secrets redacted."""

    def __init__(self, kind, dn, lines=None, new_dn=None, secret_lines=None):
        self.kind = kind
        self.dn = dn
        self.lines = lines or []
        self.secret_lines = secret_lines or []
        self.new_dn = new_dn

    def ldif(self, redact):
        head = [ldif_line("dn", self.dn)]
        if self.kind == "rename":
            rdn, parent = split_dn(self.new_dn)
            return "\n".join(head + ["changetype: modrdn", ldif_line("newrdn", rdn), "deleteoldrdn: 1", ldif_line("newsuperior", parent)]) + "\n"
        secret = [l.split("::")[0] + ":: [secret]" for l in self.secret_lines] if redact else self.secret_lines
        return "\n".join(head + ["changetype: " + self.kind] + self.lines + secret) + "\n"

    def apply(self, samdb):
        if self.kind == "rename":
            samdb.rename(ldb.Dn(samdb, self.dn), ldb.Dn(samdb, self.new_dn))
        else:
            samdb.modify_ldif(self.ldif(redact=False))


def split_dn(dn):
    """(first RDN, parent DN) of a DN string, honouring escaped commas."""
    i = 0
    while i < len(dn):
        if dn[i] == "\\":
            i += 2
            continue
        if dn[i] == ",":
            return dn[:i], dn[i + 1 :]
        i += 1
    return dn, ""


def computer_outside(sam, dn, root_dn):
    """The refusal for a planned computer that exists outside the managed OU (the Windows applier prints the same)."""
    return (
        "computer %s exists at %s, outside %s: the directory adopts only computer accounts it created (a machine that "
        'joined the domain by itself is never taken over); rename the export\'s "Nom de PC", or move the account into '
        "%s by hand if it really is this person's" % (sam, dn, root_dn, root_dn)
    )


def read_secrets(path):
    secrets = {}
    if not path:
        return secrets
    with open(path, "rb") as f:
        for raw in f.read().decode("utf-8").splitlines():
            if "\t" in raw:
                name, value = raw.split("\t", 1)
                secrets[name] = bytes.fromhex(value).decode("utf-8")
    return secrets


def first(msg, attr):
    if attr in msg and len(msg[attr]) > 0:
        return str(msg[attr][0])
    return ""


def values(msg, attr):
    return [str(v) for v in msg[attr]] if attr in msg else []


class Applier:
    def __init__(self, samdb, plan, secrets, checking=False):
        self.db = samdb
        self.plan = plan
        self.secrets = secrets
        self.checking = checking
        self.ops = []
        self.refusals = []
        # The differences between the plan and the live directory: (object, attribute, planned, live, privileged).
        self.drift = []
        # The people this run creates, with their generated initial passwords (issue #24): the onboarding sheet's rows.
        self.new_people = []
        self.root = self.fold(plan["rootDn"])

    def differ(self, obj, attr, planned, live, privileged=False):
        if attr in SECRET_ATTRS:
            planned, live = "[secret]" if planned else "", "[secret]" if live else ""
        self.drift.append((obj, attr, planned, live, privileged))

    def fold(self, dn):
        return ldb.Dn(self.db, dn).get_casefold()

    def under(self, dn, parent_folded):
        return self.fold(dn).endswith("," + parent_folded) or self.fold(dn) == parent_folded

    # ----------------------------------------------------------------------------------------- current state
    def snapshot(self):
        base = self.plan["domainDn"]
        self.ous = {self.fold(str(m.dn)): m for m in self.db.search(base, ldb.SCOPE_SUBTREE, "(objectClass=organizationalUnit)", ["description"])}
        self.groups = {
            first(m, "sAMAccountName").lower(): m for m in self.db.search(base, ldb.SCOPE_SUBTREE, "(objectClass=group)", ["sAMAccountName", "description", "member"])
        }
        self.users = {
            first(m, "sAMAccountName").lower(): m
            for m in self.db.search(
                base,
                ldb.SCOPE_SUBTREE,
                "(&(objectCategory=person)(objectClass=user))",
                ["sAMAccountName", "userAccountControl", "memberOf", "manager", "logonHours"] + USER_ATTRS,
            )
        }
        self.computers = {
            first(m, "sAMAccountName").lower(): m
            for m in self.db.search(base, ldb.SCOPE_SUBTREE, "(objectClass=computer)", ["sAMAccountName", "description", "managedBy", "userAccountControl"])
        }
        # Who a DN names, for links (manager, managedBy) and memberships: compared by account, not by DN text.
        self.sam_of_dn = {}
        self.name_of_dn = {}  # the account name as AD spells it, for the check's report
        for table in (self.users, self.groups, self.computers):
            for sam, m in table.items():
                self.sam_of_dn[self.fold(str(m.dn))] = sam
                self.name_of_dn[self.fold(str(m.dn))] = first(m, "sAMAccountName")

    # ------------------------------------------------------------------------------------------------ the diff
    def diff(self):
        self.diff_ous()
        self.diff_groups()
        self.diff_users()
        self.diff_computers()
        self.diff_links()
        self.diff_memberships()
        self.diff_privileged()

    def modify(self, dn, changes, extra=None):
        """changes: [(attr, value or None)]; None deletes the attribute. extra: LDIF change lines as they are."""
        lines = list(extra or [])
        for attr, value in changes:
            if value is None:
                lines += ["delete: " + attr, "-"]
            else:
                lines += ["replace: " + attr, ldif_line(attr, value), "-"]
        if lines:
            self.ops.append(Op("modify", dn, lines))

    def diff_ous(self):
        for ou in self.plan["ous"]:
            cur = self.ous.get(self.fold(ou["dn"]))
            if cur is None:
                self.differ(ou["dn"], "exists", "present", "absent")
                self.ops.append(Op("add", ou["dn"], ["objectClass: organizationalUnit", ldif_line("description", ou["description"])]))
            elif first(cur, "description") != ou["description"]:
                self.differ(ou["dn"], "description", ou["description"], first(cur, "description"))
                self.modify(ou["dn"], [("description", ou["description"])])

    def diff_groups(self):
        self.group_dn = {}
        for g in self.plan["groups"]:
            cur = self.groups.get(g["sam"].lower())
            self.group_dn[g["sam"].lower()] = g["dn"]
            if cur is None:
                self.differ(g["sam"], "exists", "present", "absent")
                self.ops.append(
                    Op(
                        "add",
                        g["dn"],
                        [
                            "objectClass: group",
                            ldif_line("sAMAccountName", g["sam"]),
                            "groupType: %d" % GLOBAL_SECURITY_GROUP,
                            ldif_line("description", g["description"]),
                        ],
                    )
                )
                continue
            if not self.under(str(cur.dn), self.root):
                self.differ(g["sam"], "dn", g["dn"], str(cur.dn))
                self.refusals.append("group %s exists outside %s (%s)" % (g["sam"], self.plan["rootDn"], cur.dn))
                continue
            if self.fold(str(cur.dn)) != self.fold(g["dn"]):
                self.differ(g["sam"], "dn", g["dn"], str(cur.dn))
                self.ops.append(Op("rename", str(cur.dn), new_dn=g["dn"]))
            if first(cur, "description") != g["description"]:
                self.differ(g["sam"], "description", g["description"], first(cur, "description"))
                self.modify(g["dn"], [("description", g["description"])])

    def diff_users(self):
        self.user_dn = {}
        for u in self.plan["users"]:
            sam = u["sam"].lower()
            cur = self.users.get(sam)
            if cur is None:
                if not u["enabled"]:
                    continue  # left before it was ever created: nothing to keep
                self.user_dn[sam] = u["dn"]
                self.differ(u["sam"], "exists", "present", "absent")
                if self.checking:
                    continue  # a check creates nothing: no password needed
                if "password" in u:  # a service account: the stack's generated password
                    password = self.secrets.get(u["password"])
                    if password is None:
                        self.refusals.append("no initial password (secret %s) for the new account %s" % (u["password"], u["sam"]))
                        continue
                else:  # a person (issue #24): generated here, delivered in the onboarding sheet
                    password = initial_password()
                    self.new_people.append(
                        {
                            "sam": u["sam"],
                            "upn": u.get("upn", ""),
                            "displayName": u.get("displayName", ""),
                            "department": u.get("department", ""),
                            "initialPassword": password,
                        }
                    )
                lines = ["objectClass: user", ldif_line("sAMAccountName", u["sam"])]
                for attr in USER_ATTRS:
                    v = u.get(PLAN_KEYS.get(attr, attr), "")
                    if v != "":
                        lines.append(ldif_line(attr, v))
                # Enabled, with a password the user must change at first logon (pwdLastSet 0); the acceptance account
                # (mustChangePassword false) keeps its generated one.
                lines += ["userAccountControl: %d" % UF_NORMAL_ACCOUNT]
                if u.get("logonHours"):
                    lines.append("logonHours:: " + base64.b64encode(bytes.fromhex(u["logonHours"])).decode("ascii"))
                if u.get("mustChangePassword", True):
                    lines.append("pwdLastSet: 0")
                pw = base64.b64encode(('"%s"' % password).encode("utf-16-le")).decode("ascii")
                self.ops.append(Op("add", u["dn"], lines, secret_lines=["unicodePwd:: " + pw]))
                continue
            if not self.under(str(cur.dn), self.root):
                self.differ(u["sam"], "dn", u["dn"], str(cur.dn))
                self.refusals.append("account %s exists outside %s (%s)" % (u["sam"], self.plan["rootDn"], cur.dn))
                continue
            self.user_dn[sam] = u["dn"]
            if self.fold(str(cur.dn)) != self.fold(u["dn"]):
                self.differ(u["sam"], "dn", u["dn"], str(cur.dn))
                self.ops.append(Op("rename", str(cur.dn), new_dn=u["dn"]))
            changes = []
            for attr in USER_ATTRS:
                if attr in OPTIONAL_ATTRS and attr not in u:
                    continue
                if u["enabled"] or attr in OPTIONAL_ATTRS:
                    want = u[PLAN_KEYS.get(attr, attr)]
                    have = first(cur, attr)
                    if want != have:
                        self.differ(u["sam"], attr, want, have)
                        changes.append((attr, want if want != "" else None))
            uac = int(first(cur, "userAccountControl") or UF_NORMAL_ACCOUNT)
            want_uac = (uac & ~UF_ACCOUNTDISABLE) if u["enabled"] else (uac | UF_ACCOUNTDISABLE)
            if want_uac != uac:
                # As the Windows applier reports it (AD's Enabled): the one bit the plan owns.
                self.differ(u["sam"], "enabled", u["enabled"], not uac & UF_ACCOUNTDISABLE)
                changes.append(("userAccountControl", str(want_uac)))
            self.modify(u["dn"], changes, self.logon_hours_lines(u, cur))

    def logon_hours_lines(self, u, cur):
        """logonHours (21 bytes, binary): the plan's hex when it has the key ("" = absent), untouched without it."""
        if "logonHours" not in u:
            return []
        want = bytes.fromhex(u["logonHours"])
        have = bytes(cur["logonHours"][0]) if "logonHours" in cur and len(cur["logonHours"]) > 0 else b""
        if want == have:
            return []
        self.differ(u["sam"], "logonHours", want.hex(), have.hex())
        if not want:
            return ["delete: logonHours", "-"]
        return ["replace: logonHours", "logonHours:: " + base64.b64encode(want).decode("ascii"), "-"]

    def diff_computers(self):
        self.computer_dn = {}
        for c in self.plan["computers"]:
            sam = c["sam"].lower()
            cur = self.computers.get(sam)
            if cur is None:
                if not c["enabled"]:
                    continue  # retired before it was ever created: nothing to keep
                self.computer_dn[sam] = c["dn"]
                self.differ(c["sam"], "exists", "present", "absent")
                lines = [
                    "objectClass: computer",
                    ldif_line("sAMAccountName", c["sam"]),
                    # A pre-staged workstation account, as ADUC creates it: enabled, password set by the join.
                    "userAccountControl: %d" % (UF_WORKSTATION_TRUST_ACCOUNT | UF_PASSWD_NOTREQD),
                ]
                if c["description"]:
                    lines.append(ldif_line("description", c["description"]))
                self.ops.append(Op("add", c["dn"], lines))
                continue
            if not self.under(str(cur.dn), self.root):
                # Only the applier creates computer accounts under the managed OU: one anywhere else (CN=Computers
                # included) is a machine that joined the domain by itself, or a server, and is never taken over.
                self.differ(c["sam"], "dn", c["dn"], str(cur.dn))
                self.refusals.append(computer_outside(c["sam"], str(cur.dn), self.plan["rootDn"]))
                continue
            self.computer_dn[sam] = c["dn"]
            if self.fold(str(cur.dn)) != self.fold(c["dn"]):
                self.differ(c["sam"], "dn", c["dn"], str(cur.dn))
                self.ops.append(Op("rename", str(cur.dn), new_dn=c["dn"]))
            changes = []
            if c["enabled"] and first(cur, "description") != c["description"]:
                self.differ(c["sam"], "description", c["description"], first(cur, "description"))
                changes.append(("description", c["description"] or None))
            uac = int(first(cur, "userAccountControl") or UF_WORKSTATION_TRUST_ACCOUNT)
            want_uac = (uac & ~UF_ACCOUNTDISABLE) if c["enabled"] else (uac | UF_ACCOUNTDISABLE)
            if want_uac != uac:
                self.differ(c["sam"], "enabled", c["enabled"], not uac & UF_ACCOUNTDISABLE)
                changes.append(("userAccountControl", str(want_uac)))
            self.modify(c["dn"], changes)

    def linked_sam(self, msg, attr):
        dn = first(msg, attr)
        return self.sam_of_dn.get(self.fold(dn), "?" + dn) if dn else ""

    def linked_name(self, msg, attr):
        """What a link names, for the check's report: the account name as AD spells it, else the DN."""
        dn = first(msg, attr)
        return self.name_of_dn.get(self.fold(dn), dn) if dn else ""

    def diff_links(self):
        """manager (users) and managedBy (computers): compared by account, written with the planned DNs."""
        for u in self.plan["users"]:
            sam = u["sam"].lower()
            if not u["enabled"] or sam not in self.user_dn:
                continue
            want = u["manager"].lower()
            have = self.linked_sam(self.users[sam], "manager") if sam in self.users else ""
            if want != have:
                if sam in self.users:
                    self.differ(u["sam"], "manager", u["manager"], self.linked_name(self.users[sam], "manager"))
                if want and want not in self.user_dn:
                    self.refusals.append("the manager %s of %s has no account" % (want, u["sam"]))
                    continue
                self.modify(u["dn"], [("manager", self.user_dn[want] if want else None)])
        for c in self.plan["computers"]:
            sam = c["sam"].lower()
            if sam not in self.computer_dn:
                continue
            want = c["owner"].lower()
            have = self.linked_sam(self.computers[sam], "managedBy") if sam in self.computers else ""
            if want != have and want in self.user_dn:
                if sam in self.computers:
                    self.differ(c["sam"], "managedBy", c["owner"], self.linked_name(self.computers[sam], "managedBy"))
                self.modify(c["dn"], [("managedBy", self.user_dn[want])])

    def diff_memberships(self):
        """Each account in exactly its planned staff groups; members the plan does not manage are left alone."""
        managed = {self.fold(g["dn"]): g["sam"].lower() for g in self.plan["groups"]}
        for sam, m in self.groups.items():
            if sam in self.group_dn:
                managed[self.fold(str(m.dn))] = sam
        spelled = {g["sam"].lower(): g["sam"] for g in self.plan["groups"]}
        adds, removes = {}, {}
        for u in self.plan["users"]:
            sam = u["sam"].lower()
            if sam not in self.user_dn:
                continue
            want = {g.lower() for g in u["groups"]}
            have = set()
            if sam in self.users:
                have = {managed[f] for f in (self.fold(v) for v in values(self.users[sam], "memberOf")) if f in managed}
            if want != have and sam in self.users:
                self.differ(u["sam"], "memberOf", sorted(spelled[g] for g in want), sorted(spelled[g] for g in have))
            for g in sorted(want - have):
                adds.setdefault(g, []).append(self.user_dn[sam])
            for g in sorted(have - want):
                removes.setdefault(g, []).append(self.user_dn[sam])
        # Groups the plan does not manage (the domain step's SSH group): joined by name, never left.
        extra_dn = {}
        for u in self.plan["users"]:
            sam = u["sam"].lower()
            if sam not in self.user_dn:
                continue
            have_dns = {self.fold(v) for v in values(self.users[sam], "memberOf")} if sam in self.users else set()
            for g in u.get("extraGroups", []):
                cur = self.groups.get(g.lower())
                if cur is None:
                    self.differ(g, "exists", "present", "absent")
                    self.refusals.append("the group %s of %s does not exist (the DC's domain step creates it: run it first)" % (g, u["sam"]))
                    continue
                if self.fold(str(cur.dn)) not in have_dns:
                    self.differ(u["sam"], "memberOf " + g, "member", "not a member")
                    extra_dn[g.lower()] = str(cur.dn)
                    adds.setdefault(g.lower(), []).append(self.user_dn[sam])
        for g in sorted(set(adds) | set(removes)):
            lines = []
            if g in adds:
                lines += ["add: member"] + [ldif_line("member", dn) for dn in adds[g]] + ["-"]
            if g in removes:
                lines += ["delete: member"] + [ldif_line("member", dn) for dn in removes[g]] + ["-"]
            self.ops.append(Op("modify", self.group_dn.get(g) or extra_dn[g], lines))

    def diff_privileged(self):
        """The privileged groups (Domain Admins, ...): exactly their planned members, no tolerance. Planned members are
        account or group names; an extra member of any kind is drift, removed by the apply."""
        for pg in self.plan.get("privilegedGroups", []):
            cur = self.groups.get(pg["sam"].lower())
            if cur is None:
                self.differ(pg["sam"], "exists", "present", "absent", privileged=True)
                self.refusals.append("the privileged group %s does not exist" % pg["sam"])
                continue
            live = {}
            for dn in values(cur, "member"):
                f = self.fold(dn)
                live[self.sam_of_dn.get(f, f)] = (self.name_of_dn.get(f, dn), dn)
            want = {m.lower(): m for m in pg["members"]}
            if set(want) == set(live):
                continue
            self.differ(pg["sam"], "member", sorted(want.values(), key=str.lower), sorted((n for n, _ in live.values()), key=str.lower), privileged=True)
            lines = []
            missing = []
            for m in sorted(set(want) - set(live)):
                obj = self.users.get(m) or self.groups.get(m)
                if obj is None:
                    self.refusals.append("the planned member %s of the privileged group %s does not exist" % (want[m], pg["sam"]))
                    continue
                missing.append(ldif_line("member", str(obj.dn)))
            if missing:
                lines += ["add: member"] + missing + ["-"]
            extra = sorted(set(live) - set(want))
            if extra:
                lines += ["delete: member"] + [ldif_line("member", live[m][1]) for m in extra] + ["-"]
            self.ops.append(Op("modify", str(cur.dn), lines))

    # ------------------------------------------------------------------------------------------------ writing
    def apply(self, before_commit=None):
        """The change set in one transaction; before_commit (the onboarding sheet) runs inside it: if it fails, nothing is written."""
        self.db.transaction_start()
        op = None
        try:
            for op in self.ops:
                op.apply(self.db)
            op = None
            if before_commit:
                before_commit()
        except ldb.LdbError as e:
            self.db.transaction_cancel()
            # The object it failed on: a refused password says nothing of whose it was.
            code, msg = e.args if len(e.args) == 2 else (e.args[0], "")
            raise ldb.LdbError(code, "%s %s: %s" % (op.kind, op.dn, msg) if op else msg)
        except Exception:
            self.db.transaction_cancel()
            raise
        self.db.transaction_commit()


class BadInput(Exception):
    pass


class Onboarding:
    """The onboarding sheet of one run (issue #24) and the retention of the old ones, in the folder of the plan's
    `onboarding` key (path, share, readers, retentionDays)."""

    def __init__(self, cfg, lp, samdb, now=None):
        self.cfg = cfg
        self.lp = lp
        self.db = samdb
        self.now = now or datetime.datetime.now(datetime.timezone.utc)
        self.tmp = None
        self.path = None

    def readers_sid(self):
        """The readers' group's SID, read inside the transaction (the group may be created by this very run)."""
        from samba.dcerpc import security
        from samba.ndr import ndr_unpack

        res = self.db.search(
            self.db.domain_dn(), ldb.SCOPE_SUBTREE, "(&(objectClass=group)(sAMAccountName=%s))" % ldb.binary_encode(self.cfg["readers"]), ["objectSid"]
        )
        if len(res) != 1:
            raise Refused("the onboarding readers' group %s does not exist: the sheet would be readable by no one" % self.cfg["readers"])
        return str(ndr_unpack(security.dom_sid, res[0]["objectSid"][0]))

    def set_acl(self, path, sddl):
        """The NT ACL through smbd's VFS (as `samba-tool ntacl set --use-s3fs` does): stored for acl_xattr and mapped to POSIX ACLs."""
        from samba.auth_util import system_session_unix
        from samba.ntacls import setntacl
        from samba.samba3 import param as s3param

        s3conf = s3param.get_context()
        s3conf.load(self.lp.configfile)
        s3conf.set("passdb backend", "samba_dsdb:%s" % self.db.url)
        setntacl(self.lp, path, sddl, str(self.db.get_domain_sid()), system_session_unix(), use_ntvfs=False, service=self.cfg["share"])

    def prepare(self, rows):
        """The sheet under a temporary name, 0600 from its creation, then its ACL: run inside the directory transaction."""
        folder = self.cfg["path"]
        if not os.path.isdir(folder):
            os.makedirs(folder, mode=0o700)
        sid = self.readers_sid()
        self.set_acl(folder, FOLDER_SDDL % sid)
        stamp = self.now.strftime("%Y%m%dT%H%M%SZ")
        name, n = "onboarding-%s.csv" % stamp, 1
        while os.path.exists(os.path.join(folder, name)):
            n += 1
            name = "onboarding-%s-%d.csv" % (stamp, n)
        self.path = os.path.join(folder, name)
        self.tmp = os.path.join(folder, "." + name + ".tmp")
        created = self.now.strftime("%Y-%m-%dT%H:%M:%SZ")
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        w.writerow(SHEET_COLUMNS)
        for r in rows:
            w.writerow([r[c] if c != "createdAt" else created for c in SHEET_COLUMNS])
        # Created 0600 (O_EXCL, never following a link): no moment when anyone but root reads it; the ACL comes next.
        fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as f:
            f.write(buf.getvalue())
            f.flush()
            os.fsync(f.fileno())
        self.set_acl(self.tmp, SHEET_SDDL % sid)

    def publish(self):
        os.rename(self.tmp, self.path)
        self.tmp = None

    def discard(self):
        if self.tmp and os.path.exists(self.tmp):
            os.unlink(self.tmp)
        self.tmp = None

    def expire(self):
        """Deletes the sheets older than retentionDays (by the time in their name); returns how many."""
        folder = self.cfg["path"]
        if not os.path.isdir(folder):
            return 0
        limit = self.now - datetime.timedelta(days=self.cfg["retentionDays"])
        gone = 0
        for name in sorted(os.listdir(folder)):
            m = SHEET_NAME.match(name)
            if not m:
                continue
            made = datetime.datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
            if made < limit:
                os.unlink(os.path.join(folder, name))
                gone += 1
        return gone


# What each entry of the plan must carry (components/directory/render.ts writes them): key -> type.
PLAN_SHAPE = {
    "ous": {"dn": str, "description": str},
    "groups": {"sam": str, "dn": str, "description": str},
    "users": {"sam": str, "dn": str, "enabled": bool, "groups": list},
    "computers": {"sam": str, "dn": str, "enabled": bool, "owner": str},
    "privilegedGroups": {"sam": str, "members": list},
}


def load_plan(path):
    """The plan file, checked for the shape the diff reads; BadInput names the file, the key and the fix."""
    fix = "the plan is rendered by synth (components/directory): re-run the directory step, or restore the file"
    try:
        with open(path, encoding="utf-8") as f:
            plan = json.load(f)
    except OSError as e:
        raise BadInput("%s: cannot be read (%s): %s" % (path, e.strerror, fix))
    except ValueError as e:
        raise BadInput("%s: not JSON (%s): %s" % (path, e, fix))
    problems = []
    if not isinstance(plan, dict):
        raise BadInput("%s: holds a %s, not an object: %s" % (path, type(plan).__name__, fix))
    for key in ("domainDn", "rootDn"):
        if not isinstance(plan.get(key), str):
            problems.append("%s is %s, not a DN" % (key, json.dumps(plan.get(key))))
    for key, shape in PLAN_SHAPE.items():
        items = plan.get(key, [] if key == "privilegedGroups" else None)
        if not isinstance(items, list):
            problems.append("%s is %s, not a list" % (key, json.dumps(items)))
            continue
        for n, item in enumerate(items):
            for k, t in shape.items():
                v = item.get(k) if isinstance(item, dict) else None
                if not isinstance(v, t):
                    problems.append("%s[%d].%s is %s, not a %s" % (key, n, k, json.dumps(v, ensure_ascii=False), t.__name__))
    if problems:
        raise BadInput("%s: %s: %s" % (path, "; ".join(problems[:10]) + ("; ... %d more" % (len(problems) - 10) if len(problems) > 10 else ""), fix))
    return plan


def load_lp(smb_conf):
    lp = LoadParm()
    if smb_conf:
        lp.load(smb_conf)
    else:
        lp.load_default()
    return lp


def open_samdb(smb_conf, lp=None):
    lp = lp or load_lp(smb_conf)
    return SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)


def open_remote(url, user, password, ca_file):
    """SamDB over LDAPS as `user` (a simple bind inside TLS), the server's certificate checked against ca_file for the URL's host."""
    from samba.credentials import Credentials

    lp = LoadParm()  # no smb.conf of this host: the management host need not run Samba
    lp.set("tls cafile", ca_file)
    lp.set("tls verify peer", "ca_and_name")
    creds = Credentials()
    # With a bind DN, Samba's LDAP client binds simply (ldb_ildap.c); AD takes a UPN as that DN. SASL (GSS-SPNEGO) inside
    # TLS is refused by the DC ("Sign or Seal are not allowed if TLS is used"), measured on Samba 4.17.
    creds.set_bind_dn(user)
    creds.set_password(password)
    return SamDB(url=url, credentials=creds, lp=lp)


def drift_line(d):
    obj, attr, planned, live, privileged = d
    line = "drift: %s | %s | planned %s | live %s" % (obj, attr, json.dumps(planned, ensure_ascii=False), json.dumps(live, ensure_ascii=False))
    return line + (" | privileged" if privileged else "")


def write_result(path, drift, checked_at):
    """The monitoring's view of the last check, replaced atomically (a reader never sees half a file)."""
    doc = {
        "version": 1,
        "checkedAt": checked_at,
        "inSync": not drift,
        "drift": len(drift),
        "privilegedDrift": sum(1 for d in drift if d[4]),
        "differences": [{"object": o, "attribute": a, "planned": p, "live": l, "privileged": pr} for o, a, p, l, pr in drift],
    }
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def check(samdb, plan, result):
    """Check mode: the differences, nothing written. 0 in sync, 1 drift."""
    started = time.time()
    applier = Applier(samdb, plan, {}, checking=True)
    applier.snapshot()
    applier.diff()
    drift = sorted(applier.drift, key=lambda d: (d[0].lower(), d[0], d[1]))
    for d in drift:
        print(drift_line(d))
    privileged = sum(1 for d in drift if d[4])
    if result:
        write_result(result, drift, datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    verdict = "in sync" if not drift else "%d difference(s), %d in privileged groups" % (len(drift), privileged)
    print(
        "directory check: %s (planned: %d OUs, %d groups, %d accounts, %d computers, %d privileged groups) in %.2f s, nothing written"
        % (verdict, len(plan["ous"]), len(plan["groups"]), len(plan["users"]), len(plan["computers"]), len(plan.get("privilegedGroups", [])), time.time() - started)
    )
    return 1 if drift else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--plan", required=True)
    ap.add_argument("--secrets", default="")
    ap.add_argument("--smb-conf", default=os.environ.get("BILLU_SMB_CONF", ""))
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="print the change set (secrets redacted), write nothing")
    mode.add_argument("--check", action="store_true", help="report each difference with the live directory, write nothing; exit 0 in sync, 1 drift")
    ap.add_argument("--log", default="", help="also write the change set (secrets redacted) to this file")
    ap.add_argument("--result", default="", help="with --check: also write the verdict as JSON to this file (for monitoring)")
    ap.add_argument("--url", default="", help="with --check: read this DC over LDAPS (ldaps://<host>) instead of the local sam.ldb")
    ap.add_argument("--user", default="", help="with --url: the read-only account (account@realm); its password on stdin")
    ap.add_argument("--ca-file", default="", help="with --url: the CA the DC's certificate is verified against (PEM)")
    args = ap.parse_args(argv)
    if args.result and not args.check:
        ap.error("--result goes with --check (it is the check's verdict)")
    if (args.user or args.ca_file) and not args.url:
        ap.error("--user and --ca-file go with --url (a remote check)")
    if args.url and not (args.check and args.url.startswith("ldaps://") and args.user and args.ca_file):
        ap.error("--url goes with --check, an ldaps:// URL, --user and --ca-file (a remote run only reads, over TLS, the certificate verified)")

    started = time.time()
    cpu_started = time.process_time()
    if args.check:
        try:
            plan = load_plan(args.plan)
        except BadInput as e:
            print("directory check: bad input: %s" % e, file=sys.stderr)
            return 2
        try:
            if args.url:
                password = sys.stdin.readline().rstrip("\n")
                if not password:
                    print("directory check: bad input: no password on stdin for %s" % args.user, file=sys.stderr)
                    return 2
                samdb = open_remote(args.url, args.user, password, args.ca_file)
            else:
                samdb = open_samdb(args.smb_conf)
            return check(samdb, plan, args.result)
        except Exception as e:  # the directory could not be read (sam.ldb, smb.conf): not the plan's fault
            print("directory check: failed to read the directory: %s: %s" % (type(e).__name__, e), file=sys.stderr)
            return 3
    with open(args.plan, encoding="utf-8") as f:
        plan = json.load(f)
    lp = load_lp(args.smb_conf)
    samdb = open_samdb(args.smb_conf, lp)
    applier = Applier(samdb, plan, read_secrets(args.secrets))
    applier.snapshot()
    applier.diff()
    if applier.new_people and not plan.get("onboarding"):
        applier.refusals.append(
            "%d new account(s) but the plan has no onboarding key: their initial passwords would reach no one "
            "(the plan is rendered by synth with billu:directory.onboarding: re-run the directory step)" % len(applier.new_people)
        )
    if applier.refusals:
        for r in applier.refusals:
            print("directory: refused: " + r, file=sys.stderr)
        print("directory: nothing written (%d refusal(s))" % len(applier.refusals), file=sys.stderr)
        return 1
    counts = {}
    for op in applier.ops:
        counts[op.kind] = counts.get(op.kind, 0) + 1
    change_log = "\n".join(op.ldif(redact=True) for op in applier.ops)
    if args.log:
        with open(args.log, "w", encoding="utf-8") as f:
            f.write(change_log)
    onboarding = Onboarding(plan["onboarding"], lp, samdb) if plan.get("onboarding") and not args.dry_run else None
    if args.dry_run:
        sys.stdout.write(change_log)
    elif applier.ops:
        sheet = onboarding if applier.new_people else None
        try:
            applier.apply(before_commit=(lambda: sheet.prepare(applier.new_people)) if sheet else None)
        except BaseException:
            if sheet:
                sheet.discard()
            raise
        if sheet:
            sheet.publish()
            # Never a password: the sheet's name, how many rows, who reads it.
            print(
                "onboarding: %s written for %d new account(s), readable by %s only (share %s)"
                % (sheet.path, len(applier.new_people), plan["onboarding"]["readers"], plan["onboarding"]["share"])
            )
    if onboarding:
        gone = onboarding.expire()
        if gone:
            print("onboarding: %d sheet(s) older than %d days deleted" % (gone, plan["onboarding"]["retentionDays"]))
    summary = ", ".join("%d %s" % (n, k) for k, n in sorted(counts.items())) or "no change"
    if not applier.ops:
        verdict = "nothing to write"
    elif args.dry_run:
        verdict = "dry run, %d change(s) not written" % len(applier.ops)
    else:
        verdict = "%d change(s) written in one transaction" % len(applier.ops)
    print(
        "directory: %s: %s (planned: %d OUs, %d groups, %d accounts, %d computers) in %.2f s (%.2f s CPU)"
        % (
            verdict,
            summary,
            len(plan["ous"]),
            len(plan["groups"]),
            len(plan["users"]),
            len(plan["computers"]),
            time.time() - started,
            time.process_time() - cpu_started,
        )
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Refused as e:
        print("directory: refused, nothing written: %s" % e, file=sys.stderr)
        sys.exit(1)
    except ldb.LdbError as e:
        print("directory: failed, nothing written: %s" % (e.args,), file=sys.stderr)
        sys.exit(1)
