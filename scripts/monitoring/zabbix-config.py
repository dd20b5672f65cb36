#!/usr/bin/env python3
"""zabbix-config.py: ensures BillU's Zabbix configuration document through the Zabbix 6.0 JSON-RPC API.

Usage: zabbix-config.py --url URL --document FILE --credentials FILE --psk FILE [--dump FILE]

  --document     the rendered configuration document (components/monitoring/zabbix-config.ts renders it)
  --credentials  a 0600 file with two lines `username=...` and `password=...` ("-": read them from stdin);
                 never on the command line
  --psk          a 0600 file, one line per agent: `<psk identity> <hex psk>`
  --dump         after the run, write a JSON dump of every object the document owns (ids removed, no secret) so a
                 second run can be compared with the first

Idempotent: each object is read first and created or updated only when it differs from the document; every
change is printed (`created ...`, `updated ... (fields)`, `deleted ...`), then `zabbix-config: N change(s)`.
A second run with the same document prints `zabbix-config: no change`.

Exit status: 0 done; 2 bad input (document, credentials or PSK file: the message names it and the fix);
3 the API refused or failed (the message carries the API's own error).
Standard library only (urllib, json): Debian's python3 is enough, with zabbix_api.py (the API client, errors,
document reader and comparison it shares with zabbix-access.py) in the same folder.
"""

import argparse
import hashlib
import json
import os
import re
import secrets
import stat
import sys

from zabbix_api import Api, ApiError, InputError, differing, exit_status, key_values, read_document, summary

SEVERITY = {"information": 1, "warning": 2, "average": 3, "high": 4, "disaster": 5}
VALUE_TYPE = {"float": 0, "char": 1, "log": 2, "unsigned": 3, "text": 4}
ITEM_TYPE = {"agent": 0, "agent-active": 7, "dependent": 18}
PREPROC = {"multiplier": 1, "jsonpath": 12, "javascript": 21}
WIDGET_GROUP_FIELD = 2  # dashboard widget field type "host group"
WIDGET_ITEM_FIELD = 4  # dashboard widget field type "item" (the `item` widget's `itemid`)
PSK_TAG = "billu-psk"  # host tag: a digest of the PSK identity and PSK (the API never returns a PSK)


# --- inputs -----------------------------------------------------------------------------------------------------


def private_file(path, what, flag):
    try:
        st = os.stat(path)
    except OSError as e:
        raise InputError("%s %s: cannot read it (%s). Fix: pass the %s file the step installed" % (flag, path, e.strerror, what))
    if stat.S_IMODE(st.st_mode) & 0o077:
        raise InputError(
            "%s %s: mode %o lets others read the %s. Fix: chmod 600 %s"
            % (flag, path, stat.S_IMODE(st.st_mode), what, path)
        )
    with open(path, encoding="utf-8") as f:
        return f.read()


def read_credentials(path):
    text = sys.stdin.read() if path == "-" else private_file(path, "API credentials", "--credentials")
    creds = {k: v.strip() for k, v in key_values(text).items()}
    missing = [k for k in ("username", "password") if not creds.get(k)]
    if missing:
        raise InputError(
            "--credentials %s: no %s line. Fix: write `username=<api user>` and `password=<its password>`, one a line"
            % (path, " and no ".join(missing))
        )
    return creds["username"], creds["password"]


