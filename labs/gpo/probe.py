#!/usr/bin/python3
"""Probes of labs/gpo (password policy, PSOs, logon hours, Group Policy). The expected values are the model's: the
policy file and the directory plan synth rendered (with the lab's documented overrides), each GPO as planned (the inputs
of its billu:gpo:Gpo resource in synth's resources.json), never what the DC step installed.

  probe.py policy <passwordsettings show output> <password-policy.json>     the domain policy equals the model's
  probe.py pso <pso show output> <password-policy.json> <PSO name>          a PSO's settings equal the model's
  probe.py psouser <pso show-user output> <PSO name | ->                     the PSO that applies (- : none)
  probe.py hours <ldif of the users> <plan.json>                            logonHours as planned, absent elsewhere
  probe.py inhours <plan.json> <sam>                                        exit 0 when now (UTC) is in <sam>'s hours
  probe.py gpo-exist <resources.json> <gpo listall output>                  each planned GPO exists once by display name
  probe.py gpo-links <resources.json> <gpo listall output> <gPLink ldif>    each OU's links: planned GPOs, order, enforced
  probe.py gpo-filter <resources.json> <gpo listall> <SD ldif> <groups ldif>  Apply Group Policy exactly for the planned
  probe.py gpo-files <resources.json> <gpo listall> <sysvol policies dir> <GPO name>   its Registry.pol (Samba's
                                        parser), GptTmpl.inf (Samba's parser), Drives.xml equal the model; absent if unplanned
  probe.py gpo-versions <resources.json> <gpo listall> <sysvol policies dir> <snapshot out>   GPT.INI = versionNumber,
                                        each part's half non-zero exactly when the part has files; writes the versions
  probe.py gpo-cse <resources.json> <gpo listall> <extension names ldif>   gPCMachineExtensionNames and
                                        gPCUserExtensionNames: the CSE pairs Windows needs for the parts the model fills
  probe.py gpo-script-paths <resources.json> <GPO name> <domain>            each startup script's path in the sysvol share
  probe.py gpo-psscripts <resources.json> <GPO name> <psscripts.ini>        psscripts.ini (read over SMB): [Startup] exactly
                                        the model's scripts (0CmdLine, 0Parameters, ...), UTF-16LE with its BOM
  probe.py gpo-bump <snapshot before> <snapshot after> <resources before> <resources after>   each GPO's version grew by
                                        what the model's change asks (user part +65536, machine +1), others unchanged
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


# --- Group Policy ------------------------------------------------------------------------------------------------
APPLY_GROUP_POLICY = "edacfd8f-ffb3-11d1-b41d-00a0c968f939"
WELL_KNOWN_SIDS = {"Authenticated Users": "S-1-5-11"}
REG_TYPES = {"REG_SZ": 1, "REG_EXPAND_SZ": 2, "REG_BINARY": 3, "REG_DWORD": 4, "REG_MULTI_SZ": 7, "REG_QWORD": 11}


def planned_gpos(resources_json):
    """The model's GPOs by display name: the inputs of each billu:gpo:Gpo resource synth recorded."""
    data = json.load(open(resources_json, encoding="utf-8"))
    items = data if isinstance(data, list) else data["resources"]
    return {r["inputs"]["displayName"]: r["inputs"] for r in items if r["type"] == "billu:gpo:Gpo"}


def read_ldif_b64(path):
    """LDIF entries (folded lines joined, base64 values decoded): a list of {attribute: [values]}, 'dn' included."""
    entries, cur, lines = [], None, []
    for raw in open(path, encoding="utf-8"):
        raw = raw.rstrip("\n")
        if raw.startswith(" ") and lines:
            lines[-1] += raw[1:]
        else:
            lines.append(raw)
    for line in lines:
        if not line or line.startswith("#") or line.startswith("ref:"):
            cur = None
            continue
        attr, _, value = line.partition(":")
        if value.startswith(":"):
            value = base64.b64decode(value[1:].strip()).decode("utf-8")
        else:
            value = value.strip()
        if cur is None:
            cur = {}
            entries.append(cur)
        cur.setdefault(attr, []).append(value)
    return entries


