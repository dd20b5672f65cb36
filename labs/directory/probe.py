#!/usr/bin/python3
"""Probes for the directory lab (python3 standard library only): reads what `ldapsearch` returned from the real
Samba DC and compares it with what offline synth planned (directory.json, and plan.json as rendered for the DC).

  probe.py check   <dump.ldif> <directory.json> <plan.json>   every OU, group, account, computer in place, with
                                                               attributes, links and memberships
  probe.py usns    <dump.ldif> <out.json>                     uSNChanged of every object, by account name or DN
  probe.py changed <before.json> <after.json> <old directory.json> <new directory.json>
                                                               exactly the objects the new plan changes were written
  probe.py secrets <plan.json> <secrets file> <passwords.tsv> the step's stdin for a lab run (lab-made passwords)
  probe.py edit    <export.csv> <out.csv>                     one arrival (a homonym), one move, one departure
  probe.py bad     <export.csv> <out.csv>                     an export with one bad line of every kind
  probe.py arrival <export.csv> <out.csv> <prenom> <nom>      the export plus one arrival
  probe.py person  <dump.ldif> <sam>                          one account: DN, userAccountControl, groups
  probe.py pwdlastset <dump.ldif> <directory.json> <count>    every enabled account must change its password
  probe.py drift   <directory.json> <plan.json> <leaver> <edits.ldif> <expected.txt>
                                                               the four edits by hand (a move, a domain admin, a
                                                               leaver re-enabled, a phone number) as LDIF, and the
                                                               check's lines they must cause, from the plan
  probe.py drift-result <status.json> <drift> <privileged> <not before (epoch s)>   the check's result file
  probe.py only-changed <before.json> <after.json> <key>...   exactly these objects' uSNChanged moved
  probe.py unchanged-but <before.json> <after.json> <key>     no object's uSNChanged moved but maybe this one's
  probe.py unit <unit file> <key>                             a systemd unit's setting as its words, one a line
                                                               (ExecStart: the command and its arguments)
  probe.py unit-success <unit file> <exit status>             systemd counts that exit status of the unit's
                                                               command as success (0, or listed in SuccessExitStatus)
  probe.py unit-is <unit file> <key> <value> [<key> <value>]...   each setting has exactly that value
  probe.py sheet <sheet.csv> <directory.json> <all|create>   the onboarding sheet (issue #24): its columns, one row per
                                                               person the run created (every enabled person, or those
                                                               planned `create`), names and departments as planned,
                                                               each password 20 characters and different; no password
                                                               printed
  probe.py sheet-password <sheet.csv> <sam> <out file>       that person's initial password into a 0600 file
  probe.py sheet-passwords <sheet.csv> <out.tsv>             every password of the sheet (sam TAB password), 0600
  probe.py setpw <dn> <password file> <out.ldif>             LDIF that sets an account's password (unicodePwd) with
                                                               no must-change (pwdLastSet -1), written 0600
  probe.py newpw <out file>                                  a new password meeting AD complexity, into a 0600 file
Exit 0 when the probe holds; 1 with one line per mismatch otherwise.
"""
import base64
import json
import os
import secrets as rnd
import sys

UF_ACCOUNTDISABLE = 0x2


def parse_ldif(path):
    """Entries of an `ldapsearch -LLL -o ldif-wrap=no` dump: [{attr(lower): [values]}], dn under "dn"."""
    entries, cur = [], None
    with open(path, encoding="utf-8") as f:
        for line in f.read().split("\n"):
            if line == "" or line.startswith("#"):
                if cur:
                    entries.append(cur)
                cur = None
                continue
            if line.startswith(" "):
                continue  # never with -o ldif-wrap=no
            attr, _, rest = line.partition(":")
            if rest.startswith(":"):
                value = base64.b64decode(rest[1:].strip())
                try:
                    value = value.decode("utf-8")
                except UnicodeDecodeError:
                    value = "b64:" + rest[1:].strip()
            else:
                value = rest[1:] if rest.startswith(" ") else rest
            cur = cur or {}
            cur.setdefault(attr.lower(), []).append(value)
    if cur:
        entries.append(cur)
    return entries


def fold(dn):
    return dn.lower()


def index(entries):
    by_sam, by_dn = {}, {}
    for e in entries:
        dn = e["dn"][0]
        by_dn[fold(dn)] = e
        if "samaccountname" in e:
            by_sam[e["samaccountname"][0].lower()] = e
    return by_sam, by_dn


def one(e, attr):
    v = e.get(attr.lower())
    return v[0] if v else ""


