#!/usr/bin/env python3
"""The firewall lab's probes (labs/firewall/lab.sh drives it; the plan comes from components/firewall/lab-plan.ts).

  probe.py listen <plan.json> <ready-file>          listen on every probed TCP and UDP port of every namespace;
                                                     answer "<label> <peer address>" (TCP: on accept; UDP: echo)
  probe.py run <plan.json> <results.json> <timeout> send every probe of the plan, concurrently
  probe.py report <plan.json> <results.json>        the verified matrix; exit 1 on any mismatch
  probe.py broken <plan.json> <results.json> <name> exit 0 iff exactly the predicted probes failed
  probe.py spoof <plan.json> <router ns> <results.json> send the plan's spoofed-source packets and count each one
                                                     before and after the router's anti-spoofing chain (a lab
                                                     table, priorities raw-10 and raw+10); exit 1 unless every
                                                     one arrived and none passed that chain

One process listens for every namespace and one probes from every namespace: a socket belongs to the network
namespace its creator was in when it was made, so each socket is made right after setns(2) into its namespace.
A probe passes when what happened is what the flow model says: an allowed probe gets an answer from the
expected listener, which saw the expected source address (NAT); a denied probe gets no answer within the run's
window, which outlasts TCP's first SYN retransmission (for TCP a completed handshake is an answer). ICMP echo:
a raw socket per probe, connected to the destination, and the echo reply carrying the probe's identifier is the
answer; echoes to the router are paced (its input chain rate-limits them to 10/s). Only addresses inside the
lab's namespaces are contacted. Standard library only.
"""
import asyncio
import ctypes
import json
import os
import resource
import socket
import struct
import subprocess
import sys
import time

CLONE_NEWNET = 0x40000000
IP_TRANSPARENT = 19
# Echo requests to the router leave at most this often (its input chain accepts 10/s).
ICMP_ROUTER_GAP = 0.12
_libc = ctypes.CDLL(None, use_errno=True)
_fds = {}
_home = os.open("/proc/self/ns/net", os.O_RDONLY)


def enter(ns):
    """Switch this thread to a namespace (None: back home). Sockets made now belong to it for good."""
    # Each namespace's descriptor is opened once (setdefault would open one more per call: a leak of one descriptor
    # per probe, which ran prod's run out of descriptors).
    if ns is None:
        fd = _home
    elif ns in _fds:
        fd = _fds[ns]
    else:
        fd = _fds[ns] = os.open(f"/run/netns/{ns}", os.O_RDONLY)
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), f"setns {ns}")