def listall(path):
    """`samba-tool gpo listall`: display name -> [{guid, version, dn}] (a list: a name may exist twice)."""
    gpos, cur = {}, None
    for line in open(path, encoding="utf-8"):
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "GPO":
            cur = {"guid": value}
        elif cur is not None and key == "display name":
            cur["name"] = value
        elif cur is not None and key == "dn":
            cur["dn"] = value
        elif cur is not None and key == "version":
            cur["version"] = int(value)
            gpos.setdefault(cur["name"], []).append(cur)
    return gpos


def the_gpo(found, name):
    return found[name][0] if len(found.get(name, [])) == 1 else None


def gpo_exist(resources_json, listall_txt):
    want, found = planned_gpos(resources_json), listall(listall_txt)
    bad = ["%s: %d GPO(s) of that display name on the DC, the model plans one" % (n, len(found.get(n, []))) for n in sorted(want) if len(found.get(n, [])) != 1]
    return bad, "%d planned GPO(s), %d present once by display name; %d GPO(s) on the DC" % (len(want), len(want) - len(bad), sum(len(v) for v in found.values()))


def parse_gplink(value):
    """gPLink's entries in link order (1 first: the last entry of the attribute, [MS-GPOL] 2.2.2), as (dn, options)."""
    return list(reversed([(m.group(1).lower(), int(m.group(2))) for m in re.finditer(r"\[LDAP://([^;\]]+);(\d+)\]", value, re.I)]))


def gpo_links(resources_json, listall_txt, gplink_ldif):
    want, found = planned_gpos(resources_json), listall(listall_txt)
    name_of = {g["dn"].lower(): n for n, gs in found.items() for g in gs}
    planned = {}
    for name, g in want.items():
        for link in g["links"]:
            planned.setdefault(link["dn"].lower(), []).append((link["order"], name, 2 if link["enforced"] else 0))
    got = {e["dn"][0].lower(): parse_gplink(e["gPLink"][0]) for e in read_ldif_b64(gplink_ldif) if "gPLink" in e}
    bad, shown = [], []
    for ou, links in sorted(planned.items()):
        expect = [(n, opt) for _, n, opt in sorted(links)]
        have = [(name_of.get(d, d), opt) for d, opt in got.get(ou, [])]
        # The planned links hold link orders 1..n; links to GPOs the plan does not manage may follow (Default Domain Policy).
        if have[: len(expect)] != expect or any(n in want for n, _ in have[len(expect):]):
            bad.append("%s: links %s, the model %s" % (ou, have, expect))
        shown.append("%s: %s" % (ou.split(",")[0], "; ".join("%d. %s%s" % (i + 1, n, " (enforced)" if o & 2 else "") for i, (n, o) in enumerate(have))))
    for ou, links in sorted(got.items()):
        if ou not in planned:
            ours = [name_of.get(d, d) for d, _ in links if name_of.get(d, d) in want]
            if ours:
                bad.append("%s: links %s, the model plans no link there" % (ou, ours))
    return bad, "\n".join(shown)


def gpo_filter(resources_json, listall_txt, sd_ldif, groups_ldif):
    from samba.dcerpc import security

    want, found = planned_gpos(resources_json), listall(listall_txt)
    groups = {}
    domain_sid = None
    for e in read_ldif_b64(groups_ldif):
        if "sAMAccountName" in e and "objectSid" in e:
            groups[e["sAMAccountName"][0].lower()] = e["objectSid"][0]
        elif "objectSid" in e:
            domain_sid = e["objectSid"][0]
    sd_of = {e["dn"][0].lower(): e["nTSecurityDescriptor"][0] for e in read_ldif_b64(sd_ldif) if "nTSecurityDescriptor" in e}
    dsid = security.dom_sid(domain_sid)
    bad, shown = [], []
    for name, g in sorted(want.items()):
        gpo = the_gpo(found, name)
        if gpo is None or gpo["dn"].lower() not in sd_of:
            bad.append("%s: no GPO (or no security descriptor) on the DC" % name)
            continue
        expect = {WELL_KNOWN_SIDS.get(p) or groups.get(p.lower(), "(no group %s)" % p) for p in g["applyTo"]}
        sd = security.descriptor.from_sddl(sd_of[gpo["dn"].lower()], dsid)
        apply_sids, readers = set(), set()
        for ace in sd.dacl.aces:
            if ace.type == security.SEC_ACE_TYPE_ACCESS_ALLOWED_OBJECT and str(ace.object.type).lower() == APPLY_GROUP_POLICY and ace.access_mask & security.SEC_ADS_CONTROL_ACCESS:
                apply_sids.add(str(ace.trustee))
            if ace.type == security.SEC_ACE_TYPE_ACCESS_ALLOWED and ace.access_mask & security.SEC_ADS_READ_PROP:
                readers.add(str(ace.trustee))
        if apply_sids != expect:
            bad.append("%s: Apply Group Policy for %s, the model %s" % (name, sorted(apply_sids), sorted(expect)))
        unread = sorted((expect | {"S-1-5-11"}) - readers)
        if unread:
            bad.append("%s: no Read for %s (clients must read every GPO in scope)" % (name, unread))
        filtered = "S-1-5-11" not in expect
        shown.append("%s: Apply for %s%s" % (name, ", ".join(g["applyTo"]), "; Authenticated Users: Read, no Apply" if filtered else ""))
    return bad, "\n".join(shown)