def check(dump, directory_json, plan_json):
    entries = parse_ldif(dump)
    by_sam, by_dn = index(entries)
    d = json.load(open(directory_json, encoding="utf-8"))
    plan = json.load(open(plan_json, encoding="utf-8"))
    bad = []
    for ou in d["ous"]:
        if fold(ou) not in by_dn:
            bad.append("OU missing: " + ou)
    group_dn = {}
    for g in d["groups"]:
        e = by_sam.get(g["sam"].lower())
        group_dn[g["sam"]] = g["dn"]
        if not e:
            bad.append("group missing: " + g["sam"])
        elif fold(e["dn"][0]) != fold(g["dn"]):
            bad.append("group %s at %s, planned %s" % (g["sam"], e["dn"][0], g["dn"]))
    planned_users = {u["sam"]: u for u in plan["users"]}
    dn_of_sam = {p["sam"]: p["dn"] for p in d["people"]}
    members = {}
    for p in d["people"]:
        e = by_sam.get(p["sam"])
        if not e:
            bad.append("account missing: " + p["sam"])
            continue
        if fold(e["dn"][0]) != fold(p["dn"]):
            bad.append("account %s at %s, planned %s" % (p["sam"], e["dn"][0], p["dn"]))
        uac = int(one(e, "userAccountControl") or 0)
        if bool(uac & UF_ACCOUNTDISABLE) == p["enabled"]:
            bad.append("account %s: userAccountControl %d, planned %s" % (p["sam"], uac, "enabled" if p["enabled"] else "disabled"))
        got_groups = sorted(fold(g) for g in e.get("memberof", []) if fold(g).endswith(fold(d["ous"][0])))
        want_groups = sorted(fold(group_dn[g]) for g in p["groups"])
        if got_groups != want_groups:
            bad.append("account %s: member of %s, planned %s" % (p["sam"], got_groups, want_groups))
        for g in p["groups"]:
            members.setdefault(g, set()).add(fold(p["dn"]))
        if not p["enabled"]:
            continue
        u = planned_users[p["sam"]]
        for attr, key in [
            ("userPrincipalName", "upn"),
            ("mail", "mail"),
            ("displayName", "displayName"),
            ("givenName", "givenName"),
            ("sn", "sn"),
            ("title", "title"),
            ("department", "department"),
            ("company", "company"),
            ("telephoneNumber", "telephoneNumber"),
            ("mobile", "mobile"),
        ]:
            if one(e, attr) != u[key]:
                bad.append("account %s: %s is %r, planned %r" % (p["sam"], attr, one(e, attr), u[key]))
        want_manager = fold(dn_of_sam[u["manager"]]) if u["manager"] else ""
        if fold(one(e, "manager")) != want_manager:
            bad.append("account %s: manager %r, planned %r" % (p["sam"], one(e, "manager"), want_manager))
    # The acceptance account (directory.json's, from the model) is a member of its department's group too.
    acceptance = d.get("acceptance")
    for g in acceptance["groups"] if acceptance else []:
        members.setdefault(g, set()).add(fold(acceptance["dn"]))
    for g in d["groups"]:
        e = by_sam.get(g["sam"].lower())
        if e:
            got = {fold(m) for m in e.get("member", [])}
            want = members.get(g["sam"], set())
            if got != want:
                bad.append("group %s: %d members, planned %d (%s)" % (g["sam"], len(got), len(want), sorted(got ^ want)[:3]))
    for c in d["computers"]:
        e = by_sam.get(c["sam"].lower())
        if not e:
            bad.append("computer missing: " + c["sam"])
            continue
        if fold(e["dn"][0]) != fold(c["dn"]):
            bad.append("computer %s at %s, planned %s" % (c["sam"], e["dn"][0], c["dn"]))
        if fold(one(e, "managedBy")) != fold(dn_of_sam[c["owner"]]):
            bad.append("computer %s: managedBy %r, planned %s" % (c["sam"], one(e, "managedBy"), c["owner"]))
        uac = int(one(e, "userAccountControl") or 0)
        if bool(uac & UF_ACCOUNTDISABLE) == c["enabled"]:
            bad.append("computer %s: userAccountControl %d, planned %s" % (c["sam"], uac, "enabled" if c["enabled"] else "disabled"))
    counts = (len(d["ous"]), len(d["groups"]), len(d["people"]), len(d["computers"]))
    return bad, "%d OUs, %d groups, %d accounts, %d computers in place" % counts


