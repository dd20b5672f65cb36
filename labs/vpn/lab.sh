#!/usr/bin/env bash
# labs/vpn: the site-to-site tunnel between BillU (stack prod) and EcotechSolutions (stack ecotech), both ends
# exactly as offline synth rendered them, with real strongSwan daemons in network namespaces:
#
#   bvpn-pfs (PAR-FS01) --+                          +-- bvpn-elan (Ecotech LAN host)
#   bvpn-pdev (lan-dev) --+-- bvpn-par (PAR-FW01) -- bvpn-wan -- bvpn-eco (ECO-FW01) --+-- bvpn-esrv (Ecotech resolver)
#
# Each router runs charon (userspace ESP: kernel-libipsec, whose TUN is named ipsec0 like production's XFRM
# interface) and its rendered nftables ruleset. Probes: the tunnel comes up with the IKE and ESP suites of the
# model (prod's outputs), and after a forced CHILD_SA rekey with its PFS group; traffic passes after a CHILD_SA
# and an IKE rekey; LAN-to-LAN flows the matrices allow pass, the others are dropped by the forward chain's
# policy of the router named (nft trace) and pass once that router's rules are flushed; the WAN capture holds
# only UDP 500/4500 and no cleartext; a packet from outside the selectors enters ipsec0 at Ecotech's end (its
# output chain opened for the probe) and never leaves BillU's (one from inside does); a wrong key fails with the
# reason in the logs; a killed and restarted gateway gets its traffic back through DPD within the bound the
# model publishes (never read back from the rendered files).
#
# Proof it runs what synth rendered: every rendered file the lab uses is installed with the mode and owner its step
# declares and read back (bytes, mode, owner) against out/prod and out/ecotech, the trees `npm run synth -- --stack
# <stack>` wrote (lab_readback); the filled-in secrets file against the rendered one filled with the lab's key.
# Lab overrides (documented; none edits a rendered file, labs/vpn/overrides.json is empty):
#  1. strongswan.conf and swanctl.conf are the lab's own: the plugin list (kernel-libipsec instead of the kernel's
#     ESP, which these machines lack), a VICI socket and a log file per charon; they `include` the rendered
#     charon settings, connection and secrets files unchanged.
#  2. The key is a lab-generated one, fed through the same secret channel as production: the rendered secrets
#     file is filled in by billu_subst of the rendered billu-lib.sh from "<name>\t<hex>" lines.
#  3. (none: the rendered ruleset carries the vpn-partner zone on "ipsec0" and runs unchanged; labs/vpn/overrides.json)
#  4. The TUN interface dies with its charon (an XFRM interface does not), so after a restart the lab runs the
#     rendered link script again, as production's boot does before charon.
#  5. Router NICs without a lab host end in a stub veth peer inside the router's namespace.
# The vpn acceptance scenario runs from lan-dev with the tunnel up (exit 0) and with Ecotech's gateway killed (exit 1).
# Proof the lab can fail: BILLU_LAB_SABOTAGE=1 puts a wrong key at Ecotech's end in case 2, after the read-back (the
# lab must exit 1 at the tunnel's probes). Its sabotage switches are declared in labs/vpn/sabotage.txt.
LAB=bvpn
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/vpn.sh
source "$(dirname "$0")/../lib/vpn.sh"
lab_require charon-systemd swanctl nft tcpdump nc ip node

T0=$(date +%s%N)
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

PROD=$(lab_synth prod)
ECO=$(lab_synth ecotech)