def want_entries(registry):
    out = []
    for r in registry:
        data = r["data"]
        if r["type"] == "REG_MULTI_SZ":
            data = "\x00".join(data)
        elif r["type"] == "REG_QWORD":
            data = int(data)
        elif r["type"] == "REG_BINARY":
            data = data.lower()
        out.append((r["key"], r["valueName"], REG_TYPES[r["type"]], data))
    return sorted(out, key=repr)


def pol_entries(data):
    from samba.gp_parse.gp_pol import GPPolParser

    p = GPPolParser()
    p.parse(data)
    out = []
    for e in p.pol_file.entries:
        value = e.data
        if e.type == REG_TYPES["REG_MULTI_SZ"]:
            value = value.rstrip("\x00")
        elif e.type == REG_TYPES["REG_BINARY"]:
            value = bytes(value).hex()
        out.append((e.keyname, e.valuename, e.type, value))
    return sorted(out, key=repr)


def inf_sections(data):
    from samba.gp_parse.gp_inf import GptTmplInfParser

    p = GptTmplInfParser()
    p.parse(data)
    access = sorted((k, str(v)) for k, v in p.sections["System Access"].param_list)
    values = []
    for line in p.sections["Registry Values"].param_list:
        path, _, rest = line.partition("=")
        code, _, value = rest.partition(",")
        values.append((path, int(code), value[1:-1].replace('""', '"') if value.startswith('"') else value))
    return access, sorted(values)


