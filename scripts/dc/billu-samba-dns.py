#!/usr/bin/python3
# billu-samba-dns: the Samba DC's `domain` step reconciles its DNS zones and records in ONE process over ONE
# dnsserver RPC connection (what `samba-tool dns` does, without a Python start-up and an RPC bind per record: with
# one samba-tool process per record the step took ~2 minutes on a site of 20 hosts).
# Shipped by components/domain-controller (installed as /usr/local/sbin/billu-samba-dns with the domain step).
#
#   PASSWD=<administrator's password> billu-samba-dns --domain <fqdn> --zones '<zone> ...' \
#       --records <records.tsv> [--extra-records <extra-records.tsv>]
#
# The password comes from PASSWD (as samba-tool reads it), removed from the environment at once; never an argument.
#   --zones            every zone missing from the DC's primary zones is created (in the domain's DNS partition, secure
#                      updates only: what `samba-tool dns zonecreate` does);
#   --records          `name address reverse-zone ptr-name a|-` per line: the A record <name>.<domain> (kind a) and the
#                      PTR record <ptr-name> in <reverse-zone>: added when missing, a wrong value replaced (the first
#                      one found, as `samba-tool dns update` does); a right value is not rewritten;
#   --extra-records    `zone name type value preference` per line (type A or MX; `-` for an A's preference, `@` for
#                      the zone's apex): added when missing, every other value of the same name and type removed.
# Each change is printed on stdout, one line each, in the words the step logs (an unchanged run prints nothing):
#   created zone <zone> | A <name> <address> | A <name> <old> -> <new> | PTR <address> <name> |
#   PTR <address> <old> -> <name> | <type> <fqdn> <value> | <type> <fqdn>: removed <value>
# (an MX value as dig prints it: `<preference> <exchange>.`).
# Exit 0: all done; 1: a zone or record could not be read or written (each named on stderr; the others are still
# applied); 2: bad input (an argument or a data file's line, named); 3: an internal error.
import argparse
import os
import sys

PROG = "billu-samba-dns"
SERVER = "127.0.0.1"


class BadInput(Exception):
    pass


def parse_args(argv):
    p = argparse.ArgumentParser(prog=PROG, add_help=True)
    p.add_argument("--domain", required=True)
    p.add_argument("--zones", default="")
    p.add_argument("--records", required=True)
    p.add_argument("--extra-records")
    try:
        return p.parse_args(argv)
    except SystemExit as e:
        # argparse printed the usage and the reason on stderr; bad input is exit 2 either way.
        raise SystemExit(2) from e


