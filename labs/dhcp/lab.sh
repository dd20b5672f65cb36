#!/usr/bin/env bash
# labs/dhcp: Kea DHCPv4 behind the router's dhcrelay, run exactly as offline synth rendered them, in network
# namespaces that carry the model's own addresses and interface names.
#
#   part 1  `kea-dhcp4 -t` accepts every rendered kea-dhcp4.conf of both committed stacks, refuses a broken one
#   part 2  dev: Kea (PAR-DHCP01) in a server namespace, dhcrelay in the router namespace (its real eth2 / eth4..eth12),
#           a busybox udhcpc client behind every relay interface: every scope of the model gets its lease, from its
#           pool, with the router, DNS, NTP, domain and search options, the lease time, T1 and T2 of the model
#           (billu:dhcp.lease); a reserved MAC gets its reserved address; Kea's lease file holds each scope's lease
#           (address, MAC, lifetime, subnet id); a client renews by unicast through the router's own rendered
#           nftables ruleset (the flow matrix), which drops what the matrix does not allow (the nft trace shows the
#           forward chain's policy drop; flushed, it passes). Broken case: a Kea config with a wrong pool must make
#           the lease assertion fail, because of the address.
#   part 3  prod: the HA hot-standby pair (PAR-DHCP01 primary, PAR-DHCP02 standby) reaches HOT-STANDBY over mutual
#           TLS (the peer API refuses a client without a certificate and plain HTTP), the
#           standby holds the primary's leases, the primary is stopped and the standby serves (failover time), a
#           known client keeps its address, the restarted primary syncs back; then the primary crashes (SIGKILL)
#           and the standby serves a new client within the bound of the model's HA timings.
#
# Proof it runs what synth rendered: every file the lab installs (each server's kea-dhcp4.conf and HA TLS files, the
# router's relay unit, sysctl and nftables ruleset) is installed with the mode and owner its rendered step declares,
# then read back (bytes, mode, owner) and compared with out/dev and out/prod, the trees `npm run synth -- --stack
# <stack>` wrote (lab_readback); labs/dhcp/overrides.json lists no override: no rendered file is changed.
# The dhcp acceptance scenario runs from the lan-dsi client in part 2 (exit 0), and against the
# broken pool (exit 1, its report naming the address outside the model's pool).
# Sabotage (BILLU_LAB_SABOTAGE=1): after its read-back, the Kea config each server runs gets routers = x.y.z.2 in
# every scope (the gateway is .1): the lease probes (router option against the model) must fail.
# DHCP_SABOTAGE=pool-item leaves the Zabbix agent's rendered sudo rule out: its Kea pool item cannot reach Kea's
# control socket and reads 0, so the pool item probes (part 2, dev) must fail.
# Lab-only choices (documented, none in the files): Kea runs in a private mount namespace where /etc/kea, /var/lib and
# /run are the lab's own directories, so the rendered paths (/etc/kea/kea-dhcp4.conf, /var/lib/kea/kea-leases4.csv,
# /run/kea/kea4-ctrl-socket) are used unchanged; KEA_LOCKFILE_DIR is set as the packaged systemd unit sets it;
# Kea runs as root (the unit runs it as _kea); dhcrelay runs the unit's ExecStart in the foreground of the lab; the
# HA peers' TLS files (rendered as secret placeholders) get a throwaway CA and certificates.
# The expected values come from the synth's stack outputs (zones, hosts, reservations) and from the DHCP plan the
# model derives from the stack config (scopes, lease timers, HA timings), never from the Kea file under test.
LAB=bdh
# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
lab_require kea-dhcp4 dhcrelay busybox unshare node openssl curl zabbix_agent2 socat sudo runuser
T_START=$(date +%s%N)
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

DEV=$(lab_synth dev)
PROD=$(lab_synth prod)
# The read-back's references: out/dev and out/prod, written by the user's own `npm run synth -- --stack <stack>`.
lab_expected dev
lab_expected prod

# facts <outputs.json> <zone>...: shell assignments of what the model says (read from the stack outputs).
facts() {
    # shellcheck disable=SC2016 # a JavaScript program: its ${...} and $ are node's, not the shell's
    node -e '
        const o = require(process.argv[1]);
        const q = (s) => "\x27" + String(s).replace(/\x27/g, "") + "\x27";
        const out = [];
        const dcs = o.hosts.filter((h) => h.role === "dc").map((h) => h.address);
        const dhcp = o.hosts.filter((h) => h.role === "dhcp");
        const fw = o.hosts.find((h) => h.role === "firewall");
        out.push(`DOMAIN=${q(o.site.domain)}`, `DCS=${q(dcs.join(" "))}`, `FW_NAME=${q(fw.name)}`);
        dhcp.forEach((h, i) => out.push(`SRV${i + 1}=${q(h.address)}`, `SRV${i + 1}_NAME=${q(h.name)}`));
        const servers = o.zones.find((z) => z.name === dhcp[0].zone);
        out.push(`SRV_PREFIX=${servers.cidr.split("/")[1]}`, `SRV_GW=${q(servers.gateway)}`);
        out.push(`ROUTER_NICS=${q(fw.nics.map((n) => `${n.ifname}=${n.address}=${n.zone}`).join(" "))}`);
        for (const name of process.argv.slice(2)) {
            const z = o.zones.find((x) => x.name === name);
            const v = name.replace(/-/g, "_");
            const [a, b] = z.dhcpPool.split("-");
            const nic = fw.nics.find((n) => n.zone === name);
            const res = o.sections["DHCP reservations"].rows.find((r) => r[2] === name);
            out.push(`${v}_CIDR=${q(z.cidr)}`, `${v}_POOL_START=${q(a)}`, `${v}_POOL_END=${q(b)}`, `${v}_GW=${q(z.gateway)}`, `${v}_IF=${q(nic.ifname)}`);
            if (res) out.push(`${v}_RES_MAC=${q(res[1])}`, `${v}_RES_ADDR=${q(res[3])}`);
        }
        console.log(out.join("\n"));
    ' "$@"
}