def gpo_files(resources_json, listall_txt, policies_dir, name):
    import os
    import xml.etree.ElementTree as ET

    g = planned_gpos(resources_json)[name]
    gpo = the_gpo(listall(listall_txt), name)
    if gpo is None:
        return ["%s: not on the DC (once) by display name" % name], name
    folder = os.path.join(policies_dir, gpo["guid"])
    bad, shown = [], []

    def installed(rel):
        p = os.path.join(folder, *rel.split("/"))
        return open(p, "rb").read() if os.path.exists(p) else None

    for part, sub in (("machine", "Machine"), ("user", "User")):
        want = want_entries(g["registry"][part])
        data = installed(sub + "/Registry.pol")
        if not want:
            if data is not None:
                bad.append("%s/Registry.pol present, the model has no %s registry value" % (sub, part))
            continue
        if data is None:
            bad.append("%s/Registry.pol missing, the model has %d value(s)" % (sub, len(want)))
            continue
        try:
            got = pol_entries(data)
        except Exception as e:  # Samba's parser refuses the file: that is the verdict
            bad.append("%s/Registry.pol: Samba's parser refuses it (%s: %s)" % (sub, type(e).__name__, e))
            continue
        for w in want:
            if w not in got:
                bad.append("%s/Registry.pol: %s\\%s (type %d) = %r missing or different" % (sub, w[0], w[1], w[2], w[3]))
        for x in got:
            if x not in want:
                bad.append("%s/Registry.pol: %s\\%s (type %d) = %r, not in the model" % (sub, x[0], x[1], x[2], x[3]))
        shown.append("%s/Registry.pol: %s" % (sub, ", ".join("%s=%r" % (x[1], x[3]) for x in got)))
    sec = g["security"]
    want_access = sorted((k, str(v)) for k, v in sec["systemAccess"])
    want_values = sorted((v["path"], REG_TYPES[v["type"]], str(v["data"])) for v in sec["registryValues"])
    data = installed("Machine/Microsoft/Windows NT/SecEdit/GptTmpl.inf")
    if not want_access and not want_values:
        if data is not None:
            bad.append("GptTmpl.inf present, the model has no security setting")
    elif data is None:
        bad.append("GptTmpl.inf missing, the model has %d security setting(s)" % (len(want_access) + len(want_values)))
    else:
        try:
            access, values = inf_sections(data)
            if access != want_access:
                bad.append("GptTmpl.inf [System Access] %s, the model %s" % (access, want_access))
            if values != want_values:
                bad.append("GptTmpl.inf [Registry Values] %s, the model %s" % (values, want_values))
            shown.append("GptTmpl.inf: %s" % ", ".join(["%s=%s" % a for a in access] + ["%s=%s" % (v[0].split("\\")[-1], v[2]) for v in values]))
        except Exception as e:
            bad.append("GptTmpl.inf: Samba's parser refuses it (%s: %s)" % (type(e).__name__, e))
    data = installed("Machine/Scripts/psscripts.ini")
    if not g["startupScripts"]:
        if data is not None:
            bad.append("Machine/Scripts/psscripts.ini present, the model has no startup script")
    elif data is None:
        bad.append("Machine/Scripts/psscripts.ini missing, the model has %d startup script(s)" % len(g["startupScripts"]))
    else:
        wrong, summary = psscripts_check(g["startupScripts"], data)
        bad.extend("Machine/Scripts/psscripts.ini: " + w for w in wrong)
        shown.append("psscripts.ini: " + summary)
    want_drives = sorted((d["letter"], d["path"], d["ouFilter"]) for d in g["drives"])
    data = installed("User/Preferences/Drives/Drives.xml")
    if not want_drives:
        if data is not None:
            bad.append("Drives.xml present, the model maps no drive")
    elif data is None:
        bad.append("Drives.xml missing, the model maps %d drive(s)" % len(want_drives))
    else:
        got = []
        for d in ET.fromstring(data).findall("Drive"):
            props, ou = d.find("Properties"), d.find("Filters/FilterOrgUnit")
            got.append((props.get("letter"), props.get("path"), ou.get("name") if ou is not None else ""))
        if sorted(got) != want_drives:
            bad.append("Drives.xml %s, the model %s" % (sorted(got), want_drives))
        shown.append("Drives.xml: %d drive(s) %s" % (len(got), ", ".join(sorted({x[0] + ":" for x in got}))))
    return bad, "%s: %s" % (name, "; ".join(shown) or "no file")


def psscripts_check(scripts, data):
    """psscripts.ini's bytes against the model's startup scripts: UTF-16LE with its BOM (as the Group Policy editor writes
    it, [MS-GPSCR] 2.2.2), a [Startup] section whose keys are exactly <n>CmdLine and <n>Parameters for n = 0.. in the
    model's order, no other section with an entry."""
    import configparser

    bad = []
    if not data.startswith(b"\xff\xfe"):
        bad.append("no UTF-16LE byte order mark (starts %r)" % data[:4])
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError as e:
        return bad + ["not UTF-16 (%s)" % e], "unreadable"
    ini = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    ini.optionxform = str  # keys keep their case (0CmdLine)
    try:
        ini.read_string(text)
    except configparser.Error as e:
        return bad + ["not an INI file (%s)" % e], "unreadable"
    want = {}
    for i, sc in enumerate(scripts):
        want["%dCmdLine" % i] = sc["cmdLine"]
        want["%dParameters" % i] = sc["parameters"]
    got = dict(ini.items("Startup")) if ini.has_section("Startup") else None
    if got is None:
        bad.append("no [Startup] section")
    elif got != want:
        bad.append("[Startup] %r, the model %r" % (got, want))
    for sec in ini.sections():
        if sec != "Startup" and ini.items(sec):
            bad.append("[%s] has entries, the model has startup scripts only" % sec)
    return bad, "[Startup] " + ", ".join("%s=%s" % kv for kv in (got or {}).items())


def gpo_psscripts(resources_json, name, ini_path):
    g = planned_gpos(resources_json)[name]
    bad, summary = psscripts_check(g["startupScripts"], open(ini_path, "rb").read())
    return bad, "%s: %s" % (name, summary)


