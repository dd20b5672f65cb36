#!/usr/bin/python3
# billu-mail-dns: the Samba DC's `mail-directory` step keeps the mail domain's TXT records (SPF, DMARC, DKIM) in AD
# DNS, written straight into the local sam.ldb as the DC's own DNS records are (dnsNode objects in DomainDnsZones,
# what samba's provisioning does), so the step needs no administrator's password.
# Shipped by components/directory/mail.ts (installed as /usr/local/sbin/billu-mail-dns with the step).
#
#   billu-mail-dns --base-dn <domain DN> <txt-records.tsv>
#
# The data file has `zone name value` per line (tab-separated; name relative to the zone, `@` its apex). A record's
# value starts with its tag (`v=spf1`, `v=DMARC1`, `v=DKIM1`): at that name, the TXT records with the same tag are
# this step's (one kept, equal to the line's value; any other removed); every other record of the name is left as it
# is. Values longer than 255 bytes are split into strings of 255 (RFC 7208 section 3.3, RFC 6376 section 3.6.2.2).
# Each change is printed on stdout (`TXT <fqdn> <value>` | `TXT <fqdn>: removed <value>`); an unchanged run prints
# nothing. Exit 0: done; 1: a record could not be written; 2: bad input (the data file's line, named).
import argparse
import re
import sys

PROG = "billu-mail-dns"
SAM = "/var/lib/samba/private/sam.ldb"


class BadInput(Exception):
    pass


def rows_of(path):
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
        if len(cols) != 3 or not all(cols):
            raise BadInput("%s line %d: 3 non-empty tab-separated fields expected (zone, name, value): %r" % (path, n, line))
        if not re.match(r"v=[A-Za-z0-9]+[; ]", cols[2]):
            raise BadInput("%s line %d: the value must start with its tag (v=spf1, v=DMARC1, v=DKIM1): %r" % (path, n, cols[2]))
        rows.append((n, cols[0].lower(), cols[1], cols[2]))
    return rows


def tag_of(value):
    """`v=spf1` of `v=spf1 mx -all`, `v=DKIM1` of `v=DKIM1; k=rsa; ...`."""
    return value.split(";")[0].split(" ")[0]


def chunks(value):
    data = value.encode("utf-8")
    return [data[i:i + 255].decode("utf-8") for i in range(0, len(data), 255)] or [""]


def main(argv, out, err):
    p = argparse.ArgumentParser(prog=PROG)
    p.add_argument("--base-dn", required=True)
    p.add_argument("records")
    try:
        args = p.parse_args(argv)
    except SystemExit:
        return 2
    try:
        rows = rows_of(args.records)
    except BadInput as e:
        err.write("%s: %s\n" % (PROG, e))
        return 2
    if not rows:
        return 0
    import ldb
    from samba.auth import system_session
    from samba.dcerpc import dnsp
    from samba.ndr import ndr_pack, ndr_unpack
    from samba.param import LoadParm
    from samba.samdb import SamDB

    lp = LoadParm()
    lp.load_default()
    samdb = SamDB(url=SAM, session_info=system_session(), lp=lp)
    failed = 0
    for n, zone, name, value in rows:
        fq = zone if name == "@" else "%s.%s" % (name, zone)
        container = "DC=%s,CN=MicrosoftDNS,DC=DomainDnsZones,%s" % (zone, args.base_dn)
        dn = ldb.Dn(samdb, "DC=%s,%s" % (name, container))
        tag = tag_of(value)
        try:
            found = samdb.search(base=dn, scope=ldb.SCOPE_BASE, attrs=["dnsRecord", "dNSTombstoned"])
        except ldb.LdbError as e:
            if e.args[0] != ldb.ERR_NO_SUCH_OBJECT:
                err.write("%s: cannot read TXT %s (line %d): %s\n" % (PROG, fq, n, e.args[1]))
                failed += 1
                continue
            found = []
        recs = [ndr_unpack(dnsp.DnssrvRpcRecord, bytes(v)) for v in (found[0].get("dnsRecord") or [])] if found else []
        keep, have = [], []
        for r in recs:
            if r.wType == dnsp.DNS_TYPE_TOMBSTONE:
                continue
            if r.wType == dnsp.DNS_TYPE_TXT and tag_of("".join(r.data.str)) == tag:
                have.append(r)
            else:
                keep.append(r)
        if len(have) == 1 and "".join(have[0].data.str) == value:
            continue
        rec = dnsp.DnssrvRpcRecord()
        rec.wType = dnsp.DNS_TYPE_TXT
        rec.rank = dnsp.DNS_RANK_ZONE
        rec.dwSerial = 1
        rec.dwTtlSeconds = 900
        slist = dnsp.string_list()
        parts = chunks(value)
        slist.count = len(parts)
        slist.str = parts
        rec.data = slist
        packed = [ndr_pack(r) for r in keep + [rec]]
        msg = ldb.Message(dn)
        try:
            if found:
                msg["dnsRecord"] = ldb.MessageElement(packed, ldb.FLAG_MOD_REPLACE, "dnsRecord")
                if str(found[0].get("dNSTombstoned", idx=0) or "FALSE").upper() == "TRUE":
                    msg["dNSTombstoned"] = ldb.MessageElement("FALSE", ldb.FLAG_MOD_REPLACE, "dNSTombstoned")
                samdb.modify(msg)
            else:
                msg["objectClass"] = ["top", "dnsNode"]
                msg["dnsRecord"] = ldb.MessageElement(packed, ldb.FLAG_MOD_ADD, "dnsRecord")
                samdb.add(msg)
        except ldb.LdbError as e:
            err.write("%s: cannot write TXT %s (line %d): %s\n" % (PROG, fq, n, e.args[1]))
            failed += 1
            continue
        for r in have:
            old = "".join(r.data.str)
            if old != value:
                out.write("TXT %s: removed %s\n" % (fq, old))
        if not any("".join(r.data.str) == value for r in have):
            out.write("TXT %s %s\n" % (fq, value))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], sys.stdout, sys.stderr))