# model_facts <stack>: shell assignments of the DHCP plan the model derives from the stack config (the same
# Pulumi.<stack>.yaml synth read): lease timers, every scope, HA timings. Never read from kea-dhcp4.conf.
model_facts() {
    # shellcheck disable=SC2016 # a JavaScript program: its ${...} and $ are node's, not the shell's
    (cd "$LAB_ROOT" && BILLU_PROJECT_ROOT="$LAB_ROOT" node -e '
        const { readBilluConfig } = require("./dist/tools/synth");
        const { loadModel } = require("./dist/stacks/program");
        const p = loadModel(readBilluConfig(`Pulumi.${process.argv[1]}.yaml`)).dhcp;
        const q = (s) => "\x27" + String(s).replace(/\x27/g, "") + "\x27";
        const out = [`LEASE_VALID=${p.lease.validSeconds}`, `LEASE_RENEW=${p.lease.renewSeconds}`, `LEASE_REBIND=${p.lease.rebindSeconds}`];
        out.push(`SCOPES=${q(p.scopes.map((s) => [s.zone, s.subnetId, s.poolStart, s.poolEnd, s.gateway, s.relayInterface].join(",")).join(" "))}`);
        if (p.ha) out.push(`HA_HEARTBEAT_MS=${p.ha.heartbeatDelayMs}`, `HA_MAX_RESPONSE_MS=${p.ha.maxResponseDelayMs}`);
        console.log(out.join("\n"));
    ' "$1")
}

# shellcheck disable=SC2086 # split on IFS=. on purpose: the four octets
ip2int() { local IFS=.; set -- $1; echo $(( ($1 << 24) + ($2 << 16) + ($3 << 8) + $4 )); }
in_range() { local n; n=$(ip2int "$1"); [ "$n" -ge "$(ip2int "$2")" ] && [ "$n" -le "$(ip2int "$3")" ]; }

# The udhcpc script: records the options of a bound lease (busybox passes them in the environment).
cat >"$LAB_DIR/udhcpc.sh" <<'EOF'
#!/bin/sh
# Options 58 (T1, renew) and 59 (T2, rebind) have no name in busybox: it exports them as opt58/opt59, in hex.
case "$1" in bound|renew) printf 'ip=%s\nrouter=%s\ndns=%s\ndomain=%s\nsearch=%s\nntpsrv=%s\nserverid=%s\nlease=%s\nt1=%s\nt2=%s\n' \
    "$ip" "$router" "$dns" "$domain" "$search" "$ntpsrv" "$serverid" "$lease" "$((0x${opt58:-0}))" "$((0x${opt59:-0}))" >"$LEASE_OUT" ;; esac
exit 0
EOF
chmod 755 "$LAB_DIR/udhcpc.sh"

# dhcp_get <ns> <out> <tries> [interface]: one udhcpc run (a DISCOVER every second, up to <tries>); prints the
# latency in ms.
dhcp_get() {
    local ns="$1" out="$2" tries="$3" ifc="${4:-eth0}" t
    rm -f "$out"
    t=$(date +%s%N)
    ip netns exec "$ns" env LEASE_OUT="$out" timeout $((tries + 5)) busybox udhcpc -i "$ifc" -f -q -n -t "$tries" -T 1 -A 1 \
        -O search -O ntpsrv -s "$LAB_DIR/udhcpc.sh" >"$out.log" 2>&1 || true
    [ -s "$out" ] || return 1
    ms_since "$t"
}

lease_field() { sed -n "s/^$2=//p" "$1"; }

# check_lease <lease file> <zone var> <server> [expected address]: the lease matches the model, its lifetime (option
# 51), T1 (58) and T2 (59) included.
check_lease() {
    local f="$1" v="$2" srv="$3" want="${4:-}" ip
    local start end gw
    start=$(eval echo "\$${v}_POOL_START"); end=$(eval echo "\$${v}_POOL_END"); gw=$(eval echo "\$${v}_GW")
    [ -s "$f" ] || return 1
    ip=$(lease_field "$f" ip)
    if [ -n "$want" ]; then [ "$ip" = "$want" ] || return 1; else in_range "$ip" "$start" "$end" || return 1; fi
    [ "$(lease_field "$f" router)" = "$gw" ] && [ "$(lease_field "$f" dns)" = "$DCS" ] && [ "$(lease_field "$f" ntpsrv)" = "$DCS" ] \
        && [ "$(lease_field "$f" domain)" = "$DOMAIN" ] && [ "$(lease_field "$f" search)" = "$DOMAIN" ] && [ "$(lease_field "$f" serverid)" = "$srv" ] \
        && [ "$(lease_field "$f" lease)" = "$LEASE_VALID" ] && [ "$(lease_field "$f" t1)" = "$LEASE_RENEW" ] && [ "$(lease_field "$f" t2)" = "$LEASE_REBIND" ]
}