def gpo_script_paths(resources_json, name, domain):
    """Each startup script's path in the `sysvol` share, from the model's UNC path (\\\\<domain>\\SYSVOL\\<path>); printed one a
    line. A script outside the domain's SYSVOL is a failure: every computer must reach it (Domain Computers read SYSVOL)."""
    g = planned_gpos(resources_json)[name]
    prefix = "\\\\%s\\sysvol\\" % domain.lower()
    bad, paths = [], []
    for sc in g["startupScripts"]:
        if not sc["cmdLine"].lower().startswith(prefix):
            bad.append("%s is not in \\\\%s\\SYSVOL" % (sc["cmdLine"], domain))
            continue
        paths.append(sc["cmdLine"][len(prefix):].replace("\\", "/"))
    if not paths and not bad:
        bad.append("%s: the model has no startup script" % name)
    for p in paths:
        sys.stdout.write(p + "\n")
    return bad, "%d script(s)" % len(paths)


# Client-side extensions (CSE GUID, then the editor's snap-in GUID) a Windows client needs listed in gPC*ExtensionNames
# to process a part ([MS-GPOL] 2.2.4; the GUIDs: [MS-GPREG] 1.9, [MS-GPSB] 1.9, [MS-GPSCR] 1.9, [MS-GPPREF] 1.9). Held
# here, from Microsoft's documents, not from components/gpo/render.ts: the probe is a second opinion on the applier.
CSE_REGISTRY = "{35378EAC-683F-11D2-A89A-00C04FBBCFA2}"
CSE_PAIRS = {
    "machine registry": (CSE_REGISTRY, "{D02B1F72-3407-48AE-BA88-E8213C6761F1}"),
    "security": ("{827D319E-6EAC-11D2-A4EA-00C04F79F83A}", "{803E14A0-B4FB-11D0-A0D0-00A0C90F574B}"),
    "startup scripts": ("{42B5FAAE-6536-11D2-AE5A-0000F87571E3}", "{40B6664F-4972-11D1-A7CA-0000F87571E3}"),
    "user registry": (CSE_REGISTRY, "{D02B1F73-3407-48AE-BA88-E8213C6761F1}"),
    "drives": ("{5794DAFD-BE60-433F-88A2-1A31939AC01F}", "{2EA1A81B-48E5-45E9-8BB7-A6E3AC170006}"),
    "drives (tool)": ("{00000000-0000-0000-0000-000000000000}", "{2EA1A81B-48E5-45E9-8BB7-A6E3AC170006}"),
}


def parse_extension_names(value):
    """`[{cse}{tool}...][...]` -> [(cse, (tools...))] in written order, upper-case."""
    out = []
    for m in re.finditer(r"\[((?:\{[0-9A-Fa-f-]{36}\})+)\]", value or ""):
        guids = [x.upper() for x in re.findall(r"\{[0-9A-Fa-f-]{36}\}", m.group(1))]
        out.append((guids[0], tuple(guids[1:])))
    return out


def gpo_cse(resources_json, listall_txt, ext_ldif):
    want, found = planned_gpos(resources_json), listall(listall_txt)
    attrs = {e["dn"][0].lower(): e for e in read_ldif_b64(ext_ldif)}
    bad, shown = [], []
    for name, g in sorted(want.items()):
        gpo = the_gpo(found, name)
        if gpo is None or gpo["dn"].lower() not in attrs:
            bad.append("%s: not on the DC (once)" % name)
            continue
        e = attrs[gpo["dn"].lower()]
        parts = {
            "gPCMachineExtensionNames": [k for k, on in (
                ("machine registry", g["registry"]["machine"]),
                ("security", g["security"]["systemAccess"] or g["security"]["registryValues"]),
                ("startup scripts", g["startupScripts"]),
            ) if on],
            "gPCUserExtensionNames": [k for k, on in (
                ("user registry", g["registry"]["user"]), ("drives", g["drives"]), ("drives (tool)", g["drives"])) if on],
        }
        for attr, kinds in parts.items():
            value = (e.get(attr) or [""])[0]
            got = parse_extension_names(value)
            expect = {}
            for k in kinds:
                cse, tool = CSE_PAIRS[k]
                expect.setdefault(cse, set()).add(tool)
            have = {}
            for cse, tools in got:
                have.setdefault(cse, set()).update(tools)
            if have != expect:
                missing = sorted("%s%s" % (c, t) for c, ts in expect.items() for t in ts if t not in have.get(c, set()))
                extra = sorted("%s%s" % (c, t) for c, ts in have.items() for t in ts if t not in expect.get(c, set()))
                bad.append("%s: %s %r; missing %s, not planned %s" % (name, attr, value, missing or "none", extra or "none"))
            elif [c for c, _ in got] != sorted(c for c, _ in got):
                bad.append("%s: %s %r is not sorted by CSE GUID (Windows processes a sorted list)" % (name, attr, value))
        shown.append("%s: machine %s; user %s" % (name, ", ".join(parts["gPCMachineExtensionNames"]) or "-", ", ".join(parts["gPCUserExtensionNames"]) or "-"))
    return bad, "\n".join(shown)


