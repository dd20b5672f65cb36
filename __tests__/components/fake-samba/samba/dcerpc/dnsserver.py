import atexit
import json
import os

from samba import WERRORError, werror
from samba.dcerpc import dnsp

DNS_CLIENT_VERSION_LONGHORN = 0x00070000
DNSSRV_TYPEID_DWORD = 1
DNSSRV_TYPEID_ZONE_CREATE = 18
DNSSRV_TYPEID_NAME_AND_PARAM = 9
DNS_ZONE_REQUEST_PRIMARY = 1
DNS_DP_DOMAIN_DEFAULT = 2
DNS_RPC_VIEW_AUTHORITY_DATA = 0x1
DNS_RPC_VIEW_NO_CHILDREN = 0x00010000
TYPES = {dnsp.DNS_TYPE_A: "A", dnsp.DNS_TYPE_PTR: "PTR", dnsp.DNS_TYPE_MX: "MX"}


class Obj:
    def __init__(self, **kw):
        self.__dict__.update(kw)


class DNS_RPC_RECORD:
    pass


class DNS_RPC_NAME:
    def __init__(self, s=""):
        self.str = s
        self.len = len(s)


class DNS_RPC_RECORD_NAME_PREFERENCE:
    def __init__(self, server="", pref=0):
        self.nameExchange = DNS_RPC_NAME(server)
        self.wPreference = pref


class DNS_RPC_RECORD_BUF:
    rec = None


class DNS_RPC_ZONE_CREATE_INFO_LONGHORN:
    pass


class DNS_RPC_NAME_AND_PARAM:
    pass


def text(rec):
    """A record as the state file keeps it: "A 10.0.0.1", "PTR host.example", "MX 10 mail.example"."""
    t = TYPES[rec.wType]
    if t == "A":
        return "A " + rec.data
    if t == "PTR":
        return "PTR " + rec.data.str
    return "MX %d %s" % (rec.data.wPreference, rec.data.nameExchange.str)


def record(s):
    t, _, v = s.partition(" ")
    rec = DNS_RPC_RECORD()
    rec.wType = getattr(dnsp, "DNS_TYPE_" + t)
    # What the server keeps of a record it holds: the update must carry these over to the new value.
    rec.dwFlags, rec.dwSerial, rec.dwTtlSeconds, rec.dwTimeStamp = 0xF0, 7, 3600, 1234
    if t == "A":
        rec.data = v
    elif t == "PTR":
        rec.data = DNS_RPC_NAME(v)
    else:
        pref, server = v.split(" ")
        rec.data = DNS_RPC_RECORD_NAME_PREFERENCE(server, int(pref))
    return rec


class dnsserver:
    def __init__(self, binding, lp, creds):
        self.path = os.environ["FAKE_DNS"]
        with open(self.path) as f:
            self.state = json.load(f)
        self.call("bind %s as %s with %s (PASSWD in the environment: %s)" % (binding, creds.username, creds.password, "PASSWD" in os.environ))
        if self.state.get("refuse"):
            raise RuntimeError(0xC000006D, "The attempted logon is invalid.")
        atexit.register(self.save)

    def call(self, line):
        with open(os.environ["FAKE_DNS_LOG"], "a") as f:
            f.write(line + "\n")

    def save(self):
        with open(self.path, "w") as f:
            json.dump(self.state, f, indent=1, sort_keys=True)

    def zone(self, name):
        z = self.state["zones"].get(name.lower())
        if z is None:
            raise WERRORError(werror.WERR_DNS_ERROR_ZONE_DOES_NOT_EXIST, "DNS_ERROR_ZONE_DOES_NOT_EXIST")
        return z

    def DnssrvComplexOperation2(self, version, flags, server, zone, op, typeid, data):
        assert (version, server, zone, op, typeid, data) == (DNS_CLIENT_VERSION_LONGHORN, "127.0.0.1", None, "EnumZones", DNSSRV_TYPEID_DWORD, DNS_ZONE_REQUEST_PRIMARY)
        self.call("EnumZones")
        zones = [Obj(pszZoneName=z.upper()) for z in sorted(self.state["zones"])]
        return typeid, Obj(dwZoneCount=len(zones), ZoneArray=zones)

    def DnssrvOperation2(self, version, flags, server, zone, dp, op, typeid, data):
        if op == "ZoneCreate":
            assert (zone, typeid, data.dwZoneType, data.fDsIntegrated, data.dwDpFlags) == (None, DNSSRV_TYPEID_ZONE_CREATE, 1, 1, DNS_DP_DOMAIN_DEFAULT)
            self.call("ZoneCreate %s" % data.pszZoneName)
            self.state["zones"][data.pszZoneName] = {}
        else:
            assert (op, typeid, data.pszNodeName, data.dwParam) == ("ResetDwordProperty", DNSSRV_TYPEID_NAME_AND_PARAM, "AllowUpdate", dnsp.DNS_ZONE_UPDATE_SECURE)
            self.zone(zone)
            self.call("AllowUpdate secure %s" % zone)

    def DnssrvEnumRecords2(self, version, flags, server, zone, name, start, rtype, select, fstart, fstop):
        assert select == DNS_RPC_VIEW_AUTHORITY_DATA | DNS_RPC_VIEW_NO_CHILDREN
        self.call("EnumRecords %s %s %s" % (zone, name, TYPES[rtype]))
        recs = self.zone(zone).get(name.lower())
        if recs is None:
            raise WERRORError(werror.WERR_DNS_ERROR_NAME_DOES_NOT_EXIST, "DNS_ERROR_NAME_DOES_NOT_EXIST")
        node = Obj(records=[record(r) for r in recs if r.split(" ")[0] == TYPES[rtype]])
        return 0, Obj(count=1, rec=[node])

    def DnssrvUpdateRecord2(self, version, flags, server, zone, name, add, delete):
        what = "UpdateRecord %s %s" % (zone, name)
        if add is not None:
            r = add.rec
            what += " add %s (flags %#x serial %d ttl %d stamp %d)" % (text(r), r.dwFlags, r.dwSerial, r.dwTtlSeconds, r.dwTimeStamp)
        if delete is not None:
            what += " delete %s" % text(delete.rec)
        self.call(what)
        if "%s/%s" % (zone, name) in self.state.get("fail", []):
            raise WERRORError(werror.WERR_ACCESS_DENIED, "WERR_ACCESS_DENIED")
        recs = self.zone(zone).setdefault(name.lower(), [])
        if delete is not None:
            if text(delete.rec) not in recs:
                raise WERRORError(werror.WERR_DNS_ERROR_RECORD_DOES_NOT_EXIST, "DNS_ERROR_RECORD_DOES_NOT_EXIST")
            recs.remove(text(delete.rec))
        if add is not None:
            if text(add.rec) in recs:
                raise WERRORError(werror.WERR_DNS_ERROR_RECORD_ALREADY_EXISTS, "DNS_ERROR_RECORD_ALREADY_EXISTS")
            recs.append(text(add.rec))