# scope_leases <tag> <prefix> <server>: a client in every scope of the model (none left out) gets its lease from
# <server>, checked against the model; each client's lease is then looked up in Kea's lease file.
declare -A CLIENT_OF MAC_OF
scope_leases() {
    local tag="$1" p="$2" srv="$3" spec zone id ps pe gw rif v ns ifc ms
    # shellcheck disable=SC2153 # SCOPES is set by eval "$(model_facts <stack>)"
    for spec in $SCOPES; do
        IFS=, read -r zone id ps pe gw rif <<<"$spec"
        v=${zone//-/_}
        printf -v "${v}_POOL_START" %s "$ps"; printf -v "${v}_POOL_END" %s "$pe"; printf -v "${v}_GW" %s "$gw"
        read -r ns ifc <<<"${CLIENT_OF[$zone]:-none none}"
        MAC_OF[$zone]=$(ip -n "$LAB-$p$ns" link show "$ifc" 2>/dev/null | awk '/link\/ether/ {print $2}')
        if ms=$(dhcp_get "$LAB-$p$ns" "$LAB_DIR/$tag-$v.lease" 5 "$ifc"); then LEASES=$((LEASES + 1)); show_lease "$zone" "$LAB_DIR/$tag-$v.lease" "$ms"; fi
        lab_expect "$tag $zone (scope $id, relay $rif): a lease from $ps-$pe, router $gw, DNS, NTP, domain, search, lease ${LEASE_VALID} s, T1 ${LEASE_RENEW} s, T2 ${LEASE_REBIND} s" \
            pass check_lease "$LAB_DIR/$tag-$v.lease" "$v" "$srv"
    done
}
# leases_in_file <tag> <lease csv>: how many scopes of the model have their client's lease in Kea's file (address,
# MAC, valid lifetime of the model, the scope's subnet id); names the missing ones.
leases_in_file() {
    local tag="$1" csv="$2" spec zone id v ip n=0
    for spec in $SCOPES; do
        IFS=, read -r zone id _ <<<"$spec"
        v=${zone//-/_}
        ip=$(lease_field "$LAB_DIR/$tag-$v.lease" ip 2>/dev/null)
        if [ -n "$ip" ] && awk -F, -v ip="$ip" -v mac="${MAC_OF[$zone]}" -v id="$id" -v valid="$LEASE_VALID" \
            '$1 == ip && tolower($2) == mac && $4 == valid && $6 == id { f = 1 } END { exit !f }' "$csv"; then
            n=$((n + 1))
        else
            lab_log "  no lease of scope $zone ($id) for ${MAC_OF[$zone]:-?} in $csv" >&2
        fi
    done
    echo "$n"
}

show_lease() { lab_log "  lease $1: $(tr '\n' ' ' <"$2")(${3} ms)"; }
LEASES=0

# start_kea <ns> <dir> <stack> <host> [tls dir]: runs Kea in a private mount namespace whose /etc/kea, /var/lib
# and /run are <dir>'s. The lab installs the host's rendered kea-dhcp4.conf (and the HA TLS files, their secret
# placeholders filled by the rendered billu_subst from the lab's throwaway files) with the mode and owner the rendered
# kea step declares, then reads them back against out/<stack> (lab_readback) before the sabotage may touch them.
start_kea() {
    local ns="$1" d="$2" stack="$3" host="$4" tls="${5:-}" src f mode owner
    src="$LAB_DIR/synth-$stack/rendered/$host"
    mkdir -p "$d/etc-kea" "$d/var-lib/kea" "$d/run/kea" "$d/run/lock/kea"
    lab_install_declared "$src" /etc/kea/kea-dhcp4.conf "$d/etc-kea/kea-dhcp4.conf"
    local files=(/etc/kea/kea-dhcp4.conf)
    if [ -n "$tls" ]; then # the secret channel: "<name>\t<hex>" lines, as the step's stdin carries them
        : >"$d/secrets"
        for f in ca:ca.pem cert:kea-ha.pem key:kea-ha.key; do
            printf 'kea-ha-%s\t%s\n' "${f%%:*}" "$(od -An -tx1 <"$tls/${f#*:}" | tr -d ' \n')" >>"$d/secrets"
        done
        for f in ca.pem kea-ha.pem kea-ha.key; do
            read -r mode owner <<<"$(lab_declared "$stack" "$host" "/etc/kea/tls/$f")"
            [ -n "$owner" ] || lab_die "no rendered step of $host installs /etc/kea/tls/$f"
            mkdir -p "$d/etc-kea/tls"
            # shellcheck disable=SC1091
            # shellcheck disable=SC2034 # BILLU_SECRETS is read by the sourced billu_subst
            ( . "$src/var/lib/billu/stage/kea/billu-lib.sh"; BILLU_SECRETS="$d/secrets"; billu_subst "$src/etc/kea/tls/$f" ) >"$d/etc-kea/tls/$f"
            chown "$owner" "$d/etc-kea/tls/$f"; chmod "$mode" "$d/etc-kea/tls/$f"
            files+=("/etc/kea/tls/$f")
        done
    fi
    LAB_SECRETS="${tls:+$d/secrets}"
    for f in "${files[@]}"; do lab_readback "$stack" "$host" "$f" "$d/etc-kea/${f#/etc/kea/}"; done
    LAB_SECRETS=""
    if lab_sabotage; then # after the read-back, the routers option of every scope becomes .2: the lease probes must see it
        sed -i 's/"data": "\([0-9]*\.[0-9]*\.[0-9]*\)\.1"/"data": "\1.2"/' "$d/etc-kea/kea-dhcp4.conf"
        lab_log "SABOTAGE: $ns's Kea hands out the router .2 instead of the gateway .1"
    fi
    # shellcheck disable=SC2016 # $1 is the inner sh's argument
    lab_bg "$ns" "$d/kea.log" unshare -m --propagation private sh -c \
        'mount --bind "$1/etc-kea" /etc/kea && mount --bind "$1/var-lib" /var/lib && mount --bind "$1/run" /run &&
         exec env KEA_LOCKFILE_DIR=/run/lock/kea kea-dhcp4 -c /etc/kea/kea-dhcp4.conf' sh "$d"
}

# topology <p> <facts>: router <p>r with every NIC the relay names (model names and addresses), a servers
# switch <p>sw, server namespaces <p>s1/<p>s2, clients <p>c1 (lan-dsi) and <p>c2 (lan-dev), other zones to <p>x.
topology() {
    local p="$1" n ifname addr zone
    lab_ns "${p}r"; lab_ns "${p}sw"; lab_ns "${p}x"; lab_ns "${p}c1"; lab_ns "${p}c2"; lab_ns "${p}s1"
    ip netns exec "$LAB-${p}sw" ip link add br0 type bridge
    ip netns exec "$LAB-${p}sw" ip link set br0 up
    n=0
    CLIENT_OF=()
    for nic in $ROUTER_NICS; do
        IFS="=" read -r ifname addr zone <<<"$nic"
        case "$zone" in
            servers) lab_link "$LAB-${p}r" "$ifname" "$addr" "$LAB-${p}sw" p0 - ;;
            lan-dsi) lab_link "$LAB-${p}r" "$ifname" "$addr" "$LAB-${p}c1" eth0 -; CLIENT_OF[$zone]="c1 eth0" ;;
            lan-dev) lab_link "$LAB-${p}r" "$ifname" "$addr" "$LAB-${p}c2" eth0 -; CLIENT_OF[$zone]="c2 eth0" ;;
            lan-*) n=$((n + 1)); lab_link "$LAB-${p}r" "$ifname" "$addr" "$LAB-${p}x" "x$n" -; CLIENT_OF[$zone]="x x$n" ;;
        esac
    done
    ip -n "$LAB-${p}sw" link set p0 master br0
    # shellcheck disable=SC2153 # SRV1 is set by eval "$(facts <outputs.json>)"
    lab_link "$LAB-${p}s1" eth0 "$SRV1/$SRV_PREFIX" "$LAB-${p}sw" p1 -
    ip -n "$LAB-${p}sw" link set p1 master br0
    ip -n "$LAB-${p}s1" route add default via "$SRV_GW"
    if [ -n "${SRV2:-}" ]; then
        lab_ns "${p}s2"
        lab_link "$LAB-${p}s2" eth0 "$SRV2/$SRV_PREFIX" "$LAB-${p}sw" p2 -
        ip -n "$LAB-${p}sw" link set p2 master br0
        ip -n "$LAB-${p}s2" route add default via "$SRV_GW"
    fi
    ip -n "$LAB-${p}c1" link set eth0 address 02:b1:1a:b0:00:01
    ip -n "$LAB-${p}c2" link set eth0 address 02:b1:1a:b0:00:02
}

