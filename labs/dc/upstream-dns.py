#!/usr/bin/python3
"""labs/dc: a tiny upstream resolver at the model's bootstrap addresses (billu:network.dnsForwarders), inside the
lab's namespaces only. It answers A queries for the names it is given (the package mirrors, with a TEST-NET
address), NXDOMAIN for any other name, and logs every query as `<client> <name> <type>`, one line each, so the lab
can tell who asked what. Standard library only; UDP (what glibc's stub resolver and Samba's forwarder use).

    upstream-dns.py <log file> <listen address>[,<listen address>...] <name>=<IPv4> [<name>=<IPv4>...]
"""
import select
import socket
import struct
import sys


def parse_question(msg: bytes):
    """The first question's name (lower case, no trailing dot), type and the offset after it."""
    labels, i = [], 12
    while msg[i] != 0:
        n = msg[i]
        labels.append(msg[i + 1 : i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    qtype, _qclass = struct.unpack("!HH", msg[i + 1 : i + 5])
    return ".".join(labels).lower(), qtype, i + 5


def answer(msg: bytes, names: dict):
    qid, flags = struct.unpack("!HH", msg[:4])
    name, qtype, end = parse_question(msg)
    question = msg[12:end]
    rd = flags & 0x0100
    if name not in names:
        # QR, RA, the client's RD, RCODE 3 (NXDOMAIN); one question, no answer.
        return struct.pack("!HHHHHH", qid, 0x8083 | rd, 1, 0, 0, 0) + question, name, qtype
    records = b""
    count = 0
    if qtype == 1:  # A
        records = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(names[name])
        count = 1
    return struct.pack("!HHHHHH", qid, 0x8080 | rd, 1, count, 0, 0) + question + records, name, qtype


def main() -> None:
    log_path, listen = sys.argv[1], sys.argv[2].split(",")
    names = dict(a.split("=", 1) for a in sys.argv[3:])
    names = {k.lower().rstrip("."): v for k, v in names.items()}
    socks = []
    for addr in listen:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((addr, 53))
        socks.append(s)
    with open(log_path, "a", buffering=1) as log:
        print("ready", file=log)
        while True:
            ready, _, _ = select.select(socks, [], [])
            for s in ready:
                msg, client = s.recvfrom(4096)
                try:
                    reply, name, qtype = answer(msg, names)
                except (IndexError, struct.error):
                    continue
                print(f"{client[0]} {name} {qtype}", file=log)
                s.sendto(reply, client)


if __name__ == "__main__":
    main()
