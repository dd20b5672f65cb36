#!/usr/bin/env bash
# labs/web: the DMZ web server (PAR-WEB01) exactly as offline synth rendered it, behind the router's rendered
# nftables ruleset, in network namespaces that carry the dev model's own addresses and interface names:
#
#   bweb-wan (the internet, at the WAN gateway) -- bweb-fw (PAR-FW01: eth* as rendered) --+-- bweb-dmz (PAR-WEB01)
#                                                                                         +-- bweb-lan (a department client)
#
#   part 1  `apache2ctl -t` accepts the rendered apache2.conf of both committed stacks (dev, prod) and refuses a
#           broken one.
#   part 2  the rendered `web` guest step (run.sh, its billu-lib.sh, every staged file) runs for real: the keys and
#           certificates arrive through the step's secret channel (stdin) into 0600 files, apache2.conf is
#           installed only after `apache2ctl -t` accepts it, Apache is started, then reloaded only on change; a
#           broken configuration is refused and the running one stays; content removed from the repo goes.
#   part 3  probes with curl (--resolve maps the names to the lab's addresses; every probe bounded):
#           from the WAN, the public site answers over HTTPS through the router's port forward, HTTP redirects,
#           the intranet is unreachable (the router drops the intranet's listener; the port forward reaches the
#           public site's own listener, which has no intranet); then, with the router opened on purpose to the
#           intranet's listener, Apache refuses the WAN (403): the second layer. From the LAN both sites answer
#           and HTTP redirects to HTTPS. TLS below 1.2 is refused; the security headers are there.
#
# Lab overrides (documented; everything else runs byte for byte as rendered, read back after the step ran):
#  1. Paths: the guest paths /etc/apache2/apache2.conf, /etc/ssl/billu/, /etc/billu/web/, /var/www/billu and the
#     step's staging folder live under the lab's folder (labs/web/overrides.json, applied by lab_overridden).
#  2. Certificates: a throwaway CA and one ECDSA P-384 certificate per site made with openssl stand in for the site
#     CA's; they reach the step through its secret channel like production's.
#  3. systemd: `systemctl` is a stub on the step's PATH that starts/reloads Apache in the DMZ namespace (apache2
#     -k start / -k graceful) and logs each call, so the lab can tell a reload from none.
#  4. Debian's envvars: the lab's own (run, lock and log directories under the lab's folder).
# The router's ruleset and sysctl need no override: the lab's interfaces carry the rendered names.
# Proof it runs what synth rendered: after the step, every file it installed is read back (bytes, mode, owner) and
# compared with out/dev/rendered, the tree `npm run synth -- --stack dev` wrote (lab_readback).
# Proof the lab can fail: BILLU_LAB_SABOTAGE=1 (declared in labs/web/sabotage.txt) widens the intranet's `Require ip` to `Require all granted` in the
# staged apache2.conf (after the hash check); the Apache-layer probes must then fail and the lab exit 1.
LAB=bweb
source "$(dirname "$0")/../lib/common.sh"
lab_require apache2 apache2ctl curl openssl nft ip node perl

T0=$(date +%s%N)
DEV=$(lab_synth dev)
PROD=$(lab_synth prod)
chmod 0711 "$LAB_DIR"
P="$LAB_DIR/root"           # override 1: the guest's / for the web step
STAGE="$LAB_DIR/stage/web"
TLS="$LAB_DIR/tls"
mkdir -p "$P/var/www" "$TLS" "$LAB_DIR/bin" "$LAB_DIR/run" "$LAB_DIR/lock" "$LAB_DIR/log"
chmod 0755 "$P" "$P/var" "$P/var/www" # as Debian's base system and the apache2 package leave them

