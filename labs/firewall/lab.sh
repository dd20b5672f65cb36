#!/usr/bin/env bash
# The firewall lab, for every committed stack (each Pulumi.<stack>.yaml at the repo root) or the ones named
# (`npm run lab -- firewall --stack prod [--stack ecotech]`): the stack's router ruleset, exactly as offline synth
# rendered it, runs in a router namespace between one namespace per zone, one per host a flow names and the VPN
# partner's (and one per single partner host of billu:firewall.vpnPartner.hosts, behind the same interface); every cell of the flow matrix (source zone, host, partner or router x destination x service, and ICMP
# echo) is probed with real TCP connects, UDP request/response and ICMP echo (each port range at both ends and one
# port inside), and must do what the flow model says (components/firewall/lab-plan.ts computes the expectations
# from model/flows.ts's evaluate, and ICMP from its fixed policy, never from the ruleset). Spoofed sources (each
# zone's namespace forging another zone's address) must be dropped by the router's anti-spoofing chain: counted
# before and after it. Then the deliberately broken rulesets (the flow whose removal matters most, masquerade removed
# where anything is masqueraded, forward policy accept) must fail exactly the probes the model predicts, a ruleset without its anti-spoofing rules must let
# every spoofed packet past that chain, and a syntax error must fail `nft -c`. Stacks run one after the other (the
# namespaces of one are gone before the next is built).
#
# Sabotage (BILLU_LAB_SABOTAGE=1): after the read-back, the ruleset the router loads gets one extra forward rule
# that opens a TCP port the model denies (`tcp dport <port> accept`): the matrix probes must fail.
#
# Lab overrides: none (labs/firewall/overrides.json is empty). The router namespace's interfaces carry the model's
# names (eth0.. in zone order), so nftables.conf and the sysctl file run byte for byte as rendered: each is installed
# with the mode and owner the router step declares and read back against out/<stack> (lab_readback). Lab-only choices, not in any
# rendered file: the zones' anonymous member addresses (each zone's highest free address), the internet address
# 192.0.2.10 in the WAN namespace, the WAN namespace's routes to internal zones and the VPN partner's networks (an
# attacker on the ISP side), each namespace's client port range and neighbour queue (so a burst of thousands of
# probes is not lost to ARP), and the spoof count's table billu_labwatch (two counting chains, loaded after the
# ruleset for the count and deleted right after it).
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

STACKS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --stack) if [ -z "${2:-}" ] || [ ! -e "$LAB_ROOT/Pulumi.$2.yaml" ]; then echo "firewall lab: --stack needs a committed stack (Pulumi.<stack>.yaml at the repo root), got \"${2:-}\"" >&2; LAB_DONE=usage; exit 2; fi
            STACKS+=("$2"); shift 2 ;;
        *) echo "firewall lab: unknown option \"$1\": the only one is --stack <name> (repeatable)" >&2; LAB_DONE=usage; exit 2 ;;
    esac
done
if [ "${#STACKS[@]}" -eq 0 ]; then
    for f in "$LAB_ROOT"/Pulumi.*.yaml; do f="${f##*/Pulumi.}"; STACKS+=("${f%.yaml}"); done
fi
lab_log "stacks: ${STACKS[*]}"

