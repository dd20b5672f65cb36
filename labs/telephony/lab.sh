#!/usr/bin/env bash
# labs/telephony: the network path of a phone call (issue #26) through the router's rendered ruleset, in network
# namespaces that carry the dev model's own addresses and interface names. Asterisk and FreePBX are not Debian
# packages here: SIPp (Debian's sip-tester) stands in for both ends, stunnel4 gives each end SIP over TLS.
#
#   btel-pbx (PAR-PBX01's address: stunnel server on the SIP/TLS port -> SIPp UAS with RTP echo) --+
#   btel-fw  (PAR-FW01: its rendered sysctl and nftables ruleset, read back)                      +-- btel-ph (a phone
#                                                                                 |   in a department zone: SIPp UAC
#                                                                                 |   -> stunnel client)
#                                                                                 +-- btel-dmz (a DMZ host)
#                                                                                 +-- btel-wan (a host on the WAN)
#
# Every expected value comes from the model (tools/lab-facts.ts: the PBX's address, FQDN, SIP/TLS port, RTP range,
# the phones' zones) and the synth outputs (zones, the router's NICs, the certificate's names), never from the
# ruleset under test. Probes:
#   - the PBX's rendered dialplan, installed and read back, parses (our checker) and routes the model's reception
#     number, which the call dials;
#   - TLS: the phone's end verifies the PBX's certificate against the site CA and the PBX's FQDN (openssl s_client
#     passes); against another CA it is refused;
#   - a call over TLS on the SIP/TLS port: INVITE, 200, ACK, the media, BYE, 200 (SIPp uac_pcap -> uas -rtp_echo,
#     each through its stunnel): SIPp's verdict is one successful call;
#   - RTP in the range both ways: the PBX stand-in counts the phone's media arriving on its media port (a port of
#     the range), the phone counts the echo arriving from it; and a packet the PBX sends first, from a port of the
#     range to a phone's port of the range (new, conntrack flushed), arrives;
#   - the range's edges: phone -> PBX on its first and last port arrive, one below and one above are dropped;
#   - SIP from the DMZ and from the WAN: the TCP handshake to the SIP/TLS port gets no answer (dropped).
#   - the acceptance run's telephony scenario (tools/acceptance/scenarios/telephony.ts) from the phone (--zone its zone):
#     a SIP OPTIONS over TLS to the stand-in (SIPp answering OPTIONS, behind the PBX's stunnel) passes (exit 0, 1 step);
#     with the stand-in stopped it fails (exit 1): "the connection was closed before a final response (TLSv1.3, ...)";
# Lab overrides (documented, nothing rendered is edited): the PBX is a namespace with SIPp and stunnel, not FreePBX;
# the site CA is a throwaway one (openssl, ECDSA P-384 like SiteCa) issuing the PBX's certificate with the names
# synth recorded; the phone is a namespace with an address of its department zone.
# Sabotage (labs/telephony/sabotage.txt): BILLU_LAB_SABOTAGE=1 deletes the rtp rules from the router's installed
# ruleset (after its read-back): SIP still connects over TLS, the call's media does not reach the PBX, and the lab
# must exit 1.
LAB=btel
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
lab_require sipp stunnel4 openssl nft conntrack node python3 timeout
START=$(date +%s%N)