# --- facts from the synthesized outputs (never hard-coded) -------------------------------------------------
facts() {
    # shellcheck disable=SC2016 # a JavaScript program: its ${...} are node's, not the shell's
    node -e '
const fs = require("fs");
const dir = process.argv[1];
const o = JSON.parse(fs.readFileSync(dir + "/outputs.json", "utf8"));
const res = JSON.parse(fs.readFileSync(dir + "/resources.json", "utf8")).resources;
const web = res.find((r) => r.type === "billu:web:WebDmz").inputs;
const host = o.hosts.find((h) => h.name === web.host);
const fw = o.hosts.find((h) => h.role === "firewall");
const zone = (n) => o.zones.find((z) => z.name === n);
const wan = o.zones.find((z) => z.kind === "wan");
const lan = o.zones.find((z) => z.kind === "department");
const pub = (scheme) => web.publishedListeners.find((l) => l.scheme === scheme) || {};
const out = [];
const sh = (k, v) => out.push(`${k}=${JSON.stringify(String(v))}`);
sh("WEB_HOST", host.name); sh("WEB_ADDR", host.address); sh("WEB_PREFIX", zone(host.zone).cidr.split("/")[1]);
sh("WEB_GW", zone(host.zone).gateway); sh("WEB_ZONE", host.zone);
sh("PUBLIC", web.publicName); sh("INTRANET", web.intranetName);
sh("HTTPS_PORT", web.intranetPorts[0]); sh("HTTP_PORT", web.intranetPorts[1]);
sh("PUB_HTTPS_WAN", pub("https").wanPort ?? ""); sh("PUB_HTTP_WAN", pub("http").wanPort ?? "");
sh("FW_NICS", fw.nics.map((n) => `${n.ifname},${n.zone},${n.address}`).join(" "));
sh("WAN_ZONE", wan.name); sh("WAN_GW", wan.gateway); sh("WAN_ADDR", wan.routerAddress); sh("WAN_PREFIX", wan.cidr.split("/")[1]);
sh("LAN_ZONE", lan.name); sh("LAN_ADDR", lan.dhcpPool.split("-")[0]); sh("LAN_PREFIX", lan.cidr.split("/")[1]); sh("LAN_GW", lan.gateway);
console.log(out.join("\n"));
' "$1"
}
eval "$(facts "$DEV")"
# shellcheck disable=SC2153 # LAN_ZONE is set by the eval above
lab_log "$WEB_HOST $WEB_ADDR ($WEB_ZONE): https://$PUBLIC/ and https://$INTRANET/; WAN ${WAN_ADDR}, LAN client $LAN_ADDR ($LAN_ZONE)"
[ -n "$PUB_HTTPS_WAN" ] || lab_log "warning: the dev synth publishes no https listener of $WEB_HOST (no billu:firewall.published yet): the WAN probes will fail"

