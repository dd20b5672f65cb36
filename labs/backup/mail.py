#!/usr/bin/python3
"""The mail drill's messages and its IMAP reader (labs/backup, python3 standard library only).

  mail.py make <dir> <count> <folder>...   writes <count> messages (unique Message-ID, random body) spread over the
                                           folders as <dir>/<folder>/<n>.eml, and <dir>/expected.tsv
  mail.py read <user> <password file>      logs in over IMAP (127.0.0.1:143), prints one line per message of every
                                           folder: folder TAB Message-ID TAB sha256 of the body (sorted)
The expectation is what make wrote, never what the server holds: read's output is compared with expected.tsv.
"""
import email
import hashlib
import imaplib
import os
import secrets
import sys


def body_sum(raw):
    raw = raw.replace(b"\r\n", b"\n")
    return hashlib.sha256(raw.split(b"\n\n", 1)[1]).hexdigest()


def make(out, count, *folders):
    lines = []
    for n in range(int(count)):
        folder = folders[n % len(folders)]
        mid = "<drill-%d-%s@billu.lab>" % (n, secrets.token_hex(6))
        text = "Message %d of the restore drill.\n%s\n" % (n, secrets.token_hex(200))
        raw = ("From: it@billu.lab\nTo: drill@billu.lab\nSubject: drill %d\nMessage-ID: %s\n\n%s" % (n, mid, text)).encode()
        os.makedirs(os.path.join(out, folder), exist_ok=True)
        with open(os.path.join(out, folder, "%d.eml" % n), "wb") as f:
            f.write(raw)
        lines.append("%s\t%s\t%s" % (folder, mid, body_sum(raw)))
    with open(os.path.join(out, "expected.tsv"), "w") as f:
        f.write("\n".join(sorted(lines)) + "\n")


def read(user, password_file):
    with open(password_file) as f:
        password = f.read().strip()
    m = imaplib.IMAP4("127.0.0.1", 143)
    m.login(user, password)
    lines = []
    typ, boxes = m.list()
    for b in boxes:
        name = b.decode().rsplit(' "/" ', 1)[1].strip('"')
        typ, _ = m.select('"%s"' % name, readonly=True)
        if typ != "OK":
            continue
        typ, data = m.search(None, "ALL")
        for num in data[0].split():
            typ, msg = m.fetch(num, "(BODY.PEEK[])")
            raw = msg[0][1]
            mid = email.message_from_bytes(raw).get("Message-ID", "")
            lines.append("%s\t%s\t%s" % (name, mid, body_sum(raw)))
    m.logout()
    sys.stdout.write("".join(line + "\n" for line in sorted(lines)))


if __name__ == "__main__":
    {"make": make, "read": read}[sys.argv[1]](*sys.argv[2:])
