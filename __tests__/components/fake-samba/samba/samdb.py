# A directory over a JSON state file ($FAKE_SAM: sites, subnets {cidr: site}, groups, fail [names]); every call is
# appended to $FAKE_SAM_LOG.
import atexit
import json
import os
import re

CONFIG = "CN=Configuration,DC=billu,DC=remindme,DC=lan"
DOMAIN = "DC=billu,DC=remindme,DC=lan"


class SamDB:
    def __init__(self, url, session_info, lp):
        self.path = os.environ["FAKE_SAM"]
        with open(self.path) as f:
            self.state = json.load(f)
        self.call("open %s as %s" % (url, session_info))
        if self.state.get("broken"):
            raise RuntimeError("Unable to open tdb '%s': No such file or directory" % url)
        atexit.register(self.save)

    def call(self, line):
        with open(os.environ["FAKE_SAM_LOG"], "a") as f:
            f.write(line + "\n")

    def save(self):
        with open(self.path, "w") as f:
            json.dump(self.state, f, indent=1, sort_keys=True)

    def get_config_basedn(self):
        return CONFIG

    def domain_dn(self):
        return DOMAIN

    def search(self, base, scope, expression, attrs):
        self.call("search %s %d %s" % (base, scope, expression))
        m = re.fullmatch(r"\(cn=(.*)\)", expression)
        if base == "CN=Subnets,CN=Sites," + CONFIG and m:
            return [m.group(1)] if m.group(1) in self.state["subnets"] else []
        m = re.fullmatch(r"\(&\(objectClass=group\)\(sAMAccountName=(.*)\)\)", expression)
        if base == DOMAIN and m:
            return [m.group(1)] if m.group(1) in self.state["groups"] else []
        raise AssertionError("unexpected search %s %s" % (base, expression))

    def transaction_start(self):
        self.call("transaction_start")

    def transaction_commit(self):
        self.call("transaction_commit")

    def transaction_cancel(self):
        self.call("transaction_cancel")

    def newgroup(self, name, grouptype=None):
        self.call("newgroup %s %#x" % (name, grouptype))
        if name in self.state.get("fail", []):
            raise RuntimeError("insufficient access rights")
        self.state["groups"].append(name)
