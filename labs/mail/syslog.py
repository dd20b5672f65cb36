#!/usr/bin/env python3
"""A tiny syslog for a lab pseudo-guest: receives datagrams on <socket> (the guest's /dev/log), appends them to <file>."""
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(out, "ab", buffering=0) as f:
    while True:
        data = s.recv(65536)
        f.write(data.split(b">", 1)[-1].rstrip(b"\0\n") + b"\n")