def raise_fd_limit():
    """Every probe that reaches its bound keeps its socket until the end of the run: thousands of descriptors."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def sock_in(ns, kind, proto=0):
    enter(ns)
    try:
        return socket.socket(socket.AF_INET, kind, proto)
    finally:
        enter(None)


def load(path):
    with open(path) as f:
        return json.load(f)


# ---------------------------------------------------------------------------------------------------- listen
class Udp(asyncio.DatagramProtocol):
    def __init__(self, label):
        self.label = label

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.transport.sendto(f"{self.label} {addr[0]}\n".encode(), addr)


async def listen(plan, ready):
    raise_fd_limit()
    loop = asyncio.get_running_loop()
    sockets = 0
    for spec in plan["listeners"]:
        ns, label = spec["ns"], spec["label"]

        async def on_tcp(reader, writer, label=label):
            peer = writer.get_extra_info("peername")[0]
            try:
                writer.write(f"{label} {peer}\n".encode())
                await writer.drain()
            finally:
                writer.close()

        for port in spec["tcp"]:
            t = sock_in(ns, socket.SOCK_STREAM)
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            t.bind(("0.0.0.0", port))
            await asyncio.start_server(on_tcp, sock=t, backlog=1024)
            sockets += 1
        # UDP answers must leave from the address the request was sent to (a socket on 0.0.0.0 would answer from
        # the route's preferred source, which NAT and the prober would not recognise): one socket per address.
        out = subprocess.run(["ip", "-n", ns, "-4", "-o", "addr", "show"], capture_output=True, text=True, check=True).stdout
        addresses = [a for a in (line.split()[3].split("/")[0] for line in out.splitlines()) if not a.startswith("127.")]
        for port in spec["udp"]:
            for addr in addresses:
                u = sock_in(ns, socket.SOCK_DGRAM)
                # A probe of the same namespace may bind <own address>:<port> (a relay's reply port): both reuse;
                # the probe's socket is connected, so the kernel hands it the answers meant for it.
                u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                u.bind((addr, port))
                await loop.create_datagram_endpoint(lambda label=label: Udp(label), sock=u)
                sockets += 1
    with open(ready, "w") as f:
        f.write(f"{sockets} sockets in {len(plan['listeners'])} namespaces\n")
    await asyncio.Event().wait()


# ----------------------------------------------------------------------------------------------------- probe
def checksum(b):
    if len(b) % 2:
        b += b"\0"
    total = sum(struct.unpack(f"!{len(b) // 2}H", b))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def echo_request(ident):
    body = b"billu-lab"
    head = struct.pack("!BBHHH", 8, 0, 0, ident, 1)
    return struct.pack("!BBHHH", 8, 0, checksum(head + body), ident, 1) + body


class Probe:
    """One probe in flight, driven by the event loop's readiness callbacks (no task, no per-probe timer): it is
    sent at once, and what came back is read when the whole run's window closes. TCP: a completed handshake is an
    answer (the packets went through); the listener's line then says who answered and what source it saw. UDP:
    the listener's datagram is the answer."""

    def __init__(self, loop, p):
        self.loop, self.p = loop, p
        self.connected = False
        self.line = None
        self.error = None
        self.t0 = time.monotonic()
        self.ms = None
        if p["proto"] == "icmp":
            self.ident = p["id"] % 65535 + 1
            self.s = sock_in(p["ns"], socket.SOCK_RAW, socket.IPPROTO_ICMP)
            self.s.setblocking(False)
            try:
                if p.get("bind"):
                    self.s.bind((p["bind"], 0))
                self.s.connect((p["dst"], 0))
                self.s.send(echo_request(self.ident))
                self.connected = True
                loop.add_reader(self.s.fileno(), self.on_icmp)
            except OSError as e:
                self.fail(e)
            return
        kind = socket.SOCK_STREAM if p["proto"] == "tcp" else socket.SOCK_DGRAM
        self.s = sock_in(p["ns"], kind)
        self.s.setblocking(False)
        try:
            if p.get("sport"):
                self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if p.get("bind") or p.get("sport"):
                self.s.bind((p.get("bind") or "0.0.0.0", p.get("sport") or 0))
            if p["proto"] == "tcp":
                err = self.s.connect_ex((p["dst"], p["port"]))
                if err not in (0, 115):  # EINPROGRESS
                    raise OSError(err, os.strerror(err))
                loop.add_writer(self.s.fileno(), self.on_connect)
            else:
                self.s.connect((p["dst"], p["port"]))
                self.s.send(b"probe\n")
                self.connected = True
                loop.add_reader(self.s.fileno(), self.on_line)
        except OSError as e:
            self.fail(e)

    def fail(self, e):
        self.error = e.strerror or type(e).__name__
        self.close()

    def on_connect(self):
        self.loop.remove_writer(self.s.fileno())
        err = self.s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            return self.fail(OSError(err, os.strerror(err)))
        self.connected = True
        self.loop.add_reader(self.s.fileno(), self.on_line)

    def on_line(self):
        try:
            data = self.s.recv(256)
        except OSError as e:
            return self.fail(e)
        self.line = data.decode().split()[:2]
        self.ms = int((time.monotonic() - self.t0) * 1000)
        self.close()

    def on_icmp(self):
        try:
            data = self.s.recv(2048)
        except OSError as e:
            return self.fail(e)
        ihl = (data[0] & 0x0F) * 4
        if len(data) >= ihl + 8 and data[ihl] == 0 and struct.unpack("!H", data[ihl + 4 : ihl + 6])[0] == self.ident:
            self.line = ["(echo reply)", self.p["dst"]]
            self.ms = int((time.monotonic() - self.t0) * 1000)
            self.close()

    def close(self):
        if self.s.fileno() >= 0:
            self.loop.remove_reader(self.s.fileno())
            self.loop.remove_writer(self.s.fileno())
            self.s.close()

    def answered(self):
        return self.line is not None or (self.p["proto"] == "tcp" and self.connected)

    def result(self):
        r = {"id": self.p["id"], "answered": self.answered(), "ms": self.ms if self.ms is not None else -1}
        if self.line and len(self.line) == 2:
            r["label"], r["peer"] = self.line
        elif self.answered():
            r["label"] = r["peer"] = "(no line)"
        if self.error:
            r["error"] = self.error
        elif not self.answered():
            r["error"] = "no answer"
        return r