# start_relay <ns> <stack> <dir>: the router's rendered relay unit installed as its step declares it, read back,
# and its ExecStart run in the router namespace.
start_relay() {
    local ns="$1" stack="$2" d="$3" cmd unit=/etc/systemd/system/billu-dhcp-relay.service
    mkdir -p "$d"
    lab_install_declared "$LAB_DIR/synth-$stack/rendered/$FW_NAME" "$unit" "$d/billu-dhcp-relay.service"
    lab_readback "$stack" "$FW_NAME" "$unit" "$d/billu-dhcp-relay.service"
    cmd=$(sed -n 's/^ExecStart=//p' "$d/billu-dhcp-relay.service")
    lab_log "relay: $cmd"
    # shellcheck disable=SC2086
    lab_bg "$ns" "$d/relay.log" $cmd
    lab_wait 10 "dhcrelay listening" grep -q "^Sending on" "$d/relay.log"
}

# router_firewall <ns> <stack> <dir>: the router's own rendered sysctl and nftables ruleset (the flow matrix),
# installed as the router step declares them and read back, so every DHCP packet of the lab crosses the firewall
# the stack ships.
router_firewall() {
    local ns="$1" stack="$2" d="$3" f
    mkdir -p "$d"
    for f in /etc/sysctl.d/90-billu-router.conf /etc/nftables.conf; do
        lab_install_declared "$LAB_DIR/synth-$stack/rendered/$FW_NAME" "$f" "$d/$(basename "$f")"
        lab_readback "$stack" "$FW_NAME" "$f" "$d/$(basename "$f")"
    done
    ip netns exec "$ns" sysctl -q -p "$d/90-billu-router.conf" >/dev/null
    ip netns exec "$ns" nft -f "$d/nftables.conf"
}

# The renewing client's script: on bound it configures the address and the default route (a renewal is unicast
# from that address to the server, through the router), and records each event's lease.
cat >"$LAB_DIR/udhcpc-renew.sh" <<'EOS'
#!/bin/sh
case "$1" in
    bound) ip addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface"; ip route replace default via "$router"
           printf 'ip=%s\nserverid=%s\n' "$ip" "$serverid" >"$LEASE_OUT.bound" ;;
    renew) printf 'ip=%s\nserverid=%s\n' "$ip" "$serverid" >"$LEASE_OUT.renew" ;;
esac
exit 0
EOS
chmod 755 "$LAB_DIR/udhcpc-renew.sh"

kea_ok() { KEA_LOCKFILE_DIR="$LAB_DIR" kea-dhcp4 -t "$1" >"$LAB_DIR/kea-t.log" 2>&1; }

# ---------------------------------------------------------------------------------------------------------------
lab_log "part 1: kea-dhcp4 -t over every rendered config"
for f in "$DEV"/rendered/*/etc/kea/kea-dhcp4.conf "$PROD"/rendered/*/etc/kea/kea-dhcp4.conf; do
    lab_expect "kea-dhcp4 -t accepts ${f#"$LAB_DIR"/synth-}" pass kea_ok "$f"
done
sed 's/"pool": "\([0-9]*\.[0-9]*\)\.21\.100 - \([0-9]*\.[0-9]*\)\.21\.250"/"pool": "\1.99.100 - \2.99.250"/' \
    "$DEV/rendered/PAR-DHCP01/etc/kea/kea-dhcp4.conf" >"$LAB_DIR/broken-t.conf"
# The reason, not just a failure: Kea names the pool that does not match its subnet's prefix.
refused_for_pool() { ! kea_ok "$1" && grep -q "address range: [0-9.]*\.99\.100-[0-9.]*\.99\.250 does not match the prefix of a subnet" "$LAB_DIR/kea-t.log"; }
lab_expect "broken: kea-dhcp4 -t refuses a pool outside its subnet (DHCP4_PARSER_FAIL: does not match the prefix)" pass refused_for_pool "$LAB_DIR/broken-t.conf"

# ---------------------------------------------------------------------------------------------------------------
lab_log "part 2: dev, one server behind the relay"
eval "$(facts "$DEV/outputs.json" lan-dsi lan-dev)"
eval "$(model_facts dev)"
lab_log "model (dev): lease ${LEASE_VALID} s, T1 ${LEASE_RENEW} s, T2 ${LEASE_REBIND} s; $(wc -w <<<"$SCOPES") scopes"
SRV2=""
topology d
start_kea "$LAB-ds1" "$LAB_DIR/dev-s1" dev "$SRV1_NAME"
DEV_KEA=$LAB_LAST_PID
lab_wait 15 "kea-dhcp4 (dev) serving" grep -q "DHCP4_STARTED" "$LAB_DIR/dev-s1/kea.log" || { cat "$LAB_DIR/dev-s1/kea.log" >&2; lab_die "kea did not start"; }
start_relay "$LAB-dr" dev "$LAB_DIR/dev-relay"
router_firewall "$LAB-dr" dev "$LAB_DIR/dev-fw"

