#!/usr/bin/env python3
"""Mail probes for labs/mail, run from the lab's client namespace: SMTP (smtplib) and IMAPS (imaplib).

Every probe prints one line saying what the server answered and exits 0 when the server did what the probe asked
for (accepted the message, let the user log on, showed the message), 1 when it refused. Passwords come from the
environment (PROBE_PASSWORD), never from the command line. TLS is verified against the CA given and the host name.
"""
import argparse
import base64
import imaplib
import os
import smtplib
import socket
import ssl
import sys
import time


def context(ca):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def dkim_signed(a, msg):
    """The message signed as a partner's server would (dkimpy, Debian's python3-dkim: run this probe with /usr/bin/python3),
    with the key given, d=<--dkim-domain>, s=<--dkim-selector>. --dkim-tamper changes the body after signing, as a
    server on the way that altered it would: the body hash no longer matches."""
    import dkim  # only here: the other probes need no package beyond Python's own

    with open(a.dkim_key, "rb") as f:
        key = f.read()
    sig = dkim.sign(
        msg.encode(), a.dkim_selector.encode(), a.dkim_domain.encode(), key, include_headers=[b"from", b"to", b"subject", b"message-id"]
    ).decode()
    if a.dkim_tamper:
        msg = msg.replace("lab message", "lab message, altered on the way", 1)
    return sig + msg


class StagedSMTP(smtplib.SMTP):
    """smtplib's client, remembering whether the server took the message's text: `stage` is "end of DATA" once DATA got
    its 354 and the text was sent (the next reply is the server's verdict on the whole message)."""

    stage = None

    def data(self, msg):
        reply = super().data(msg)  # raises SMTPDataError when DATA itself is refused (no 354)
        self.stage = "end of DATA"
        return reply