def usns(dump, out):
    """uSNChanged by object: accounts, groups and computers by account name, OUs by DN (lower case)."""
    m = {}
    for e in parse_ldif(dump):
        key = e["samaccountname"][0].lower() if "samaccountname" in e else "ou:" + fold(e["dn"][0])
        m[key] = {"usn": int(one(e, "uSNChanged")), "dn": e["dn"][0]}
    json.dump(m, open(out, "w"), indent=1, sort_keys=True)
    return [], "%d objects" % len(m)


def changed(before_json, after_json, old_dir, new_dir):
    before = json.load(open(before_json))
    after = json.load(open(after_json))
    old = json.load(open(old_dir, encoding="utf-8"))
    new = json.load(open(new_dir, encoding="utf-8"))
    expect = set()
    for p in new["people"]:
        if p["action"] != "none":
            expect.add(p["sam"])
    old_pc = {c["sam"].lower(): c["dn"] for c in old["computers"]}
    for c in new["computers"]:
        if old_pc.get(c["sam"].lower()) != c["dn"]:
            expect.add(c["sam"].lower())

    def members(d):
        m = {}
        for p in d["people"]:
            for g in p["groups"]:
                m.setdefault(g.lower(), set()).add(p["sam"])
        return m

    mo, mn = members(old), members(new)
    for g in set(mo) | set(mn):
        if mo.get(g, set()) != mn.get(g, set()):
            expect.add(g)
    for ou in set(map(fold, new["ous"])) - set(map(fold, old["ous"])):
        expect.add("ou:" + ou)
    got = {k for k in after if k not in before or before[k]["usn"] != after[k]["usn"]}
    bad = []
    for k in sorted(got - expect):
        bad.append("written but not planned: %s" % k)
    for k in sorted(expect - got):
        bad.append("planned but not written: %s" % k)
    for k in sorted(before):
        if k not in after:
            bad.append("gone: %s (nothing is ever deleted)" % k)
    return bad, "written exactly as planned: %s" % ", ".join(sorted(got))


def make_secrets(plan_json, secrets_out, passwords_out):
    plan = json.load(open(plan_json, encoding="utf-8"))
    alphabet = "BCDFGHJKLMNPQRSTVWXZbcdfghjkmnpqrstvwxz!#%+-=?@_"
    with open(secrets_out, "w") as s, open(passwords_out, "w") as p:
        for u in plan["users"]:
            if not u.get("password"):
                continue
            pw = "".join(rnd.choice(alphabet) for _ in range(14)) + "Kq7!" + str(rnd.randbelow(90) + 10)
            s.write("%s\t%s\n" % (u["password"], pw.encode("utf-8").hex()))
            p.write("%s\t%s\n" % (u["sam"], pw))
    return [], "secrets for %d accounts" % sum(1 for u in plan["users"] if u.get("password"))


def read_csv(path):
    with open(path, encoding="utf-8-sig") as f:
        return f.read().rstrip("\n").split("\n")


def write_csv(path, lines):
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def edit(src, out):
    """One arrival (a homonym of Théo Ødegaard), one move (Léa Laurent born 1989 to DSI/Exploitation), one departure
    (Gaëlle Thomas born 1975)."""
    lines = read_csv(src)
    res, moved, left = [], 0, 0
    for line in lines:
        f = line.split(";")
        if f[1:3] == ["Gaëlle", "Thomas"] and f[12] == "13/01/1975":
            left += 1
            continue
        if f[1:3] == ["Léa", "Laurent"] and f[12] == "20/11/1989":
            f[5], f[6] = "DSI", "Exploitation"
            moved += 1
        res.append(";".join(f))
    res.append("M.;Théo;Ødegaard;BillU;Paris;QHSE;Qualité;Technicien;Lucas;Van der Berg;PC0999;Dell;01/01/1990;01 11 22 33 44;06 11 22 33 44")
    assert (moved, left) == (1, 1), (moved, left)
    write_csv(out, res)
    return [], "edited export: 1 arrival (homonym), 1 move, 1 departure"


def arrival(src, out, prenom, nom):
    lines = read_csv(src)
    lines.append("M.;%s;%s;BillU;Paris;QHSE;Qualité;Technicien;Lucas;Van der Berg;PC0998;Dell;02/02/1992;;" % (prenom, nom))
    write_csv(out, lines)
    return [], "export plus the arrival of %s %s" % (prenom, nom)