scope_leases dev d "$SRV1"
# The dhcp acceptance scenario (tools/acceptance/scenarios/dhcp.ts) from the lan-dsi client, its NIC given as the probe:
# a lease through the relay and the router's ruleset, judged against the model. It runs again against
# the broken pool below (it must fail, exit 1, on the address).
dhcp_acceptance() { # <report dir>
    (cd "$LAB_ROOT" && ip netns exec "$LAB-dc1" env BILLU_PROJECT_ROOT="$LAB_ROOT" node dist/tools/acceptance.js \
        --stack dev --outputs "$DEV/outputs.json" --only dhcp --dhcp-probe eth0@lan-dsi --report "$1") >"$1.log" 2>&1
}
dhcp_acceptance_exit() { local rc=0; dhcp_acceptance "$2" || rc=$?; test "$rc" = "$1"; } # <exit code> <report dir>
t=$(date +%s%N)
lab_expect "acceptance: the dhcp scenario passes from the lan-dsi client (exit 0)" pass dhcp_acceptance "$LAB_DIR/acceptance"
lab_log "acceptance run (dhcp) $(ms_since "$t") ms"; sed 's/^/    /' "$LAB_DIR/acceptance.log"
lab_expect "acceptance: its JUnit report counts 4 steps, no failure" pass grep -q '<testsuites [^>]*tests="4" failures="0"' "$LAB_DIR/acceptance/acceptance.xml"
# shellcheck disable=SC2154 # the lan_* facts are set by eval "$(facts <outputs.json> lan-dsi lan-dev)"
ip -n "$LAB-dc1" link set eth0 address "$lan_dsi_RES_MAC"
if ms=$(dhcp_get "$LAB-dc1" "$LAB_DIR/dev-res.lease" 5); then LEASES=$((LEASES + 1)); show_lease "reserved $lan_dsi_RES_MAC" "$LAB_DIR/dev-res.lease" "$ms"; fi
# shellcheck disable=SC2154 # the lan_* facts are set by eval "$(facts <outputs.json> lan-dsi lan-dev)"
lab_expect "dev lan-dsi: reserved MAC $lan_dsi_RES_MAC gets $lan_dsi_RES_ADDR" pass check_lease "$LAB_DIR/dev-res.lease" lan_dsi "$SRV1" "$lan_dsi_RES_ADDR"
ip -n "$LAB-dc1" link set eth0 address 02:b1:1a:b0:00:01
lab_log "  Kea's lease file (dev):"
cut -d, -f1,2,4,6,9 "$LAB_DIR/dev-s1/var-lib/kea/kea-leases4.csv" | sed "s/^/[$LAB]     /"
N_SCOPES=$(wc -w <<<"$SCOPES")
lab_expect "dev: Kea's lease file holds the lease of each of the model's $N_SCOPES scopes (address, MAC, lifetime, subnet id)" pass \
    test "$(leases_in_file dev "$LAB_DIR/dev-s1/var-lib/kea/kea-leases4.csv")" -eq "$N_SCOPES"
in_file() { awk -F, -v ip="$2" -v mac="$3" '$1 == ip && tolower($2) == mac { f = 1 } END { exit !f }' "$1"; }
lab_expect "dev: ...and the reservation's lease $lan_dsi_RES_ADDR for $lan_dsi_RES_MAC" pass in_file "$LAB_DIR/dev-s1/var-lib/kea/kea-leases4.csv" "$lan_dsi_RES_ADDR" "$lan_dsi_RES_MAC"

# The Zabbix agent's Kea pool item (issue #18): PAR-DHCP01's rendered zabbix_agent2.conf (UserParameter
# billu.kea.pool.used[*]) and sudo rule, installed as its steps declare them and read back, evaluated by the real
# `zabbix_agent2 -t` as the zabbix user, in Kea's own view of /run (its control socket) with the rendered drop-in as the
# only one in /etc/sudoers.d. Expected, per scope of the model: the leases Kea's lease file holds in that subnet over
# the pool's size (the model's pool bounds), in percent. Lab-only: a throwaway PSK file, the package's plugin settings.
AGENT="$LAB_DIR/dev-agent"
mkdir -p "$AGENT/zabbix" "$AGENT/sudoers.d"
cp -r /etc/zabbix/zabbix_agent2.d "$AGENT/zabbix/"
openssl rand -hex 32 | install -m 0640 -o root -g zabbix /dev/stdin "$AGENT/zabbix/zabbix_agent2.psk"
lab_install_declared "$DEV/rendered/$SRV1_NAME" /etc/zabbix/zabbix_agent2.conf "$AGENT/zabbix/zabbix_agent2.conf"
lab_readback dev "$SRV1_NAME" /etc/zabbix/zabbix_agent2.conf "$AGENT/zabbix/zabbix_agent2.conf"
if [ "${DHCP_SABOTAGE:-}" = pool-item ]; then
    lab_log "SABOTAGE: the agent's sudo rule is left out: zabbix cannot reach Kea's control socket"
else
    lab_install_declared "$DEV/rendered/$SRV1_NAME" /etc/sudoers.d/billu-zabbix-agent "$AGENT/sudoers.d/billu-zabbix-agent"
    lab_readback dev "$SRV1_NAME" /etc/sudoers.d/billu-zabbix-agent "$AGENT/sudoers.d/billu-zabbix-agent"
fi
kea_pool_item() { # <subnet id>: the value zabbix_agent2 -t prints for billu.kea.pool.used[<id>]
    # shellcheck disable=SC2016 # $1.. are the inner sh's arguments
    ip netns exec "$LAB-ds1" unshare -m --propagation private sh -c \
        'mount --bind "$1/run" /run && mount --bind "$2/zabbix" /etc/zabbix && mount --bind "$2/sudoers.d" /etc/sudoers.d &&
         exec runuser -u zabbix -- timeout 20 zabbix_agent2 -c /etc/zabbix/zabbix_agent2.conf -t "billu.kea.pool.used[$3]"' \
        sh "$LAB_DIR/dev-s1" "$AGENT" "$1" 2>"$AGENT/agent-$1.err" | sed -n 's/.*\[[a-z]|\(.*\)\]$/\1/p'
}
pool_item_ok() { # <zone> <subnet id> <pool start> <pool end>: the item's value equals the lease file's count over the pool
    local got leases size
    got=$(kea_pool_item "$2")
    leases=$(awk -F, -v id="$2" 'NR > 1 && $6 == id && $10 == 0 { a[$1] = 1 } END { print length(a) }' "$LAB_DIR/dev-s1/var-lib/kea/kea-leases4.csv")
    size=$(( $(ip2int "$4") - $(ip2int "$3") + 1 ))
    lab_log "  billu.kea.pool.used[$2] ($1): agent ${got:-(nothing: $(tr '\n' ' ' <"$AGENT/agent-$2.err"))}, expected $leases of $size"
    python3 -c 'import sys; g, a, t = sys.argv[1:]; sys.exit(not (g and abs(float(g) - 100.0 * int(a) / int(t)) < 0.01 and int(a) > 0))' "$got" "$leases" "$size"
}
for spec in $SCOPES; do
    IFS=, read -r zone id ps pe _ <<<"$spec"
    lab_expect "dev $zone: zabbix_agent2 -t billu.kea.pool.used[$id] is Kea's share of the pool in use (its leases over $ps-$pe)" pass pool_item_ok "$zone" "$id" "$ps" "$pe"