def read_tsv(path, fields):
    """The lines of a tab-separated data file, each as (line number, fields); a line with another count is bad input."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise BadInput("cannot read %s: %s" % (path, e.strerror)) from None
    rows = []
    for n, line in enumerate(text.split("\n"), 1):
        if line == "":
            continue
        cols = line.split("\t")
        if len(cols) != fields:
            raise BadInput("%s line %d: %d tab-separated fields, %d expected: %r" % (path, n, len(cols), fields, line))
        rows.append((n, cols))
    return rows


def records_rows(path):
    rows = []
    for n, (name, addr, rzone, ptr, kind) in read_tsv(path, 5):
        if kind not in ("a", "-"):
            raise BadInput("%s line %d: kind %r, expected a (A and PTR records) or - (PTR only)" % (path, n, kind))
        rows.append((n, name, addr, rzone, ptr, kind))
    return rows


def extra_rows(path):
    rows = []
    for n, (zone, name, rtype, value, pref) in read_tsv(path, 5):
        if rtype == "A":
            if pref != "-":
                raise BadInput("%s line %d: an A record takes no preference (-), not %r" % (path, n, pref))
        elif rtype == "MX":
            if not pref.isdigit() or int(pref) > 65535:
                raise BadInput("%s line %d: the MX preference must be 0-65535, not %r" % (path, n, pref))
        else:
            raise BadInput("%s line %d: record type %r is not supported (A or MX)" % (path, n, rtype))
        rows.append((n, zone, name, rtype, value, pref))
    return rows


def same_name(a, b):
    return a.rstrip(".").lower() == b.rstrip(".").lower()


class Dns:
    """The DC's DNS server over one dnsserver RPC connection (as samba.netcmd.dns.dns_connect makes it)."""

    def __init__(self, password):
        from samba.credentials import Credentials
        from samba.dcerpc import dnsp, dnsserver
        from samba.param import LoadParm

        self.dnsp = dnsp
        self.rpc = dnsserver
        lp = LoadParm()
        lp.load_default()
        creds = Credentials()
        creds.guess(lp)
        creds.set_username("administrator")
        creds.set_password(password)
        self.conn = dnsserver.dnsserver("ncacn_ip_tcp:%s[sign]" % SERVER, lp, creds)

    def zones(self):
        """The names of the primary zones this DC serves, lower-case."""
        _, res = self.conn.DnssrvComplexOperation2(
            self.rpc.DNS_CLIENT_VERSION_LONGHORN, 0, SERVER, None, "EnumZones",
            self.rpc.DNSSRV_TYPEID_DWORD, self.rpc.DNS_ZONE_REQUEST_PRIMARY)
        return {z.pszZoneName.lower() for z in (res.ZoneArray if res else [])}

    def zone_create(self, zone):
        rpc = self.rpc
        info = rpc.DNS_RPC_ZONE_CREATE_INFO_LONGHORN()
        info.pszZoneName = zone.lower()
        info.dwZoneType = self.dnsp.DNS_ZONE_TYPE_PRIMARY
        info.fAging = 0
        info.fDsIntegrated = 1
        info.fLoadExisting = 1
        info.dwDpFlags = rpc.DNS_DP_DOMAIN_DEFAULT
        self.conn.DnssrvOperation2(rpc.DNS_CLIENT_VERSION_LONGHORN, 0, SERVER, None, 0, "ZoneCreate",
                                   rpc.DNSSRV_TYPEID_ZONE_CREATE, info)
        param = rpc.DNS_RPC_NAME_AND_PARAM()
        param.pszNodeName = "AllowUpdate"
        param.dwParam = self.dnsp.DNS_ZONE_UPDATE_SECURE
        self.conn.DnssrvOperation2(rpc.DNS_CLIENT_VERSION_LONGHORN, 0, SERVER, zone.lower(), 0,
                                   "ResetDwordProperty", rpc.DNSSRV_TYPEID_NAME_AND_PARAM, param)

    def type_of(self, rtype):
        return getattr(self.dnsp, "DNS_TYPE_" + rtype)

    def records(self, zone, name, rtype):
        """The records of <name> (relative, `@` the apex) of type <rtype> in <zone>, children left out."""
        from samba import WERRORError, werror

        want = self.type_of(rtype)
        try:
            _, res = self.conn.DnssrvEnumRecords2(
                self.rpc.DNS_CLIENT_VERSION_LONGHORN, 0, SERVER, zone, name, None, want,
                self.rpc.DNS_RPC_VIEW_AUTHORITY_DATA | self.rpc.DNS_RPC_VIEW_NO_CHILDREN, None, None)
        except WERRORError as e:
            if e.args[0] == werror.WERR_DNS_ERROR_NAME_DOES_NOT_EXIST:
                return []
            raise
        if not res or res.count == 0:
            return []
        return [r for r in res.rec[0].records if r.wType == want]

    def update(self, zone, name, add=None, delete=None):
        """One DnssrvUpdateRecord2: <add> and/or <delete> (DNS_RPC_RECORD), in one call when both."""
        bufs = []
        for rec in (add, delete):
            if rec is None:
                bufs.append(None)
            else:
                buf = self.rpc.DNS_RPC_RECORD_BUF()
                buf.rec = rec
                bufs.append(buf)
        self.conn.DnssrvUpdateRecord2(self.rpc.DNS_CLIENT_VERSION_LONGHORN, 0, SERVER, zone, name, bufs[0], bufs[1])

    def new_record(self, rtype, data):
        from samba.dnsserver import record_from_string

        return record_from_string(rtype, data)

    def replacing(self, old, rtype, data):
        """A record of <data> that keeps <old>'s flags, serial, TTL and time stamp (as `samba-tool dns update` does)."""
        rec = self.new_record(rtype, data)
        rec.dwFlags = old.dwFlags
        rec.dwSerial = old.dwSerial
        rec.dwTtlSeconds = old.dwTtlSeconds
        rec.dwTimeStamp = old.dwTimeStamp
        return rec


def value_of(rtype, rec):
    """A record's value as dig +short prints it (the words the step's log uses)."""
    if rtype == "A":
        return rec.data
    if rtype == "PTR":
        return rec.data.str.rstrip(".") + "."
    if rtype == "MX":
        return "%d %s." % (rec.data.wPreference, rec.data.nameExchange.str.rstrip("."))
    raise ValueError(rtype)


def matches(rtype, have, want):
    """Whether a record's value (dig's form) is the wanted one: names compare as DNS does, case and final dot aside."""
    if rtype == "A":
        return have == want
    if rtype == "PTR":
        return same_name(have, want)
    hp, _, hx = have.partition(" ")
    wp, _, wx = want.partition(" ")
    return hp == wp and same_name(hx, wx)


