#!/usr/bin/python3
"""DKIM verification of a delivered message for labs/mail, run from the lab's client namespace with Debian's python3
(python3-dkim, dkimpy): the key record is fetched over DNS (dnspython, the namespace's resolv.conf: the DC), as any
receiver would. Prints one line, `pass d=<domain> s=<selector>` or `fail d=... s=...: <dkimpy's reason>`, and exits 0
only when the signature verifies AND carries the domain and selector given (the model's).

    dkim_verify.py --file <message> --domain <mail domain> --selector <selector>
"""
import argparse
import logging
import sys

import dkim


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--file", required=True)
    p.add_argument("--domain", required=True)
    p.add_argument("--selector", required=True)
    a = p.parse_args()
    with open(a.file, "rb") as f:
        msg = f.read()
    sigs = [v for k, v in dkim.rfc822_parse(msg)[0] if k.lower() == b"dkim-signature"]
    if not sigs:
        print("fail: no DKIM-Signature header")
        return 1
    tags = dkim.parse_tag_value(b"".join(sigs[0].split()))
    d, s = tags.get(b"d", b"").decode(), tags.get(b"s", b"").decode()
    reasons = []

    class Keep(logging.Handler):
        def emit(self, record):
            reasons.append(record.getMessage())

    log = logging.getLogger("dkim-lab")
    log.addHandler(Keep())
    log.setLevel(logging.DEBUG)
    ok = dkim.verify(msg, logger=log)
    if ok and (d, s) == (a.domain, a.selector):
        print(f"pass d={d} s={s}")
        return 0
    why = reasons[-1] if reasons else ("verified, but not the model's domain and selector" if ok else "no reason given")
    print(f"fail d={d} s={s}: {why}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