done

# A renewal: unicast from the client's leased address straight to the server, forwarded by the router's ruleset.
lab_bg "$LAB-dc2" "$LAB_DIR/dev-renew.log" env LEASE_OUT="$LAB_DIR/dev-renew" busybox udhcpc -i eth0 -f -t 5 -T 1 -s "$LAB_DIR/udhcpc-renew.sh"
RENEWER=$LAB_LAST_PID
if lab_wait 10 "lan-dev client bound, address configured" test -s "$LAB_DIR/dev-renew.bound"; then
    t=$(date +%s%N)
    kill -USR1 "$RENEWER"
    if lab_wait 10 "lan-dev client renewed" test -s "$LAB_DIR/dev-renew.renew"; then
        LEASES=$((LEASES + 1)); lab_log "  renewal: $(tr '\n' ' ' <"$LAB_DIR/dev-renew.renew")($(ms_since "$t") ms)"
    fi
fi
renewed_unicast() {
    [ "$(cat "$LAB_DIR/dev-renew.renew")" = "$(cat "$LAB_DIR/dev-renew.bound")" ] && grep -q "sending renew to server $SRV1" "$LAB_DIR/dev-renew.log"
}
lab_expect "dev lan-dev: the client renews its lease by unicast to $SRV1 through the router's ruleset" pass renewed_unicast
# The ruleset is live and default-deny: the client may ping its gateway, but only DHCP reaches the server.
# shellcheck disable=SC2154 # the lan_* facts are set by eval "$(facts <outputs.json> lan-dsi lan-dev)"
lab_expect "dev lan-dev: ping to the gateway $lan_dev_GW (router input allows ICMP)" pass ip netns exec "$LAB-dc2" busybox ping -c 1 -W 2 "$lan_dev_GW"
lab_expect "dev lan-dev: ping to the DHCP server is dropped (no such flow in the matrix)" fail ip netns exec "$LAB-dc2" busybox ping -c 1 -W 2 "$SRV1"
# The reason: the router's forward chain drops it by its policy (no rule of the matrix accepted it). A ping per try
# until the trace shows it (the monitor may subscribe after the first one).
trace_on "$LAB-dr" "$LAB_DIR/dev-trace.log" ip saddr "$(lease_field "$LAB_DIR/dev-renew.bound" ip)" ip daddr "$SRV1" icmp type echo-request
fwd_policy_drop() { ip netns exec "$LAB-dc2" busybox ping -c 1 -W 1 "$SRV1"; grep -q "inet billu forward policy drop" "$LAB_DIR/dev-trace.log"; }
lab_expect "dev lan-dev: ...dropped by the policy of the router's forward chain (nft trace)" pass lab_wait 5 "forward drop traced" fwd_policy_drop
trace_off "$LAB-dr"
grep -m 3 "inet billu forward" "$LAB_DIR/dev-trace.log" | sed "s/^/[$LAB]     trace: /" || true
ip netns exec "$LAB-dr" nft flush ruleset
lab_expect "dev lan-dev: ...and passes once the ruleset is flushed (the drop was the firewall's)" pass ip netns exec "$LAB-dc2" busybox ping -c 1 -W 2 "$SRV1"
ip netns exec "$LAB-dr" nft -f "$LAB_DIR/dev-fw/nftables.conf"
kill "$RENEWER"; wait "$RENEWER" 2>/dev/null || true
ip -n "$LAB-dc2" addr flush dev eth0

# Broken case: a Kea config whose lan-dsi pool disagrees with the model must make the lease check fail.
kill "$DEV_KEA"; wait "$DEV_KEA" 2>/dev/null || true
# shellcheck disable=SC2154 # the lan_* facts are set by eval "$(facts <outputs.json> lan-dsi lan-dev)"
sed "s/\"pool\": \"$lan_dsi_POOL_START - $lan_dsi_POOL_END\"/\"pool\": \"${lan_dsi_POOL_START%.*}.30 - ${lan_dsi_POOL_START%.*}.40\"/" \
    "$DEV/rendered/$SRV1_NAME/etc/kea/kea-dhcp4.conf" >"$LAB_DIR/broken-pool.conf"
lab_expect "broken config is still accepted by kea-dhcp4 -t (only the lab can catch it)" pass kea_ok "$LAB_DIR/broken-pool.conf"
mkdir -p "$LAB_DIR/dev-broken/etc-kea" "$LAB_DIR/dev-broken/var-lib/kea" "$LAB_DIR/dev-broken/run/kea" "$LAB_DIR/dev-broken/run/lock/kea"
cp "$LAB_DIR/broken-pool.conf" "$LAB_DIR/dev-broken/etc-kea/kea-dhcp4.conf"
# shellcheck disable=SC2016 # $1 is the inner sh's argument
lab_bg "$LAB-ds1" "$LAB_DIR/dev-broken/kea.log" unshare -m --propagation private sh -c \
    'mount --bind "$1/etc-kea" /etc/kea && mount --bind "$1/var-lib" /var/lib && mount --bind "$1/run" /run &&
     exec env KEA_LOCKFILE_DIR=/run/lock/kea kea-dhcp4 -c /etc/kea/kea-dhcp4.conf' sh "$LAB_DIR/dev-broken"
