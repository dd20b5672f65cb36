#!/usr/bin/env python3
"""labs/monitoring/probe.py: the lab's probes through the Zabbix API (stdlib only).

Usage: probe.py --url URL --credentials FILE <command> [args]
  login                 the credentials log on (exit 1 when Zabbix refuses them, with its message)
  write-refused HOST    with the credentials, host.update of HOST and hostgroup.create are both refused by the API
                        with its permission error (printed); holds only when both are refused so
  export DOC FILE       writes configuration.export (JSON, its date removed) of the document's hosts, templates and
                        host groups, and dashboard.get of its dashboards (pages, widgets and their ids, fields), to
                        FILE: equal exports, equal configuration (an update of a dashboard gives its widgets new ids)
  dashboard DOC NAME HOST...
                        the document's dashboard NAME exists with exactly its widgets (type, name, position); each item
                        widget shows the item of the document's host and key (read back: itemid -> host, key_); the
                        items of the HOSTs (those whose agents run) have data (lastclock > 0, supported): prints each
                        widget's latest value
  templates DOC         every host of the document exists with exactly its templates (prints what differs)
  available HOST        the host's agent interface is available and the host talks PSK both ways
  unavailable HOST      the host's agent interface is not available and carries an error (printed)
  values HOST KEY...    each item KEY of HOST has received a value
  value HOST KEY WANT   item KEY of HOST is supported (no preprocessing error) and its last value is WANT
  evaluated HOST NAME   the trigger NAME of HOST is evaluated without error (state normal, no error text)
  problem HOST NAME     a problem named NAME is open on HOST
  trigger-expr DOC TEMPLATE NAME
                        every host of DOC linked to TEMPLATE has the trigger NAME with DOC's expression of TEMPLATE's
                        trigger, its template's name replaced by the host's and its macros by TEMPLATE's values in DOC
                        (the API's expandExpression resolves both)
  host-macro HOST MACRO VALUE
                        creates the host macro MACRO = VALUE on HOST (a sabotage's: it shadows the template's value)
  value-since HOST KEY WANT SINCE
                        as value, and the value is fresh: its lastclock is SINCE (Unix seconds) or later
  item-jsonpath TEMPLATE KEY JSONPATH
                        sets the JSONPath preprocessing step of TEMPLATE's item KEY (a sabotage's: it breaks a rendered
                        dependent item; the hosts' items follow their template)
  resolved HOST NAME    no problem named NAME is open on HOST
  check-now HOST KEY    asks the server to poll item KEY of HOST now (task.create, type 6: the frontend's "Execute now"),
                        instead of waiting for its interval
  trigger-set TEMPLATE NAME EXPRESSION
                        sets the expression of TEMPLATE's trigger NAME (a sabotage's: the hosts' triggers follow it)
  ensure-template STEPDIR DOC TEMPLATE GROUP
                        runs the configuration step's own code (STEPDIR/zabbix-config.py: Run.host_groups and
                        Run.templates) for DOC's template TEMPLATE alone, in template group GROUP, twice: holds when
                        the first run is accepted by Zabbix, the second changes nothing, and the template then holds
                        exactly DOC's item keys and trigger names (prints what differs)
  agent-ping ADDR IDENTITY PSKFILE
                        asks the agent at ADDR:10050 for agent.ping over TLS with that PSK (openssl s_client: the
                        server's own side, without the server), as the server's passive check does; holds when it
                        answers 1 (an agent whose Server= does not name this address closes the connection)
Exit status: 0 the probe holds, 1 it does not (the reason is printed), 3 the API failed.
"""

import json
import struct
import subprocess
import sys
import urllib.request


def call(url, method, params, auth=None):
    body = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
    if auth:
        body["auth"] = auth
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json-rpc"})
    with urllib.request.urlopen(req, timeout=20) as resp:
        answer = json.loads(resp.read().decode())
    if "error" in answer:
        raise RuntimeError("%s: %s" % (method, answer["error"]))
    return answer["result"]


def login(url, path):
    creds = dict(line.split("=", 1) for line in open(path, encoding="utf-8").read().splitlines() if "=" in line)
    return call(url, "user.login", {"username": creds["username"], "password": creds["password"]})