# Facts from the synthesized outputs (never hard-coded): router NICs, hosts, the tunnel ends.
facts() {
    # shellcheck disable=SC2016 # a JavaScript program: its ${...} are node's, not the shell's
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
// The tunnel settings of the owner (prod) as the model published them, never read back from the rendered files:
// the proposals, in the display names of swanctl --list-sas, and the DPD detection bound.
const { parseProposal } = require(process.argv[3] + "/dist/model/vpn-crypto");
const owner = p.vpnPeer.owner;
const ENC = (a) => {
    let m = /^aes(128|192|256)gcm(8|12|16|64|96|128)$/.exec(a);
    if (m) return `AES_GCM_${{ 64: 8, 96: 12, 128: 16 }[m[2]] ?? m[2]}-${m[1]}`;
    m = /^aes(128|192|256)$/.exec(a);
    if (m) return `AES_CBC-${m[1]}`;
    if (a === "chacha20poly1305") return "CHACHA20_POLY1305-256";
    throw new Error(`labs/vpn: no strongSwan display name for encryption ${a}`);
};
const INTEG = { sha256: "HMAC_SHA2_256_128", sha384: "HMAC_SHA2_384_192", sha512: "HMAC_SHA2_512_256" };
const PRF = { prfsha256: "PRF_HMAC_SHA2_256", prfsha384: "PRF_HMAC_SHA2_384", prfsha512: "PRF_HMAC_SHA2_512" };
const DH = (d) => {
    const m = /^(ecp|modp)(\d+)(bp)?$/.exec(d);
    if (m) return `${m[1].toUpperCase()}_${m[2]}${m[3] ? "_BP" : ""}`;
    if (d === "curve25519" || d === "x25519") return "CURVE_25519";
    if (d === "curve448" || d === "x448") return "CURVE_448";
    throw new Error(`labs/vpn: no strongSwan display name for key exchange ${d}`);
};
const name = (table, k, what) => { if (!table[k]) throw new Error(`labs/vpn: no strongSwan display name for ${what} ${k}`); return table[k]; };
const ike = parseProposal(owner.ikeProposals[0]);
const esp = parseProposal(owner.espProposals[0]);
sh("IKE_PROPOSAL", owner.ikeProposals[0]); sh("ESP_PROPOSAL", owner.espProposals[0]);
sh("IKE_SUITE", [ENC(ike.encryption[0]), ...ike.integrity.slice(0, 1).map((i) => name(INTEG, i, "integrity")), name(PRF, ike.prf[0], "PRF"), DH(ike.dh[0])].join("/"));
const espCipher = [ENC(esp.encryption[0]), ...esp.integrity.slice(0, 1).map((i) => name(INTEG, i, "integrity"))].join("/");
sh("ESP_CIPHER", espCipher);
sh("ESP_SUITE_PFS", esp.dh.length > 0 ? `${espCipher}/${DH(esp.dh[0])}` : "no key exchange group in the model");
sh("DPD_DELAY", owner.dpdDelaySeconds);
const settings = Object.entries(p.sections).find(([k]) => k.startsWith(`Site-to-site VPN: ${p.vpnPeer.tunnel} `) && k.endsWith(": settings"))[1];
const dpd = settings.rows.find((r) => r[0] === "dead peer detection")[1];
sh("DPD_DEAD_WITHIN", /peer declared dead within ([0-9.]+) s/.exec(dpd)[1]);
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
' "$PROD" "$ECO" "$LAB_ROOT"
}
eval "$(facts)"
PFS=${PFS_ADDR%/*}; PDEV=${PDEV_ADDR%/*}; ELAN=${ELAN_ADDR%/*}; ESRV=${ESRV_ADDR%/*}
lab_log "PAR ${PAR_FW} ${PAR_WAN_ADDR} [${PAR_NETS}] <-> ECO ${ECO_FW} ${ECO_WAN_ADDR} [${ECO_NETS}]"

# --- namespaces and links ------------------------------------------------------------------------------------
lab_ns wan; lab_ns par; lab_ns eco; lab_ns pfs; lab_ns pdev; lab_ns elan; lab_ns esrv
ip netns exec bvpn-wan sysctl -qw net.ipv4.ip_forward=1

# The routers and their tunnel: labs/lib/vpn.sh (shared with labs/trust).
vpn_router_nics bvpn-par "$PAR_NICS" bvpn-wan wpar "$PFS_ZONE=bvpn-pfs" "$PDEV_ZONE=bvpn-pdev"
vpn_router_nics bvpn-eco "$ECO_NICS" bvpn-wan weco "$ELAN_ZONE=bvpn-elan" "$ESRV_ZONE=bvpn-esrv"
ip -n bvpn-wan addr add "$PAR_WAN_GW/29" dev wpar; ip -n bvpn-wan addr add "$ECO_WAN_GW/29" dev weco
ip -n bvpn-par route add default via "$PAR_WAN_GW"
ip -n bvpn-eco route add default via "$ECO_WAN_GW"
for h in pfs:$PFS_ADDR:$PFS_GW pdev:$PDEV_ADDR:$PDEV_GW elan:$ELAN_ADDR:$ELAN_GW esrv:$ESRV_ADDR:$ESRV_GW; do
    IFS=: read -r ns addr gw <<<"$h"
    ip -n "bvpn-$ns" addr add "$addr" dev eth0
    ip -n "bvpn-$ns" route add default via "$gw"
done

# --- the rendered files, installed as their steps declare them and read back ------------------------------------
RUN="$LAB_DIR/run"; mkdir -p "$RUN"
# The read-back's references: out/prod and out/ecotech, the trees the user's own `npm run synth -- --stack <stack>`
# wrote; labs/vpn/overrides.json lists no override (the lab's own settings are in files of its own, below).
lab_expected prod
lab_expected ecotech
VPN_RUN="$RUN"; VPN_NS=([par]=bvpn-par [eco]=bvpn-eco)
vpn_prepare_site par prod "$PROD" "$PAR_FW" "$PAR_TUNNEL"
vpn_prepare_site eco ecotech "$ECO" "$ECO_FW" "$ECO_TUNNEL"

# Override 2: the key through the secret channel (vpn_fill_secrets: billu_subst of the rendered library), into a 0600 file.
KEY=$(head -c 512 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 48)
WRONG=$(head -c 512 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 48)

vpn_load_ruleset par; vpn_load_ruleset eco
lab_log "rulesets loaded (nft -c passed)"

# --- charon ----------------------------------------------------------------------------------------------------
start_charon() { vpn_start_charon "$@"; }
load_conf() { vpn_load_conf "$@"; }
sas() { vpn_sas "$@"; }
installed() { vpn_installed "$@"; }
stop_charon() { vpn_stop_charon "$@"; }
tcp() { ip netns exec "bvpn-$1" nc -z -n -w 2 "$2" "$3"; }

# Listeners: PAR-FS01 (smb, ssh), a lan-dev client that also listens on smb, Ecotech's LAN host and resolver.
lab_bg bvpn-pfs "$RUN/l1.log" nc -lkn 445
lab_bg bvpn-pfs "$RUN/l2.log" nc -lkn 22
lab_bg bvpn-pdev "$RUN/l3.log" nc -lkn 445
lab_bg bvpn-elan "$RUN/l4.log" nc -lkn 443
lab_bg bvpn-esrv "$RUN/l5.log" nc -lkn 443

# --- 1. the deliberately broken case: a wrong key ---------------------------------------------------------------
lab_log "case 1: a wrong key at Ecotech's end"
vpn_fill_secrets par "$KEY" "$PAR_TUNNEL"
vpn_fill_secrets eco "$WRONG" "$ECO_TUNNEL"
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
# BILLU_LAB_SABOTAGE=1 puts the wrong key back after the read-back below: every probe of a working tunnel must then fail the lab.
vpn_fill_secrets eco "$KEY" "$ECO_TUNNEL"
# The installed secrets files (mode 0600, the key in place of the placeholder) against out/<stack>'s, filled with the
# key the lab fed through the secret channel.
printf 'vpn-psk\t%s\n' "$(printf '%s' "$KEY" | od -An -tx1 | tr -d ' \n')" >"$RUN/expected-secret-lines"
LAB_SECRETS="$RUN/expected-secret-lines"
for s in par eco; do
    t=$PAR_TUNNEL; [ "$s" = eco ] && t=$ECO_TUNNEL
    lab_readback "${VPN_STACK[$s]}" "${VPN_HOST[$s]}" "/etc/swanctl/conf.d/billu-$t.secrets.conf" "$RUN/$s/secrets.conf"
done
LAB_SECRETS=""; rm -f "$RUN/expected-secret-lines"
if lab_sabotage; then vpn_fill_secrets eco "$WRONG" "$ECO_TUNNEL"; lab_log "SABOTAGE: after the read-back, Ecotech's end gets the wrong key"; fi
start_charon eco "$ECO_TUNNEL"; load_conf eco
start_charon par "$PAR_TUNNEL"
CAP="$RUN/wan.pcap"
lab_bg bvpn-wan "$RUN/tcpdump.log" tcpdump -i wpar -n -U -s 0 -w "$CAP" ip
CAP_PID=$LAB_LAST_PID
lab_wait 5 "tcpdump on the WAN link" grep -q "listening on" "$RUN/tcpdump.log"
T_UP=$(date +%s%N)
load_conf par
both_installed() { installed par && installed eco; }
lab_wait 10 "CHILD_SA installed at both ends" both_installed || lab_log "tunnel did not come up"
UP_MS=$(ms_since "$T_UP")
lab_expect "the tunnel is up (IKEv2 ${PAR_WAN_ADDR} <-> ${ECO_WAN_ADDR})" pass installed par
sas par | grep -E "AES_GCM|ESTABLISHED|INSTALLED|local |remote " | head -8 | sed 's/^/    /' || true
# The suites actually negotiated, at both ends, against the model's first proposals (prod's outputs): IKE, then
# ESP. The CHILD_SA set up with IKE_AUTH has no key exchange of its own; the PFS group shows after a rekey (below).
ike_suite() { sas "$1" | grep -q -F "$IKE_SUITE"; }
child_suite() { sas "$1" | grep -E "^  +$2: #[0-9]+, reqid [0-9]+, INSTALLED, " | grep -q -F "ESP:$3"; }
for s in par eco; do
    lab_expect "$s: IKE SA negotiated $IKE_SUITE (model: $IKE_PROPOSAL)" pass ike_suite "$s"
done
lab_expect "par: CHILD_SA negotiated ESP:$ESP_CIPHER (model: $ESP_PROPOSAL)" pass child_suite par "$PAR_TUNNEL" "$ESP_CIPHER"
lab_expect "eco: CHILD_SA negotiated ESP:$ESP_CIPHER (model: $ESP_PROPOSAL)" pass child_suite eco "$ECO_TUNNEL" "$ESP_CIPHER"
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
lab_expect "denied by Ecotech's matrix: Ecotech LAN -> PAR-FS01 ssh (Ecotech sends only smb and https to BillU)" fail tcp elan "$PFS" 22
lab_expect "denied by Ecotech's matrix: BillU lan-dev -> Ecotech LAN ${ELAN} https" fail tcp pdev "$ELAN" 443

# The reason of each denial: nftables tracing (a lab table of its own, before the rendered one, which stays as
# rendered) shows the router's forward chain dropping the SYN by its policy: no rule of the matrix accepted it.
# One connection attempt per try until the trace shows it (the monitor may subscribe after the first one).
dropped_by_policy() { # <router> <log> <from> <to ip> <port>
    tcp "$3" "$4" "$5" || true
    grep -q "inet billu forward policy drop" "$2"
}
denied_reason() { # <router> <from> <to ip> <port> <description>
    local log="$RUN/trace-$2-$4.log"
    trace_on "bvpn-$1" "$log" ip daddr "$3" tcp dport "$4"
    lab_expect "$5: dropped by the policy of ${1^^}'s forward chain (nft trace)" pass lab_wait 8 "drop traced" dropped_by_policy "$1" "$log" "$2" "$3" "$4"
    trace_off "bvpn-$1"
    grep -m 1 "inet billu forward packet" "$log" | sed 's/^/    trace: /' || true
}
denied_reason par elan "$PDEV" 445 "denied: Ecotech LAN -> lan-dev smb"
denied_reason eco elan "$PFS" 22 "denied: Ecotech LAN -> PAR-FS01 ssh"
denied_reason eco pdev "$ELAN" 443 "denied: lan-dev -> Ecotech LAN https"
# Controls: with the denying router's rules flushed, the same connections pass (tunnel, listeners and routes
# work); ssh to PAR-FS01 is denied by both matrices, so with Ecotech's rules flushed BillU's forward chain drops it.
ip netns exec bvpn-par nft flush ruleset
lab_expect "control, BillU's rules flushed: Ecotech LAN -> lan-dev ${PDEV} smb passes" pass tcp elan "$PDEV" 445
ip netns exec bvpn-par nft -f "$RUN/par/nftables.conf"
ip netns exec bvpn-eco nft flush ruleset
lab_expect "control, Ecotech's rules flushed: BillU lan-dev -> Ecotech LAN ${ELAN} https passes" pass tcp pdev "$ELAN" 443
lab_expect "Ecotech's rules flushed: Ecotech LAN -> PAR-FS01 ssh is still denied (BillU's matrix has no such flow)" fail tcp elan "$PFS" 22
denied_reason par elan "$PFS" 22 "Ecotech's rules flushed: Ecotech LAN -> PAR-FS01 ssh"
ip netns exec bvpn-par nft flush ruleset
lab_expect "control, both rulesets flushed: Ecotech LAN -> PAR-FS01 ssh passes" pass tcp elan "$PFS" 22
ip netns exec bvpn-par nft -f "$RUN/par/nftables.conf"
ip netns exec bvpn-eco nft -f "$RUN/eco/nftables.conf"
lab_expect "rulesets restored: Ecotech LAN -> lan-dev smb is denied again" fail tcp elan "$PDEV" 445

# Outside the selectors: the Ecotech router's WAN address is in no selector, so libipsec has no SA for it. The
# router's own output chain would drop the packet before the tunnel, so the probe opens it for this one flow (a
# counted rule inserted for the probe, removed after) and captures on ipsec0 at both ends: the packet must enter
# ECO's ipsec0 and never leave PAR's. Control: the same probe from ECO's LAN address, inside the selectors.
cap_on() { # <ns> <log> <filter>
    lab_bg "$1" "$2" tcpdump -i ipsec0 -n -l "$3"
    CAP_PIDS+=("$LAB_LAST_PID")
    lab_wait 5 "tcpdump on ipsec0 in $1" grep -q "listening on" "$2"
}
selector_probe() { # <source address> <tag>: sets OPENED (packets the opened rule let out), EIN and POUT
    local src="$1" tag="$2" flt="src host $1 and dst host $PFS and tcp dst port 445" h pid
    CAP_PIDS=()
    cap_on bvpn-eco "$RUN/$tag-eco-ipsec0.log" "$flt"
    cap_on bvpn-par "$RUN/$tag-par-ipsec0.log" "$flt"
    ip netns exec bvpn-eco nft insert rule inet billu output oifname ipsec0 ip saddr "$src" ip daddr "$PFS" tcp dport 445 counter accept comment '"lab probe"'
    ip netns exec bvpn-eco nc -z -n -w 2 -s "$src" "$PFS" 445 || true
    OPENED=$(ip netns exec bvpn-eco nft -a list chain inet billu output | sed -n 's/.*counter packets \([0-9]*\) .*"lab probe".*/\1/p')
    h=$(ip netns exec bvpn-eco nft -a list chain inet billu output | sed -n 's/.*"lab probe".*# handle \([0-9]*\)$/\1/p')
    ip netns exec bvpn-eco nft delete rule inet billu output handle "$h"
    # Let each capture write what it saw before it is stopped (bounded): killing tcpdump at once after the probe could
    # lose a packet it had not printed yet. Where none is expected (PAR's, outside), the full bound is waited, so a
    # late packet is still seen.
    lab_wait 3 "the probe in ECO's ipsec0 capture" grep -q "IP $src\." "$RUN/$tag-eco-ipsec0.log" || true
    lab_wait 3 "the probe in PAR's ipsec0 capture" grep -q "IP $src\." "$RUN/$tag-par-ipsec0.log" || true
    for pid in "${CAP_PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; done
    EIN=$(grep -c "IP $src\." "$RUN/$tag-eco-ipsec0.log" || true)
    POUT=$(grep -c "IP $src\." "$RUN/$tag-par-ipsec0.log" || true)
    lab_log "  $tag: ${src} -> ${PFS}:445: ${OPENED:-0} packet(s) through ECO's opened output rule, $EIN into ECO's ipsec0, $POUT out of PAR's ipsec0"
}
selector_probe "$ECO_WAN_ADDR" outside
lab_expect "outside the selectors: ${ECO_WAN_ADDR} (Ecotech's WAN) -> ${PFS}:445 enters ECO's ipsec0 ($EIN packets; output chain opened: ${OPENED:-0})" pass \
    test "$EIN" -ge 1 -a "${OPENED:-0}" -ge 1