lab_wait 15 "kea-dhcp4 (broken pool) serving" grep -q "DHCP4_STARTED" "$LAB_DIR/dev-broken/kea.log"
ms=$(dhcp_get "$LAB-dc1" "$LAB_DIR/dev-broken.lease" 5) && show_lease "broken pool" "$LAB_DIR/dev-broken.lease" "$ms"
lab_expect "broken: a lease from a wrong pool fails the lease check" fail check_lease "$LAB_DIR/dev-broken.lease" lan_dsi "$SRV1"
lab_expect "acceptance, broken pool: the dhcp scenario fails (exit 1)" pass dhcp_acceptance_exit 1 "$LAB_DIR/acceptance-broken"
lab_expect "acceptance, broken pool: its report says the address is outside the model's pool" pass \
    grep -q "| DHCP: the address is in lan-dsi's pool, .* | address ${lan_dsi_POOL_START%.*}\.[0-9]* outside the pool $lan_dsi_POOL_START-$lan_dsi_POOL_END.* | FAIL |" "$LAB_DIR/acceptance-broken/acceptance.md"
# The reason: a lease did come, from the broken pool (the check failed on the address, not on a missing lease).
lab_expect "broken: ...because its address is in the broken pool ${lan_dsi_POOL_START%.*}.30-40, outside the model's" pass \
    in_range "$(lease_field "$LAB_DIR/dev-broken.lease" ip)" "${lan_dsi_POOL_START%.*}.30" "${lan_dsi_POOL_START%.*}.40"
# Free the CPU for the HA part: the dev daemons are done.
for ns in dr ds1 dsw dx dc1 dc2; do for pid in $(ip netns pids "$LAB-$ns"); do kill "$pid" 2>/dev/null || true; done; done

# ---------------------------------------------------------------------------------------------------------------
lab_log "part 3: prod, the HA hot-standby pair"
eval "$(facts "$PROD/outputs.json" lan-dsi lan-dev)"
eval "$(model_facts prod)"
lab_log "model (prod): lease ${LEASE_VALID} s, T1 ${LEASE_RENEW} s, T2 ${LEASE_REBIND} s; $(wc -w <<<"$SCOPES") scopes; HA heartbeat ${HA_HEARTBEAT_MS} ms, max response delay ${HA_MAX_RESPONSE_MS} ms"
# Lab override: the HA peers' TLS files are rendered as secret placeholders (filled from the site CA at deploy
# time); the lab fills them with a throwaway CA and one certificate per server (IP SAN, server and client auth).
placeholders_only() {
    [ "$(cat "$1/ca.pem")" = "{{secret:kea-ha-ca}}" ] && [ "$(cat "$1/kea-ha.pem")" = "{{secret:kea-ha-cert}}" ] \
        && [ "$(cat "$1/kea-ha.key")" = "{{secret:kea-ha-key}}" ]
}
TLS="$LAB_DIR/tls"
mkdir -p "$TLS"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$TLS/ca.key" -out "$TLS/ca.pem" -days 1 -subj "/CN=lab throwaway CA" 2>/dev/null
for i in 1 2; do
    name=$(eval echo "\$SRV${i}_NAME"); addr=$(eval echo "\$SRV$i")
    lab_expect "prod $name: the rendered TLS files hold secret placeholders only" pass placeholders_only "$PROD/rendered/$name/etc/kea/tls"
    mkdir -p "$TLS/s$i"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$TLS/s$i/kea-ha.key" -out "$TLS/s$i.csr" -subj "/CN=$name" 2>/dev/null
    printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$addr" >"$TLS/s$i.ext"
    openssl x509 -req -in "$TLS/s$i.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" -CAcreateserial -days 1 -extfile "$TLS/s$i.ext" -out "$TLS/s$i/kea-ha.pem" 2>/dev/null
    cp "$TLS/ca.pem" "$TLS/s$i/ca.pem"
done
topology p
start_kea "$LAB-ps1" "$LAB_DIR/prod-s1" prod "$SRV1_NAME" "$TLS/s1"
PRIMARY=$LAB_LAST_PID
start_kea "$LAB-ps2" "$LAB_DIR/prod-s2" prod "$SRV2_NAME" "$TLS/s2"
t=$(date +%s%N)
hot() { grep -q "to HOT-STANDBY state" "$1"; }
{ lab_wait 30 "$SRV1_NAME in HOT-STANDBY" hot "$LAB_DIR/prod-s1/kea.log" && lab_wait 30 "$SRV2_NAME in HOT-STANDBY" hot "$LAB_DIR/prod-s2/kea.log"; } || true
lab_log "  pair in HOT-STANDBY $(ms_since "$t") ms after start"
lab_expect "prod: both peers reach HOT-STANDBY (the HA hook accepted the rendered parameters)" pass sh -c "grep -q 'to HOT-STANDBY state' '$LAB_DIR/prod-s1/kea.log' && grep -q 'to HOT-STANDBY state' '$LAB_DIR/prod-s2/kea.log'"
# The peer API (it can rewrite leases) answers a peer's certificate only.
ha_api() { ip netns exec "$LAB-pr" curl -sS --max-time 3 -H 'Content-Type: application/json' -d '{"command": "ha-heartbeat", "service": ["dhcp4"]}' "$@" | grep -q '"result": 0'; }
lab_expect "prod: the primary's HA API answers a client with the standby's certificate" pass \
    ha_api --cacert "$TLS/ca.pem" --cert "$TLS/s2/kea-ha.pem" --key "$TLS/s2/kea-ha.key" "https://$SRV1:8005/"
lab_expect "prod: the primary's HA API refuses a TLS client without a certificate" fail ha_api --cacert "$TLS/ca.pem" "https://$SRV1:8005/"
# The reasons: the TLS handshake ends with the server's "certificate required" alert; plain HTTP gets no answer.
ha_err() { ip netns exec "$LAB-pr" curl -sS --max-time 3 -H 'Content-Type: application/json' -d '{"command": "ha-heartbeat", "service": ["dhcp4"]}' "$@"; }
lab_expect "prod: ...with the TLS alert \"certificate required\"" pass lab_has "alert certificate required" ha_err --cacert "$TLS/ca.pem" "https://$SRV1:8005/"
lab_expect "prod: the primary's HA API refuses plain HTTP" fail ha_api "http://$SRV1:8005/"
lab_expect "prod: ...the TLS listener drops it without an HTTP answer" pass lab_has "Empty reply from server\|Connection reset by peer" ha_err "http://$SRV1:8005/"
start_relay "$LAB-pr" prod "$LAB_DIR/prod-relay"
router_firewall "$LAB-pr" prod "$LAB_DIR/prod-fw"