def host(url, auth, name):
    found = call(url, "host.get", {
        "filter": {"host": [name]}, "output": ["hostid", "host", "tls_connect", "tls_accept"],
        "selectParentTemplates": ["host"], "selectInterfaces": ["available", "error", "ip", "port"],
    }, auth)
    if not found:
        print("no host %s" % name)
        sys.exit(1)
    return found[0]


def agent_ping(addr, identity, psk_file):
    """Zabbix's passive-check protocol (header ZBXD, flags 1, 8-byte little-endian length, the key) over TLS PSK."""
    psk = open(psk_file, encoding="ascii").read().split()[-1]
    key = b"agent.ping"
    request = b"ZBXD\x01" + struct.pack("<Q", len(key)) + key
    # The key of a throwaway lab identity, on the command line of a process inside the lab's namespace only.
    # -quiet implies -ign_eof: s_client keeps reading after the request (its stdin's end) until the agent closes the
    # connection, which it does once it answered. With -no_ign_eof it shut the connection at its stdin's end, racing
    # the answer: in CI two of four agents lost that race on every try of the 5 s bound.
    cmd = ["openssl", "s_client", "-quiet", "-connect", "%s:10050" % addr, "-psk_identity", identity, "-psk", psk]
    r = subprocess.run(cmd, input=request, capture_output=True, timeout=10)
    out = r.stdout
    if not out.startswith(b"ZBXD") or len(out) < 13:
        print("%s: no Zabbix answer (openssl exit %d: %s)" % (addr, r.returncode, r.stderr.decode(errors="replace").strip().splitlines()[-1:]))
        return 1
    answer = out[13:13 + struct.unpack("<Q", out[5:13])[0]].decode(errors="replace")
    print("%s agent.ping = %r" % (addr, answer))
    return 0 if answer == "1" else 1


def dashboard(url, auth, doc, name, live):
    # live: the hosts whose agents run; an entry "unsupported=<host>|<key>" names an item that must be unsupported
    # (its command fails in the lab: no daemon to ask), not silently valued.
    unsupported = {tuple(a[len("unsupported="):].split("|", 1)) for a in live if a.startswith("unsupported=")}
    live = {a for a in live if not a.startswith("unsupported=")}
    want = next((d for d in doc["dashboards"] if d["name"] == name), None)
    if want is None:
        print("the document has no dashboard %r" % name)
        return 1
    found = call(url, "dashboard.get", {"filter": {"name": [name]}, "output": "extend", "selectPages": "extend"}, auth)
    if not found:
        print("no dashboard %r" % name)
        return 1
    widgets = [w for p in found[0]["pages"] for w in p["widgets"]]
    at = lambda w: (str(w["type"]), str(w["name"]), int(w["x"]), int(w["y"]), int(w["width"]), int(w["height"]))
    got, planned = sorted(map(at, widgets)), sorted(map(at, want["widgets"]))
    bad = 0
    if got != planned:
        print("%r: widgets %s, planned %s" % (name, [g for g in got if g not in planned], [p for p in planned if p not in got]))
        bad = 1
    by_name = {w["name"]: w for w in widgets}
    checked = 0
    for w in want["widgets"]:
        if not w.get("item") or w["name"] not in by_name:
            continue
        ids = [f["value"] for f in by_name[w["name"]]["fields"] if f["name"] == "itemid"]
        items = call(url, "item.get", {"itemids": ids, "output": ["key_", "lastclock", "lastvalue", "state", "error", "units"],
                                       "selectHosts": ["host"]}, auth) if ids else []
        if len(items) != 1 or items[0]["hosts"][0]["host"] != w["item"]["host"] or items[0]["key_"] != w["item"]["key"]:
            print("%r: shows %s, planned %s %s" % (w["name"], [(i["hosts"][0]["host"], i["key_"]) for i in items], w["item"]["host"], w["item"]["key"]))
            bad = 1
            continue
        i = items[0]
        if w["item"]["host"] not in live:
            continue
        checked += 1
        if (w["item"]["host"], w["item"]["key"]) in unsupported:
            if i["state"] != "1" or not i["error"]:
                print("%r: want unsupported (its command fails here), got state %s, value %r" % (w["name"], i["state"], i["lastvalue"]))
                bad = 1
            else:
                print("%r: unsupported as planned (error %r)" % (w["name"], i["error"]))
        elif i["lastclock"] == "0" or i["state"] != "0":
            print("%r: no data (state %s, error %r)" % (w["name"], i["state"], i["error"]))
            bad = 1
        else:
            print("%r = %s%s" % (w["name"], i["lastvalue"][:40], i["units"] and " " + i["units"]))
    print("%r: %d widgets, %d item widgets of running agents checked" % (name, len(widgets), checked))
    return bad if checked else 1