# --- override 2: throwaway certificates (ECDSA P-384, like the site CA's) ---------------------------------------
openssl ecparam -name secp384r1 -genkey -noout -out "$TLS/ca.key" 2>/dev/null
openssl req -x509 -new -key "$TLS/ca.key" -subj "/O=BillU lab/CN=labs-web throwaway CA" -days 1 -out "$TLS/ca.crt" 2>/dev/null
for spec in "public:$PUBLIC" "intranet:$INTRANET"; do
    role=${spec%%:*}; name=${spec#*:}
    openssl ecparam -name secp384r1 -genkey -noout -out "$TLS/$role.key" 2>/dev/null
    openssl req -new -key "$TLS/$role.key" -subj "/O=BillU/CN=$name" -out "$TLS/$role.csr" 2>/dev/null
    printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n' "$name" >"$TLS/$role.ext"
    openssl x509 -req -in "$TLS/$role.csr" -CA "$TLS/ca.crt" -CAkey "$TLS/ca.key" -CAcreateserial -days 1 -extfile "$TLS/$role.ext" -out "$TLS/$role.crt" 2>/dev/null
done

# --- override 4: Debian's envvars, the lab's directories -------------------------------------------------------
cat >"$LAB_DIR/envvars" <<EOF
export APACHE_RUN_USER=www-data APACHE_RUN_GROUP=www-data
export APACHE_PID_FILE=$LAB_DIR/run/apache2.pid APACHE_RUN_DIR=$LAB_DIR/run APACHE_LOCK_DIR=$LAB_DIR/lock APACHE_LOG_DIR=$LAB_DIR/log
export LANG=C
EOF
export APACHE_ENVVARS="$LAB_DIR/envvars"

# override 1: the paths (labs/web/overrides.json): the trees the lab installs from, and the read-back's reference.
lab_overridden dev "$DEV/rendered" "$LAB_DIR/lab-dev" ROOT="$P" STAGE="$STAGE"
lab_overridden prod "$PROD/rendered" "$LAB_DIR/lab-prod" ROOT="$P" STAGE="$STAGE"
lab_expected dev ROOT="$P" STAGE="$STAGE"

# --- part 1: apache2ctl -t on both stacks' rendered configurations ------------------------------------------------
lab_log "part 1: apache2ctl -t on the rendered apache2.conf of dev and prod"
check_conf() { # <apache2.conf with the path overrides>: a copy, with the lab's certificates in place
    local copy="$LAB_DIR/check.conf"
    cp "$1" "$copy"
    mkdir -p "$P/etc/ssl/billu/web"
    for role in public intranet; do cp "$TLS/$role.crt" "$P/etc/ssl/billu/web/$role.crt"; cp "$TLS/$role.key" "$P/etc/ssl/billu/web/$role.key"; done
    apache2ctl -t -f "$copy"
}
for stack in dev prod; do
    lab_expect "apache2ctl -t accepts the $stack stack's rendered apache2.conf" pass check_conf "$LAB_DIR/lab-$stack/PAR-WEB01/etc/apache2/apache2.conf"
done
broken() {
    sed -e 's|^SSLProtocol .*|SSLProtocol -all +TLSv1.9|' "$LAB_DIR/check.conf" >"$LAB_DIR/broken.conf"
    apache2ctl -t -f "$LAB_DIR/broken.conf"
}
lab_expect "apache2ctl -t refuses a broken configuration" fail broken
rm -rf "${P:?}/etc"

# --- the network --------------------------------------------------------------------------------------------------
lab_ns wan; lab_ns fw; lab_ns dmz; lab_ns lan
for spec in $FW_NICS; do
    IFS=, read -r ifname zone addr <<<"$spec"
    case "$zone" in
        "$WAN_ZONE") lab_link bweb-fw "$ifname" "$addr" bweb-wan eth0 "$WAN_GW/$WAN_PREFIX" ;;
        "$WEB_ZONE") lab_link bweb-fw "$ifname" "$addr" bweb-dmz eth0 "$WEB_ADDR/$WEB_PREFIX" ;;
        "$LAN_ZONE") lab_link bweb-fw "$ifname" "$addr" bweb-lan eth0 "$LAN_ADDR/$LAN_PREFIX" ;;
        *) # a zone without a lab host: a stub link, so the ruleset's interface exists
            ip -n bweb-fw link add "$ifname" type veth peer name "s$ifname"
            ip -n bweb-fw addr add "$addr" dev "$ifname"
            ip -n bweb-fw link set "$ifname" up; ip -n bweb-fw link set "s$ifname" up ;;
    esac
done
ip -n bweb-fw route add default via "$WAN_GW"
ip -n bweb-dmz route add default via "$WEB_GW"
ip -n bweb-lan route add default via "$LAN_GW"
# The internet knows only the router's WAN address (no route to the site's private networks).
FW_RENDER="$DEV/rendered/PAR-FW01"
cp "$FW_RENDER/etc/nftables.conf" "$LAB_DIR/nftables.conf"
cp "$FW_RENDER/etc/sysctl.d/90-billu-router.conf" "$LAB_DIR/sysctl.conf"
ip netns exec bweb-fw sysctl -q -p "$LAB_DIR/sysctl.conf" >/dev/null
ip netns exec bweb-fw nft -c -f "$LAB_DIR/nftables.conf"
ip netns exec bweb-fw nft -f "$LAB_DIR/nftables.conf"
lab_log "router: rendered sysctl and ruleset loaded (nft -c passed)"
lab_readback dev PAR-FW01 /etc/nftables.conf "$LAB_DIR/nftables.conf" bytes
lab_readback dev PAR-FW01 /etc/sysctl.d/90-billu-router.conf "$LAB_DIR/sysctl.conf" bytes