# --- synth the dev stack; every fact below comes from its outputs and the model ---------------------------------------
OUT="$(lab_synth dev)"
R="$OUT/rendered"
lab_expected dev
q() { node -e "const o=require('$OUT/outputs.json'), r=require('$OUT/resources.json').resources; $1"; }
(cd "$LAB_ROOT" && node dist/tools/lab-facts.js --stack dev) >"$LAB_DIR/facts.json" || lab_die "lab-facts dev failed"
tfact() {
    node -e 'const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).telephony;
        if (!t) { console.error("the dev model has no billu:telephony"); process.exit(1); }
        const v = eval(process.argv[2]); console.log(Array.isArray(v) ? v.join("\n") : v)' "$LAB_DIR/facts.json" "$1"
}
PBX=$(tfact t.host) || lab_die "the dev model has no PBX (billu:telephony)"
PBX_IP=$(tfact t.address); FQDN=$(tfact t.fqdn); SIP_PORT=$(tfact t.sipTlsPort)
RTP_MIN=$(tfact t.rtp.min); RTP_MAX=$(tfact t.rtp.max)
mapfile -t PHONE_ZONES < <(tfact t.phoneZones)
eval "$(node -e 'const o = require(process.argv[1]), pbx = process.argv[2], phones = process.argv.slice(3);
    const out = [], sh = (k, v) => out.push(k + "=" + JSON.stringify(String(v)));
    const fw = o.hosts.find((h) => h.role === "firewall"), p = o.hosts.find((h) => h.name === pbx);
    const used = new Set(o.hosts.map((h) => h.address));
    const ip2n = (a) => a.split(".").reduce((n, x) => n * 256 + Number(x), 0), n2ip = (n) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
    const free = (z) => { const [a, pl] = z.cidr.split("/"); let n = (ip2n(a) | (2 ** (32 - Number(pl)) - 1)) - 1;
        while (used.has(n2ip(n)) || n2ip(n) === z.gateway || n2ip(n) === z.routerAddress) n--; return n2ip(n); };
    const zone = (pred) => o.zones.find(pred);
    const sz = zone((z) => z.name === p.zone), pz = zone((z) => z.name === phones[0]), dz = zone((z) => z.kind === "dmz"), wz = zone((z) => z.kind === "wan");
    const gw = (z) => z.kind === "wan" ? z.routerAddress : z.gateway;
    sh("FW", fw.name);
    for (const [k, z] of [["SRV", sz], ["PH", pz], ["DMZ", dz], ["WAN", wz]]) {
        sh(k + "_ZONE", z.name); sh(k + "_PREFIX", z.cidr.split("/")[1]); sh(k + "_GW", gw(z)); sh(k + "_IP", free(z));
    }
    console.log(out.join("\n"));' "$OUT/outputs.json" "$PBX" "${PHONE_ZONES[@]}")"
lab_log "$PBX $PBX_IP ($FQDN): SIP/TLS $SIP_PORT, RTP $RTP_MIN-$RTP_MAX; phone $PH_IP ($PH_ZONE), DMZ host $DMZ_IP, WAN host $WAN_IP"

# --- the network: the router with its rendered ruleset, the PBX, a phone, a DMZ host, a WAN host ------------------------
lab_ns fw; lab_ns pbx; lab_ns ph; lab_ns dmz; lab_ns wan
lab_router_nics "$LAB-fw" "$OUT/outputs.json" "$SRV_ZONE=$LAB-pbx" "$PH_ZONE=$LAB-ph" "$DMZ_ZONE=$LAB-dmz" "$WAN_ZONE=$LAB-wan"
lab_router_ruleset "$LAB-fw" "$R/$FW" dev
for h in pbx:"$PBX_IP/$SRV_PREFIX":"$SRV_GW" ph:"$PH_IP/$PH_PREFIX":"$PH_GW" dmz:"$DMZ_IP/$DMZ_PREFIX":"$DMZ_GW" wan:"$WAN_IP/$WAN_PREFIX":"$WAN_GW"; do
    IFS=: read -r n a g <<<"$h"
    ip -n "$LAB-$n" addr add "$a" dev eth0
    ip -n "$LAB-$n" route add default via "$g"
done

