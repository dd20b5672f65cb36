#!/usr/bin/env bash
# The firewall lab: the dev stack's router ruleset, exactly as offline synth rendered it, runs in a router
# namespace between one namespace per zone and one per host a flow names; every cell of the flow matrix (source
# zone or host x destination host x service) is probed with real TCP connects and UDP request/response, and must
# do what the flow model says (components/firewall/lab-plan.ts computes the expectations from model/flows.ts).
# Then three deliberately broken rulesets (a flow's rules removed, masquerade removed, forward policy accept) must
# fail exactly the probes the model predicts, and a syntax error must fail `nft -c`.
#
# Lab overrides: none. The router namespace's interfaces carry the model's names (eth0.. in zone order), so
# nftables.conf and the sysctl file run byte for byte as rendered (hash-checked). Lab-only choices, not in any
# rendered file: the zones' anonymous member addresses (each zone's highest free address), the internet address
# 192.0.2.10 in the WAN namespace, the WAN namespace's routes to internal zones (an attacker on the ISP side), and
# each namespace's client port range and neighbour queue (so a burst of thousands of probes is not lost to ARP).
# FW_LAB_TIMEOUT (default 0.5 s) bounds each probe; an allowed probe left unanswered is sent once more (2 s).
LAB=bfw
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
lab_require ip nft conntrack python3 node

HERE="$(cd "$(dirname "$0")" && pwd)"
PROBE="$HERE/probe.py"
# The interpreter itself, not a version manager's shim: 38 interpreters start here, at once.
PY="$(python3 -c 'import sys; print(sys.executable)')"
TIMEOUT="${FW_LAB_TIMEOUT:-0.5}"
start=$(date +%s%N)

out=$(lab_synth dev)
rendered="$out/rendered/PAR-FW01"
cp "$rendered/etc/nftables.conf" "$LAB_DIR/nftables.conf"
cp "$rendered/etc/sysctl.d/90-billu-router.conf" "$LAB_DIR/sysctl.conf"
lab_hash_check "$rendered/etc/nftables.conf" "$LAB_DIR/nftables.conf"
lab_hash_check "$rendered/etc/sysctl.d/90-billu-router.conf" "$LAB_DIR/sysctl.conf"

(cd "$LAB_ROOT" && node dist/tools/firewall-lab.js --stack dev --prefix "$LAB" --out "$LAB_DIR") | sed "s/^/[$LAB] /"
PLAN="$LAB_DIR/plan.json"

# Topology: namespaces, veth links, the zones' bridges, addresses and routes (see lab-plan.ts).
while read -r verb a b c d e f; do
    case "$verb" in
        ns) lab_ns "${a#"$LAB"-}" ;;
        link) lab_link "$a" "$b" "$c" "$d" "$e" "$f" ;;
        bridge)
            ip -n "$a" link add "$b" type bridge
            ip -n "$a" link set "$d" master "$b"
            ip -n "$a" addr add "$c" dev "$b"
            ip -n "$a" link set "$b" up ;;
        enslave) ip -n "$a" link set "$c" master "$b" ;;
        addr) ip -n "$a" addr add "$c" dev "$b" ;;
        route) ip -n "$a" route add "$b" via "$c" ;;
        *) lab_die "unknown topology line: $verb $a $b $c $d $e $f" ;;
    esac
done <"$LAB_DIR/topology.txt"
router="$LAB-r"
for ns in "${LAB_NETNS[@]}"; do
    # Client ports away from every probed port (the listeners use 22..65535 sparsely); a neighbour queue deep
    # enough for a burst of hundreds of first packets while ARP resolves (the default keeps ~100 and drops the rest).
    ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="20000 29999"
    ip netns exec "$ns" sh -c 'for f in /proc/sys/net/ipv4/neigh/*/unres_qlen_bytes; do echo 16777216 >"$f"; done' 
done
lab_log "topology: $(grep -c '^ns ' "$LAB_DIR/topology.txt") namespaces, $(grep -c '^link ' "$LAB_DIR/topology.txt") links"

lab_expect "nft -c accepts the rendered ruleset" pass ip netns exec "$router" nft -c -f "$LAB_DIR/nftables.conf"
ip netns exec "$router" sysctl -q -p "$LAB_DIR/sysctl.conf"
ip netns exec "$router" nft -f "$LAB_DIR/nftables.conf"
lab_expect "the router runs the ruleset: input, forward and output default to drop" pass \
    bash -c "[ \$(ip netns exec $router nft list ruleset | grep -c 'priority filter; policy drop;') = 3 ]"