# --- part 2: the rendered web step, run for real --------------------------------------------------------------
lab_log "part 2: the rendered web guest step"
RENDER="$DEV/rendered/$WEB_HOST"
RSTAGE="$RENDER/var/lib/billu/stage/web"
LSTAGE="$LAB_DIR/lab-dev/$WEB_HOST/var/lib/billu/stage/web" # with the path overrides
mkdir -p "$STAGE"
cp "$LSTAGE/billu-lib.sh" "$LSTAGE/run.sh" "$STAGE/"
mapfile -t GUEST_FILES < <(sed -n "s|^billu_install '\\([^']*\\)'.*|\\1|p" "$RSTAGE/run.sh")
stage_files() { # stages every file the step installs, as the lab's synth rendered it (apache2.conf with the path overrides)
    local f dst
    for f in "${GUEST_FILES[@]}"; do
        dst="$STAGE/files$P$f"; mkdir -p "$(dirname "$dst")"; cp "$LAB_DIR/lab-dev/$WEB_HOST$f" "$dst"
    done
}
# readback_step: what the step installed (bytes, mode, owner) and the staged step are what `synth --stack dev` rendered.
readback_step() {
    local f
    lab_readback dev "$WEB_HOST" /var/lib/billu/stage/web/run.sh "$STAGE/run.sh" bytes
    lab_readback dev "$WEB_HOST" /var/lib/billu/stage/web/billu-lib.sh "$STAGE/billu-lib.sh" bytes
    for f in "${GUEST_FILES[@]}"; do lab_readback dev "$WEB_HOST" "$f" "$P$f"; done
}
stage_files
CONF="$P/etc/apache2/apache2.conf"
STAGED_CONF="$STAGE/files$CONF"
if lab_sabotage; then
    sed -i 's|Require ip .*|Require all granted|' "$STAGED_CONF"
    lab_log "SABOTAGE: the staged apache2.conf admits everyone to the intranet (the Apache-layer probes must fail)"
fi
# Override 2: the secrets, as the step's stdin carries them: "<name>\t<hex of the value>" per line.
hex() { od -An -tx1 <"$1" | tr -d ' \n'; }
SECRETS="$LAB_DIR/secrets"
: >"$SECRETS"
# shellcheck disable=SC2013 # secret names are single words
for name in $(grep -oh '{{secret:[^}]*}}' "${GUEST_FILES[@]/#/$RENDER}" | sort -u | sed 's/{{secret:\(.*\)}}/\1/'); do
    case "$name" in
        web-*-key) role=${name#web-}; src="$TLS/${role%-key}.key" ;;
        web-*-cert) role=${name#web-}; src="$TLS/${role%-cert}.crt" ;;
        *) lab_die "the step uses a secret the lab does not know: $name" ;;
    esac
    printf '%s\t%s\n' "$name" "$(hex "$src")" >>"$SECRETS"
done
lab_log "secrets fed on stdin: $(cut -f1 "$SECRETS" | tr '\n' ' ')"
LAB_SECRETS="$SECRETS" # the read-back expects the secret placeholders filled as the step fills them
# Override 3: systemctl, a stub that drives Apache in the DMZ namespace and logs each call.
cat >"$LAB_DIR/bin/systemctl" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$LAB_DIR/systemctl.log"
. "$LAB_DIR/envvars"
case "\$1" in
    enable) exit 0 ;;
    is-active) [ -s "\$APACHE_PID_FILE" ] && kill -0 "\$(cat "\$APACHE_PID_FILE")" 2>/dev/null ;;
    start) exec ip netns exec bweb-dmz apache2 -f "$CONF" -k start ;;
    reload) exec ip netns exec bweb-dmz apache2 -f "$CONF" -k graceful ;;
    *) echo "systemctl stub: unsupported: \$*" >&2; exit 1 ;;