lab_expect "outside the selectors: ...and never comes out of PAR's ipsec0 ($POUT packets)" pass test "$POUT" -eq 0
selector_probe "$ELAN_GW" inside
lab_expect "control, inside the selectors: ${ELAN_GW} (ECO's LAN address) -> ${PFS}:445, same setup, comes out of PAR's ipsec0 ($POUT packets)" pass \
    test "$EIN" -ge 1 -a "$POUT" -ge 1

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

# --- rekeys: the CHILD_SA (a new key exchange: the PFS group shows), then the IKE SA; traffic passes after each ---
swanctl_at() { local s="$1"; shift; ip netns exec "bvpn-$s" env STRONGSWAN_CONF="$RUN/$s/strongswan.conf" swanctl "$@" --uri "unix://$RUN/$s/charon.vici"; }
child_ids() { sas "$1" | sed -n "s/^  *$2: #\([0-9]*\), reqid [0-9]*, INSTALLED, .*/\1/p" | sort | tr '\n' ' '; }
ike_ids() { sas par | sed -n "s/^$PAR_TUNNEL: #\([0-9]*\), ESTABLISHED, .*/\1/p" | sort | tr '\n' ' '; }
BEFORE=$(child_ids par "$PAR_TUNNEL")
BEFORE_ECO=$(child_ids eco "$ECO_TUNNEL")
T_REKEY=$(date +%s%N)
swanctl_at par --rekey --child "$PAR_TUNNEL" >"$RUN/rekey-child.out" 2>&1 || true
new_child() { [ "$(child_ids par "$PAR_TUNNEL")" != "$BEFORE" ] && [ "$(child_ids eco "$ECO_TUNNEL")" != "$BEFORE_ECO" ]; }
if lab_wait 10 "CHILD_SA rekeyed at both ends" new_child; then REKEY_MS=$(ms_since "$T_REKEY"); fi
lab_log "  CHILD_SA #${BEFORE% } -> #$(child_ids par "$PAR_TUNNEL") at PAR"
sas par | grep -E "INSTALLED|REKEY" | sed 's/^/    /' || true
lab_expect "CHILD_SA rekey: a new CHILD_SA at PAR (was #${BEFORE% }) in ${REKEY_MS:-none} ms" pass test -n "${REKEY_MS:-}"
lab_expect "par: the rekeyed CHILD_SA negotiated ESP:$ESP_SUITE_PFS (PFS group of the model: $ESP_PROPOSAL)" pass child_suite par "$PAR_TUNNEL" "$ESP_SUITE_PFS"
lab_expect "eco: the rekeyed CHILD_SA negotiated ESP:$ESP_SUITE_PFS" pass child_suite eco "$ECO_TUNNEL" "$ESP_SUITE_PFS"
lab_expect "after the CHILD_SA rekey: Ecotech LAN -> PAR-FS01 smb passes" pass tcp elan "$PFS" 445
BEFORE=$(ike_ids)
T_REKEY=$(date +%s%N)
swanctl_at par --rekey --ike "$PAR_TUNNEL" >"$RUN/rekey-ike.out" 2>&1 || true
new_ike() { [ -n "$(ike_ids)" ] && [ "$(ike_ids)" != "$BEFORE" ] && ike_suite par && ike_suite eco; }
if lab_wait 10 "IKE SA rekeyed" new_ike; then IKE_REKEY_MS=$(ms_since "$T_REKEY"); fi
lab_expect "IKE rekey: a new IKE SA (was #${BEFORE% }, now #$(ike_ids)) with $IKE_SUITE in ${IKE_REKEY_MS:-none} ms" pass test -n "${IKE_REKEY_MS:-}"
lab_expect "after the IKE rekey: BillU lan-dev -> Ecotech resolver https passes" pass tcp pdev "$ESRV" 443

