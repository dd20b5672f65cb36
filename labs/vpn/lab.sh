#!/usr/bin/env bash
# labs/vpn: the site-to-site tunnel between BillU (stack prod) and EcotechSolutions (stack ecotech), both ends
# exactly as offline synth rendered them, with real strongSwan daemons in network namespaces:
#
#   bvpn-pfs (PAR-FS01) --+                          +-- bvpn-elan (Ecotech LAN host)
#   bvpn-pdev (lan-dev) --+-- bvpn-par (PAR-FW01) -- bvpn-wan -- bvpn-eco (ECO-FW01) --+-- bvpn-esrv (Ecotech resolver)
#
# Each router runs charon (userspace ESP: kernel-libipsec, whose TUN is named ipsec0 like production's XFRM
# interface) and its rendered nftables ruleset. Probes: the tunnel comes up; LAN-to-LAN flows the matrices allow
# pass, the others do not; the WAN capture holds only UDP 500/4500 and no cleartext; a packet from outside the
# selectors is not carried; a wrong key fails with the reason in the logs; a killed and restarted gateway gets
# its traffic back through DPD within the printed bound.
#
# Lab overrides (documented; everything else runs byte for byte as rendered, hash-checked):
#  1. strongswan.conf and swanctl.conf are the lab's own: the plugin list (kernel-libipsec instead of the kernel's
#     ESP, which these machines lack), a VICI socket and a log file per charon; they `include` the rendered
#     charon settings, connection and secrets files unchanged.
#  2. The key is a lab-generated one, fed through the same secret channel as production: the rendered secrets
#     file is filled in by billu_subst of the rendered billu-lib.sh from "<name>\t<hex>" lines.
#  3. (none: the rendered ruleset carries the vpn-partner zone on "ipsec0" and runs unchanged; labs/vpn/overrides.json)
#  4. The TUN interface dies with its charon (an XFRM interface does not), so after a restart the lab runs the
#     rendered link script again, as production's boot does before charon.
#  5. Router NICs without a lab host end in a stub veth peer inside the router's namespace.
# Proof the lab can fail: BVPN_SABOTAGE=1 keeps a wrong key at Ecotech's end in case 2 (the lab must exit 1).
LAB=bvpn
source "$(dirname "$0")/../lib/common.sh"
lab_require charon-systemd swanctl nft tcpdump nc ip node

T0=$(date +%s%N)
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

PROD=$(lab_synth prod)
ECO=$(lab_synth ecotech)