# teardown: the namespaces and listener of one stack, before the next is built.
teardown() {
    local pid ns
    for pid in "${LAB_PIDS[@]:-}"; do [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; done
    for pid in "${LAB_PIDS[@]:-}"; do [ -z "$pid" ] || wait "$pid" 2>/dev/null || true; done
    for ns in "${LAB_NETNS[@]:-}"; do [ -z "$ns" ] || ip netns del "$ns" 2>/dev/null || true; done
    LAB_PIDS=(); LAB_NETNS=()
}

for STACK in "${STACKS[@]}"; do
stack_start=$(date +%s%N)
lab_log "== stack $STACK"
out=$(lab_synth "$STACK")
# The router's rendered files (PAR-FW01, ECO-FW01...: the one host with an nftables.conf).
routers=("$out"/rendered/*/etc/nftables.conf)
if [ "${#routers[@]}" != 1 ] || [ ! -f "${routers[0]}" ]; then lab_die "$STACK: expected one router with etc/nftables.conf in $out/rendered"; fi
rendered=$(dirname "$(dirname "${routers[0]}")")
# Installed as the router step declares them (mode, owner), then read back against out/$STACK, the tree the user's
# own `npm run synth -- --stack $STACK` wrote (lab_readback): the lab runs what the user's synth rendered.
lab_expected "$STACK"
for f in /etc/nftables.conf:nftables.conf /etc/sysctl.d/90-billu-router.conf:sysctl.conf; do
    rm -f "$LAB_DIR/${f#*:}"
    lab_install_declared "$rendered" "${f%%:*}" "$LAB_DIR/${f#*:}"
    lab_readback "$STACK" "$(basename "$rendered")" "${f%%:*}" "$LAB_DIR/${f#*:}"
done

(cd "$LAB_ROOT" && node dist/tools/firewall-lab.js --stack "$STACK" --prefix "$LAB" --out "$LAB_DIR") | sed "s/^/[$LAB] /"
PLAN="$LAB_DIR/plan.json"
RUN="$LAB_DIR/nftables.conf"
if lab_sabotage; then
    # One rule in the forward chain that opens the first TCP port the model denies between two namespaces.
    port=$("$PY" -c "import json,sys; print(next(p['port'] for p in json.load(open(sys.argv[1]))['probes'] if p['expect'] == 'deny' and p['proto'] == 'tcp' and 'router' not in (p['src'], p['to'])))" "$PLAN")
    RUN="$LAB_DIR/sabotaged.conf"
    sed "/type filter hook forward priority filter; policy drop;/a\\        tcp dport $port accept" "$LAB_DIR/nftables.conf" >"$RUN"
    lab_log "SABOTAGE: the router loads the ruleset with an extra forward rule: tcp dport $port accept"
fi

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
    # shellcheck disable=SC2016 # $f is the inner sh's loop variable
    ip netns exec "$ns" sh -c 'for f in /proc/sys/net/ipv4/neigh/*/unres_qlen_bytes; do echo 16777216 >"$f"; done'
done
lab_log "topology: $(grep -c '^ns ' "$LAB_DIR/topology.txt") namespaces, $(grep -c '^link ' "$LAB_DIR/topology.txt") links"

lab_expect "$STACK: nft -c accepts the rendered ruleset" pass ip netns exec "$router" nft -c -f "$RUN"
ip netns exec "$router" sysctl -q -p "$LAB_DIR/sysctl.conf"
ip netns exec "$router" nft -f "$RUN"
lab_expect "$STACK: the router runs the ruleset: input, forward and output default to drop" pass \
    bash -c "[ \$(ip netns exec $router nft list ruleset | grep -c 'priority filter; policy drop;') = 3 ]"

# Listeners on every probed port of every namespace (one process, see probe.py); the previous stack's ready file goes.
rm -f "$LAB_DIR/listening"
lab_bg "$router" "$LAB_DIR/listen.log" "$PY" "$PROBE" listen "$PLAN" "$LAB_DIR/listening"
listener=$LAB_LAST_PID
if ! { lab_wait 30 "listeners" bash -c "test -s $LAB_DIR/listening || ! kill -0 $listener" && test -s "$LAB_DIR/listening"; }; then
    tail -n 5 "$LAB_DIR/listen.log" >&2; lab_die "listeners did not start"
fi
lab_log "listening: $(cat "$LAB_DIR/listening")"

# The matrix.
probe_start=$(date +%s%N)
"$PY" "$PROBE" run "$PLAN" "$LAB_DIR/results.json" "$TIMEOUT" | sed "s/^/[$LAB] /"
probe_ms=$(lab_since "$probe_start")
lab_log "probes took $probe_ms ms"
rc=0; "$PY" "$PROBE" report "$PLAN" "$LAB_DIR/results.json" >"$LAB_DIR/report.txt" || rc=$?
sed "s/^/[$LAB]   /" "$LAB_DIR/report.txt"
lab_expect "$STACK: every cell of the matrix does what the flow model says" pass test "$rc" = 0
rc=0; "$PY" "$PROBE" spoof "$PLAN" "$router" "$LAB_DIR/spoof.json" >"$LAB_DIR/spoof.txt" || rc=$?
sed "s/^/[$LAB]   /" "$LAB_DIR/spoof.txt"
lab_expect "$STACK: every spoofed source is dropped by the router's anti-spoofing chain" pass test "$rc" = 0

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
    "$PY" "$PROBE" run "$PLAN" "$LAB_DIR/results-$name.json" "$TIMEOUT" "$name" | sed "s/^/[$LAB]   /"
    rc=0; "$PY" "$PROBE" report "$PLAN" "$LAB_DIR/results-$name.json" >"$LAB_DIR/report-$name.txt" || rc=$?
    lab_expect "$STACK: the matrix check fails on the broken ruleset ($name)" fail test "$rc" = 0
    rc=0; "$PY" "$PROBE" broken "$PLAN" "$LAB_DIR/results-$name.json" "$name" >"$LAB_DIR/broken-$name.txt" || rc=$?
    sed "s/^/[$LAB]   /" "$LAB_DIR/broken-$name.txt"
    lab_expect "$STACK: exactly the predicted probes fail ($name)" pass test "$rc" = 0
done
# Without its anti-spoofing rules, every spoofed packet must pass that chain (so the counts above can fail).
grep -v ' jump spoofed$' "$LAB_DIR/nftables.conf" >"$LAB_DIR/broken-antispoof.conf"
ip netns exec "$router" nft -f "$LAB_DIR/broken-antispoof.conf"
"$PY" "$PROBE" spoof "$PLAN" "$router" "$LAB_DIR/spoof-broken.json" >"$LAB_DIR/spoof-broken.txt" || true
sed "s/^/[$LAB]   /" "$LAB_DIR/spoof-broken.txt"
lab_expect "$STACK: without the anti-spoofing rules every spoofed packet passes that chain" pass \
    "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not (r and all(x["before"] > 0 and x["after"] > 0 for x in r)))' "$LAB_DIR/spoof-broken.json"
sed 's/policy drop;/policy dorp;/' "$LAB_DIR/nftables.conf" >"$LAB_DIR/broken-syntax.conf"
lab_expect "$STACK: nft -c refuses a ruleset with a syntax error" fail ip netns exec "$router" nft -c -f "$LAB_DIR/broken-syntax.conf"

# The same matrix rendered for pfSense: well-formed config.xml sections (not loaded into a pfSense here).
(cd "$LAB_ROOT" && node dist/tools/pfsense.js --stack "$STACK" --out "$LAB_DIR/pfsense") | sed "s/^/[$LAB] /"
lab_expect "$STACK: the pfSense sections are well-formed XML with the expected root elements" pass "$PY" -c '
import sys, xml.etree.ElementTree as ET
d = sys.argv[1]
for name in ("interfaces", "aliases", "filter", "nat", "dhcrelay"):
    assert ET.parse(f"{d}/{name}.xml").getroot().tag == name, name
' "$LAB_DIR/pfsense"

lab_fig "$STACK" "$("$PY" -c "import json,sys; p=json.load(open(sys.argv[1])); print(f\"{len(p['cells'])} cells, {len(p['probes'])} probes, {len(p['spoofs'])} spoofed sources\")" "$PLAN") in $(lab_since "$stack_start") ms (matrix run $probe_ms ms)"
teardown
done

lab_log "lab took $(( ($(date +%s%N) - start) / 1000000 )) ms"
lab_finish