def parts_of(g):
    """The parts of a GPO that carry files in the model: machine (registry or security), user (registry or drives)."""
    machine = bool(g["registry"]["machine"] or g["security"]["systemAccess"] or g["security"]["registryValues"] or g["startupScripts"])
    user = bool(g["registry"]["user"] or g["drives"])
    return machine, user


def gpo_versions(resources_json, listall_txt, policies_dir, snapshot):
    import os

    want, found = planned_gpos(resources_json), listall(listall_txt)
    bad, versions = [], {}
    for name, g in sorted(want.items()):
        gpo = the_gpo(found, name)
        if gpo is None:
            bad.append("%s: not on the DC (once)" % name)
            continue
        ini = open(os.path.join(policies_dir, gpo["guid"], "GPT.INI"), encoding="utf-8", errors="replace").read()
        m = re.search(r"^Version=(\d+)\s*$", ini, re.M)
        v = int(m.group(1)) if m else -1
        versions[name] = v
        if v != gpo["version"]:
            bad.append("%s: GPT.INI Version=%d, versionNumber %d" % (name, v, gpo["version"]))
        machine, user = parts_of(g)
        if (v & 0xFFFF > 0) != machine or (v >> 16 > 0) != user:
            bad.append("%s: version %d (user %d, machine %d); the model has files in: %s" % (name, v, v >> 16, v & 0xFFFF, ", ".join(p for p, x in (("machine", machine), ("user", user)) if x) or "none"))
    json.dump(versions, open(snapshot, "w"), indent=1, sort_keys=True)
    return bad, ", ".join("%s=%d" % (n, v) for n, v in sorted(versions.items()))


def gpo_bump(before_json, after_json, resources_before, resources_after):
    before, after = json.load(open(before_json)), json.load(open(after_json))
    old, new = planned_gpos(resources_before), planned_gpos(resources_after)
    bad, moved = [], []
    for name in sorted(new):
        a, b = old.get(name), new[name]
        delta = 0
        if a is not None:
            if a["registry"]["machine"] != b["registry"]["machine"] or a["security"] != b["security"] or a["startupScripts"] != b["startupScripts"]:
                delta += 1
            if a["registry"]["user"] != b["registry"]["user"] or a["drives"] != b["drives"]:
                delta += 65536
        got = after.get(name, -1) - before.get(name, -1)
        if got != delta:
            bad.append("%s: version %s -> %s (+%d), the model's change asks +%d" % (name, before.get(name), after.get(name), got, delta))
        if delta:
            moved.append("%s +%d (%s)" % (name, delta, "user" if delta >= 65536 else "machine"))
    return bad, "changed by the model: %s; every other GPO's version unchanged" % (", ".join(moved) or "none")


def main(argv):
    fn = {
        "policy": policy,
        "pso": pso,
        "psouser": psouser,
        "hours": hours,
        "inhours": inhours,
        "gpo-exist": gpo_exist,
        "gpo-links": gpo_links,
        "gpo-filter": gpo_filter,
        "gpo-files": gpo_files,
        "gpo-versions": gpo_versions,
        "gpo-bump": gpo_bump,
        "gpo-cse": gpo_cse,
        "gpo-psscripts": gpo_psscripts,
        "gpo-script-paths": gpo_script_paths,
    }[argv[1]]
    bad, summary = fn(*argv[2:])
    for b in bad[:20]:
        print("  " + b)
    print(("FAIL: %d mismatch(es); " % len(bad) if bad and argv[1] != "inhours" else "") + summary)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