# Listeners on every probed port of every namespace (one process, see probe.py).
lab_bg "$router" "$LAB_DIR/listen.log" "$PY" "$PROBE" listen "$PLAN" "$LAB_DIR/listening"
listener=$LAB_LAST_PID
lab_wait 30 "listeners" bash -c "test -s $LAB_DIR/listening || ! kill -0 $listener" && test -s "$LAB_DIR/listening" || { tail -n 5 "$LAB_DIR/listen.log" >&2; lab_die "listeners did not start"; }
lab_log "listening: $(cat "$LAB_DIR/listening")"

# The matrix.
probe_start=$(date +%s%N)
"$PY" "$PROBE" run "$PLAN" "$LAB_DIR/results.json" "$TIMEOUT" | sed "s/^/[$LAB] /"
lab_log "probes took $(( ($(date +%s%N) - probe_start) / 1000000 )) ms"
rc=0; "$PY" "$PROBE" report "$PLAN" "$LAB_DIR/results.json" >"$LAB_DIR/report.txt" || rc=$?
sed "s/^/[$LAB]   /" "$LAB_DIR/report.txt"
lab_expect "every cell of the dev matrix does what the flow model says" pass test "$rc" = 0

# Broken rulesets: each must fail exactly the probes the model predicts (so a green run cannot be hollow).
for name in $("$PY" -c "import json,sys; print(' '.join(m['name'] for m in json.load(open(sys.argv[1]))['mutations']))" "$PLAN"); do
    "$PY" - "$PLAN" "$name" "$LAB_DIR/nftables.conf" "$LAB_DIR/broken-$name.conf" <<'EOF'
import json, sys
plan, name, src, dst = sys.argv[1:]
m = next(x for x in json.load(open(plan))["mutations"] if x["name"] == name)
text = open(src).read()
if m.get("deleteLinesContaining"):
    lines = text.split("\n")
    kept = [l for l in lines if m["deleteLinesContaining"] not in l]
    if len(kept) == len(lines):
        sys.exit(f"{name}: no line contains {m['deleteLinesContaining']!r}")
    text = "\n".join(kept)
else:
    a, b = m["replace"]
    if a not in text:
        sys.exit(f"{name}: {a!r} not found")
    text = text.replace(a, b)
open(dst, "w").write(text)
EOF
    ip netns exec "$router" nft -f "$LAB_DIR/broken-$name.conf"
    ip netns exec "$router" conntrack -F >/dev/null 2>&1 || true
    "$PY" "$PROBE" run "$PLAN" "$LAB_DIR/results-$name.json" "$TIMEOUT" | sed "s/^/[$LAB]   /"
    rc=0; "$PY" "$PROBE" report "$PLAN" "$LAB_DIR/results-$name.json" >"$LAB_DIR/report-$name.txt" || rc=$?
    lab_expect "the matrix check fails on the broken ruleset ($name)" fail test "$rc" = 0
    rc=0; "$PY" "$PROBE" broken "$PLAN" "$LAB_DIR/results-$name.json" "$name" >"$LAB_DIR/broken-$name.txt" || rc=$?
    sed "s/^/[$LAB]   /" "$LAB_DIR/broken-$name.txt"
    lab_expect "exactly the predicted probes fail ($name)" pass test "$rc" = 0
done
sed 's/policy drop;/policy dorp;/' "$LAB_DIR/nftables.conf" >"$LAB_DIR/broken-syntax.conf"
lab_expect "nft -c refuses a ruleset with a syntax error" fail ip netns exec "$router" nft -c -f "$LAB_DIR/broken-syntax.conf"

# The same matrix rendered for pfSense: well-formed config.xml sections (not loaded into a pfSense here).
(cd "$LAB_ROOT" && node dist/tools/pfsense.js --stack dev --out "$LAB_DIR/pfsense") | sed "s/^/[$LAB] /"
lab_expect "the pfSense sections are well-formed XML with the expected root elements" pass "$PY" -c '
import sys, xml.etree.ElementTree as ET
d = sys.argv[1]
for name in ("interfaces", "aliases", "filter", "nat", "dhcrelay"):
    assert ET.parse(f"{d}/{name}.xml").getroot().tag == name, name
' "$LAB_DIR/pfsense"

lab_log "lab took $(( ($(date +%s%N) - start) / 1000000 )) ms"
lab_finish