if lab_sabotage; then
    lab_log "SABOTAGE: the rtp rules deleted from $FW's installed ruleset"
    mapfile -t RTP_HANDLES < <(ip netns exec "$LAB-fw" nft -a list chain inet billu forward | grep -E 'comment "[^"]* rtp"' | sed -n 's/.*# handle \([0-9]*\)$/\1/p')
    [ "${#RTP_HANDLES[@]}" -gt 0 ] || lab_die "sabotage: no rtp rule in $FW's forward chain"
    for h in "${RTP_HANDLES[@]}"; do ip netns exec "$LAB-fw" nft delete rule inet billu forward handle "$h"; done
    lab_log "SABOTAGE: ${#RTP_HANDLES[@]} rules deleted"
fi

# --- the PBX's rendered dialplan: installed as its step declares, read back, checked by our parser; the call dials the
# reception's number it routes (the model's) --------------------------------------------------------------------------------
DIALPLAN=/etc/asterisk/extensions_custom.conf
lab_install_declared "$R/$PBX" "$DIALPLAN" "$LAB_DIR/pbx-root$DIALPLAN"
lab_readback dev "$PBX" "$DIALPLAN" "$LAB_DIR/pbx-root$DIALPLAN"
RECEPTION=$(tfact t.reception)
routed() { # the installed dialplan parses without a problem and from-internal-custom routes the model's reception number
    node -e 'const { parseDialplan } = require(process.argv[1]); const d = parseDialplan(require("fs").readFileSync(process.argv[2], "utf8"));
        console.log(JSON.stringify(d.problems)); const c = d.contexts.get("from-internal-custom");
        process.exit(d.problems.length === 0 && c && c.has(process.argv[3]) ? 0 : 1)' \
        "$LAB_ROOT/dist/components/telephony/dialplan-check.js" "$LAB_DIR/pbx-root$DIALPLAN" "$RECEPTION"
}
lab_expect "$PBX's installed dialplan: our parser finds no problem, and it routes the reception's number $RECEPTION" pass routed