async def send(probes, window):
    """Sends every probe at once, waits `window` after the last one left, then as long as connected TCP probes
    still wait for their listener's line (at most 5 s more: they went through, so waiting costs the blocked ones
    nothing), and returns the results."""
    loop = asyncio.get_running_loop()
    paced = [p for p in probes if p["proto"] == "icmp" and p["to"] == "router"]
    flying = [Probe(loop, p) for p in probes if not (p["proto"] == "icmp" and p["to"] == "router")]
    for k, p in enumerate(paced):
        loop.call_later(k * ICMP_ROUTER_GAP, lambda p=p: flying.append(Probe(loop, p)))
    await asyncio.sleep(window + len(paced) * ICMP_ROUTER_GAP)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(f.connected and f.line is None and f.error is None and f.p["proto"] == "tcp" for f in flying):
        await asyncio.sleep(0.05)
    results = [f.result() for f in flying]
    for f in flying:
        f.close()
    return results


def passed(p, r):
    if p["expect"] == "deny":
        return not r["answered"]
    if p["proto"] == "icmp":
        return r["answered"] and r.get("label") == "(echo reply)"
    return r["answered"] and r.get("label") == p["label"] and r.get("peer") == p["peer"]


# Descriptors kept free beside a batch's sockets: the namespaces' handles, the files, Python's own.
FD_SPARE = 200


async def send_batched(probes, window):
    """send() in batches the descriptor limit allows (each probe holds a socket until its batch ends): prod's
    matrix has more probes than the hard limit (20000 here), which only a process with CAP_SYS_RESOURCE raises."""
    size = resource.getrlimit(resource.RLIMIT_NOFILE)[0] - FD_SPARE
    if size < 1000:
        sys.exit(f"the descriptor limit {size + FD_SPARE} leaves fewer than 1000 for the probes: raise it (ulimit -n)")
    results = []
    for k in range(0, len(probes), size):
        results += await send(probes[k : k + size], window)
    return results


async def probe_all(plan, timeout, mutation=None):
    raise_fd_limit()
    probes = plan["probes"]
    # The window: the bound, and past the 1 s after which TCP sends a lost SYN again, so an answer that comes late
    # (a leak on a slow machine) still counts as an answer.
    results = await send_batched(probes, max(timeout, 1.2))
    # A probe that should have been answered and was not is sent once more with a longer window (a busy 2-core
    # machine can be slow): an allowed probe, and on a broken ruleset (`mutation`) a denied probe the broken
    # ruleset is predicted to let through (forward policy accept opens thousands at once). A probe predicted to get
    # no answer is never sent again, and a wrong answer is never excused.
    by_id = {p["id"]: p for p in probes}
    opened = set(next(m for m in plan["mutations"] if m["name"] == mutation)["expectFailed"]) if mutation else set()

    def again(p, r):
        if p["expect"] == "allow":
            return not passed(p, r)
        return p["id"] in opened and not r["answered"]

    retry = [by_id[r["id"]] for r in results if again(by_id[r["id"]], r)]
    if retry:
        first = {r["id"]: r for r in results}
        again = {r["id"]: dict(r, retried=True, first=first[r["id"]]) for r in await send_batched(retry, max(3.0, 4 * timeout))}
        results = [again.get(r["id"], r) for r in results]
    return results


def run(plan_path, out, timeout, mutation=None):
    plan = load(plan_path)
    t0 = time.monotonic()
    results = asyncio.run(probe_all(plan, timeout, mutation))
    with open(out, "w") as f:
        json.dump(results, f)
    retried = sum(1 for r in results if r.get("retried"))
    print(f"{len(results)} probes from {len({p['ns'] for p in plan['probes']})} namespaces in {time.monotonic() - t0:.1f} s ({retried} probes that should answer sent twice)")