class Reconciler:
    def __init__(self, dns, out, err):
        self.dns = dns
        self.out = out
        self.err = err
        self.failed = 0

    def log(self, line):
        self.out.write(line + "\n")
        self.out.flush()

    def fail(self, what, e):
        self.failed += 1
        self.err.write("%s: %s: %s\n" % (PROG, what, describe(e)))
        self.err.flush()

    def zones(self, zones):
        try:
            have = self.dns.zones()
        except Exception as e:  # the RPC raises RuntimeError and WERRORError alike: named, counted, reported
            self.fail("cannot list the DNS zones of this DC", e)
            return
        for zone in zones:
            if zone.lower() in have:
                continue
            try:
                self.dns.zone_create(zone)
            except Exception as e:
                self.fail("cannot create the zone %s" % zone, e)
                continue
            self.log("created zone %s" % zone)

    def one(self, zone, name, rtype, data, want):
        """Ensures <want> among <name>'s <rtype> records: nothing when there, else the first other value replaced, else
        added. Returns the value replaced ("" when added, None when right) or raises."""
        cur = self.dns.records(zone, name, rtype)
        if any(matches(rtype, value_of(rtype, r), want) for r in cur):
            return None
        if not cur:
            self.dns.update(zone, name, add=self.dns.new_record(rtype, data))
            return ""
        self.dns.update(zone, name, add=self.dns.replacing(cur[0], rtype, data), delete=cur[0])
        return value_of(rtype, cur[0])

    def host_records(self, domain, rows):
        for n, name, addr, rzone, ptr, kind in rows:
            fqdn = "%s.%s" % (name, domain)
            if kind == "a":
                what = "A %s %s (records.tsv line %d)" % (fqdn, addr, n)
                try:
                    old = self.one(domain, name, "A", addr, addr)
                except Exception as e:
                    self.fail("cannot write " + what, e)
                else:
                    if old == "":
                        self.log("A %s %s" % (name, addr))
                    elif old is not None:
                        self.log("A %s %s -> %s" % (name, old, addr))
            what = "PTR %s.%s %s (records.tsv line %d)" % (ptr, rzone, fqdn, n)
            try:
                old = self.one(rzone, ptr, "PTR", fqdn, fqdn + ".")
            except Exception as e:
                self.fail("cannot write " + what, e)
            else:
                if old == "":
                    self.log("PTR %s %s" % (addr, name))
                elif old is not None:
                    self.log("PTR %s %s -> %s" % (addr, old.rstrip("."), name))

    def extra_records(self, rows):
        for n, zone, name, rtype, value, pref in rows:
            fq = zone if name == "@" else "%s.%s" % (name, zone)
            if rtype == "MX":
                want, data = "%s %s." % (pref, value.rstrip(".")), "%s %s" % (value, pref)
            else:
                want, data = value, value
            what = "%s %s %s (extra-records.tsv line %d)" % (rtype, fq, want, n)
            try:
                cur = self.dns.records(zone, name, rtype)
            except Exception as e:
                self.fail("cannot read " + what, e)
                continue
            if not any(matches(rtype, value_of(rtype, r), want) for r in cur):
                try:
                    self.dns.update(zone, name, add=self.dns.new_record(rtype, data))
                except Exception as e:
                    self.fail("cannot add " + what, e)
                else:
                    self.log("%s %s %s" % (rtype, fq, want))
            for r in cur:
                have = value_of(rtype, r)
                if matches(rtype, have, want):
                    continue
                try:
                    self.dns.update(zone, name, delete=r)
                except Exception as e:
                    self.fail("cannot remove %s %s %s (extra-records.tsv line %d)" % (rtype, fq, have, n), e)
                else:
                    self.log("%s %s: removed %s" % (rtype, fq, have))


def describe(e):
    """An RPC error as `WERR_NAME (0x...): message` where samba names it, else the exception's own text."""
    args = getattr(e, "args", ())
    if len(args) >= 2 and isinstance(args[0], int):
        code, msg = args[0], args[1]
        try:
            from samba import werror

            names = [k for k in dir(werror) if k.startswith("WERR_") and getattr(werror, k) == code]
        except ImportError:
            names = []
        code = "0x%08x" % (code & 0xFFFFFFFF)
        return "%s: %s" % ("%s (%s)" % (names[0], code) if names else code, msg)
    return str(e) or e.__class__.__name__


def main(argv, env, out, err):
    args = parse_args(argv)
    password = env.pop("PASSWD", "")
    if not password:
        err.write("%s: PASSWD (the domain Administrator's password) is empty or not set\n" % PROG)
        return 2
    try:
        rows = records_rows(args.records)
        extra = extra_rows(args.extra_records) if args.extra_records else []
    except BadInput as e:
        err.write("%s: %s\n" % (PROG, e))
        return 2
    try:
        dns = Dns(password)
    except Exception as e:
        err.write("%s: cannot connect to the DNS RPC server of this DC (%s): %s\n" % (PROG, SERVER, describe(e)))
        return 1
    r = Reconciler(dns, out, err)
    r.zones(args.zones.split())
    r.host_records(args.domain, rows)
    r.extra_records(extra)
    if r.failed:
        err.write("%s: %d zone(s) or record(s) could not be read or written (named above)\n" % (PROG, r.failed))
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:], os.environ, sys.stdout, sys.stderr))
    except SystemExit:
        raise
    except Exception as e:  # an internal error: one line, no stack trace
        sys.stderr.write("%s: internal error: %s: %s\n" % (PROG, e.__class__.__name__, e))
        sys.exit(3)