def smtp_send(a):
    msg = (
        f"From: {a.sender}\r\nTo: {a.to}\r\nSubject: {a.subject}\r\nMessage-ID: <{a.subject}@lab>\r\n\r\n"
        + (a.body or f"lab message {a.subject}\r\n")
        + ("x" * 76 + "\r\n") * (a.size // 78)
    )
    if a.attach:
        # A multipart message with one attachment of that file name: a few bytes starting like a Windows executable
        # (--attach-exe), else like a PDF document.
        b = "lab-boundary"
        magic = b"MZ\x90\x00\x03\x00\x00\x00" if a.attach_exe else b"%PDF-1.4\n%lab\n"
        data = base64.b64encode(magic + b"lab attachment " + a.subject.encode()).decode()
        head, body = msg.split("\r\n\r\n", 1)
        msg = (
            f"{head}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary={b}\r\n\r\n"
            f"--{b}\r\nContent-Type: text/plain\r\n\r\n{body}\r\n"
            f"--{b}\r\nContent-Type: application/octet-stream; name={a.attach}\r\n"
            f"Content-Disposition: attachment; filename={a.attach}\r\nContent-Transfer-Encoding: base64\r\n\r\n{data}\r\n--{b}--\r\n"
        )
    if a.dkim_key:
        msg = dkim_signed(a, msg)
    s = StagedSMTP(a.server, a.port, local_hostname="client.lab.example", timeout=30)
    try:
        s.ehlo()
        if a.starttls:
            s.starttls(context=context(a.ca))
            s.ehlo()
        if a.user:
            # One AUTH PLAIN: smtplib's login() would try every mechanism the server offers after a refusal, and
            # Dovecot delays each failure from an address that failed before (up to 15 s): two refusals in a row
            # could outlast the timeout and the probe would report a timeout instead of the server's 535.
            s.user, s.password = a.user, os.environ["PROBE_PASSWORD"]
            s.auth("PLAIN", s.auth_plain)
        refused = s.sendmail(a.sender, [a.to], msg.encode())
        print(f"accepted (refused recipients: {refused or 'none'})")
        return 0
    except smtplib.SMTPResponseException as e:
        print(f"refused: {e.smtp_code} {e.smtp_error.decode(errors='replace')}")
        # The SMTP stage of the refusal: the server took DATA (354), read the whole message, then refused it.
        if s.stage:
            print(f"stage: {s.stage}")
        return 1
    except smtplib.SMTPRecipientsRefused as e:
        for rcpt, (code, text) in e.recipients.items():
            print(f"refused: {rcpt}: {code} {text.decode(errors='replace')}")
        return 1
    except (OSError, smtplib.SMTPException) as e:
        print(f"no answer: {type(e).__name__}: {e}")
        return 3
    finally:
        try:
            s.quit()
        except Exception:
            pass


def smtp_ehlo(a):
    s = smtplib.SMTP(a.server, a.port, local_hostname="client.lab.example", timeout=30)
    s.ehlo()
    if a.starttls:
        s.starttls(context=context(a.ca))
        s.ehlo()
    for k, v in sorted(s.esmtp_features.items()):
        print(f"{k.upper()} {v.strip()}".rstrip())
    s.quit()
    return 0


def imap(a):
    deadline = time.monotonic() + a.wait
    try:
        m = imaplib.IMAP4_SSL(a.server, a.port, ssl_context=context(a.ca), timeout=30)
    except (ssl.SSLError, socket.error) as e:
        print(f"no TLS session: {e}")
        return 1
    # imaplib verifies the certificate against the address it connects to; the name checked is the host's.
    try:
        m.login(a.user, os.environ["PROBE_PASSWORD"])
    except imaplib.IMAP4.error as e:
        print(f"logon refused: {e}")
        return 1
    try:
        if a.quota:
            typ, data = m.getquotaroot("INBOX")
            print(f"quota: {data}")
        if not a.expect:
            print("logged on")
            return 0
        while True:
            m.select("INBOX", readonly=True)
            typ, data = m.search(None, "SUBJECT", f'"{a.expect}"')
            ids = data[0].split()
            if ids:
                typ, fetched = m.fetch(ids[-1], "(BODY.PEEK[HEADER.FIELDS (SUBJECT TO X-SPAMD-BAR)])")
                print(f"found: {fetched[0][1].decode(errors='replace').strip()}")
                return 0
            if time.monotonic() > deadline:
                print(f"logged on, but no message with subject {a.expect}")
                return 1
            time.sleep(0.1)
    finally:
        m.logout()


def tls(a):
    try:
        with socket.create_connection((a.server, a.port), timeout=10) as raw:
            if a.port == 993:
                sock = context(a.ca).wrap_socket(raw, server_hostname=a.host)
            else:
                f = raw.makefile("rwb")
                f.readline()
                f.write(b"EHLO client.lab.example\r\n")
                f.flush()
                while not f.readline().startswith(b"250 "):
                    pass
                f.write(b"STARTTLS\r\n")
                f.flush()
                f.readline()
                sock = context(a.ca).wrap_socket(raw, server_hostname=a.host)
            print(f"verified: {sock.version()} {sock.getpeercert()['subject']}")
            return 0
    except (ssl.SSLError, ssl.CertificateError) as e:
        print(f"not verified: {e}")
        return 1


def pregreet(a):
    """A spambot's SMTP: EHLO sent at once, before the server's greeting is complete, then MAIL and RCPT. Prints every
    reply line; "accepted" when the RCPT got 250, "refused: <reply>" (exit 1) when the server refused a command."""
    with socket.create_connection((a.server, a.port), timeout=30) as s:
        s.sendall(b"EHLO client.lab.example\r\n")
        f = s.makefile("rb")

        def reply():
            while True:
                line = f.readline().decode(errors="replace").rstrip("\r\n")
                print(f"< {line}")
                if not line or line[3:4] != "-":
                    return line

        # The greeting, then the reply to the early EHLO. postscreen sends the first line of a multi-line greeting at
        # once ("220-"); having seen the client talk first, it answers the EHLO without ending the greeting, so both
        # read as one reply ("220-...", then "250-...", "250 ...").
        r = reply()
        if r.startswith("220"):
            r = reply()
        for cmd in (f"MAIL FROM:<{a.sender}>", f"RCPT TO:<{a.to}>", None):
            if not r.startswith("250"):
                print(f"refused: {r}")
                return 1
            if cmd:
                s.sendall(cmd.encode() + b"\r\n")
                r = reply()
        s.sendall(b"QUIT\r\n")
        print("accepted")
        return 0


def rcpt(a):
    """An SMTP client that waits for the greeting, from --source (an address of the client's namespace) when given:
    EHLO, MAIL, RCPT, then QUIT without DATA. Prints "accepted: <RCPT reply>" (exit 0), or "refused: <reply>" (exit 1)
    for the first command refused (postscreen refuses a client it blocked at RCPT)."""
    src = (a.source, 0) if a.source else None
    s = smtplib.SMTP(a.server, a.port, local_hostname="client.lab.example", timeout=30, source_address=src)
    try:
        s.ehlo()
        code, text = s.mail(a.sender)
        if code == 250:
            code, text = s.rcpt(a.to)
        print(f"{'accepted' if code == 250 else 'refused'}: {code} {text.decode(errors='replace')}")
        return 0 if code == 250 else 1
    finally:
        try:
            s.quit()
        except Exception:
            pass


def connect(a):
    """A TCP connection and the server's first line: "connected: <banner>", or why there is none (a router that drops
    the SYN leaves the client waiting: "timed out")."""
    try:
        with socket.create_connection((a.server, a.port), timeout=a.timeout) as s:
            banner = s.makefile("rb").readline()
            print(f"connected: {banner.decode(errors='replace').strip()}")
            return 0
    except socket.timeout:
        print(f"timed out after {a.timeout} s")
        return 1
    except OSError as e:
        print(f"not connected: {e}")
        return 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("send", "ehlo", "imap", "tls", "connect", "pregreet", "rcpt"):
        c = sub.add_parser(name)
        c.add_argument("--server", required=True)
        c.add_argument("--port", type=int, required=True)
        c.add_argument("--host", help="the name the certificate must carry")
        c.add_argument("--ca")
        c.add_argument("--starttls", action="store_true")
        c.add_argument("--user")
        c.add_argument("--sender")
        c.add_argument("--to")
        c.add_argument("--subject")
        c.add_argument("--body")
        c.add_argument("--attach", help="the file name of one attachment to add")
        c.add_argument("--attach-exe", action="store_true", help="the attachment's bytes are an executable's (else a PDF's)")
        c.add_argument("--size", type=int, default=0)
        c.add_argument("--expect")
        c.add_argument("--wait", type=float, default=0)
        c.add_argument("--quota", action="store_true")
        c.add_argument("--timeout", type=float, default=3)
        c.add_argument("--source", help="rcpt: the client's source address")
        c.add_argument("--dkim-key", help="send: sign with this PEM private key (dkimpy)")
        c.add_argument("--dkim-domain")
        c.add_argument("--dkim-selector")
        c.add_argument("--dkim-tamper", action="store_true", help="send: alter the body after signing")
    a = p.parse_args()
    return {"send": smtp_send, "ehlo": smtp_ehlo, "imap": imap, "tls": tls, "connect": connect, "pregreet": pregreet, "rcpt": rcpt}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