# ---------------------------------------------------------------------------------------------------- verdict
def verdicts(plan, results_path):
    results = {r["id"]: r for r in load(results_path)}
    missing = [p["id"] for p in plan["probes"] if p["id"] not in results]
    if missing:
        sys.exit(f"{len(missing)} probes have no result")
    return {p["id"]: passed(p, results[p["id"]]) for p in plan["probes"]}, results


def report(plan_path, results_path):
    plan = load(plan_path)
    ok, results = verdicts(plan, results_path)
    probes = plan["probes"]
    cells = plan["cells"]
    failed_cells = [c for c in cells if not all(ok[i] for i in c["probes"])]
    srcs = sorted({c["src"] for c in cells}, key=lambda s: [a["label"] for a in plan["actors"]].index(s))
    dsts = {c["dst"] for c in cells}
    print(f"matrix verified: {len(srcs)} sources x {len(dsts)} destinations x {len(plan['services'])} services ({', '.join(plan['services'])})")
    print(f"{'source':<16} {'cells':>6} {'allow':>6} {'deny':>6} {'partly':>6} {'failed':>6}")
    for s in srcs:
        mine = [c for c in cells if c["src"] == s]
        n = lambda e: sum(1 for c in mine if c["expect"] == e)
        print(f"{s:<16} {len(mine):>6} {n('allow'):>6} {n('deny'):>6} {n('partly'):>6} {sum(1 for c in failed_cells if c['src'] == s):>6}")
    allowed = [p for p in probes if p["expect"] == "allow"]
    wan = next(a for a in plan["actors"] if a["label"] == plan["wan"])
    masq = [p for p in allowed if p["src"] != "router" and p["label"] == wan["label"]]
    fwd = [p for p in allowed if p["to"] == "router" and p["label"] != "router"]
    print(f"NAT: {sum(1 for p in masq if ok[p['id']])}/{len(masq)} probes to WAN arrived from the router's WAN address; "
          f"port forwards: {sum(1 for p in fwd if ok[p['id']])}/{len(fwd)} probes to the WAN address reached {', '.join(sorted({p['label'] for p in fwd}))}")
    wan_internal = [p for p in probes if p["src"] == wan["label"] and p["to"] not in ("router",)]
    print(f"WAN to internal: {sum(1 for p in wan_internal if p['expect'] == 'deny' and ok[p['id']])}/{len(wan_internal)} probes blocked"
          f" ({sum(1 for p in wan_internal if p['expect'] == 'allow')} expected open)")
    for note in plan["notProbed"]:
        print(f"not probed: {note}")
    bad = [p for p in probes if not ok[p["id"]]]
    for p in bad[:25]:
        r = results[p["id"]]
        got = f"answer from {r.get('label')} seeing {r.get('peer')}" if r["answered"] else f"no answer ({r.get('error')})"
        want = f"answer from {p['label']} seeing {p['peer']} ({p['why']})" if p["expect"] == "allow" else "no answer"
        print(f"MISMATCH {p['src']} -> {p['to']} {p['proto']}/{p['port']}{' from ' + str(p['sport']) if p.get('sport') else ''}: want {want}, got {got}")
    slow = sorted(r["ms"] for r in results.values() if r["answered"] and r["ms"] >= 0)
    print(f"cells: {len(cells)} probed, {len(cells) - len(failed_cells)} passed, {len(failed_cells)} failed; "
          f"probes: {len(probes)} sent, {len(probes) - len(bad)} as expected, {len(bad)} not"
          + (f"; answered in median {slow[len(slow) // 2]} ms, max {slow[-1]} ms" if slow else ""))
    return 0 if not bad else 1


def broken(plan_path, results_path, name):
    plan = load(plan_path)
    m = next(x for x in plan["mutations"] if x["name"] == name)
    ok, _ = verdicts(plan, results_path)
    failed = sorted(i for i, v in ok.items() if not v)
    want = sorted(m["expectFailed"])
    cells = [c for c in plan["cells"] if not all(ok[i] for i in c["probes"])]
    print(f"broken case {name} ({m['description']}): {len(cells)} cells and {len(failed)} probes failed; predicted {len(want)} probes")
    if failed != want:
        extra = sorted(set(failed) - set(want))[:5]
        lost = sorted(set(want) - set(failed))[:5]
        print(f"  unexpected failures: {extra}; predicted but passed: {lost}")
        return 1
    return 0 if failed else 1


