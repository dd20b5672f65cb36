#!/usr/bin/python3
"""Probes of labs/gpo (password policy, PSOs, logon hours). The expected values are the model's: the policy file and
the directory plan synth rendered (with the lab's documented overrides), never what the DC step installed.

  probe.py policy <passwordsettings show output> <password-policy.json>     the domain policy equals the model's
  probe.py pso <pso show output> <password-policy.json> <PSO name>          a PSO's settings equal the model's
  probe.py psouser <pso show-user output> <PSO name | ->                     the PSO that applies (- : none)
  probe.py hours <ldif of the users> <plan.json>                            logonHours as planned, absent elsewhere
  probe.py inhours <plan.json> <sam>                                        exit 0 when now (UTC) is in <sam>'s hours
"""
import base64
import datetime
import json
import re
import sys

# samba-tool's labels (samba/netcmd/domain.py passwordsettings show, pso.py show_pso_by_dn) -> model keys.
DOMAIN_LABELS = {
    "Password complexity": ("complexity", "bool"),
    "Password history length": ("history", "int"),
    "Minimum password length": ("minLength", "int"),
    "Minimum password age (days)": ("minAgeDays", "int"),
    "Maximum password age (days)": ("maxAgeDays", "int"),
    "Account lockout duration (mins)": ("lockoutDurationMinutes", "int"),
    "Account lockout threshold (attempts)": ("lockoutThreshold", "int"),
    "Reset account lockout after (mins)": ("lockoutWindowMinutes", "int"),
}
PSO_LABELS = dict(DOMAIN_LABELS, **{"Precedence (lowest is best)": ("precedence", "int")})


def parse_show(path, labels):
    got = {}
    for line in open(path, encoding="utf-8"):
        label, _, value = line.strip().partition(": ")
        if label in labels:
            key, kind = labels[label]
            value = value.strip()
            got[key] = (value == "on") if kind == "bool" else int(float(value))
    return got


def compare(got, want, keys, what):
    bad = []
    for k in keys:
        if got.get(k) != want[k]:
            bad.append("%s %s: DC has %r, the model %r" % (what, k, got.get(k, "(not shown)"), want[k]))
    return bad


def policy(show, policy_json):
    want = json.load(open(policy_json))["domain"]
    got = parse_show(show, DOMAIN_LABELS)
    bad = compare(got, want, [k for k, _ in DOMAIN_LABELS.values()], "domain")
    return bad, "domain policy: %s" % ", ".join("%s=%s" % (k, got.get(k)) for k in sorted(want))


def pso(show, policy_json, name):
    want = [p for p in json.load(open(policy_json))["psos"] if p["name"] == name][0]
    got = parse_show(show, PSO_LABELS)
    bad = compare(got, want, [k for k, _ in PSO_LABELS.values()], name)
    return bad, "%s: %s" % (name, ", ".join("%s=%s" % (k, got.get(k)) for k in sorted(got)))


def psouser(show, name):
    text = open(show, encoding="utf-8").read()
    m = re.search(r"Password information for PSO '([^']+)'", text)
    got = m.group(1) if m else "-"
    return ([] if got == name else ["the PSO that applies is %s, the model's %s" % (got, name)]), "resultant PSO: %s" % got


def read_ldif(path):
    entries, cur, last = [], None, None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            cur = None
            continue
        if line.startswith(" ") and cur is not None and last:
            cur[last][-1] += line[1:]
            continue
        attr, sep, value = line.partition(":")
        if value.startswith(":"):
            attr, value = attr + ":", value[1:]
        if cur is None:
            cur = {}
            entries.append(cur)
        cur.setdefault(attr, []).append(value.strip())
        last = attr
    return entries


def hours(ldif, plan_json):
    plan = json.load(open(plan_json, encoding="utf-8"))
    want = {u["sam"].lower(): u.get("logonHours", "") for u in plan["users"] if u["enabled"]}
    got = {}
    for e in read_ldif(ldif):
        sam = (e.get("sAMAccountName") or [""])[0].lower()
        raw = (e.get("logonHours:") or [""])[0]
        got[sam] = base64.b64decode(raw).hex() if raw else ""
    bad = []
    for sam, hexs in sorted(want.items()):
        if got.get(sam) != hexs:
            bad.append("%s: logonHours %s, the plan %s" % (sam, got.get(sam, "(no account)") or "(absent)", hexs or "(absent)"))
    for sam in ("administrator",):
        if got.get(sam):
            bad.append("%s (an admin) has logonHours %s" % (sam, got[sam]))
    with_hours = sum(1 for v in want.values() if v)
    return bad, "logonHours: %d account(s) with hours as planned, %d without (%s)" % (
        with_hours,
        len(want) - with_hours + 1,
        ", ".join(sorted([s for s, v in want.items() if not v] + ["administrator"])),
    )


def inhours(plan_json, sam):
    plan = json.load(open(plan_json, encoding="utf-8"))
    u = [x for x in plan["users"] if x["sam"] == sam][0]
    now = datetime.datetime.now(datetime.timezone.utc)
    hour = ((now.weekday() + 1) % 7) * 24 + now.hour  # Python's Monday is 0; logonHours start on Sunday
    b = bytes.fromhex(u["logonHours"])
    allowed = bool(b[hour // 8] & (1 << (hour % 8)))
    return ([] if allowed else ["outside"]), "%s at %s UTC (week hour %d): %s" % (sam, now.strftime("%a %H:%M"), hour, "inside" if allowed else "outside")


def main(argv):
    fn = {"policy": policy, "pso": pso, "psouser": psouser, "hours": hours, "inhours": inhours}[argv[1]]
    bad, summary = fn(*argv[2:])
    for b in bad[:20]:
        print("  " + b)
    print(("FAIL: %d mismatch(es); " % len(bad) if bad and argv[1] != "inhours" else "") + summary)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