# Facts from the synthesized outputs (never hard-coded): router NICs, hosts, the tunnel ends.
facts() {
    node -e '
const fs = require("fs");
const [prodDir, ecoDir] = process.argv.slice(1);
const p = JSON.parse(fs.readFileSync(prodDir + "/outputs.json", "utf8"));
const e = JSON.parse(fs.readFileSync(ecoDir + "/outputs.json", "utf8"));
const out = [];
const sh = (k, v) => out.push(`${k}=${JSON.stringify(String(v))}`);
for (const [tag, o] of [["PAR", p], ["ECO", e]]) {
    const fw = o.hosts.find((h) => h.role === "firewall");
    sh(`${tag}_FW`, fw.name);
    sh(`${tag}_NICS`, fw.nics.map((n) => `${n.ifname},${n.zone},${n.address}`).join(" "));
    sh(`${tag}_NETS`, o.vpnPeer.networks.join(", "));
    sh(`${tag}_TUNNEL`, o.vpnPeer.tunnel);
    const zone = (name) => o.zones.find((z) => z.name === name);
    sh(`${tag}_WAN_GW`, zone("wan").gateway);
    sh(`${tag}_WAN_ADDR`, zone("wan").routerAddress);
}
const zp = (o, name) => o.zones.find((z) => z.name === name);
const host10 = (z) => z.cidr.replace(/\.0\/(\d+)$/, ".10/$1");
const fs01 = p.hosts.find((h) => h.name === "PAR-FS01");
sh("PFS_ADDR", `${fs01.address}/24`); sh("PFS_ZONE", fs01.zone); sh("PFS_GW", zp(p, fs01.zone).gateway);
const dev = zp(p, "lan-dev");
sh("PDEV_ADDR", dev.dhcpPool.split("-")[0] + "/24"); sh("PDEV_ZONE", "lan-dev"); sh("PDEV_GW", dev.gateway);
const lan = zp(e, "lan");
sh("ELAN_ADDR", host10(lan)); sh("ELAN_ZONE", "lan"); sh("ELAN_GW", lan.gateway);
const srv = zp(e, "servers");
sh("ESRV_ADDR", `${e.vpnPeer.resolvers[0]}/24`); sh("ESRV_ZONE", "servers"); sh("ESRV_GW", srv.gateway);
console.log(out.join("\n"));
' "$PROD" "$ECO"
}
eval "$(facts)"
PFS=${PFS_ADDR%/*}; PDEV=${PDEV_ADDR%/*}; ELAN=${ELAN_ADDR%/*}; ESRV=${ESRV_ADDR%/*}
lab_log "PAR ${PAR_FW} ${PAR_WAN_ADDR} [${PAR_NETS}] <-> ECO ${ECO_FW} ${ECO_WAN_ADDR} [${ECO_NETS}]"

# --- namespaces and links ------------------------------------------------------------------------------------
lab_ns wan; lab_ns par; lab_ns eco; lab_ns pfs; lab_ns pdev; lab_ns elan; lab_ns esrv
ip netns exec bvpn-wan sysctl -qw net.ipv4.ip_forward=1

# router_nics <ns> <nics> <zone>=<host ns>...: every NIC of the router, with its rendered name and address.
router_nics() {
    local ns="$1" nics="$2"; shift 2
    local spec ifname zone addr peer n=0
    for spec in $nics; do
        IFS=, read -r ifname zone addr <<<"$spec"
        peer=""
        for m in "$@"; do [ "${m%%=*}" = "$zone" ] && peer="${m#*=}"; done
        if [ "$zone" = wan ]; then
            local wanif="w${ns#bvpn-}"
            lab_link "$ns" "$ifname" "$addr" bvpn-wan "$wanif" -
        elif [ -n "$peer" ]; then
            lab_link "$ns" "$ifname" "$addr" "$peer" eth0 -
        else
            ip -n "$ns" link add "$ifname" type veth peer name "s$n"
            ip -n "$ns" addr add "$addr" dev "$ifname"
            ip -n "$ns" link set "$ifname" up; ip -n "$ns" link set "s$n" up
        fi
        n=$((n + 1))
    done
}
router_nics bvpn-par "$PAR_NICS" "$PFS_ZONE=bvpn-pfs" "$PDEV_ZONE=bvpn-pdev"
router_nics bvpn-eco "$ECO_NICS" "$ELAN_ZONE=bvpn-elan" "$ESRV_ZONE=bvpn-esrv"
ip -n bvpn-wan addr add "$PAR_WAN_GW/29" dev wpar; ip -n bvpn-wan addr add "$ECO_WAN_GW/29" dev weco
ip -n bvpn-par route add default via "$PAR_WAN_GW"
ip -n bvpn-eco route add default via "$ECO_WAN_GW"
for h in pfs:$PFS_ADDR:$PFS_GW pdev:$PDEV_ADDR:$PDEV_GW elan:$ELAN_ADDR:$ELAN_GW esrv:$ESRV_ADDR:$ESRV_GW; do
    IFS=: read -r ns addr gw <<<"$h"
    ip -n "bvpn-$ns" addr add "$addr" dev eth0
    ip -n "bvpn-$ns" route add default via "$gw"
done

# --- the rendered files, hash-checked ------------------------------------------------------------------------
RUN="$LAB_DIR/run"; mkdir -p "$RUN"
prepare_site() { # <tag> <synth dir> <router> <tunnel> <peer networks>
    local tag="$1" dir="$2/rendered/$3" tunnel="$4" d="$RUN/$1" # $5 (the peer networks): unused since override 3 went
    mkdir -p "$d"
    cp "$dir/etc/sysctl.d/90-billu-router.conf" "$d/sysctl.conf"
    lab_hash_check "$dir/etc/sysctl.d/90-billu-router.conf" "$d/sysctl.conf"
    cp "$dir/etc/nftables.conf" "$d/nftables.conf"
    lab_hash_check "$dir/etc/nftables.conf" "$d/nftables.conf"
    for f in etc/strongswan.d/billu-vpn.conf "etc/swanctl/conf.d/billu-$tunnel.conf" "etc/swanctl/conf.d/billu-$tunnel.secrets.conf" \
        "usr/local/sbin/billu-vpn-link-$tunnel" var/lib/billu/stage/vpn/billu-lib.sh; do
        cp "$dir/$f" "$d/$(basename "$f")"
        lab_hash_check "$dir/$f" "$d/$(basename "$f")"
    done
    cat >"$d/strongswan.conf" <<EOC
# labs/vpn override 1: the lab's charon (userspace ESP, own VICI socket and log); the rendered settings included.
charon-systemd {
    journal {
        default = -1
    }
    filelog {
        lab {
            path = $d/charon.log
            time_format = %T
            flush_line = yes
            default = 1
            ike = 2
        }
    }
}
charon {
    load_modular = no
    load = random nonce openssl pem pkcs1 x509 pubkey gcm aes sha2 hmac kdf kernel-libipsec kernel-netlink socket-default vici
    plugins {
        vici {
            socket = unix://$d/charon.vici
        }
    }
}
include $d/billu-vpn.conf
EOC
    printf 'include %s\ninclude %s\n' "$d/billu-$tunnel.conf" "$d/secrets.conf" >"$d/swanctl.conf"
}
prepare_site par "$PROD" "$PAR_FW" "$PAR_TUNNEL" "$ECO_NETS"
prepare_site eco "$ECO" "$ECO_FW" "$ECO_TUNNEL" "$PAR_NETS"

# Override 2: the key through the secret channel (billu_subst of the rendered library), into a 0600 file.
fill_secrets() { # <tag> <key>
    local d="$RUN/$1"
    printf 'vpn-psk\t%s\n' "$(printf '%s' "$2" | od -An -tx1 | tr -d ' \n')" >"$d/secret-lines"
    ( umask 077; . "$d/billu-lib.sh"; BILLU_SECRETS="$d/secret-lines"; billu_subst "$d/billu-$3.secrets.conf" >"$d/secrets.conf" )
    rm -f "$d/secret-lines"
}
KEY=$(head -c 512 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 48)
WRONG=$(head -c 512 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 48)

for s in par eco; do
    ip netns exec "bvpn-$s" sysctl -q -p "$RUN/$s/sysctl.conf" >/dev/null
    ip netns exec "bvpn-$s" nft -c -f "$RUN/$s/nftables.conf"
    ip netns exec "bvpn-$s" nft -f "$RUN/$s/nftables.conf"
done
lab_log "rulesets loaded (nft -c passed)"

# --- charon ----------------------------------------------------------------------------------------------------
declare -A PID
start_charon() { # <tag> <tunnel>
    local s="$1" d="$RUN/$1"
    rm -f "$d/charon.vici"
    lab_bg "bvpn-$s" "$d/charon.out" env STRONGSWAN_CONF="$d/strongswan.conf" /usr/sbin/charon-systemd
    PID[$s]=$LAB_LAST_PID
    lab_wait 10 "$s charon VICI socket" test -S "$d/charon.vici" || lab_die "$s charon did not start: $(tail -5 "$d/charon.out")"
    lab_wait 5 "$s tunnel interface ipsec0 (libipsec TUN)" ip -n "bvpn-$s" link show ipsec0 || lab_die "no ipsec0 in $s"
    ip netns exec "bvpn-$s" sh "$d/billu-vpn-link-$2"
}
load_conf() { ip netns exec "bvpn-$1" env STRONGSWAN_CONF="$RUN/$1/strongswan.conf" swanctl --load-all --noprompt --file "$RUN/$1/swanctl.conf" --uri "unix://$RUN/$1/charon.vici" >"$RUN/$1/load.out" 2>&1; }
sas() { ip netns exec "bvpn-$1" env STRONGSWAN_CONF="$RUN/$1/strongswan.conf" swanctl --list-sas --noblock --uri "unix://$RUN/$1/charon.vici" 2>/dev/null; }
installed() { sas "$1" | grep -q INSTALLED; }
stop_charon() { kill "${PID[$1]}" 2>/dev/null || true; wait "${PID[$1]}" 2>/dev/null || true; }
tcp() { ip netns exec "bvpn-$1" nc -z -n -w 2 "$2" "$3"; }

# Listeners: PAR-FS01 (smb, ssh), a lan-dev client that also listens on smb, Ecotech's LAN host and resolver.
lab_bg bvpn-pfs "$RUN/l1.log" nc -lkn 445
lab_bg bvpn-pfs "$RUN/l2.log" nc -lkn 22
lab_bg bvpn-pdev "$RUN/l3.log" nc -lkn 445
lab_bg bvpn-elan "$RUN/l4.log" nc -lkn 443
lab_bg bvpn-esrv "$RUN/l5.log" nc -lkn 443

# --- 1. the deliberately broken case: a wrong key ---------------------------------------------------------------
lab_log "case 1: a wrong key at Ecotech's end"
fill_secrets par "$KEY" "$PAR_TUNNEL"
fill_secrets eco "$WRONG" "$ECO_TUNNEL"
lab_expect "the filled-in secrets file is mode 0600 and holds the key, not the placeholder" pass \
    sh -c "[ \"\$(stat -c %a '$RUN/par/secrets.conf')\" = 600 ] && grep -q '$KEY' '$RUN/par/secrets.conf' && ! grep -q '{{secret' '$RUN/par/secrets.conf'"
start_charon eco "$ECO_TUNNEL"; load_conf eco
start_charon par "$PAR_TUNNEL"; load_conf par
lab_wait 15 "the initiator reports AUTHENTICATION_FAILED" grep -q "AUTHENTICATION_FAILED" "$RUN/par/charon.log" || true
lab_expect "wrong key: ${PAR_FW} logs AUTHENTICATION_FAILED" pass grep -q "received AUTHENTICATION_FAILED notify error" "$RUN/par/charon.log"
lab_expect "wrong key: ${ECO_FW} logs MAC mismatched" pass grep -q "MAC mismatched" "$RUN/eco/charon.log"
lab_expect "wrong key: no CHILD_SA installed" fail installed par
lab_expect "wrong key: ${ELAN} -> PAR-FS01 ${PFS}:445 does not pass" fail tcp elan "$PFS" 445
grep -h -E "AUTHENTICATION_FAILED|MAC mismatched" "$RUN/par/charon.log" "$RUN/eco/charon.log" | head -2 | sed 's/^/    log: /'
stop_charon par; stop_charon eco
mv "$RUN/par/charon.log" "$RUN/par/charon-wrongkey.log"; mv "$RUN/eco/charon.log" "$RUN/eco/charon-wrongkey.log"

# --- 2. the right key: the tunnel, the matrix, the capture ------------------------------------------------------
lab_log "case 2: the same key at both ends"
# BVPN_SABOTAGE=1 keeps the wrong key here: every probe of a working tunnel must then fail the lab.
if [ -n "${BVPN_SABOTAGE:-}" ]; then fill_secrets eco "$WRONG" "$ECO_TUNNEL"; else fill_secrets eco "$KEY" "$ECO_TUNNEL"; fi
start_charon eco "$ECO_TUNNEL"; load_conf eco
start_charon par "$PAR_TUNNEL"
CAP="$RUN/wan.pcap"
lab_bg bvpn-wan "$RUN/tcpdump.log" tcpdump -i wpar -n -U -s 0 -w "$CAP" ip
CAP_PID=$LAB_LAST_PID
lab_wait 5 "tcpdump on the WAN link" grep -q "listening on" "$RUN/tcpdump.log"
T_UP=$(date +%s%N)
load_conf par
lab_wait 10 "CHILD_SA installed at both ends" sh -c "$(declare -f sas installed); RUN='$RUN'; installed par && installed eco" || lab_log "tunnel did not come up"
UP_MS=$(ms_since "$T_UP")
lab_expect "the tunnel is up (IKEv2 ${PAR_WAN_ADDR} <-> ${ECO_WAN_ADDR})" pass installed par
sas par | grep -E "AES_GCM|ESTABLISHED|INSTALLED|local |remote " | head -8 | sed 's/^/    /' || true
lab_expect "suites: IKE AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384" pass sh -c "$(declare -f sas); RUN='$RUN'; sas par | grep -q 'AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384'"
# The CHILD_SA's selectors as charon negotiated them (it prints them sorted), against the models' networks.
ts_of() { sas par | sed -n "s/^ *$1 *\([0-9].*\)$/\1/p" | head -1 | tr ' ' '\n' | sort | tr '\n' ' '; }
sorted() { tr -d ',' <<<"$1" | tr ' ' '\n' | sort | tr '\n' ' '; }
lab_log "negotiated at PAR: local [$(ts_of local)] remote [$(ts_of remote)]"
lab_expect "selectors: exactly BillU's ${PAR_NETS//, /,} === Ecotech's ${ECO_NETS//, /,}" pass \
    test "$(ts_of local)|$(ts_of remote)" = "$(sorted "$PAR_NETS")|$(sorted "$ECO_NETS")"

MARK="BILLU-CLEARTEXT-MARKER-$RANDOM$RANDOM"
lab_expect "allowed: Ecotech LAN ${ELAN} -> PAR-FS01 ${PFS} smb" pass tcp elan "$PFS" 445
lab_expect "allowed: BillU lan-dev ${PDEV} -> Ecotech resolver ${ESRV} https" pass tcp pdev "$ESRV" 443
lab_expect "allowed: a payload crosses (marker sent to PAR-FS01 smb)" pass sh -c "printf '%s\n' '$MARK' | ip netns exec bvpn-elan nc -N -n -w 3 $PFS 445"
lab_expect "denied by BillU's matrix: Ecotech LAN -> lan-dev ${PDEV} smb" fail tcp elan "$PDEV" 445
lab_expect "denied by BillU's matrix: Ecotech LAN -> PAR-FS01 ssh" fail tcp elan "$PFS" 22
lab_expect "denied by Ecotech's matrix: BillU lan-dev -> Ecotech LAN ${ELAN} https" fail tcp pdev "$ELAN" 443

# Outside the selectors: the Ecotech router's WAN address is in no selector, so libipsec has no SA for it.
lab_bg bvpn-par "$RUN/ipsec0.log" tcpdump -i ipsec0 -n -l "src host ${ECO_WAN_ADDR}"
TD_PID=$LAB_LAST_PID
lab_wait 5 "tcpdump on PAR's ipsec0" grep -q "listening on" "$RUN/ipsec0.log"
lab_expect "outside the selectors: ${ECO_WAN_ADDR} (Ecotech's WAN) -> ${PFS}:445 through ipsec0 fails" fail \
    ip netns exec bvpn-eco nc -z -n -w 2 -s "$ECO_WAN_ADDR" "$PFS" 445
kill "$TD_PID" 2>/dev/null; wait "$TD_PID" 2>/dev/null || true
lab_expect "outside the selectors: nothing from ${ECO_WAN_ADDR} came out of PAR's ipsec0" fail grep -q "IP ${ECO_WAN_ADDR}" "$RUN/ipsec0.log"

# Throughput through both rulesets and the tunnel (Ecotech LAN -> PAR-FS01 smb port).
T_TP=$(date +%s%N)
head -c 67108864 /dev/zero | ip netns exec bvpn-elan nc -N -n -w 10 "$PFS" 445 || true
TP_MS=$(ms_since "$T_TP")
MBPS=$(( 64 * 8 * 1000 / (TP_MS > 0 ? TP_MS : 1) ))

kill "$CAP_PID" 2>/dev/null; wait "$CAP_PID" 2>/dev/null || true
TOTAL=$(tcpdump -r "$CAP" -n 2>/dev/null | wc -l)
OTHER=$(tcpdump -r "$CAP" -n 'not (udp port 500 or udp port 4500)' 2>/dev/null | wc -l)
NATT=$(tcpdump -r "$CAP" -n 'udp port 4500' 2>/dev/null | wc -l)
lab_log "WAN capture: $TOTAL packets, $NATT on UDP 4500, $OTHER on anything else"
lab_expect "WAN capture: only UDP 500/4500 ($TOTAL packets)" pass sh -c "[ $OTHER -eq 0 ] && [ $NATT -gt 0 ]"
lab_expect "WAN capture: the marker never appears in clear" fail grep -a -q "$MARK" "$CAP"
lab_expect "WAN capture: no inner address (${PFS}) in any header" fail sh -c "tcpdump -r '$CAP' -n 2>/dev/null | grep -q '$PFS'"
lab_expect "control: the marker did reach PAR-FS01 in clear (the grep can see it)" pass grep -a -q "$MARK" "$RUN/l1.log"

# --- 3. kill Ecotech's gateway, restart it: DPD at BillU's end restores the tunnel -------------------------------
DPD_DELAY=$(sed -n 's/^ *dpd_delay = \([0-9]*\)s$/\1/p' "$RUN/par/billu-$PAR_TUNNEL.conf")
GIVEUP=$(awk '/retransmit_timeout/{t=$3} /retransmit_base/{b=$3} /retransmit_tries/{n=$3} END{s=0; for(i=0;i<=n;i++) s+=t*b^i; printf "%.1f", s}' "$RUN/par/billu-vpn.conf")
BOUND=$(awk -v d="$DPD_DELAY" -v g="$GIVEUP" 'BEGIN{printf "%d", d + g + 5 + 0.999}')
lab_log "case 3: kill -9 ${ECO_FW}'s charon and restart it; bound = dpd_delay ${DPD_DELAY} s + retransmits ${GIVEUP} s + 5 s setup = ${BOUND} s"
T_KILL=$(date +%s%N)
kill -9 "${PID[eco]}"; wait "${PID[eco]}" 2>/dev/null || true
lab_expect "with ${ECO_FW} down, traffic stops" fail tcp elan "$PFS" 445
start_charon eco "$ECO_TUNNEL"; load_conf eco
if lab_wait "$BOUND" "traffic through the tunnel again" tcp elan "$PFS" 445; then RECOVER_MS=$(ms_since "$T_KILL"); else RECOVER_MS=-1; fi
lab_expect "DPD restored traffic within ${BOUND} s of the kill (took ${RECOVER_MS} ms)" pass sh -c "[ $RECOVER_MS -ge 0 ] && [ $RECOVER_MS -le $((BOUND * 1000)) ]"
lab_expect "${PAR_FW} restarted the tunnel through DPD" pass grep -q -E "restarting CHILD_SA|restarting IKE_SA|giving up after" "$RUN/par/charon.log"
stop_charon par; stop_charon eco

lab_log "figures: tunnel up ${UP_MS} ms after the initiator loaded its config; DPD recovery ${RECOVER_MS} ms after the kill (bound ${BOUND} s); throughput ~${MBPS} Mbit/s (64 MiB in ${TP_MS} ms); lab $(ms_since "$T0") ms"
lab_finish