# The vpn acceptance scenario (tools/acceptance/scenarios/vpn.ts), run from BillU's lan-dev client as an admin runs it
# there (--zone lan-dev: the zone the matrix lets reach the partner): the partner's resolver of the model answers on
# the matrix's services across the tunnel. It runs again below with Ecotech's gateway down (it must fail, exit 1).
vpn_acceptance() { # <report dir>
    (cd "$LAB_ROOT" && ip netns exec bvpn-pdev env BILLU_PROJECT_ROOT="$LAB_ROOT" node dist/tools/acceptance.js \
        --stack prod --outputs "$PROD/outputs.json" --only vpn --zone lan-dev --report "$1") >"$1.log" 2>&1
}
vpn_acceptance_exit() { local rc=0; vpn_acceptance "$2" || rc=$?; test "$rc" = "$1"; } # <exit code> <report dir>
t=$(date +%s%N)
lab_expect "acceptance: the vpn scenario passes from lan-dev (exit 0)" pass vpn_acceptance "$RUN/acceptance"
lab_log "acceptance run (vpn) $(ms_since "$t") ms"; sed 's/^/    /' "$RUN/acceptance.log"
lab_expect "acceptance: its report has Ecotech's resolver ${ESRV} answering on https across the tunnel" pass \
    grep -q "| VPN ecotech: from lan-dev, EcotechSolutions's ${ESRV} answers on https (tcp/443) across the tunnel | .* | connected in [0-9]* ms | ok |" "$RUN/acceptance/acceptance.md"