def bad_export(src, out):
    """A bad line of every kind, on lines whose people manage nobody (so no line is reported twice)."""
    lines = read_csv(src)
    res = lines[:]

    def change(line, col, value):
        f = res[line - 1].split(";")
        f[col] = value
        res[line - 1] = ";".join(f)

    res[39] = ";".join(res[39].split(";")[:14])  # line 40: 14 columns
    change(50, 12, "")  # line 50: no Date de naissance
    change(60, 5, "Marketing")  # line 60: a department no zone serves
    change(70, 10, "PC0001")  # line 70: the computer of line 2
    res.append(lines[89])  # line 169: line 90 again (the same identity)
    res.append("M.;Paul;Durand;BillU;Paris;QHSE;Qualité;Technicien;Paul;Inconnu;PC0997;Dell;03/03/1993;;")  # line 170
    write_csv(out, res)
    return [], "bad export written"


def pwdlastset(dump, directory_json, count):
    """Every enabled account has pwdLastSet 0: the user must change the password at first logon."""
    by_sam, _ = index(parse_ldif(dump))
    d = json.load(open(directory_json, encoding="utf-8"))
    people = [p for p in d["people"] if p["enabled"]]
    bad = ["%s: pwdLastSet %r" % (p["sam"], one(by_sam.get(p["sam"], {}), "pwdLastSet")) for p in people if one(by_sam.get(p["sam"], {}), "pwdLastSet") != "0"]
    if len(people) != int(count):
        bad.append("%d enabled accounts planned, %s expected" % (len(people), count))
    return bad, "%d accounts with pwdLastSet 0" % (len(people) - len(bad))


def person(dump, sam):
    """One account as the DC holds it: DN, userAccountControl, groups (decoded)."""
    by_sam, _ = index(parse_ldif(dump))
    e = by_sam.get(sam.lower())
    if not e:
        return ["no account " + sam], ""
    return [], "%s | userAccountControl %s | %d group(s)" % (e["dn"][0], one(e, "userAccountControl"), len(e.get("memberof", [])))


def ldif_attr(attr, value):
    if all(0x20 <= ord(c) < 0x7F for c in value) and value[:1] not in (" ", ":", "<"):
        return "%s: %s" % (attr, value)
    return "%s:: %s" % (attr, base64.b64encode(value.encode("utf-8")).decode("ascii"))


def drift_line(obj, attr, planned, live, privileged=False):
    """The check's line for one difference (docs/services/directory.md, "Drift"), written here from the plan."""
    dumps = lambda v: json.dumps(v, ensure_ascii=False)
    return "drift: %s | %s | planned %s | live %s%s" % (obj, attr, dumps(planned), dumps(live), " | privileged" if privileged else "")


def drift(directory_json, plan_json, leaver, ldif_out, expected_out):
    """Picks three people in place (the first by account name: moved; the second: made a domain admin; the next with
    a phone number: number changed) and writes the four edits and the check's expected lines (sorted as it sorts)."""
    d = json.load(open(directory_json, encoding="utf-8"))
    plan = json.load(open(plan_json, encoding="utf-8"))
    users = {u["sam"]: u for u in plan["users"]}
    people = sorted((p for p in d["people"] if p["enabled"] and p["action"] == "none" and "\\" not in p["dn"]), key=lambda p: p["sam"])
    moved, admin = people[0], people[1]
    phone = next(p for p in people[2:] if users[p["sam"]]["telephoneNumber"])
    rdn, parent = moved["dn"].split(",", 1)
    target = next(p["dn"].split(",", 1)[1] for p in people if p["dn"].split(",", 1)[1] != parent)
    left = next(p for p in d["people"] if p["sam"] == leaver and not p["enabled"])
    da = next(g for g in plan["privilegedGroups"] if g["sam"] == "Domain Admins")
    da_dn = "CN=Domain Admins,CN=Users," + plan["domainDn"]
    records = [
        [ldif_attr("dn", moved["dn"]), "changetype: modrdn", ldif_attr("newrdn", rdn), "deleteoldrdn: 1", ldif_attr("newsuperior", target)],
        [ldif_attr("dn", da_dn), "changetype: modify", "add: member", ldif_attr("member", admin["dn"]), "-"],
        [ldif_attr("dn", left["dn"]), "changetype: modify", "replace: userAccountControl", "userAccountControl: 512", "-"],
        [ldif_attr("dn", phone["dn"]), "changetype: modify", "replace: telephoneNumber", "telephoneNumber: 01 00 00 00 00", "-"],
    ]
    with open(ldif_out, "w", encoding="utf-8") as f:
        f.write("\n\n".join("\n".join(r) for r in records) + "\n")
    lines = [
        ("Domain Admins", "member", drift_line("Domain Admins", "member", da["members"], sorted(da["members"] + [admin["sam"]], key=str.lower), True)),
        (left["sam"], "enabled", drift_line(left["sam"], "enabled", False, True)),
        (moved["sam"], "dn", drift_line(moved["sam"], "dn", moved["dn"], rdn + "," + target)),
        (phone["sam"], "telephoneNumber", drift_line(phone["sam"], "telephoneNumber", "[secret]", "[secret]")),
    ]
    lines.sort(key=lambda l: (l[0].lower(), l[0], l[1]))
    with open(expected_out, "w", encoding="utf-8") as f:
        f.write("".join(l[2] + "\n" for l in lines))
    print("\t".join([moved["sam"], admin["sam"], phone["sam"], left["sam"], target]))
    return [], ""