def ensure_template(url, auth, stepdir, doc, name, group):
    """The configuration step's own template code (zabbix-config.py's Run), for one template of a document."""
    import importlib.util
    import io
    import contextlib
    sys.path.insert(0, stepdir)
    spec = importlib.util.spec_from_file_location("zabbix_config", "%s/zabbix-config.py" % stepdir)
    zc = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(zc)
    tpl = next((t for t in doc["templates"] if t["name"] == name), None)
    if tpl is None:
        print("the document has no template %r" % name)
        return 1
    api = zc.Api(url)
    api.auth = auth
    one = {"templateGroup": group, "hostGroups": [], "templates": [tpl]}
    changes = []
    for attempt in (1, 2):
        run = zc.Run(api, one, {})
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                run.host_groups()
                run.templates()
        except zc.ApiError as e:  # what Zabbix refused of the template (the verdict this probe is for)
            print("run %d: %s" % (attempt, e))
            return 1
        changes.append(run.changes)
        print("run %d: %d changes%s" % (attempt, len(run.changes), "".join("\n  " + c for c in run.changes[:40])))
    got = call(url, "template.get", {"filter": {"host": [name]}, "output": ["templateid"], "selectItems": ["key_"], "selectTriggers": ["description"]}, auth)
    if not got:
        print("no template %r after the step's code ran" % name)
        return 1
    keys, want_keys = sorted(i["key_"] for i in got[0]["items"]), sorted(i["key"] for i in tpl["items"])
    names, want_names = sorted(t["description"] for t in got[0]["triggers"]), sorted(t["name"] for t in tpl["triggers"])
    bad = 0
    if keys != want_keys or names != want_names:
        print("%r holds items %s and triggers %s, the document %s and %s" % (name, keys, names, want_keys, want_names))
        bad = 1
    if not changes[0] or changes[1]:
        print("%r: the first run made %d changes, the second %d (want some, then none)" % (name, len(changes[0]), len(changes[1])))
        bad = 1
    print("%r: %d items, %d triggers" % (name, len(keys), len(names)))
    return bad


