#!/usr/bin/python3
"""Applies BillU's domain password policy and PSOs to a Samba AD DC (billu-infra, components/directory).

Reads the policy (password-policy.json: the domain's settings, the PSOs with their settings and targets), reads what
the DC holds (the domain object's minPwdLength, pwdProperties, ... and CN=Password Settings Container), and runs
`samba-tool domain passwordsettings set` and `... pso create/set/apply/unapply/delete` only for what differs, so the
same policy twice runs no command and writes nothing. Values are compared as samba-tool shows them (days, minutes;
"never" is 0). The plan owns the Password Settings Container: a PSO not in it is deleted.

Usage: password_policy_samba.py --policy password-policy.json [--smb-conf <file>] [--dry-run]
The smb.conf is BILLU_SMB_CONF, else Samba's default. Exit 0: applied or nothing to do; 1: a command failed.
"""
import argparse
import json
import os
import subprocess
import sys

import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

NEVER = -0x8000000000000000
DOMAIN_PASSWORD_COMPLEX = 0x1

# plan key, domain attribute, PSO attribute, samba-tool option (the same for `set` and `pso create/set`), unit
SETTINGS = [
    ("minLength", "minPwdLength", "msDS-MinimumPasswordLength", "--min-pwd-length", "count"),
    ("complexity", "pwdProperties", "msDS-PasswordComplexityEnabled", "--complexity", "bool"),
    ("history", "pwdHistoryLength", "msDS-PasswordHistoryLength", "--history-length", "count"),
    ("maxAgeDays", "maxPwdAge", "msDS-MaximumPasswordAge", "--max-pwd-age", "days"),
    ("minAgeDays", "minPwdAge", "msDS-MinimumPasswordAge", "--min-pwd-age", "days"),
    ("lockoutThreshold", "lockoutThreshold", "msDS-LockoutThreshold", "--account-lockout-threshold", "count"),
    ("lockoutDurationMinutes", "lockoutDuration", "msDS-LockoutDuration", "--account-lockout-duration", "minutes"),
    ("lockoutWindowMinutes", "lockOutObservationWindow", "msDS-LockoutObservationWindow", "--reset-account-lockout-after", "minutes"),
]


def ticks_to(unit, value):
    v = int(value)
    if v == NEVER:
        return 0
    minutes = abs(v) / (1e7 * 60)
    return round(minutes / (60 * 24)) if unit == "days" else round(minutes)


def current_value(unit, attr, msg, pso):
    if attr not in msg or len(msg[attr]) == 0:
        return None
    raw = str(msg[attr][0])
    if unit == "bool":
        return raw.upper() == "TRUE" if pso else bool(int(raw) & DOMAIN_PASSWORD_COMPLEX)
    if unit == "count":
        return int(raw)
    return ticks_to(unit, raw)


def option(flag, unit, value):
    if unit == "bool":
        return "%s=%s" % (flag, "on" if value else "off")
    return "%s=%d" % (flag, value)


class PolicyApplier:
    def __init__(self, samdb, policy, conf, dry_run):
        self.db = samdb
        self.policy = policy
        self.conf = conf
        self.dry_run = dry_run
        self.commands = 0
        self.domain_dn = str(samdb.domain_dn())
        self.container = "CN=Password Settings Container,CN=System," + self.domain_dn

    def run(self, *args):
        cmd = ["samba-tool", "domain", "passwordsettings"] + list(args) + (["-s", self.conf] if self.conf else [])
        print("password policy: samba-tool domain passwordsettings " + " ".join(args))
        self.commands += 1
        if self.dry_run:
            return
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        if r.returncode != 0:
            raise RuntimeError("samba-tool domain passwordsettings %s failed (%d): %s" % (" ".join(args), r.returncode, r.stdout.strip()))

    def domain(self):
        want = self.policy["domain"]
        msg = self.db.search(self.domain_dn, ldb.SCOPE_BASE, attrs=[s[1] for s in SETTINGS])[0]
        opts = []
        for key, attr, _pso_attr, flag, unit in SETTINGS:
            if current_value(unit, attr, msg, False) != want[key]:
                opts.append(option(flag, unit, want[key]))
        if opts:
            self.run("set", *opts)

    def sam_of(self, dn):
        res = self.db.search(dn, ldb.SCOPE_BASE, attrs=["sAMAccountName"])
        return str(res[0]["sAMAccountName"][0]) if res and "sAMAccountName" in res[0] else dn

    def psos(self):
        attrs = ["cn", "msDS-PasswordSettingsPrecedence", "msDS-PSOAppliesTo"] + [s[2] for s in SETTINGS]
        have = {str(m["cn"][0]).lower(): m for m in self.db.search(self.container, ldb.SCOPE_ONELEVEL, "(objectClass=msDS-PasswordSettings)", attrs)}
        planned = {p["name"].lower() for p in self.policy["psos"]}
        for name, msg in sorted(have.items()):
            if name not in planned:
                self.run("pso", "delete", str(msg["cn"][0]))
        for p in self.policy["psos"]:
            cur = have.get(p["name"].lower())
            if cur is None:
                self.run("pso", "create", p["name"], str(p["precedence"]), *[option(s[3], s[4], p[s[0]]) for s in SETTINGS])
                targets = set()
            else:
                opts = []
                if int(str(cur["msDS-PasswordSettingsPrecedence"][0])) != p["precedence"]:
                    opts.append("--precedence=%d" % p["precedence"])
                for key, _attr, attr, flag, unit in SETTINGS:
                    if current_value(unit, attr, cur, True) != p[key]:
                        opts.append(option(flag, unit, p[key]))
                if opts:
                    self.run("pso", "set", p["name"], *opts)
                targets = {self.sam_of(str(v)).lower(): self.sam_of(str(v)) for v in cur["msDS-PSOAppliesTo"]} if "msDS-PSOAppliesTo" in cur else {}
            want = {t.lower() for t in p["appliesTo"]}
            for t in p["appliesTo"]:
                if t.lower() not in targets:
                    self.run("pso", "apply", p["name"], t)
            for t in sorted(targets):
                if t not in want:
                    self.run("pso", "unapply", p["name"], targets[t])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--policy", required=True)
    ap.add_argument("--smb-conf", default=os.environ.get("BILLU_SMB_CONF", ""))
    ap.add_argument("--dry-run", action="store_true", help="print the commands, run none")
    args = ap.parse_args()
    with open(args.policy, encoding="utf-8") as f:
        policy = json.load(f)
    lp = LoadParm()
    if args.smb_conf:
        lp.load(args.smb_conf)
    else:
        lp.load_default()
    samdb = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
    a = PolicyApplier(samdb, policy, args.smb_conf, args.dry_run)
    a.domain()
    a.psos()
    if a.commands == 0:
        print("password policy: nothing to change (domain policy and %d PSO(s) as planned)" % len(policy["psos"]))
    else:
        print("password policy: %d command(s) %s" % (a.commands, "not run (dry run)" if args.dry_run else "run"))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, ldb.LdbError) as e:
        print("password policy: failed: %s" % (e.args[0] if e.args else e,), file=sys.stderr)
        sys.exit(1)