esac
EOF
chmod 0755 "$LAB_DIR/bin/systemctl"
: >"$LAB_DIR/systemctl.log"
run_step() { PATH="$LAB_DIR/bin:$PATH" sh "$STAGE/run.sh" <"$SECRETS" >"$LAB_DIR/step.out" 2>&1; }
calls() { tr '\n' ';' <"$LAB_DIR/systemctl.log"; }
serving() { ip netns exec bweb-dmz curl -sS -o /dev/null --max-time 2 --cacert "$TLS/ca.crt" --resolve "$PUBLIC:$HTTPS_PORT:$WEB_ADDR" "https://$PUBLIC/"; }

lab_expect "first run: installs everything and starts Apache" pass run_step
lab_log "  step: $(tr '\n' '|' <"$LAB_DIR/step.out" | cut -c1-300)"
readback_step
lab_expect "  systemctl calls: enable, is-active, start ($(calls))" pass grep -qx 'start apache2' "$LAB_DIR/systemctl.log"
lab_wait 10 "Apache answering in $WEB_HOST" serving || lab_die "Apache did not come up: $(tail -5 "$LAB_DIR/log/error.log" 2>/dev/null)"
key_ok() { [ "$(stat -c '%a %U' "$P/etc/ssl/billu/web/$1.key")" = "600 root" ] && cmp -s "$P/etc/ssl/billu/web/$1.key" "$TLS/$1.key"; }
lab_expect "the public key arrived through stdin into a 0600 root file" pass key_ok public
lab_expect "the intranet key arrived through stdin into a 0600 root file" pass key_ok intranet
lab_expect "no secret in the step's output" fail grep -q "BEGIN" "$LAB_DIR/step.out"
# Every folder the step created is 0755 (the library's; the step's umask is 077): www-data traverses the roots.
made_dirs() { find "$P/etc" "$P/var/www/billu" -type d -printf '%m\n' | sort | uniq -c | tr -s ' \n' ' '; }
lab_expect "the folders the step created are all 0755 ($(made_dirs))" fail sh -c "find '$P/etc' '$P/var/www/billu' -type d ! -perm 0755 | grep -q ."
: >"$LAB_DIR/systemctl.log"
lab_expect "second run with nothing changed: succeeds" pass run_step
lab_expect "  and does not reload Apache ($(calls))" fail grep -qx 'reload apache2' "$LAB_DIR/systemctl.log"
touch "$P/var/www/billu/public/stale.html"
lab_expect "content removed from the repository is removed from the document root" pass sh -c "run_out=\$(PATH='$LAB_DIR/bin:$PATH' sh '$STAGE/run.sh' <'$SECRETS' 2>&1) && [ ! -e '$P/var/www/billu/public/stale.html' ]"
# A configuration apache2ctl refuses: the step fails, the installed file stays, Apache keeps serving, no reload.
cp "$STAGED_CONF" "$LAB_DIR/good.conf"
printf 'NoSuchDirective on\n' >>"$STAGED_CONF"
before=$(sha256sum <"$CONF")
: >"$LAB_DIR/systemctl.log"
lab_expect "a broken apache2.conf fails the step (apache2ctl -t refuses it)" fail run_step
lab_expect "  the reason is in the step's output" pass grep -q "check failed for $CONF" "$LAB_DIR/step.out"
lab_expect "  the installed configuration is unchanged" pass test "$before" = "$(sha256sum <"$CONF")"
lab_expect "  Apache was not reloaded and still serves" pass sh -c "! grep -q reload '$LAB_DIR/systemctl.log'"
lab_expect "  ... and still serves" pass serving
cp "$LAB_DIR/good.conf" "$STAGED_CONF"
lab_log "after the refused configuration, the installed files are still the rendered ones:"
readback_step