def main(argv):
    # argv: probe.py --url URL --credentials FILE <command> [args]
    url, cred, cmd, args = argv[2], argv[4], argv[5], argv[6:]
    if cmd == "agent-ping":
        return agent_ping(args[0], args[1], args[2])
    if cmd == "login":
        try:
            login(url, cred)
        except RuntimeError as e:
            print("refused: %s" % e)
            return 1
        print("logged on")
        return 0
    auth = login(url, cred)
    if cmd == "write-refused":
        hostid = host(url, auth, args[0])["hostid"]
        refused = 0
        for method, params in (("host.update", {"hostid": hostid, "description": "written by labs/monitoring"}),
                               ("hostgroup.create", {"name": "labs-monitoring write probe"})):
            try:
                call(url, method, params, auth)
                print("%s: accepted" % method)
            except RuntimeError as e:
                print("%s: refused: %s" % (method, e))
                refused += "No permissions" in str(e)
        return 0 if refused == 2 else 1
    if cmd == "export":
        doc = json.load(open(args[0], encoding="utf-8"))
        names = [h["host"] for h in doc["hosts"]]
        hostids = [h["hostid"] for h in call(url, "host.get", {"filter": {"host": names}, "output": ["hostid"]}, auth)]
        tnames = sorted({t for h in doc["hosts"] for t in h["templates"]} | {t["name"] for t in doc["templates"]})
        tids = [t["templateid"] for t in call(url, "template.get", {"filter": {"host": tnames}, "output": ["templateid"]}, auth)]
        gids = [g["groupid"] for g in call(url, "hostgroup.get", {"filter": {"name": doc["hostGroups"]}, "output": ["groupid"]}, auth)]
        export = json.loads(call(url, "configuration.export", {"format": "json", "options": {"hosts": hostids, "templates": tids, "groups": gids}}, auth))
        export.get("zabbix_export", {}).pop("date", None)
        export["dashboards"] = call(url, "dashboard.get", {"filter": {"name": [d["name"] for d in doc["dashboards"]]}, "output": "extend",
                                                           "selectPages": "extend", "selectUsers": "extend", "selectUserGroups": "extend"}, auth)
        with open(args[1], "w", encoding="utf-8") as f:
            json.dump(export, f, indent=1, sort_keys=True)
        print("exported %d hosts, %d templates, %d host groups" % (len(hostids), len(tids), len(gids)))
        return 0 if hostids and tids and gids else 1
    if cmd == "dashboard":
        return dashboard(url, auth, json.load(open(args[0], encoding="utf-8")), args[1], set(args[2:]))
    if cmd == "trigger-expr":
        doc = json.load(open(args[0], encoding="utf-8"))
        tpl, name = args[1], args[2]
        template = next(x for x in doc["templates"] if x["name"] == tpl)
        want = [t["expression"] for t in template["triggers"] if t["name"] == name]
        if len(want) != 1:
            print("%s: %d triggers named %r in the document" % (tpl, len(want), name))
            return 1
        bad, checked = 0, 0
        for d in doc["hosts"]:
            if tpl not in d["templates"]:
                continue
            hid = host(url, auth, d["host"])["hostid"]
            trig = call(url, "trigger.get", {"hostids": [hid], "filter": {"description": [name]}, "expandExpression": True, "output": ["expression"]}, auth)
            # expandExpression gives the host's item and resolves the user macros (here, the template's values).
            expected = want[0].replace("/%s/" % tpl, "/%s/" % d["host"])
            for m in template["macros"]:
                expected = expected.replace(m["macro"], m["value"])
            got = [t["expression"] for t in trig]
            checked += 1
            if got != [expected]:
                print("%s: %r is %r, want [%r]" % (d["host"], name, got, expected))
                bad = 1
        print("%d hosts of %s carry %r: %s" % (checked, tpl, name, want[0]))
        return bad if checked else 1
    if cmd == "check-now":
        h = host(url, auth, args[0])
        items = call(url, "item.get", {"hostids": [h["hostid"]], "filter": {"key_": [args[1]]}, "output": ["itemid"]}, auth)
        if not items:
            print("%s: no item %s" % (args[0], args[1]))
            return 1
        # 6: check now (Zabbix 6.0 API, task.create): the server polls the item at once, as "Execute now" does.
        call(url, "task.create", [{"type": "6", "request": {"itemid": items[0]["itemid"]}}], auth)
        print("%s %s: check now requested" % (args[0], args[1]))
        return 0
    if cmd == "trigger-set":
        tpl = call(url, "template.get", {"filter": {"host": [args[0]]}, "output": ["templateid"]}, auth)
        trig = call(url, "trigger.get", {"templateids": [tpl[0]["templateid"]], "filter": {"description": [args[1]]}, "output": ["triggerid"]}, auth) if tpl else []
        if not trig:
            print("%s: no trigger %r" % (args[0], args[1]))
            return 1
        call(url, "trigger.update", {"triggerid": trig[0]["triggerid"], "expression": args[2]}, auth)
        print("%s %r: expression %s" % (args[0], args[1], args[2]))
        return 0
    if cmd == "ensure-template":
        return ensure_template(url, auth, args[0], json.load(open(args[1], encoding="utf-8")), args[2], args[3])
    if cmd == "host-macro":
        hid = host(url, auth, args[0])["hostid"]
        call(url, "usermacro.create", {"hostid": hid, "macro": args[1], "value": args[2]}, auth)
        print("%s: host macro %s = %s" % (args[0], args[1], args[2]))
        return 0
    if cmd == "item-jsonpath":
        tpl = call(url, "template.get", {"filter": {"host": [args[0]]}, "output": ["templateid"]}, auth)
        items = call(url, "item.get", {"templateids": [tpl[0]["templateid"]], "filter": {"key_": [args[1]]}, "output": ["itemid"]}, auth) if tpl else []
        if not items:
            print("%s: no item %s" % (args[0], args[1]))
            return 1
        # 12: JSONPath (Zabbix 6.0 API, item preprocessing types).
        call(url, "item.update", {"itemid": items[0]["itemid"], "preprocessing": [{"type": "12", "params": args[2], "error_handler": "0", "error_handler_params": ""}]}, auth)
        print("%s %s: JSONPath %s" % (args[0], args[1], args[2]))
        return 0
    if cmd == "templates":
        doc = json.load(open(args[0], encoding="utf-8"))
        bad = 0
        for h in doc["hosts"]:
            got = sorted(t["host"] for t in host(url, auth, h["host"])["parentTemplates"])
            if got != sorted(h["templates"]):
                print("%s: templates %s, planned %s" % (h["host"], got, sorted(h["templates"])))
                bad = 1
        return bad
    h = host(url, auth, args[0])
    iface = h["interfaces"][0]
    if cmd == "available":
        ok = iface["available"] == "1" and h["tls_connect"] == "2" and h["tls_accept"] == "2"
        print("%s: available=%s tls_connect=%s tls_accept=%s error=%s" % (h["host"], iface["available"], h["tls_connect"], h["tls_accept"], iface["error"]))
        return 0 if ok else 1
    if cmd == "unavailable":
        print("%s: available=%s error=%s" % (h["host"], iface["available"], iface["error"]))
        return 0 if iface["available"] != "1" and iface["error"] else 1
    if cmd == "values":
        items = call(url, "item.get", {"hostids": [h["hostid"]], "filter": {"key_": args[1:]}, "output": ["key_", "lastclock", "lastvalue", "error"]}, auth)
        got = {i["key_"]: i for i in items}
        bad = 0
        for k in args[1:]:
            i = got.get(k)
            if i is None or i["lastclock"] == "0":
                print("%s %s: no value yet (%s)" % (h["host"], k, i and i["error"]))
                bad = 1
            else:
                print("%s %s = %s" % (h["host"], k, i["lastvalue"][:60]))
        return bad
    if cmd in ("value", "value-since"):
        items = call(url, "item.get", {"hostids": [h["hostid"]], "filter": {"key_": [args[1]]}, "output": ["key_", "lastclock", "lastvalue", "state", "error"]}, auth)
        if not items:
            print("%s: no item %s" % (h["host"], args[1]))
            return 1
        i = items[0]
        since = int(args[3]) if cmd == "value-since" else 1
        print("%s %s = %r (lastclock %s, state %s, error %r; want %r since %d)" % (h["host"], args[1], i["lastvalue"][:60], i["lastclock"], i["state"], i["error"], args[2], since))
        return 0 if int(i["lastclock"]) >= since and i["state"] == "0" and i["lastvalue"] == args[2] else 1
    if cmd == "evaluated":
        trig = call(url, "trigger.get", {"hostids": [h["hostid"]], "filter": {"description": [args[1]]}, "output": ["value", "state", "error", "lastchange"]}, auth)
        if not trig:
            print("%s: no trigger %r" % (h["host"], args[1]))
            return 1
        t = trig[0]
        print("%s %r: value=%s state=%s error=%r" % (h["host"], args[1], t["value"], t["state"], t["error"]))
        return 0 if t["state"] == "0" and not t["error"] else 1
    if cmd in ("problem", "resolved"):
        trig = call(url, "trigger.get", {"hostids": [h["hostid"]], "filter": {"description": [args[1]]}, "output": ["triggerid", "value", "description"]}, auth)
        if not trig:
            print("%s: no trigger %r" % (h["host"], args[1]))
            return 1
        value = trig[0]["value"]
        print("%s %r: value=%s" % (h["host"], args[1], value))
        return 0 if (value == "1") == (cmd == "problem") else 1
    print("unknown command %s" % cmd)
    return 3


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as e:
        print("probe: %s" % e)
        sys.exit(3)
