#!/usr/bin/python3
# billu-samba-objects: the Samba DC's `domain` step ensures the site's AD subnets and the Linux login groups in ONE
# process over ONE opening of the directory (sam.ldb, as `samba-tool sites subnet create` and `samba-tool group add`
# with -H open it), where a samba-tool process per object (a Python start-up and a database opening each) took ~2 s
# apiece. Shipped by components/domain-controller (installed as /usr/local/sbin/billu-samba-objects with the step).
#
#   billu-samba-objects --objects <objects.tsv> [--sam <sam.ldb>]
#
# objects.tsv holds `kind name [detail]` per line; this helper takes the `subnet <cidr> <site>` and `group <name>`
# lines (the step's shell does the site, the join account and its delegation): each is created when missing, as
# samba-tool creates it (a subnet linked to its site; a global security group in CN=Users), and left alone when there.
# Each creation is printed on stdout in the words the step logs (`subnet <cidr> -> <site>`, `group <name>`); an
# unchanged run prints nothing.
# Exit 0: all done; 1: an object could not be read or created (each named on stderr; the others are still done);
# 2: bad input (an argument or a line of objects.tsv, named); 3: an internal error.
import argparse
import sys

PROG = "billu-samba-objects"
KINDS = ("site", "subnet", "group", "user", "delegate")


class BadInput(Exception):
    pass


def rows_of(path):
    """(line number, kind, name, detail) of each subnet and group line; every line's kind is checked."""
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
        if cols[0] not in KINDS:
            raise BadInput("%s line %d: kind %r, expected one of %s" % (path, n, cols[0], ", ".join(KINDS)))
        want = {"subnet": 3, "group": 2}.get(cols[0])
        if want is not None and len(cols) != want:
            raise BadInput("%s line %d: %d tab-separated fields, %d expected for a %s: %r" % (path, n, len(cols), want, cols[0], line))
        if want is not None:
            rows.append((n, cols[0], cols[1], cols[2] if len(cols) > 2 else ""))
    return rows


def main(argv, out, err):
    p = argparse.ArgumentParser(prog=PROG)
    p.add_argument("--objects", required=True)
    p.add_argument("--sam", default="/var/lib/samba/private/sam.ldb")
    try:
        args = p.parse_args(argv)
    except SystemExit as e:
        raise SystemExit(2) from e
    try:
        rows = rows_of(args.objects)
    except BadInput as e:
        err.write("%s: %s\n" % (PROG, e))
        return 2
    if not rows:
        return 0
    import ldb
    from samba import dsdb, subnets
    from samba.auth import system_session
    from samba.param import LoadParm
    from samba.samdb import SamDB

    lp = LoadParm()
    lp.load_default()
    try:
        samdb = SamDB(url=args.sam, session_info=system_session(), lp=lp)
    except Exception as e:
        err.write("%s: cannot open the directory %s: %s\n" % (PROG, args.sam, e))
        return 1
    config = str(samdb.get_config_basedn())
    domain = str(samdb.domain_dn())
    failed = 0

    def exists(base, scope, expression):
        return len(samdb.search(base=base, scope=scope, expression=expression, attrs=["dn"])) > 0

    for n, kind, name, detail in rows:
        what = "%s %s (%s line %d)" % (kind, name, args.objects, n)
        try:
            if kind == "subnet":
                if exists("CN=Subnets,CN=Sites," + config, ldb.SCOPE_ONELEVEL, "(cn=%s)" % ldb.binary_encode(name)):
                    continue
                samdb.transaction_start()
                try:
                    subnets.create_subnet(samdb, config, name, detail)
                except BaseException:
                    samdb.transaction_cancel()
                    raise
                samdb.transaction_commit()
                line = "subnet %s -> %s" % (name, detail)
            else:
                expression = "(&(objectClass=group)(sAMAccountName=%s))" % ldb.binary_encode(name)
                if exists(domain, ldb.SCOPE_SUBTREE, expression):
                    continue
                samdb.newgroup(name, grouptype=dsdb.GTYPE_SECURITY_GLOBAL_GROUP)
                line = "group %s" % name
        except Exception as e:
            failed += 1
            err.write("%s: cannot create %s: %s\n" % (PROG, what, e))
            continue
        out.write(line + "\n")
        out.flush()
    if failed:
        err.write("%s: %d object(s) could not be created (named above)\n" % (PROG, failed))
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:], sys.stdout, sys.stderr))
    except SystemExit:
        raise
    except Exception as e:  # an internal error: one line, no stack trace
        sys.stderr.write("%s: internal error: %s: %s\n" % (PROG, e.__class__.__name__, e))
        sys.exit(3)