def drift_result(path, count, privileged, not_before):
    doc = json.load(open(path, encoding="utf-8"))
    bad = []
    for key, want in (("drift", int(count)), ("privilegedDrift", int(privileged)), ("inSync", int(count) == 0), ("version", 1)):
        if doc.get(key) != want:
            bad.append("%s is %r, expected %r" % (key, doc.get(key), want))
    if len(doc.get("differences", [])) != int(count):
        bad.append("%d differences listed, expected %s" % (len(doc.get("differences", [])), count))
    import calendar
    import time

    t = calendar.timegm(time.strptime(doc.get("checkedAt", "1970-01-01T00:00:00Z"), "%Y-%m-%dT%H:%M:%SZ"))
    if not int(not_before) <= t <= time.time() + 1:
        bad.append("checkedAt %s is not the time of this check" % doc.get("checkedAt"))
    return bad, "result file: drift %s, privileged %s, checked at %s" % (doc.get("drift"), doc.get("privilegedDrift"), doc.get("checkedAt"))


def only_changed(before_json, after_json, *keys):
    before = json.load(open(before_json))
    after = json.load(open(after_json))
    got = {k for k in after if k not in before or before[k]["usn"] != after[k]["usn"]}
    want = {k.lower() for k in keys}
    bad = ["written but not drifted: %s" % k for k in sorted(got - want)] + ["drifted but not repaired: %s" % k for k in sorted(want - got)]
    return bad, "%d object(s) written: %s" % (len(got), ", ".join(sorted(got)))


def unchanged_but(before_json, after_json, key):
    """Every object has the same uSNChanged, except `key` (whose own logon a bind may stamp)."""
    before = json.load(open(before_json))
    after = json.load(open(after_json))
    got = sorted(k for k in set(before) | set(after) if k != key.lower() and (k not in before or k not in after or before[k]["usn"] != after[k]["usn"]))
    stamped = key.lower() in before and key.lower() in after and before[key.lower()]["usn"] != after[key.lower()]["usn"]
    return ["written: %s" % k for k in got], "%d objects unchanged%s" % (len(after), "; %s stamped (its logon)" % key if stamped else "")


def unit_settings(path):
    """A systemd unit's settings (`Key=value` lines outside comments; a key set twice keeps its last value, which is
    what systemd does for the keys read here)."""
    out = {}
    for line in open(path, encoding="utf-8").read().splitlines():
        line = line.strip()
        if not line or line[0] in "#;[" or "=" not in line:
            continue
        k, v = line.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def unit_words(path, key):
    import shlex

    v = unit_settings(path).get(key)
    if v is None:
        return ["%s: no %s=" % (path, key)], ""
    print("\n".join(shlex.split(v)))
    return [], ""


def unit_success(path, status):
    # systemd.service(5): SuccessExitStatus= takes exit statuses and signal names, space-separated; 0 always succeeds.
    listed = unit_settings(path).get("SuccessExitStatus", "").split()
    ok = int(status) == 0 or status in listed
    return ([] if ok else ["exit status %s is a failure for systemd (SuccessExitStatus=%s)" % (status, " ".join(listed))]), "exit %s, SuccessExitStatus=%s" % (status, " ".join(listed))


def unit_is(path, *pairs):
    have = unit_settings(path)
    bad = ["%s is %r, expected %r" % (k, have.get(k), v) for k, v in zip(pairs[::2], pairs[1::2]) if have.get(k) != v]
    return bad, "%s: %d setting(s) checked" % (path, len(pairs) // 2)


SHEET_COLUMNS = ["sam", "upn", "displayName", "department", "initialPassword", "createdAt"]


def read_sheet(path):
    import csv

    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f, delimiter=";"))