# --- part 3: probes ------------------------------------------------------------------------------------------------
lab_log "part 3: probes (curl --resolve, bounded: connect 2 s, total 4 s)"
# probe <ns> <name> <port> <address> <scheme> [curl args...]: prints "<http code> <redirect url>"; fails like curl.
probe() {
    local ns="$1" name="$2" port="$3" addr="$4" scheme="$5"; shift 5
    local url="$scheme://$name/"
    { [ "$scheme" = https ] && [ "$port" != 443 ]; } || { [ "$scheme" = http ] && [ "$port" != 80 ]; } && url="$scheme://$name:$port/"
    ip netns exec "bweb-$ns" curl -sS --connect-timeout 2 --max-time 4 --cacert "$TLS/ca.crt" --resolve "$name:$port:$addr" \
        -o "$LAB_DIR/body" -D "$LAB_DIR/headers" -w '%{http_code} %{redirect_url}' "$@" "$url"
}
# expect_http <description> <want "code[ redirect]"> <probe args...>
expect_http() {
    local what="$1" want="$2"; shift 2
    local got rc=0 why=""
    got=$(probe "$@" 2>"$LAB_DIR/curl.err") || rc=$?
    if [ "$rc" != 0 ]; then got="curl exit $rc"; why=" ($(tr -d '\n' <"$LAB_DIR/curl.err" | cut -c1-100))"; fi
    got="${got% }"
    if [ "$got" = "$want" ]; then LAB_PASSES=$((LAB_PASSES + 1)); printf '[%s]   ok    %-34s %s%s\n' "$LAB" "$got" "$what" "$why"
    else LAB_FAILS=$((LAB_FAILS + 1)); printf '[%s]   FAIL  want %s, got %s: %s%s\n' "$LAB" "$want" "$got" "$what" "$why"; fi
    lab_stop_if_asked
}
body_has() { grep -q "$1" "$LAB_DIR/body"; }
header_has() { grep -qi "^$1" "$LAB_DIR/headers"; }