# ----------------------------------------------------------------------------------------------------- spoof
WATCH = "billu_labwatch"


def watch_table(spoofs):
    """A lab-only table (not part of the rendered ruleset, removed after the count): one counter per spoofed packet
    just before the rendered ruleset's anti-spoofing chain (prerouting, priority raw = -300) and one just after."""
    lines = [f"table ip {WATCH} {{"]
    for chain, prio in (("before", -310), ("after", -290)):
        lines.append(f"    chain {chain} {{ type filter hook prerouting priority {prio}; policy accept;")
        for x in spoofs:
            lines.append(f'        iifname "{x["ifname"]}" ip saddr {x["bind"]} ip daddr {x["dst"]} {x["proto"]} dport {x["port"]} counter comment "spoof {x["id"]}"')
        lines.append("    }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def spoof(plan_path, router, out):
    plan = load(plan_path)
    spoofs = plan["spoofs"]
    nft = lambda *args, **kw: subprocess.run(["ip", "netns", "exec", router, "nft", *args], check=True, capture_output=True, text=True, **kw)
    nft("-f", "-", input=watch_table(spoofs))
    socks = []
    for x in spoofs:
        s = sock_in(x["ns"], socket.SOCK_STREAM if x["proto"] == "tcp" else socket.SOCK_DGRAM)
        # Bind and send from an address this namespace does not hold (the forged one): IP_TRANSPARENT, since
        # IP_FREEBIND allows the bind but not the route lookup from a foreign source (ENETUNREACH).
        s.setsockopt(socket.SOL_IP, IP_TRANSPARENT, 1)
        s.setblocking(False)
        s.bind((x["bind"], 0))
        if x["proto"] == "tcp":
            s.connect_ex((x["dst"], x["port"]))
        else:
            s.sendto(b"spoofed\n", (x["dst"], x["port"]))
        socks.append(s)
    # Bounded: the packets are on veths one hop away; counters are read once, after TCP's first SYN resend.
    time.sleep(1.2)
    counts = {}
    for rule in (r["rule"] for r in json.loads(nft("-j", "list", "table", "ip", WATCH).stdout)["nftables"] if "rule" in r):
        n = next(e["counter"]["packets"] for e in rule["expr"] if "counter" in e)
        counts[(rule["chain"], int(rule["comment"].split()[1]))] = n
    nft("delete", "table", "ip", WATCH)
    for s in socks:
        s.close()
    results = [{"id": x["id"], "before": counts[("before", x["id"])], "after": counts[("after", x["id"])]} for x in spoofs]
    with open(out, "w") as f:
        json.dump(results, f)
    bad = 0
    for x, r in zip(spoofs, results):
        ok = r["before"] > 0 and r["after"] == 0
        bad += not ok
        verdict = "dropped by the anti-spoofing chain" if ok else ("never reached the router" if r["before"] == 0 else "PASSED the anti-spoofing chain")
        print(f"{'ok  ' if ok else 'FAIL'} spoof {x['src']} (via {x['ifname']}) forging {x['as']} {x['bind']} -> {x['dst']} {x['proto']}/{x['port']}: "
              f"{r['before']} in, {r['after']} past: {verdict} (genuine: {x['genuine']})")
    print(f"spoofed sources: {len(spoofs) - bad}/{len(spoofs)} dropped by the router's anti-spoofing chain")
    return 1 if bad else 0


def main():
    cmd = sys.argv[1]
    if cmd == "listen":
        asyncio.run(listen(load(sys.argv[2]), sys.argv[3]))
    elif cmd == "run":
        run(sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5] if len(sys.argv) > 5 else None)
    elif cmd == "report":
        sys.exit(report(sys.argv[2], sys.argv[3]))
    elif cmd == "spoof":
        sys.exit(spoof(sys.argv[2], sys.argv[3], sys.argv[4]))
    elif cmd == "broken":
        sys.exit(broken(sys.argv[2], sys.argv[3], sys.argv[4]))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