def sheet(path, directory_json, which):
    """The sheet against the plan (directory.json, synth's): the people it must list and what it must say of them."""
    rows = read_sheet(path)
    d = json.load(open(directory_json, encoding="utf-8"))
    want = {p["sam"]: p for p in d["people"] if p["enabled"] and (which == "all" or p["action"] == "create")}
    bad = []
    if not rows or rows[0] != SHEET_COLUMNS:
        bad.append("columns %r, not %r" % (rows[0] if rows else None, SHEET_COLUMNS))
        return bad, "no sheet"
    got = {}
    for r in rows[1:]:
        if len(r) != len(SHEET_COLUMNS):
            bad.append("a row of %d fields" % len(r))
            continue
        got[r[0]] = dict(zip(SHEET_COLUMNS, r))
    for sam in sorted(set(want) - set(got)):
        bad.append("created but not on the sheet: %s" % sam)
    for sam in sorted(set(got) - set(want)):
        bad.append("on the sheet but not created by this plan: %s" % sam)
    for sam in sorted(set(got) & set(want)):
        r, p = got[sam], want[sam]
        for k in ("upn", "displayName", "department"):
            if r[k] != p[k]:
                bad.append("%s: %s %r, planned %r" % (sam, k, r[k], p[k]))
        if len(r["initialPassword"]) != 20:
            bad.append("%s: a password of %d characters" % (sam, len(r["initialPassword"])))
    pws = [r["initialPassword"] for r in got.values()]
    if len(set(pws)) != len(pws):
        bad.append("%d passwords appear twice" % (len(pws) - len(set(pws))))
    return bad, "%d row(s), every one a person this plan created, as planned (passwords: 20 characters each, all different, not shown)" % len(got)


def write_secret(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def sheet_password(path, sam, out):
    for r in read_sheet(path)[1:]:
        if r and r[0] == sam:
            write_secret(out, r[4])
            return [], "the initial password of %s (%d characters) written to %s" % (sam, len(r[4]), out)
    return ["%s is not on the sheet" % sam], "no password"


def sheet_passwords(path, out):
    """Every password of a sheet as `sam TAB password` lines (0600), for the no-leak probes."""
    rows = read_sheet(path)[1:]
    write_secret(out, "".join("%s\t%s\n" % (r[0], r[4]) for r in rows if len(r) == len(SHEET_COLUMNS)))
    return [], "%d password(s) written to %s" % (len(rows), out)


def setpw(dn, pw_file, out):
    pw = open(pw_file, encoding="utf-8").read()
    value = base64.b64encode(('"%s"' % pw).encode("utf-16-le")).decode("ascii")
    dn_line = "dn:: " + base64.b64encode(dn.encode("utf-8")).decode("ascii")
    write_secret(out, "%s\nchangetype: modify\nreplace: unicodePwd\nunicodePwd:: %s\n-\nreplace: pwdLastSet\npwdLastSet: -1\n-\n" % (dn_line, value))
    return [], "LDIF written"


def newpw(out):
    alphabet = "BCDFGHJKLMNPQRSTVWXZbcdfghjkmnpqrstvwxz!#%+-=?@_"
    write_secret(out, "".join(rnd.choice(alphabet) for _ in range(16)) + "Kq7!" + str(rnd.randbelow(90) + 10))
    return [], "a new password written"


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "unit":
        bad, _ = unit_words(*args)
        for b in bad:
            print(b, file=sys.stderr)
        return 1 if bad else 0
    fn = {
        "unit-success": unit_success,
        "unit-is": unit_is,
        "check": check,
        "usns": usns,
        "changed": changed,
        "secrets": make_secrets,
        "edit": edit,
        "bad": bad_export,
        "arrival": arrival,
        "person": person,
        "pwdlastset": pwdlastset,
        "drift": drift,
        "drift-result": drift_result,
        "unchanged-but": unchanged_but,
        "only-changed": only_changed,
        "sheet": sheet,
        "sheet-password": sheet_password,
        "sheet-passwords": sheet_passwords,
        "setpw": setpw,
        "newpw": newpw,
    }[cmd]
    bad, summary = fn(*args)
    if cmd == "drift":
        return 0
    for b in bad[:40]:
        print("  " + b)
    if len(bad) > 40:
        print("  ... %d more" % (len(bad) - 40))
    print(("FAIL: %d mismatch(es); " % len(bad) if bad else "") + summary)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