# --- 3. kill Ecotech's gateway, restart it: DPD at BillU's end restores the tunnel -------------------------------
# The bound comes from the model (prod's outputs: "peer declared dead within N s", dpd_delay plus the
# retransmissions), never from the rendered files: a renderer that writes a longer delay must fail here.
BOUND=$(awk -v g="$DPD_DEAD_WITHIN" 'BEGIN{printf "%d", g + 5 + 0.999}')
lab_log "case 3: kill -9 ${ECO_FW}'s charon and restart it; bound = the model's detection bound ${DPD_DEAD_WITHIN} s (dpd_delay ${DPD_DELAY} s + retransmits) + 5 s setup = ${BOUND} s"
T_KILL=$(date +%s%N)
kill -9 "${VPN_PID[eco]}"; wait "${VPN_PID[eco]}" 2>/dev/null || true
lab_expect "with ${ECO_FW} down, traffic stops" fail tcp elan "$PFS" 445
lab_expect "acceptance, ${ECO_FW} down: the vpn scenario fails (exit 1)" pass vpn_acceptance_exit 1 "$RUN/acceptance-down"
lab_expect "acceptance, ${ECO_FW} down: its report says ${ESRV} gave no answer" pass grep -q "across the tunnel | .* | no answer within 5 s (the tunnel down, or a ruleset dropping it) | FAIL |" "$RUN/acceptance-down/acceptance.md"
start_charon eco "$ECO_TUNNEL"; load_conf eco
if lab_wait "$BOUND" "traffic through the tunnel again" tcp elan "$PFS" 445; then RECOVER_MS=$(ms_since "$T_KILL"); else RECOVER_MS=-1; fi
lab_expect "DPD restored traffic within ${BOUND} s of the kill (took ${RECOVER_MS} ms)" pass sh -c "[ $RECOVER_MS -ge 0 ] && [ $RECOVER_MS -le $((BOUND * 1000)) ]"
lab_expect "${PAR_FW} restarted the tunnel through DPD" pass grep -q -E "restarting CHILD_SA|restarting IKE_SA|giving up after" "$RUN/par/charon.log"
stop_charon par; stop_charon eco

lab_log "figures: tunnel up ${UP_MS} ms after the initiator loaded its config; CHILD_SA rekey ${REKEY_MS:-none} ms, IKE rekey ${IKE_REKEY_MS:-none} ms; DPD recovery ${RECOVER_MS} ms after the kill (bound ${BOUND} s); throughput ~${MBPS} Mbit/s (64 MiB in ${TP_MS} ms); lab $(ms_since "$T0") ms"
lab_finish