scope_leases prod p "$SRV1"
N_SCOPES=$(wc -w <<<"$SCOPES")
lab_expect "prod: the primary's lease file holds the lease of each of the model's $N_SCOPES scopes" pass \
    test "$(leases_in_file prod "$LAB_DIR/prod-s1/var-lib/kea/kea-leases4.csv")" -eq "$N_SCOPES"
all_synced() { [ "$(leases_in_file prod "$LAB_DIR/prod-s2/var-lib/kea/kea-leases4.csv" 2>/dev/null)" -eq "$N_SCOPES" ]; }
lab_expect "prod: the standby holds the primary's $N_SCOPES leases (lease updates)" pass lab_wait 5 "lease updates on the standby" all_synced
DSI_ADDR=$(lease_field "$LAB_DIR/prod-lan_dsi.lease" ip)

kill "$PRIMARY"; wait "$PRIMARY" 2>/dev/null || true
T_KILL=$(date +%s%N)
lab_log "  primary $SRV1_NAME stopped"
ip -n "$LAB-pc2" link set eth0 address 02:b1:1a:b0:00:03
if dhcp_get "$LAB-pc2" "$LAB_DIR/prod-failover.lease" 30 >/dev/null; then
    FAILOVER_MS=$(ms_since "$T_KILL"); LEASES=$((LEASES + 1))
    show_lease "new client after failover" "$LAB_DIR/prod-failover.lease" "$FAILOVER_MS"
fi
lab_expect "prod: with the primary stopped, a new client gets a lease from the standby" pass check_lease "$LAB_DIR/prod-failover.lease" lan_dev "$SRV2"
if ms=$(dhcp_get "$LAB-pc1" "$LAB_DIR/prod-keep.lease" 5); then LEASES=$((LEASES + 1)); show_lease "known client via the standby" "$LAB_DIR/prod-keep.lease" "$ms"; fi
lab_expect "prod: a known client keeps its address $DSI_ADDR through the standby" pass check_lease "$LAB_DIR/prod-keep.lease" lan_dsi "$SRV2" "$DSI_ADDR"
grep -o "transitions from [A-Z-]* to [A-Z-]* state" "$LAB_DIR/prod-s2/kea.log" | sed "s/^/[$LAB]   standby: /"

# The primary comes back: it syncs the standby's leases before serving again.
start_kea "$LAB-ps1" "$LAB_DIR/prod-s1b" prod "$SRV1_NAME" "$TLS/s1"
t=$(date +%s%N)
FAILOVER_ADDR=$(lease_field "$LAB_DIR/prod-failover.lease" ip)
back() { hot "$LAB_DIR/prod-s1b/kea.log" && grep -q "^$FAILOVER_ADDR," "$LAB_DIR/prod-s1b/var-lib/kea/kea-leases4.csv"; }
lab_expect "prod: the restarted primary syncs the standby's lease $FAILOVER_ADDR and returns to HOT-STANDBY" pass lab_wait 30 "primary back" back
lab_log "  primary back in HOT-STANDBY $(ms_since "$t") ms after restart"

# A crash, not a clean stop: SIGKILL to the primary (Kea itself: every wrapper of start_kea execs). The standby must
# serve a new client within the bound the model sets: a heartbeat, the maximum response delay, then 5 s of client
# retries and the exchange.
PRIMARY=$LAB_LAST_PID
KILL_BOUND=$(( (HA_HEARTBEAT_MS + HA_MAX_RESPONSE_MS + 999) / 1000 + 5 ))
transitions() { grep -o "transitions from [A-Z-]* to [A-Z-]* state" "$LAB_DIR/prod-s2/kea.log"; }
standby_hot_again() { transitions | tail -1 | grep -q "to HOT-STANDBY state$"; }
lab_expect "prod: the standby is back in HOT-STANDBY before the crash ($(transitions | tail -1))" pass lab_wait 15 "$SRV2_NAME back in HOT-STANDBY" standby_hot_again
lab_expect "prod: the PID killed is kea-dhcp4 itself (a crash of the server, not of a wrapper)" pass test "$(cat "/proc/$PRIMARY/comm" 2>/dev/null)" = kea-dhcp4
kill -9 "$PRIMARY" 2>/dev/null || true; wait "$PRIMARY" 2>/dev/null || true
T_KILL=$(date +%s%N)
lab_log "  primary $SRV1_NAME killed (SIGKILL); bound ${KILL_BOUND} s"
ip -n "$LAB-pc2" link set eth0 address 02:b1:1a:b0:00:04
if dhcp_get "$LAB-pc2" "$LAB_DIR/prod-crash.lease" "$KILL_BOUND" >/dev/null; then
    CRASH_MS=$(ms_since "$T_KILL"); LEASES=$((LEASES + 1))
    show_lease "new client after the crash" "$LAB_DIR/prod-crash.lease" "$CRASH_MS"
fi
lab_expect "prod: with the primary crashed (SIGKILL), a new client gets a lease from the standby" pass check_lease "$LAB_DIR/prod-crash.lease" lan_dev "$SRV2"
lab_expect "prod: ...within ${KILL_BOUND} s of the crash (took ${CRASH_MS:-none} ms)" pass test "${CRASH_MS:-999999}" -le $((KILL_BOUND * 1000))
lab_expect "prod: the standby went from HOT-STANDBY to PARTNER-DOWN after the crash" pass sh -c "grep -o 'transitions from [A-Z-]* to [A-Z-]* state' '$LAB_DIR/prod-s2/kea.log' | tail -1 | grep -q 'from HOT-STANDBY to PARTNER-DOWN state'"

lab_log "figures: leases obtained ${LEASES}; lease ${LEASE_VALID} s, T1 ${LEASE_RENEW} s, T2 ${LEASE_REBIND} s as received; failover (primary stopped -> lease from the standby) ${FAILOVER_MS:-none} ms; after SIGKILL ${CRASH_MS:-none} ms (bound ${KILL_BOUND} s); lab $(ms_since "$T_START") ms"
lab_finish