def read_psks(path):
    psks = {}
    for n, line in enumerate(private_file(path, "PSKs", "--psk").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        # The identity may hold spaces (the plan's are `PSK <host>`): the key is the line's last field.
        parts = line.strip().rsplit(None, 1)
        if len(parts) != 2 or len(parts[1]) < 32 or any(c not in "0123456789abcdefABCDEF" for c in parts[1]):
            raise InputError(
                "--psk %s line %d: expected `<psk identity> <hex psk of at least 32 digits>`. Fix: regenerate the file"
                % (path, n)
            )
        psks[parts[0]] = parts[1].lower()
    return psks


# --- comparison (zabbix_api.same and differing: what decides an update) ------------------------------------------


def squash(expr):
    return "".join(expr.split())


def expanded(expr, macros):
    """An expression as trigger.get returns it with expandExpression (Zabbix 6.0): each user macro the template
    defines replaced by its value (`{$BILLU.DOWN.CHECKS}` -> `#3`), without blanks. Compared as written, every
    expression with a macro would differ on every run."""
    return squash(re.sub(r"\{\$[A-Z0-9_.]+\}", lambda m: macros.get(m.group(0), m.group(0)), expr))


class Run:
    def __init__(self, api, doc, psks):
        self.api = api
        self.doc = doc
        self.psks = psks
        self.changes = []
        self.groups = {}

    def change(self, text):
        self.changes.append(text)
        print(text, flush=True)

    def one(self, method, flt, **extra):
        params = {"filter": flt, "output": "extend"}
        params.update(extra)
        found = self.api.call(method, params)
        return found[0] if found else None

    # host groups (Zabbix 6.0: templates live in host groups too)
    def host_groups(self):
        names = [self.doc["templateGroup"]] + list(self.doc["hostGroups"])
        for g in self.api.call("hostgroup.get", {"filter": {"name": names}, "output": ["groupid", "name"]}):
            self.groups[g["name"]] = g["groupid"]
        for name in names:
            if name not in self.groups:
                self.groups[name] = self.api.call("hostgroup.create", {"name": name})["groupids"][0]
                self.change("created host group %s" % name)

    def gids(self, names):
        return [{"groupid": self.groups[n]} for n in names]

    def templates(self):
        self.template_ids = {}
        for t in self.doc["templates"]:
            want = {
                "description": t["description"],
                "groups": self.gids([self.doc["templateGroup"]]),
                "macros": [{"macro": m["macro"], "value": m["value"]} for m in t["macros"]],
            }
            have = self.one("template.get", {"host": [t["name"]]}, selectMacros=["macro", "value"], selectGroups=["groupid"])
            if have is None:
                tid = self.api.call("template.create", dict(want, host=t["name"]))["templateids"][0]
                self.change("created template %s" % t["name"])
            else:
                tid = have["templateid"]
                diff = differing(want, have)
                if diff:
                    self.api.call("template.update", dict(want, templateid=tid))
                    self.change("updated template %s (%s)" % (t["name"], ", ".join(diff)))
            self.template_ids[t["name"]] = tid
            self.items(t, tid)
            self.triggers(t, tid)

    def items(self, t, tid):
        have = {
            i["key_"]: i
            for i in self.api.call(
                "item.get",
                {"templateids": [tid], "output": "extend", "selectPreprocessing": ["type", "params"], "inherited": False},
            )
        }
        ids = {k: i["itemid"] for k, i in have.items()}
        # masters first: a dependent item names its master's id
        for it in sorted(t["items"], key=lambda i: i["type"] == "dependent"):
            want = {
                "name": it["name"],
                "type": ITEM_TYPE[it["type"]],
                "value_type": VALUE_TYPE[it["valueType"]],
                "preprocessing": [
                    {"type": PREPROC[p["type"]], "params": p["params"]} for p in it.get("preprocessing", [])
                ],
            }
            if it["type"] == "dependent":
                want["master_itemid"] = ids[it["master"]]
            else:  # a dependent item has no interval of its own
                want["delay"] = it["delay"]
            if it["valueType"] in ("float", "unsigned"):  # units exist for numbers only
                want["units"] = it.get("units", "")
            full = dict(want)
            full["preprocessing"] = [dict(p, error_handler=0, error_handler_params="") for p in want["preprocessing"]]
            cur = have.get(it["key"])
            if cur is None:
                ids[it["key"]] = self.api.call("item.create", dict(full, hostid=tid, key_=it["key"]))["itemids"][0]
                self.change("created item %s on %s" % (it["key"], t["name"]))
            else:
                diff = differing(want, cur)
                if diff:
                    self.api.call("item.update", dict(full, itemid=cur["itemid"]))
                    self.change("updated item %s on %s (%s)" % (it["key"], t["name"], ", ".join(diff)))
        keep = {it["key"] for it in t["items"]}
        gone = [i["itemid"] for k, i in have.items() if k not in keep]
        for k in sorted(k for k in have if k not in keep):
            self.change("deleted item %s on %s (not in the document)" % (k, t["name"]))
        if gone:
            self.api.call("item.delete", gone)

    def triggers(self, t, tid):
        have = {
            tr["description"]: tr
            for tr in self.api.call(
                "trigger.get",
                {"templateids": [tid], "output": ["triggerid", "description", "expression", "priority"], "expandExpression": True, "inherited": False},
            )
        }
        macros = {m["macro"]: m["value"] for m in t["macros"]}
        for tr in t["triggers"]:
            cur = have.get(tr["name"])
            prio = SEVERITY[tr["severity"]]
            if cur is None:
                self.api.call("trigger.create", {"description": tr["name"], "expression": tr["expression"], "priority": prio})
                self.change("created trigger %r on %s" % (tr["name"], t["name"]))
            elif squash(cur["expression"]) != expanded(tr["expression"], macros) or str(cur["priority"]) != str(prio):
                self.api.call("trigger.update", {"triggerid": cur["triggerid"], "expression": tr["expression"], "priority": prio})
                self.change("updated trigger %r on %s" % (tr["name"], t["name"]))
        keep = {tr["name"] for tr in t["triggers"]}
        gone = sorted(n for n in have if n not in keep)
        for n in gone:
            self.change("deleted trigger %r on %s (not in the document)" % (n, t["name"]))
        if gone:
            self.api.call("trigger.delete", [have[n]["triggerid"] for n in gone])

    def hosts(self):
        for h in self.doc["hosts"]:
            psk = self.psks.get(h["pskIdentity"])
            if psk is None:
                raise InputError(
                    "--psk: no PSK for identity %s (host %s). Fix: add its `%s <hex psk>` line to the PSK file"
                    % (h["pskIdentity"], h["host"], h["pskIdentity"])
                )
            digest = hashlib.sha256(("%s\n%s" % (h["pskIdentity"], psk)).encode()).hexdigest()[:16]
            want = {
                "groups": self.gids(h["groups"]),
                "parentTemplates": [{"templateid": self.template_ids[n]} for n in h["templates"]],
                "interfaces": [{"type": 1, "main": 1, "useip": 1, "ip": h["address"], "dns": "", "port": h["port"]}],
                "tls_connect": 2,
                "tls_accept": 2,
                "tags": [{"tag": PSK_TAG, "value": digest}],
            }
            cur = self.one(
                "host.get",
                {"host": [h["host"]]},
                selectGroups=["groupid"],
                selectParentTemplates=["templateid"],
                selectInterfaces=["interfaceid", "type", "main", "useip", "ip", "dns", "port"],
                selectTags=["tag", "value"],
                output=["hostid", "host", "tls_connect", "tls_accept"],
            )
            body = {
                "groups": want["groups"],
                "templates": want["parentTemplates"],
                "tls_connect": 2,
                "tls_accept": 2,
                "tags": want["tags"],
            }
            if cur is None:
                body.update(host=h["host"], interfaces=want["interfaces"], tls_psk_identity=h["pskIdentity"], tls_psk=psk)
                self.api.call("host.create", body)
                self.change("created host %s" % h["host"])
                continue
            diff = differing(want, cur)
            if not diff:
                continue
            body["hostid"] = cur["hostid"]
            if "interfaces" in diff:
                iface = dict(want["interfaces"][0])
                if cur["interfaces"]:
                    iface["interfaceid"] = cur["interfaces"][0]["interfaceid"]
                body["interfaces"] = [iface]
            if "tags" in diff or "tls_connect" in diff or "tls_accept" in diff:
                body.update(tls_psk_identity=h["pskIdentity"], tls_psk=psk)
            self.api.call("host.update", body)
            self.change("updated host %s (%s)" % (h["host"], ", ".join("psk" if d == "tags" else d for d in diff)))

    def media_type(self):
        m = self.doc["mediaType"]
        want = {
            "type": 0,
            "smtp_server": m["smtpServer"],
            "smtp_port": m["smtpPort"],
            "smtp_helo": m["smtpHelo"],
            "smtp_email": m["smtpEmail"],
            "smtp_security": 0,
            "smtp_authentication": 0,
            "content_type": 0,
            "status": 0,
        }
        templates = [
            {"eventsource": 0, "recovery": 0, "subject": "Problem: {EVENT.NAME}",
             "message": "{EVENT.SEVERITY} on {HOST.NAME} since {EVENT.TIME} {EVENT.DATE}\n{EVENT.NAME}\nEvent {EVENT.ID}"},
            {"eventsource": 0, "recovery": 1, "subject": "Resolved: {EVENT.NAME}",
             "message": "Resolved on {HOST.NAME} at {EVENT.RECOVERY.TIME} {EVENT.RECOVERY.DATE}\n{EVENT.NAME}\nEvent {EVENT.ID}"},
        ]
        want["message_templates"] = templates
        cur = self.one("mediatype.get", {"name": [m["name"]]}, selectMessageTemplates=["eventsource", "recovery", "subject", "message"])
        if cur is None:
            self.media_id = self.api.call("mediatype.create", dict(want, name=m["name"]))["mediatypeids"][0]
            self.change("created media type %s" % m["name"])
        else:
            self.media_id = cur["mediatypeid"]
            diff = differing(want, cur)
            if diff:
                self.api.call("mediatype.update", dict(want, mediatypeid=self.media_id))
                self.change("updated media type %s (%s)" % (m["name"], ", ".join(diff)))

    def user_group(self):
        g = self.doc["userGroup"]
        want = {"gui_access": 0, "users_status": 0, "rights": [{"permission": 2, "id": self.groups[n]} for n in g["hostGroups"]]}
        cur = self.one("usergroup.get", {"name": [g["name"]]}, selectRights=["permission", "id"])
        if cur is None:
            self.usrgrp_id = self.api.call("usergroup.create", dict(want, name=g["name"]))["usrgrpids"][0]
            self.change("created user group %s" % g["name"])
        else:
            self.usrgrp_id = cur["usrgrpid"]
            diff = differing(want, cur)
            if diff:
                self.api.call("usergroup.update", dict(want, usrgrpid=self.usrgrp_id))
                self.change("updated user group %s (%s)" % (g["name"], ", ".join(diff)))

    def users(self):
        role = self.one("role.get", {"name": ["User role"]})
        if role is None:
            raise ApiError("role.get: Zabbix's stock `User role` is missing; the users cannot be created")
        for u in self.doc["users"]:
            mask = sum(1 << SEVERITY[s] for s in u["severities"])
            want = {
                "name": u["name"],
                "roleid": role["roleid"],
                "usrgrps": [{"usrgrpid": self.usrgrp_id}],
                "medias": [{"mediatypeid": self.media_id, "sendto": [u["email"]], "active": 0, "severity": mask, "period": "1-7,00:00-24:00"}],
            }
            cur = self.one("user.get", {"username": [u["username"]]}, selectUsrgrps=["usrgrpid"], selectMedias=["mediatypeid", "sendto", "active", "severity", "period"])
            if cur is None:
                # Alert recipients: the password is random and never shown (they sign in through the directory, if at all).
                self.api.call("user.create", dict(want, username=u["username"], passwd=secrets.token_urlsafe(24)))
                self.change("created user %s" % u["username"])
            else:
                diff = differing(want, cur)
                if diff:
                    self.api.call("user.update", dict(want, userid=cur["userid"]))
                    self.change("updated user %s (%s)" % (u["username"], ", ".join(diff)))

    def actions(self):
        for a in self.doc["actions"]:
            want = {
                "eventsource": 0,
                "status": 0,
                "esc_period": "1h",
                "filter": {"evaltype": 0, "conditions": [{"conditiontype": 4, "operator": 0, "value": SEVERITY[a["severity"]]}]},
                "operations": [{"operationtype": 0, "opmessage": {"default_msg": 1, "mediatypeid": self.media_id},
                                "opmessage_grp": [{"usrgrpid": self.usrgrp_id}]}],
                "recovery_operations": [{"operationtype": 11, "opmessage": {"default_msg": 1}}],
            }
            cur = self.one("action.get", {"name": [a["name"]]}, selectFilter="extend", selectOperations="extend", selectRecoveryOperations="extend")
            if cur is None:
                self.api.call("action.create", dict(want, name=a["name"]))
                self.change("created action %s" % a["name"])
            else:
                diff = differing(want, cur)
                if diff:
                    body = dict(want, actionid=cur["actionid"])
                    del body["eventsource"]  # fixed at creation
                    self.api.call("action.update", body)
                    self.change("updated action %s (%s)" % (a["name"], ", ".join(diff)))

    def item_id(self, host, key):
        """The id of a host's own item (inherited from its template), which an `item` widget shows."""
        found = self.api.call("item.get", {"host": host, "filter": {"key_": [key]}, "output": ["itemid"]})
        if not found:
            raise InputError(
                "dashboards: host %s has no item %s. Fix: render the document again (a widget names only items of the "
                "templates its host links)" % (host, key)
            )
        return found[0]["itemid"]

    def dashboards(self):
        for d in self.doc["dashboards"]:
            widgets = []
            for w in d["widgets"]:
                fields = [{"type": WIDGET_GROUP_FIELD, "name": "groupids", "value": self.groups[g]} for g in w["groups"]]
                if w.get("item"):
                    fields.append({"type": WIDGET_ITEM_FIELD, "name": "itemid", "value": self.item_id(w["item"]["host"], w["item"]["key"])})
                widgets.append({
                    "type": w["type"], "name": w["name"], "x": w["x"], "y": w["y"], "width": w["width"], "height": w["height"],
                    "fields": fields,
                })
            want = {
                "display_period": 30,
                "auto_start": 1,
                "pages": [{"name": "", "widgets": widgets}],
                "userGroups": [{"usrgrpid": self.usrgrp_id, "permission": 2}],
            }
            cur = self.one("dashboard.get", {"name": [d["name"]]}, selectPages="extend", selectUserGroups="extend")
            if cur is None:
                self.api.call("dashboard.create", dict(want, name=d["name"]))
                self.change("created dashboard %s" % d["name"])
            else:
                diff = differing(want, cur)
                if diff:
                    self.api.call("dashboard.update", dict(want, dashboardid=cur["dashboardid"]))
                    self.change("updated dashboard %s (%s)" % (d["name"], ", ".join(diff)))

    def dump(self):
        """Every object the document owns, without ids, volatile state or secrets: equal dumps, equal configuration."""
        tids = list(self.template_ids.values())
        exported = self.api.call("configuration.export", {"format": "json", "options": {"templates": tids}})
        export = json.loads(exported)
        export.get("zabbix_export", {}).pop("date", None)
        hosts = self.api.call("host.get", {
            "filter": {"host": [h["host"] for h in self.doc["hosts"]]},
            "output": ["host", "status", "tls_connect", "tls_accept"],
            "selectGroups": ["name"], "selectParentTemplates": ["host"],
            "selectInterfaces": ["type", "ip", "port", "useip", "main"], "selectTags": ["tag", "value"],
        })
        for h in hosts:
            h.pop("hostid", None)
        other = {}
        for method, key in (("mediatype.get", self.doc["mediaType"]["name"]), ("usergroup.get", self.doc["userGroup"]["name"])):
            other[method] = self.api.call(method, {"filter": {"name": [key]}, "output": "extend"})
        other["user.get"] = self.api.call("user.get", {"filter": {"username": [u["username"] for u in self.doc["users"]]},
                                                       "output": ["username", "name", "roleid"], "selectMedias": ["sendto", "severity"]})
        other["action.get"] = self.api.call("action.get", {"filter": {"name": [a["name"] for a in self.doc["actions"]]}, "output": "extend",
                                                           "selectFilter": "extend", "selectOperations": "extend"})
        other["dashboard.get"] = self.api.call("dashboard.get", {"filter": {"name": [d["name"] for d in self.doc["dashboards"]]},
                                                                 "output": "extend", "selectPages": "extend"})
        return {"templates": export, "hosts": sorted(hosts, key=lambda h: h["host"]), "other": other}


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True)
    p.add_argument("--document", required=True)
    p.add_argument("--credentials", required=True)
    p.add_argument("--psk", required=True)
    p.add_argument("--dump")
    args = p.parse_args(argv)
    changes = []

    def apply():
        doc = read_document(args.document)
        user, password = read_credentials(args.credentials)
        psks = read_psks(args.psk)
        api = Api(args.url)
        api.auth = api.call("user.login", {"username": user, "password": password})
        run = Run(api, doc, psks)
        run.changes = changes  # printed as they happen (Run.change); counted in the last line
        run.host_groups()
        run.templates()
        run.hosts()
        run.media_type()
        run.user_group()
        run.users()
        run.actions()
        run.dashboards()
        if args.dump:
            with open(args.dump, "w", encoding="utf-8") as f:
                json.dump(run.dump(), f, indent=1, sort_keys=True)
        api.call("user.logout", {})

    status = exit_status("zabbix-config", apply)
    if status == 0:
        print(summary("zabbix-config", len(changes)))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