lab_log "from the WAN ($WAN_GW), at the router's WAN address $WAN_ADDR:"
expect_http "public site over https, through the port forward" "200" wan "$PUBLIC" "${PUB_HTTPS_WAN:-443}" "$WAN_ADDR" https
lab_expect "  it is the public site's content" pass body_has "billu-site: public"
lab_expect "  with HSTS and the security headers" pass sh -c "grep -qi '^strict-transport-security: max-age=63072000' '$LAB_DIR/headers' && grep -qi '^content-security-policy:' '$LAB_DIR/headers' && grep -qi '^x-content-type-options: nosniff' '$LAB_DIR/headers'"
expect_http "public site over http redirects to https" "301 https://$PUBLIC/" wan "$PUBLIC" "${PUB_HTTP_WAN:-80}" "$WAN_ADDR" http
expect_http "the intranet's name through the port forward: no intranet certificate there" "curl exit 60" wan "$INTRANET" "${PUB_HTTPS_WAN:-443}" "$WAN_ADDR" https
expect_http "  ... and no intranet content even without verification (421)" "421" wan "$INTRANET" "${PUB_HTTPS_WAN:-443}" "$WAN_ADDR" https -k
lab_expect "  (the body is not the intranet's)" fail body_has "billu-site: intranet"
# The client is allowed TLS 1.1 (OpenSSL's security level 0), so a refusal can only come from the server.
expect_http "TLS 1.1 is refused" "curl exit 35" wan "$PUBLIC" "${PUB_HTTPS_WAN:-443}" "$WAN_ADDR" https --tlsv1.1 --tls-max 1.1 --ciphers 'DEFAULT:@SECLEVEL=0'
lab_expect "  by the server (its protocol_version alert)" pass grep -q "alert protocol version" "$LAB_DIR/curl.err"
expect_http "TLS 1.2 is accepted" "200" wan "$PUBLIC" "${PUB_HTTPS_WAN:-443}" "$WAN_ADDR" https --tlsv1.2 --tls-max 1.2
lab_log "from the WAN, straight at $WEB_HOST's intranet listener ($WEB_ADDR:$HTTPS_PORT, through the router):"
ip -n bweb-wan route add "$WEB_ADDR/32" via "$WAN_ADDR"
expect_http "intranet over https: dropped by the router" "curl exit 28" wan "$INTRANET" "$HTTPS_PORT" "$WEB_ADDR" https
expect_http "intranet over http: dropped by the router" "curl exit 28" wan "$INTRANET" "$HTTP_PORT" "$WEB_ADDR" http
lab_log "the router opened on purpose: WAN -> $WEB_ADDR tcp/$HTTP_PORT,$HTTPS_PORT accepted (the second layer must hold)"
ip netns exec bweb-fw nft insert rule inet billu forward ip daddr "$WEB_ADDR" tcp dport "{ $HTTP_PORT, $HTTPS_PORT }" accept comment '"labs/web: opened on purpose"'
expect_http "  public site over the opened path: the opening works" "200" wan "$PUBLIC" "$HTTPS_PORT" "$WEB_ADDR" https
expect_http "  intranet over https: refused by Apache (Require ip)" "403" wan "$INTRANET" "$HTTPS_PORT" "$WEB_ADDR" https
lab_expect "  (the body is not the intranet's)" fail body_has "billu-site: intranet"
expect_http "  intranet over http: refused by Apache, no redirect" "403" wan "$INTRANET" "$HTTP_PORT" "$WEB_ADDR" http
handle=$(ip netns exec bweb-fw nft -a list chain inet billu forward | sed -n 's/.*labs\/web: opened on purpose.* handle \([0-9]*\)$/\1/p')
ip netns exec bweb-fw nft delete rule inet billu forward handle "$handle"
ip -n bweb-wan route del "$WEB_ADDR/32"
lab_log "router closed again (rule handle $handle deleted)"

lab_log "from the LAN ($LAN_ADDR, $LAN_ZONE), at $WEB_HOST ($WEB_ADDR) as the internal DNS answers:"
expect_http "intranet over https" "200" lan "$INTRANET" "$HTTPS_PORT" "$WEB_ADDR" https
lab_expect "  it is the intranet's content" pass body_has "billu-site: intranet"
expect_http "public site over https" "200" lan "$PUBLIC" "$HTTPS_PORT" "$WEB_ADDR" https
lab_expect "  it is the public site's content" pass body_has "billu-site: public"
expect_http "intranet over http redirects to https" "301 https://$INTRANET/" lan "$INTRANET" "$HTTP_PORT" "$WEB_ADDR" http
expect_http "public site over http redirects to https" "301 https://$PUBLIC/" lan "$PUBLIC" "$HTTP_PORT" "$WEB_ADDR" http
expect_http "a name that is no site's: 421 Misdirected Request" "421" lan "www.example.org" "$HTTP_PORT" "$WEB_ADDR" http
expect_http "HTTP/2 is offered over TLS" "200" lan "$INTRANET" "$HTTPS_PORT" "$WEB_ADDR" https --http2
lab_expect "  (answered in HTTP/2)" pass grep -q '^HTTP/2 200' "$LAB_DIR/headers"