# --- TLS at both ends: a throwaway site CA, the PBX's certificate with the names synth recorded --------------------------
lab_ca ca "BillU lab throwaway root CA"
cert_names=$(q "const c=r.find(x=>x.type==='tls:index/certRequest:CertRequest'&&x.inputs.dnsNames.includes('$FQDN')).inputs; console.log([...c.dnsNames.map(d=>'DNS:'+d),...(c.ipAddresses||[]).map(i=>'IP:'+i)].join(','))")
lab_cert pbx "$FQDN" "$cert_names"
mkdir -p "$LAB_DIR/other"; (LAB_PKI="$LAB_DIR/other" lab_ca ca "another CA")
# uac_pcap plays pcap/g711a.pcap relative to its folder: Debian ships the captures in /usr/share/sip-tester.
W="$LAB_DIR/run"; mkdir -p "$W/pcap"; cp /usr/share/sip-tester/*.pcap "$W/pcap/"
cat >"$W/pbx-stunnel.conf" <<EOF
foreground = yes
pid =
[sip-tls]
accept = $PBX_IP:$SIP_PORT
connect = 127.0.0.1:5060
cert = $LAB_PKI/pbx.pem
key = $LAB_PKI/pbx.key
EOF
cat >"$W/ph-stunnel.conf" <<EOF
foreground = yes
pid =
[sip-tls]
client = yes
accept = 127.0.0.1:5060
connect = $PBX_IP:$SIP_PORT
CAfile = $LAB_PKI/ca.pem
verifyChain = yes
checkHost = $FQDN
EOF
lab_bg "$LAB-pbx" "$W/pbx-stunnel.log" stunnel4 "$W/pbx-stunnel.conf"
lab_bg "$LAB-ph" "$W/ph-stunnel.log" stunnel4 "$W/ph-stunnel.conf"
listening() { ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q LISTEN; }
lab_wait 10 "stunnel on $PBX:$SIP_PORT" listening "$LAB-pbx" "$SIP_PORT" || lab_die "the PBX's stunnel did not start"
lab_wait 10 "stunnel on the phone" listening "$LAB-ph" 5060 || lab_die "the phone's stunnel did not start"

s_client() { # <CA file>: a TLS handshake from the phone to the PBX, verifying chain and host name
    ip netns exec "$LAB-ph" timeout 10 openssl s_client -connect "$PBX_IP:$SIP_PORT" -CAfile "$1" -verify_return_error \
        -verify_hostname "$FQDN" -brief </dev/null 2>&1
}
lab_expect "TLS to $PBX:$SIP_PORT from $PH_ZONE: the certificate verifies against the site CA for $FQDN" pass lab_has "Verification: OK" s_client "$LAB_PKI/ca.pem"
lab_expect "TLS to $PBX:$SIP_PORT against another CA is refused" fail lab_has "Verification: OK" s_client "$LAB_DIR/other/ca.pem"

# --- the call: SIPp UAS (the PBX, RTP echo on the range's first port) and UAC (the phone), each behind its stunnel ----------
counter() { # <namespace> <name> <nft match>: a lab table of the endpoint (not the router) counting matching packets
    ip netns exec "$1" nft add table inet labcount 2>/dev/null || true
    ip netns exec "$1" nft add chain inet labcount in '{ type filter hook input priority -300; }' 2>/dev/null || true
    ip netns exec "$1" nft add counter inet labcount "$2"
    ip netns exec "$1" nft add rule inet labcount in "${@:3}" counter name "$2"
}
count() { ip netns exec "$1" nft list counter inet labcount "$2" | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
counter "$LAB-pbx" media_in ip saddr "$PH_IP" udp dport "$RTP_MIN"
counter "$LAB-ph" media_back ip saddr "$PBX_IP" udp sport "$RTP_MIN"
PH_MEDIA=$(( (RTP_MIN + RTP_MAX) / 2 ))
ip netns exec "$LAB-fw" conntrack -F >/dev/null 2>&1 || true
lab_bg "$LAB-pbx" "$W/uas.log" sh -c "cd '$W' && exec sipp -sn uas -t t1 -i 127.0.0.1 -p 5060 -mi '$PBX_IP' -mp '$RTP_MIN' -rtp_echo -nostdin -trace_err -error_file '$W/uas-errors.log'"
UAS_PID=$LAB_LAST_PID
sip_listening() { ip netns exec "$LAB-pbx" ss -Hltn "sport = :5060" | grep -q LISTEN; }
lab_wait 10 "SIPp UAS on the PBX" sip_listening || lab_die "SIPp's UAS did not start"
call() {
    ip netns exec "$LAB-ph" sh -c "cd '$W' && exec timeout 40 sipp 127.0.0.1:5060 -sn uac_pcap -s '$RECEPTION' -t t1 -i 127.0.0.1 -p 5070 -mi '$PH_IP' -mp '$PH_MEDIA' \
        -m 1 -timeout 30s -timeout_error -recv_timeout 10s -nostdin -trace_err -error_file '$W/uac-errors.log'" >"$W/uac.log" 2>&1
}
CALL_START=$(date +%s%N)
call_rc=0; call || call_rc=$?
lab_fig "the call (INVITE to BYE with 8 s of media)" "$(lab_since "$CALL_START") ms"
lab_expect "a call over TLS from $PH_ZONE to $PBX: SIPp counts one successful call (INVITE, 200, ACK, media, BYE, 200)" pass test "$call_rc" = 0
MEDIA_IN=$(count "$LAB-pbx" media_in); MEDIA_BACK=$(count "$LAB-ph" media_back)
lab_log "media: $MEDIA_IN RTP packets reached the PBX's port $RTP_MIN, $MEDIA_BACK came back from it"
lab_expect "RTP phone -> PBX on port $RTP_MIN (in the range): the PBX received the call's media" pass test "${MEDIA_IN:-0}" -ge 50
lab_expect "RTP PBX -> phone (the echo from port $RTP_MIN): the phone received it" pass test "${MEDIA_BACK:-0}" -ge 50
kill "$UAS_PID" 2>/dev/null || true
wait "$UAS_PID" 2>/dev/null || true

# --- RTP edges and the PBX's own first packet, with a small UDP prober ----------------------------------------------------
cat >"$W/udp.py" <<'EOF'
import socket, sys
mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if mode == "recv":
    s.bind((host, port)); s.settimeout(float(sys.argv[4]))
    try:
        data, peer = s.recvfrom(64); print("received", data.decode(), "from", peer[0], peer[1]); sys.exit(0)
    except socket.timeout:
        print("nothing within", sys.argv[4], "s"); sys.exit(1)
else:
    if len(sys.argv) > 4: s.bind(("0.0.0.0", int(sys.argv[4])))
    for _ in range(3): s.sendto(b"billu-rtp-probe", (host, port))
EOF
udp_probe() { # <from ns> <to ns> <to ip> <port> [source port]: a datagram sent, received within 3 s?
    ip netns exec "$LAB-fw" conntrack -F >/dev/null 2>&1 || true
    lab_bg "$LAB-$2" "$W/recv-$4.log" timeout 10 python3 "$W/udp.py" recv "$3" "$4" 3
    local rpid=$LAB_LAST_PID
    lab_wait 5 "UDP receiver on $4" sh -c "ip netns exec '$LAB-$2' ss -Hlun 'sport = :$4' | grep -q ." || return 1
    ip netns exec "$LAB-$1" python3 "$W/udp.py" send "$3" "$4" ${5:+"$5"}
    wait "$rpid"
}
lab_expect "RTP phone -> PBX on the range's first port $RTP_MIN" pass udp_probe ph pbx "$PBX_IP" "$RTP_MIN"
lab_expect "RTP phone -> PBX on the range's last port $RTP_MAX" pass udp_probe ph pbx "$PBX_IP" "$RTP_MAX"
lab_expect "RTP phone -> PBX one port below the range ($((RTP_MIN - 1))) is dropped" fail udp_probe ph pbx "$PBX_IP" "$((RTP_MIN - 1))"
lab_expect "RTP phone -> PBX one port above the range ($((RTP_MAX + 1))) is dropped" fail udp_probe ph pbx "$PBX_IP" "$((RTP_MAX + 1))"
lab_expect "RTP PBX -> phone first (new, from port $RTP_MIN to the phone's port $PH_MEDIA)" pass udp_probe pbx ph "$PH_IP" "$PH_MEDIA" "$RTP_MIN"

# --- the acceptance run's telephony scenario (tools/acceptance/scenarios/telephony.ts), from the phone's zone ----------
# A SIP OPTIONS over TLS to the PBX's address and port (the model's), the certificate verified against the site CA for
# the PBX's FQDN, a SIP/2.0 final response expected. From the phone's namespace (--zone its zone: the router opens
# SIP/TLS from the phones' zones only), through the router's rendered ruleset. The stand-in: SIPp running a UAS
# scenario that answers OPTIONS with 200 (below), behind the PBX's stunnel. Lab override: the outputs' caCertPem is the
# lab's throwaway CA. With the stand-in stopped (stunnel still up) the scenario fails (exit 1) saying so.
cat >"$W/options-uas.xml" <<'EOF'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="answers OPTIONS (the PBX's stand-in for the acceptance run)">
  <recv request="OPTIONS" crlf="true"/>
  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Allow: INVITE, ACK, BYE, CANCEL, OPTIONS
      Content-Length: 0

    ]]>
  </send>
</scenario>
EOF
node -e 'const fs=require("fs"); const o=JSON.parse(fs.readFileSync(process.argv[1],"utf8")); o.caCertPem=fs.readFileSync(process.argv[2],"utf8"); fs.writeFileSync(process.argv[3], JSON.stringify(o), {mode: 0o600})' \
    "$OUT/outputs.json" "$LAB_PKI/ca.pem" "$LAB_DIR/outputs-acc.json"
acceptance() { # <report dir>: the telephony scenario from the phone's namespace; exit code of the run
    ip netns exec "$LAB-fw" conntrack -F >/dev/null 2>&1 || true
    ip netns exec "$LAB-ph" env BILLU_PROJECT_ROOT="$LAB_ROOT" timeout 60 node "$LAB_ROOT/dist/tools/acceptance.js" --stack dev \
        --config "$LAB_ROOT/Pulumi.dev.yaml" --outputs "$LAB_DIR/outputs-acc.json" --only telephony --zone "$PH_ZONE" --report "$1" >"$1.log" 2>&1
}
acceptance_exit() { local rc=0; acceptance "$2" || rc=$?; test "$rc" = "$1"; } # <exit code> <report dir>
lab_bg "$LAB-pbx" "$W/options-uas.log" sh -c "cd '$W' && exec sipp -sf '$W/options-uas.xml' -t t1 -i 127.0.0.1 -p 5060 -nostdin -trace_err -error_file '$W/options-errors.log'"
OPT_PID=$LAB_LAST_PID
lab_wait 10 "SIPp answering OPTIONS on the PBX" sip_listening || lab_die "SIPp's OPTIONS UAS did not start"
T_ACC=$(date +%s%N)
lab_expect "acceptance: the telephony scenario passes from $PH_IP ($PH_ZONE) (exit 0)" pass acceptance_exit 0 "$LAB_DIR/acceptance"
lab_fig "the acceptance run's telephony scenario" "$(lab_since "$T_ACC") ms"
sed 's/^/    /' "$LAB_DIR/acceptance.log" | tail -n 4
lab_expect "acceptance: its JUnit report has 1 step, no failure" pass grep -q '<testsuites [^>]*tests="1" failures="0"' "$LAB_DIR/acceptance/acceptance.xml"
lab_expect "acceptance: the step observed SIP/2.0 200 OK over TLS, the certificate verified for $FQDN" pass \
    grep -q "| SIP/2.0 200 OK in [0-9]* ms (TLSv1.[23], certificate verified against the site CA for $FQDN) |" "$LAB_DIR/acceptance/acceptance.md"
kill "$OPT_PID" 2>/dev/null || true
wait "$OPT_PID" 2>/dev/null || true
lab_expect "the stand-in stopped: nothing listens on tcp/5060 behind the PBX's stunnel" fail sip_listening
lab_expect "acceptance: with the stand-in stopped, the telephony scenario fails (exit 1, not bad input)" pass acceptance_exit 1 "$LAB_DIR/acceptance-stopped"
sed 's/^/    /' "$LAB_DIR/acceptance-stopped.log" | tail -n 4
lab_expect "acceptance: its report says the TLS session was made and verified, then closed before any SIP answer" pass grep -qF \
    "| the connection was closed before a final response (TLSv1.3, certificate verified against the site CA for $FQDN) | FAIL |" "$LAB_DIR/acceptance-stopped/acceptance.md"

# --- SIP from the DMZ and the WAN: dropped --------------------------------------------------------------------------------
tcp_connect() { # <from ns>: a TCP handshake to the PBX's SIP/TLS port within 3 s?
    ip netns exec "$LAB-fw" conntrack -F >/dev/null 2>&1 || true
    ip netns exec "$LAB-$1" timeout 3 bash -c "exec 3<>/dev/tcp/$PBX_IP/$SIP_PORT"
}
lab_expect "SIP/TLS from $PH_ZONE connects (the control for the two below)" pass tcp_connect ph
lab_expect "SIP/TLS from the DMZ ($DMZ_ZONE) is dropped" fail tcp_connect dmz
lab_expect "SIP/TLS from the WAN ($WAN_ZONE) is dropped" fail tcp_connect wan

lab_fig "whole lab" "$(lab_since "$START") ms"
lab_finish