# --- part 4: the acceptance tool's web scenario (tools/acceptance/scenarios/web.ts), from both sides ---------------
# As an operator runs it: `--side wan` from the internet's namespace, the default (inside) from the LAN client. Lab
# override: the outputs' caCertPem is the lab's throwaway CA (the one that issued the sites' certificates); the
# expected addresses, ports, names and pages come from the dev model, never from this script.
lab_log "part 4: npm run acceptance -- --stack dev --only web, from the WAN and from the LAN"
node -e 'const fs=require("fs"); const o=JSON.parse(fs.readFileSync(process.argv[1],"utf8")); o.caCertPem=fs.readFileSync(process.argv[2],"utf8"); fs.writeFileSync(process.argv[3], JSON.stringify(o))' \
    "$LAB_ROOT/out/dev/outputs.json" "$TLS/ca.crt" "$LAB_DIR/outputs.json"
# The WAN reaches the web server's own address only through the router (a route, as in part 3): the scenario sees it dropped.
ip -n bweb-wan route add "$WEB_ADDR/32" via "$WAN_ADDR"
acceptance() { # <ns> <report dir> [args...]
    ip netns exec "bweb-$1" env BILLU_PROJECT_ROOT="$LAB_ROOT" node "$LAB_ROOT/dist/tools/acceptance.js" --stack dev \
        --config "$LAB_ROOT/Pulumi.dev.yaml" --outputs "$LAB_DIR/outputs.json" --only web --report "$2" "${@:3}" >"$2.log" 2>&1
}
acceptance_exit() { local rc=0; acceptance "${@:2}" || rc=$?; test "$rc" = "$1"; } # <exit code> <ns> <dir> [args...]
junit_failures() { grep -o '<testsuites [^>]*failures="[0-9]*"' "$1/acceptance.xml" | grep -o 'failures="[0-9]*"'; }
t=$(date +%s%N)
lab_expect "acceptance web --side wan, from the internet: passes (exit 0)" pass acceptance wan "$LAB_DIR/acceptance-wan" --side wan
sed 's/^/    /' "$LAB_DIR/acceptance-wan.log"
lab_expect "  its JUnit report counts 4 steps, no failure" pass grep -q '<testsuites [^>]*tests="4" failures="0"' "$LAB_DIR/acceptance-wan/acceptance.xml"
lab_expect "acceptance web from the LAN: passes (exit 0)" pass acceptance lan "$LAB_DIR/acceptance-lan"
sed 's/^/    /' "$LAB_DIR/acceptance-lan.log"
lab_expect "  its JUnit report counts 3 steps, no failure" pass grep -q '<testsuites [^>]*tests="3" failures="0"' "$LAB_DIR/acceptance-lan/acceptance.xml"
lab_fig "acceptance web, both sides" "$(lab_since "$t") ms"
# Broken daemon: Apache stopped, the same run from the LAN fails (exit 1) and its report says why, step by step.
# shellcheck disable=SC1091 # the lab's own envvars, written above
(. "$LAB_DIR/envvars" && ip netns exec bweb-dmz apache2 -f "$CONF" -k stop) # as the systemctl stub runs it, with Debian's envvars
lab_wait 10 "Apache stopped" sh -c "! ip netns exec bweb-dmz curl -s -o /dev/null --max-time 2 http://$WEB_ADDR:$HTTP_PORT/"
lab_expect "Apache stopped: acceptance web from the LAN fails (exit 1, not bad input)" pass acceptance_exit 1 lan "$LAB_DIR/acceptance-stopped"
sed 's/^/    /' "$LAB_DIR/acceptance-stopped.log"
lab_expect "  its report says the intranet step saw no connection (curl exit 7)" pass grep -q "^| intranet site https://$INTRANET/ at $WEB_HOST ($WEB_ADDR) | 200, its index.html (sha256 [0-9a-f]*) | curl exit 7: curl: (7) Failed to connect to " "$LAB_DIR/acceptance-stopped/acceptance.md"
lab_expect "  and counts 3 failures" pass grep -q '<testsuites [^>]*failures="3"' "$LAB_DIR/acceptance-stopped/acceptance.xml"

lab_log "lab duration: $(( ($(date +%s%N) - T0) / 1000000 )) ms"
lab_finish
