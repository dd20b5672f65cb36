#!/usr/bin/env bash
# labs/monitoring: Zabbix 6.0 (Debian's packages) configured as code through its API, watching the dev model's hosts
# over TLS PSK, in network namespaces that carry the dev model's addresses, behind the dev router's rendered ruleset:
#
#   bmon-mon (PAR-MON01: Zabbix server, PostgreSQL, the frontend's API, its own agent) --management-- bmon-fw
#   (PAR-FW01: the rendered sysctl and nftables ruleset, an agent) --dmz-- bmon-web (PAR-WEB01: Apache + agent)
#   bmon-fw --servers-- switch -- bmon-dhcp (PAR-DHCP01: agent)
#                              |-- bmon-dc (PAR-DC01, the first DC: an agent reading the directory drift verdict)
#                              |-- bmon-ftp (PAR-FTP01), bmon-pbx (PAR-PBX01): agents only (no vsftpd, no Asterisk)
#                              \-- bmon-mail (PAR-MAIL01: an SMTP sink + an agent whose PSK is wrong on purpose)
#   The management zone is a bridge (bmon-msw) with PAR-MON01 and bmon-bkp (PAR-BKP01: an agent reading backup results).
#
#   1. The rendered files synth wrote for these hosts are installed as their steps declare (mode, owner) and read back
#      against out/dev/rendered (lab_readback): the router's sysctl and ruleset, every agent's zabbix_agent2.conf, the
#      Zabbix configuration document of PAR-MON01 (/etc/billu/monitoring/zabbix-config.json). Each agent runs with
#      its rendered file as /etc/zabbix/zabbix_agent2.conf of its own namespace (/etc/netns/<ns>/zabbix, which
#      `ip netns exec` binds over /etc/zabbix) and a private /var/log/zabbix and /tmp: no path is overridden.
#   2. PostgreSQL (a cluster of the lab's, Unix socket only; LAB-ONLY settings fsync=off, synchronous_commit=off,
#      full_page_writes=off, wal_level=minimal: a throwaway database, never a deployed one), Debian's schema (schema.sql,
#      images.sql and data.sql in one transaction of one psql session, then ANALYZE), the Zabbix server and the frontend's API
#      (PHP's built-in server on 127.0.0.1 of bmon-mon, behind an HTTPS reverse proxy at the server's address).
#   3. The RENDERED `monitoring-config` step (its run.sh, billu-lib.sh and staged files as synth wrote them) runs as
#      root in bmon-mon with the lab's folders mounted over /etc/billu, /usr/local/lib/billu and /var/lib/billu, its
#      secrets (Admin's and the read-only account's passwords, every host's PSK) on stdin: the first run replaces
#      Admin's stock password, ensures the document (zabbix-config.py) and makes the read-only API account; the second
#      prints `zabbix-config: no change`, reports the step unchanged, and configuration.export of the document's hosts,
#      templates and host groups is identical before and after it. Every file it installed is read back. The
#      read-only account (its credentials fetched from the installed api-reader.cred) reads hosts with their
#      templates, and its host.update and hostgroup.create are refused with the API's permission error.
#   Before the server exists, each agent is asked agent.ping over its PSK from the server's address (probe.py
#   agent-ping: Zabbix's passive-check protocol through openssl s_client), across the router's rules; the mail
#   host's agent (another PSK) must refuse.
#   4. Probes through the API: every planned host exists with its planned templates; the router, DHCP, web and
#      server agents become available with PSK both ways; the mail host's agent (wrong PSK) stays unavailable with an
#      error; items receive values; Apache stopped in bmon-web raises "Apache down" within a bound (the latency is
#      measured), the alert mail reaches the sink; Apache restarted resolves it. Every Linux host carries the base
#      template's "Agent unreachable" trigger with the renderer's nodata() expression; PAR-DHCP01's agent stopped raises it.
#   5. The directory drift template (issue #27) on PAR-DC01: the lab writes the verdict file at the model's path (as
#      apply_samba.py --result does): drift 0, then one extra Domain Admin, then a verdict 30 days old. The JSONPath
#      items take its drift and privileged counts, the JavaScript item (preprocessing type 21) its checkedAt as the lab's
#      own Unix seconds, the high trigger is raised for the privileged drift while the grace warning stays quiet, and
#      the now() trigger is raised by the stale verdict: what a real Zabbix 6.0 accepts and evaluates, not only renders.
#   5b. The business dashboard (issue #18), read back through the API: its widgets as the document places them, each
#      item widget showing the planned host's item, the items of the 8 running agents with data (the mail host's,
#      wrong PSK, without: the same probe fails for it); the backup server's agent reads per-client results the lab
#      writes as scripts/backup/report.sh does (one successful, one missing): the end time and status items and the
#      "failed" trigger; the router's billu.ipsec.sas UserParameter supported (0: no tunnel here).
#   5c. Certificates (issue #18): the agents' web.certificate.get against real TLS servers with certificates of the lab's
#      site CA: Apache's (both sites' names, 90 days) and an openssl s_server standing in for PAR-DC01's LDAPS, its
#      certificate expiring between the model's two thresholds. Each expiry item equals its certificate file's notAfter
#      (python's ssl, not the document), each validation item is "valid"; the DC's warning is raised, its high problem and
#      "does not verify" are not; PAR-MON01's billu.siteca.notafter (openssl through sudo) equals the site CA's notAfter.
#      Lab stand-ins: the web and DC agents see Debian's bundle plus the lab's CA at /etc/ssl/certs/ca-certificates.crt
#      (what the agent step's update-ca-certificates makes); the site CA is the lab's, valid 400 days (lab_ca's one day
#      would raise PAR-MON01's triggers, which the acceptance run counts).
#   5d. The LDAPS stand-in's certificate swapped (same agent and endpoint, each fetched at once by "Execute now",
#      task.create): one inside the model's critical window (thresholds from tools/lab-facts.ts, not the document) raises the
#      high problem; a self-signed one gives "valid-but-self-signed" and raises "does not verify". IMAPS: Dovecot on 993 of
#      the mail host, whose agent now gets the server's PSK: the Postfix template's rendered item reads its certificate.
#      The router's charon (no tunnel) answers billu.ipsec.sas's swanctl: the item equals charon's own count.
#   5e. prod's Windows template created in this Zabbix by the configuration step's own code (zabbix-config.py), twice.
#   6. The acceptance run's monitoring scenario with the read-only account: passes, then fails naming a stopped agent.
#   Figures: schema load, trigger latency, resolve latency, the memory of the Zabbix server and PostgreSQL (RSS and PSS
#   of all their processes, once the configuration step has run and items receive values, and again at the end), lab
#   duration.
#   Phases (lab_phase): the set-up above (PostgreSQL, the server, the frontend, the configuration step's first run) is
#   every probe's; the probes after it run in phases, each naming the sabotage switches whose probe it holds or feeds, so
#   a sabotage run skips the others (a normal run takes every one, and lab_finish checks it did).
#   Cleanup: zabbix_server is stopped first and waited for (bounded), PostgreSQL still running, so its shutdown syncs
#   and exits instead of reconnecting to a stopped database until lab_cleanup's watchdog kills it.
#
# Lab overrides (labs/monitoring/overrides.json, the only differences from synth's files): the document's item
# intervals are short (60s -> 5s, 5m -> 10s, 1h -> 30s) so the trigger fires in seconds, not minutes; the agent-unreachable
# period {$BILLU.AGENT.NODATA} is 30 s (nodata()'s shortest), not 5 min.
#
# Sabotage (labs/monitoring/sabotage.txt): BILLU_LAB_SABOTAGE=1 gives the web agent's installed configuration, after
# its read-back, a wrong server address (Server=, ServerActive=): the agent refuses the server's address, so the first
# probe, "PAR-WEB01's agent answers agent.ping ...", fails before PostgreSQL starts (the sabotage run ends there).
# BILLU_LAB_NODATA_SABOTAGE=1 gives PAR-DHCP01 a host macro {$BILLU.AGENT.NODATA} = 1h (through the API, before its agent
# is stopped): it shadows the template's 30 s, so "Agent unreachable ..." is not raised within the bound.
# BILLU_LAB_USERPARAM_SABOTAGE=1 removes the UserParameter lines of the router's installed agent configuration (after
# its read-back): billu.ipsec.sas becomes unsupported and the business dashboard probe fails.
# BILLU_LAB_CERT_SABOTAGE=1 sets the Samba template's LDAPS expiry item's JSONPath to $.x509.not_before.timestamp (through
# the API, after the idempotence check): "PAR-DC01: billu.cert.expiry[...] is the LDAPS stand-in's notAfter" fails.
# BILLU_LAB_CRIT_SABOTAGE, _VALIDATION_, _IMAPS_, _WINDOWS_ and _CHARON_SABOTAGE: see sabotage.txt (each fails at its probe).
# (monphase, 2026-12-06): in 19 phases: passes, 109 probes, 152 s at load 1.9-5 (trigger 13.9 s, resolve 1.9 s; server +
# PostgreSQL RSS 716 MiB summed, PSS 126 MiB, once items have values). Each of the 9 switches exits 1 at its probe:
# =1 19 s, USERPARAM 127 s, NODATA 168 s, CERT 95 s, CHARON 71 s, CRIT 84 s, VALIDATION 70 s, WINDOWS 26 s, IMAPS 43 s
# (load 0.8-10; before: 8, 127, 168, 109, ~110, 72, 109, 107, 111 s). USERPARAM, NODATA and CERT wait out their probes'
# bounds (90, 120 and 60 s). zabbix_server stops in 1.1-2.8 s at cleanup, PostgreSQL still up.
# (monlab, 2026-12-06): with the certificate swaps, IMAPS, the Windows template and charon: passes, 109 probes, 180 s at
# load 11.4 (certificate swaps 8.9 s, Execute now -> value 2-3 s; IMAPS 16.5 s, most of it the mail agent's restart and
# availability; the Windows template and prod's synth a few seconds); the new switches exit 1 at their probes.
# (monitor, 2026-12-06): with the certificate checks: passes, 95 probes, 104 s (the 12 certificate probes 7.9 s; the
# lab's added set-up, a CA, two certificates and s_server, well under a second); the CERT sabotage exits 1 at its probe.
# (agentdown, 2026-12-05): with the "Agent unreachable" trigger: passes, 83 probes, 103 s (the stopped agent's problem
# 39-53 s after the stop, with the lab's 30 s {$BILLU.AGENT.NODATA}); sabotage: all three switches exit 1 at their probe
# (NODATA at "... is raised on PAR-DHCP01" after 209 s).
# (dash, 2026-12-05): with the business dashboard and the FTP, PBX and backup agents: passes, 79 probes, 99 s (load 3.8;
# dashboard data 16 s after the availability probes, trigger 15.3 s, RSS 227 MiB); again at load 13.7: 112 s,
# dashboard data 0.5 s, trigger 12.7 s, RSS 228 MiB. Sabotage: both switches exit 1 (the USERPARAM one at the dashboard probe).
# STATUS (zbx-deploy, 2026-12-05): passes, 49 probes (read-backs included), 48-50 s (load 1.7: schema load 4.3 s, the
# rendered configuration step's first run 6.7 s, trigger 14.8 s, RSS 225 MiB); the sabotage run exits 1 at its first
# probe after 10 s. (mon-lab, earlier: 28 probes, 102 s at load 2.75.)
# (drift-timer, 2026-12-05): with the drift template, 47 probes, 79 s (load 1.4; privileged verdict -> high problem 9.4 s).
# (zbxshared, 2026-12-05): the two API clients import zabbix_api.py (shipped beside them, read back): passes, 64 probes,
# 84 s (first configuration run 9.5 s, trigger 13.8 s, resolve 2.9 s, RSS 227 MiB); the sabotage run exits 1 at its
# first probe after 8 s; the step rendered without zabbix_api.py fails "the rendered monitoring-config step's first run".
LAB=bmon
source "$(dirname "$0")/../lib/common.sh"
lab_require zabbix_server zabbix_agent2 php8.2 psql /usr/lib/postgresql/15/bin/postgres apache2 openssl python3 node ip nft charon-systemd swanctl dovecot
/usr/bin/python3 -c "import aiosmtpd" 2>/dev/null || lab_require python3-aiosmtpd

T0=$(date +%s%N)
HERE="$(cd "$(dirname "$0")" && pwd)"
DEV=$(lab_synth dev)
chmod 0711 "$LAB_DIR"
API=http://127.0.0.1:8080/api_jsonrpc.php
PROBE=(/usr/bin/python3 "$HERE/probe.py" --url "$API" --credentials "$LAB_DIR/api.cred")

# --- facts from the dev outputs ---------------------------------------------------------------------------------------
# shellcheck disable=SC2016 # a JavaScript program: its ${...} are node's, not the shell's
eval "$(node -e '
const o = require(process.argv[1]);
const z = (n) => o.zones.find((x) => x.name === n);
const one = (role) => o.hosts.find((h) => h.role === role);
for (const [k, r] of [["MON", "monitoring"], ["WEB", "web"], ["DHCP", "dhcp"], ["MAIL", "mail"], ["DC", "dc"], ["FTP", "ftp"], ["PBX", "pbx"], ["BKP", "backup"]]) {
    const h = one(r);
    const zz = z(h.zone);
    console.log(`${k}_HOST=${h.name} ${k}_ADDR=${h.address} ${k}_ZONE=${h.zone} ${k}_PREFIX=${zz.cidr.split("/")[1]} ${k}_GW=${zz.gateway}`);
}
console.log(`FW_HOST=${one("firewall").name}`);
' "$DEV/outputs.json")"
# The model's certificate thresholds (tools/lab-facts.ts: billu:monitoring.thresholds, its defaults): what the certificate
# triggers must fire at, read from the model, not from the document under test.
(cd "$LAB_ROOT" && node dist/tools/lab-facts.js --stack dev) >"$LAB_DIR/facts.json" || lab_die "lab-facts dev failed"
read -r CERT_WARN_DAYS CERT_CRIT_DAYS < <(node -e 'const m = require(process.argv[1]).monitoring; console.log(m.certificateDays, m.certificateCritDays)' "$LAB_DIR/facts.json")
# shellcheck disable=SC2153 # set by the eval above
lab_log "server $MON_HOST $MON_ADDR ($MON_ZONE); agents: $FW_HOST, $DHCP_HOST $DHCP_ADDR, $WEB_HOST $WEB_ADDR, $MAIL_HOST $MAIL_ADDR (wrong PSK)"

# --- the network, behind the router's rendered ruleset ------------------------------------------------------------------
lab_ns fw; lab_ns mon; lab_ns web; lab_ns dhcp; lab_ns mail; lab_ns dc; lab_ns ftp; lab_ns pbx; lab_ns bkp; lab_ns msw; lab_switch
# The server's zone is a second switch (bmon-msw's bridge): the server and the backup server share it, as in the model.
# shellcheck disable=SC2153 # set by the eval above
[ "$BKP_ZONE" = "$MON_ZONE" ] || lab_die "the lab plugs $BKP_HOST into $MON_ZONE's switch, the model puts it in $BKP_ZONE"
ip -n bmon-msw link add br0 type bridge; ip -n bmon-msw link set br0 up
lab_router_nics bmon-fw "$DEV/outputs.json" "$MON_ZONE=bmon-msw" "$WEB_ZONE=bmon-web" "$DHCP_ZONE=switch"
ip -n bmon-msw link set eth0 master br0
lab_expected dev
lab_router_ruleset bmon-fw "$DEV/rendered/$FW_HOST" dev
for m in mon bkp; do lab_link "bmon-$m" eth0 - bmon-msw "p-$m" -; ip -n bmon-msw link set "p-$m" master br0; done
ip -n bmon-mon addr add "$MON_ADDR/$MON_PREFIX" dev eth0; ip -n bmon-mon route add default via "$MON_GW"
ip -n bmon-bkp addr add "$BKP_ADDR/$BKP_PREFIX" dev eth0; ip -n bmon-bkp route add default via "$BKP_GW"
ip -n bmon-web addr add "$WEB_ADDR/$WEB_PREFIX" dev eth0; ip -n bmon-web route add default via "$WEB_GW"
lab_plug dhcp "$DHCP_ADDR/$DHCP_PREFIX"; ip -n bmon-dhcp route add default via "$DHCP_GW"
lab_plug mail "$MAIL_ADDR/$MAIL_PREFIX"; ip -n bmon-mail route add default via "$MAIL_GW"
# shellcheck disable=SC2153 # set by the eval above
[ "$DC_ZONE" = "$DHCP_ZONE" ] || lab_die "the lab plugs $DC_HOST into $DHCP_ZONE's switch, the model puts it in $DC_ZONE"
lab_plug dc "$DC_ADDR/$DC_PREFIX"; ip -n bmon-dc route add default via "$DC_GW"
for k in FTP PBX; do
    z="${k}_ZONE" a="${k}_ADDR" pf="${k}_PREFIX" gw="${k}_GW" n="${k}_HOST"
    [ "${!z}" = "$DHCP_ZONE" ] || lab_die "the lab plugs ${!n} into $DHCP_ZONE's switch, the model puts it in ${!z}"
    lab_plug "${k,,}" "${!a}/${!pf}"; ip -n "bmon-${k,,}" route add default via "${!gw}"
done

# --- the rendered files: the configuration document and every agent's configuration -------------------------------------
DOC_GUEST=/etc/billu/monitoring/zabbix-config.json
DOC="$LAB_DIR/mon/zabbix-config.json"
# The document as installed: synth's, with the lab's short item intervals (overrides.json) like the read-back reference.
lab_overridden dev "$DEV/rendered" "$LAB_DIR/lab-rendered"
lab_install_declared "$LAB_DIR/lab-rendered/$MON_HOST" "$DOC_GUEST" "$DOC"
lab_readback dev "$MON_HOST" "$DOC_GUEST" "$DOC"
declare -A NS=(["$FW_HOST"]=bmon-fw ["$MON_HOST"]=bmon-mon ["$WEB_HOST"]=bmon-web ["$DHCP_HOST"]=bmon-dhcp ["$MAIL_HOST"]=bmon-mail ["$DC_HOST"]=bmon-dc
    ["$FTP_HOST"]=bmon-ftp ["$PBX_HOST"]=bmon-pbx ["$BKP_HOST"]=bmon-bkp)
# PSKs: 256-bit random, one per identity of the document; the server's copy in a 0600 file, each agent's as the agent
# step installs it (0640 root:zabbix). The mail host's agent gets another key: its PSK is wrong.
umask 077
: >"$LAB_DIR/psk"
while read -r host identity; do
    psk=$(openssl rand -hex 32)
    printf '%s %s\n' "$identity" "$psk" >>"$LAB_DIR/psk"
    printf '%s\n' "$psk" >"$LAB_DIR/psk-$host" # the server's key for this agent alone (the agent-ping probe's)
    [ -n "${NS[$host]:-}" ] || continue
    d="/etc/netns/${NS[$host]}/zabbix"
    mkdir -p "$d" "$LAB_DIR/agent-$host/log" "$LAB_DIR/agent-$host/tmp"
    cp -r /etc/zabbix/zabbix_agent2.d "$d/" # the package's plugin settings, which the rendered file includes
    [ "$host" != "$MAIL_HOST" ] || psk=$(openssl rand -hex 32)
    printf '%s\n' "$psk" | install -m 0640 -o root -g zabbix /dev/stdin "$d/zabbix_agent2.psk"
    lab_install_declared "$DEV/rendered/$host" /etc/zabbix/zabbix_agent2.conf "$d/zabbix_agent2.conf"
    lab_readback dev "$host" /etc/zabbix/zabbix_agent2.conf "$d/zabbix_agent2.conf"
done < <(node -e 'for (const h of require(process.argv[1]).hosts) console.log(h.host, h.pskIdentity)' "$DOC")
umask 022
if [ -n "${BILLU_LAB_USERPARAM_SABOTAGE:-}" ]; then
    lab_log "SABOTAGE: $FW_HOST's installed agent config loses its UserParameter lines"
    sed -i '/^UserParameter=/d' /etc/netns/bmon-fw/zabbix/zabbix_agent2.conf
fi
if lab_sabotage; then
    lab_log "SABOTAGE: $WEB_HOST's installed agent config names a wrong server address"
    sed -i -e "s/^Server=.*/Server=${MON_ADDR%.*}.251/" -e "s/^ServerActive=.*/ServerActive=${MON_ADDR%.*}.251:10051/" /etc/netns/bmon-web/zabbix/zabbix_agent2.conf
fi
# The alert mails go to the plan's mail server by name: the server's namespace resolves it to the sink's address.
MAIL_NAME=$(node -e 'console.log(require(process.argv[1]).mediaType.smtpServer)' "$DOC")
# It also names this machine's host name, as Debian's /etc/hosts does (127.0.1.1): sudo looks it up, and without it the
# lookup went to DNS through the router (dropped) and outlasted the agent's Timeout (billu.siteca.notafter's sudo).
printf '127.0.0.1 localhost\n127.0.1.1 %s\n%s %s\n' "$(hostname)" "$MAIL_ADDR" "$MAIL_NAME" >/etc/netns/bmon-mon/hosts

# --- the agents and the services they watch ----------------------------------------------------------------------------
# Each agent reads its namespace's /etc/zabbix (the rendered file); its log and control socket go to private folders.
# The first DC's agent reads the drift verdict at the model's path ($DRIFT_RESULT, from the document's drift template):
# its mount namespace gets a tmpfs over the nearest folder of that path this machine has (/var/lib when there is no
# /var/lib/billu: the agent's view only, nothing of this machine's is written) and the lab's folder $LAB_DIR/drift
# bound at the verdict's folder, where the lab writes verdicts as the check does.
DRIFT_RESULT=$(node -e 'const t = require(process.argv[1]).templates.find((x) => x.name === "BillU directory drift");
    const m = t && /^vfs\.file\.contents\[(.*)\]$/.exec(t.items[0].key); console.log(m ? m[1] : "")' "$DOC")
[ -n "$DRIFT_RESULT" ] || lab_die "the document has no BillU directory drift template with a verdict file"
mkdir -p "$LAB_DIR/drift"
# The backup server's agent reads each client's result where report.sh writes it (the document's backup template): the
# same mount trick binds the lab's folder $LAB_DIR/backup-results there.
BACKUP_RESULTS=$(node -e 'const t = require(process.argv[1]).templates.find((x) => x.name === "BillU backup freshness");
    const m = t && /^vfs\.file\.contents\[(.*)\/[^/]*\]$/.exec(t.items[0].key); console.log(m ? m[1] : "")' "$DOC")
[ -n "$BACKUP_RESULTS" ] || lab_die "the document has no BillU backup freshness template with a result file"
mkdir -p "$LAB_DIR/backup-results"
# Each client's result as report.sh writes it (backup-run.sh's line, fetched from the client's billu-result snapshot): a
# successful run that started a minute ago and took 42 s for every client but the last, which has none yet (report.sh's
# `missing` line). BACKUP_FRESH is the first client; BACKUP_END its run's end, the value its dashboard widget must show.
mapfile -t BACKUP_CLIENTS < <(node -e 'for (const i of require(process.argv[1]).templates.find((x) => x.name === "BillU backup freshness").items)
    { const m = /^billu\.backup\.finished\[(.*)\]$/.exec(i.key); if (m) console.log(m[1]); }' "$DOC")
[ "${#BACKUP_CLIENTS[@]}" -ge 2 ] || lab_die "the document's backup template watches fewer than 2 clients"
BACKUP_STARTED=$(($(date +%s) - 60))
BACKUP_END=$((BACKUP_STARTED + 42))
BACKUP_FRESH=${BACKUP_CLIENTS[0]}
BACKUP_MISSING=${BACKUP_CLIENTS[-1]}
for c in "${BACKUP_CLIENTS[@]}"; do
    f="$LAB_DIR/backup-results/${c,,}.json"
    if [ "$c" = "$BACKUP_MISSING" ]; then
        printf '{"repository":"%s","exitStatus":null,"missing":true}\n' "${c,,}" >"$f"
    else
        printf '{"host":"%s","started":"%s","seconds":42,"bytes":1048576,"snapshot":"0123abcd","classes":"system","exitStatus":0}\n' \
            "$c" "$(date -u -d "@$BACKUP_STARTED" +%Y-%m-%dT%H:%M:%SZ)" >"$f"
    fi
done
# --- the site CA, and what the agents that read or verify certificates see (issue #18) ---------------------------------
# The lab's throwaway site CA, valid 400 days (lab_ca's is valid one day: PAR-MON01's "site CA expires" triggers would
# fire, and the acceptance run below counts any open problem of PAR-MON01).
lab_ca ca "labs-monitoring throwaway CA"
openssl req -x509 -new -key "$LAB_PKI/ca.key" -subj "/O=BillU/CN=labs-monitoring throwaway CA" -days 400 -out "$LAB_PKI/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
# notAfter of a certificate file as Unix seconds, by python's ssl (not openssl's text nor the agent's JSON): the probes' expectation.
not_after() { /usr/bin/python3 -c 'import ssl, sys; print(int(ssl.cert_time_to_seconds(ssl._ssl._test_decode_cert(sys.argv[1])["notAfter"])))' "$1"; }
# The TLS endpoints a template of the document checks: "<name>,<port>" a line, from its web.certificate.get items.
tls_endpoints() { node -e 'const t = require(process.argv[1]).templates.find((x) => x.name === process.argv[2]);
    for (const i of t ? t.items : []) { const m = /^web\.certificate\.get\[([^,]+),(\d+),127\.0\.0\.1\]$/.exec(i.key); if (m) console.log(m[1] + "," + m[2]); }' "$DOC" "$1"; }
# Debian's trust store with the site CA, as the agent step's update-ca-certificates makes it (lab stand-in: the
# web and DC agents see this bundle at /etc/ssl/certs/ca-certificates.crt, where agent 2's Go TLS reads its roots).
mkdir -p "$LAB_DIR/trust"
cat /etc/ssl/certs/ca-certificates.crt "$LAB_PKI/ca.pem" >"$LAB_DIR/trust/ca-certificates.crt"
TRUST_MOUNT="mount --bind '$LAB_DIR/trust/ca-certificates.crt' /etc/ssl/certs/ca-certificates.crt && "
MON_ROOT="$LAB_DIR/mon-root"
MOUNTED=(/etc/billu /usr/local/lib/billu /var/lib/billu)
CREATED=()
for m in "${MOUNTED[@]}"; do
    [ -d "$m" ] || { mkdir -p "$m"; CREATED+=("$m"); }
    mkdir -p "$MON_ROOT$m"
done
# The Zabbix server stops first, and the cleanup waits for it (bounded) while PostgreSQL still runs: its shutdown syncs
# its history cache to the database and exits. Stopped together with PostgreSQL (lab_cleanup's one SIGTERM to every
# process), it reconnected every 10 s to a database that was gone until lab_cleanup's watchdog killed it 15 s later.
SERVER_PID=
server_gone() { [ ! -e "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; } # exited (a zombie until waited)
stop_server() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || return 0
    if lab_wait 30 "zabbix_server stopped, before PostgreSQL" server_gone "$SERVER_PID"; then
        wait "$SERVER_PID" 2>/dev/null || true
    else
        lab_log "zabbix_server still runs 30 s after its SIGTERM: lab_cleanup kills it"
    fi
}
mon_cleanup() {
    local m t
    t=$(date +%s%N)
    stop_server
    for m in "${CREATED[@]:-}"; do if [ -n "$m" ]; then rmdir "$m" 2>/dev/null || true; fi; done
    lab_cleanup
    lab_log "cleanup took $(lab_since "$t") ms" # (a lab that died in set-up exits in lab_cleanup, without this line)
}
trap mon_cleanup EXIT
mon_enter() { # <command...>: in bmon-mon, with the lab's folders mounted over the guest's paths
    # shellcheck disable=SC2016 # the inner sh expands them
    ip netns exec bmon-mon unshare -m --propagation private env LAB_MON_ROOT="$MON_ROOT" PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c '
        for m in /etc/billu /usr/local/lib/billu /var/lib/billu; do mount --bind "$LAB_MON_ROOT$m" "$m" || exit 97; done
        exec "$@"' sh "$@"
}
# The server step's copy of the site CA (PAR-MON01's agent reads it for billu.siteca.notafter, the configuration step
# verifies the API's certificate with it).
install -d -m 0700 "$MON_ROOT/etc/billu/monitoring"
install -m 0644 "$LAB_PKI/ca.pem" "$MON_ROOT/etc/billu/monitoring/site-ca.pem"

bind_at() { # <folder of the guest> <lab folder>: the mount commands that show the lab folder at the guest's path
    local top="$1"
    while [ ! -d "$top" ]; do top="${top%/*}"; done
    printf '%s' "mount -t tmpfs -o mode=0755 lab-view '$top' && mkdir -p '$1' && mount --bind '$2' '$1' && "
}
start_agent() { # <host>
    local a="$LAB_DIR/agent-$1" pre=""
    [ "$1" != "$DC_HOST" ] || pre=$TRUST_MOUNT$(bind_at "${DRIFT_RESULT%/*}" "$LAB_DIR/drift")
    [ "$1" != "$BKP_HOST" ] || pre=$(bind_at "$BACKUP_RESULTS" "$LAB_DIR/backup-results")
    [ "$1" != "$WEB_HOST" ] || pre=$TRUST_MOUNT
    [ "$1" != "$MAIL_HOST" ] || pre=$TRUST_MOUNT
    [ "$1" != "$MON_HOST" ] || pre="mount --bind '$MON_ROOT/etc/billu' /etc/billu && "
    [ "$1" != "$FW_HOST" ] || pre="mount --bind '$FW_RUN' /run && "
    # shellcheck disable=SC2016 # $1 is the inner sh's argument
    lab_bg "${NS[$1]}" "$a/stdout.log" sh -c "$pre"'mount --bind "$1/log" /var/log/zabbix && mount --bind "$1/tmp" /tmp && exec zabbix_agent2 -c /etc/zabbix/zabbix_agent2.conf' agent "$a"
}
# The router's charon (no connection loaded: no tunnel in this lab), so billu.ipsec.sas reads a real answer of swanctl
# (--list-sas at its default socket, /run/charon.vici): charon and the router's agent see the lab's folder $FW_RUN as /run
# (their mount namespaces only). Without it swanctl fails, and the item must turn unsupported, not read 0.
FW_RUN="$LAB_DIR/fw-run"; mkdir -p "$FW_RUN"
cat >"$LAB_DIR/strongswan.conf" <<CONF
charon-systemd {
    journal {
        default = -1
    }
    filelog {
        lab {
            path = $LAB_DIR/charon.log
            default = 1
        }
    }
}
charon {
    load_modular = no
    load = random nonce openssl pem pkcs1 x509 pubkey kernel-netlink socket-default vici
}
CONF
lab_bg bmon-fw "$LAB_DIR/charon.out" sh -c "mount --bind '$FW_RUN' /run && STRONGSWAN_CONF='$LAB_DIR/strongswan.conf' exec /usr/sbin/charon-systemd"
CHARON_PID=$LAB_LAST_PID
lab_wait 10 "charon's VICI socket" test -S "$FW_RUN/charon.vici" || lab_die "charon did not start: $(tail -5 "$LAB_DIR/charon.out")"
for h in "${!NS[@]}"; do start_agent "$h"; done
# The server's side of a passive check, before the server exists (probe.py agent-ping: Zabbix's protocol over TLS PSK from
# the server's address, across the router's rules): a cheap first verdict on every rendered agent configuration.
ping_agent() { ip netns exec bmon-mon "${PROBE[@]}" agent-ping "$1" "$2" "$LAB_DIR/psk-$3" >>"$LAB_DIR/probes.log" 2>&1; }
doc_host() { node -e 'const h = require(process.argv[1]).hosts.find((x) => x.host === process.argv[2]); console.log(h.address, h.pskIdentity)' "$DOC" "$1"; }
listening() { ip netns exec "$1" bash -c "exec 3<>/dev/tcp/$2/10050"; } # <namespace> <address>
for h in "$WEB_HOST" "$DHCP_HOST" "$FW_HOST" "$MON_HOST" "$MAIL_HOST" "$DC_HOST" "$FTP_HOST" "$PBX_HOST" "$BKP_HOST"; do
    read -r addr _ < <(doc_host "$h")
    lab_wait 15 "$h's agent listening" listening "${NS[$h]}" "$addr" || { cat "$LAB_DIR/agent-$h/stdout.log"; lab_die "$h's agent does not listen on $addr:10050"; }
done
for h in "$WEB_HOST" "$DHCP_HOST" "$FW_HOST" "$MON_HOST" "$DC_HOST" "$FTP_HOST" "$PBX_HOST" "$BKP_HOST"; do
    read -r addr identity < <(doc_host "$h")
    lab_expect "$h's agent answers agent.ping to the server's address over its PSK ($addr:10050, within 5 s)" pass lab_wait 5 "$h's agent" ping_agent "$addr" "$identity" "$h"
done
read -r addr identity < <(doc_host "$MAIL_HOST")
lab_expect "$MAIL_HOST's agent (it holds another PSK) refuses the server's PSK" fail ping_agent "$addr" "$identity" "$MAIL_HOST"

# --- PostgreSQL, the schema, the server, the frontend's API ---------------------------------------------------------
PG="$LAB_DIR/pg"; SOCK="$LAB_DIR/pgsock"
mkdir -p "$PG" "$SOCK"; chown postgres: "$PG" "$SOCK"
runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$PG" -E UTF8 --locale=C.UTF-8 --auth=trust -U postgres >"$LAB_DIR/initdb.log" 2>&1 || { cat "$LAB_DIR/initdb.log"; lab_die "initdb failed"; }
# LAB-ONLY durability settings (a throwaway cluster): no fsync, no synchronous commit, no full-page writes, minimal WAL.
lab_bg bmon-mon "$LAB_DIR/postgres.log" runuser -u postgres -- /usr/lib/postgresql/15/bin/postgres -D "$PG" -k "$SOCK" \
    -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB -c max_wal_size=1GB \
    -c wal_level=minimal -c max_wal_senders=0
lab_wait 20 "PostgreSQL" ip netns exec bmon-mon psql -h "$SOCK" -U postgres -c 'select 1' || lab_die "PostgreSQL did not start"
T_DB=$(date +%s%N)
psql -q -h "$SOCK" -U postgres -c 'create role zabbix login' -c 'create database zabbix owner zabbix' >/dev/null
Z=/usr/share/zabbix-server-pgsql
# One session, one transaction: schema, images and data (its own START TRANSACTION/COMMIT lines dropped, so the tables
# are created and filled in one transaction and wal_level=minimal writes no WAL for them), then ANALYZE (without fresh
# statistics, host.create with a template hangs for tens of seconds: LAB-NOTES).
{ echo 'BEGIN;'; zcat "$Z/schema.sql.gz" "$Z/images.sql.gz"; zcat "$Z/data.sql.gz" | sed -e '/^START TRANSACTION;$/d' -e '/^COMMIT;$/d'; echo 'COMMIT;'; echo 'ANALYZE;'; } |
    psql -q -v ON_ERROR_STOP=1 -h "$SOCK" -U zabbix zabbix >"$LAB_DIR/schema.log" 2>&1 ||
    { tail "$LAB_DIR/schema.log"; lab_die "the Zabbix schema did not load"; }
lab_fig "schema load (schema + images + data + ANALYZE, load average $(cut -d' ' -f1 /proc/loadavg))" "$(lab_since "$T_DB") ms"

ZS="$LAB_DIR/zabbix-server"
mkdir -p "$ZS"
cat >"$ZS/zabbix_server.conf" <<CONF
LogFile=$ZS/server.log
LogFileSize=0
PidFile=$ZS/server.pid
SocketDir=$ZS
DBHost=$SOCK
DBName=zabbix
DBUser=zabbix
AllowRoot=1
ListenIP=$MON_ADDR
SourceIP=$MON_ADDR
StartPollers=2
StartPollersUnreachable=1
StartTrappers=2
StartPingers=1
StartDiscoverers=0
StartHTTPPollers=0
StartPreprocessors=2
StartAlerters=1
StartDBSyncers=1
CacheSize=32M
Timeout=4
CacheUpdateFrequency=2
UnreachablePeriod=5
UnreachableDelay=2
UnavailableDelay=5
HousekeepingFrequency=0
CONF
lab_bg bmon-mon "$ZS/stdout.log" zabbix_server -f -c "$ZS/zabbix_server.conf"
SERVER_PID=$LAB_LAST_PID
# The frontend reads /etc/zabbix/zabbix.conf.php: /etc/netns/bmon-mon/zabbix is bound over /etc/zabbix for the lab's
# processes in bmon-mon only (the host's /etc/zabbix stays untouched).
cat >/etc/netns/bmon-mon/zabbix/zabbix.conf.php <<CONF
<?php
\$DB['TYPE'] = 'POSTGRESQL';
\$DB['SERVER'] = '$SOCK';
\$DB['PORT'] = '0';
\$DB['DATABASE'] = 'zabbix';
\$DB['USER'] = 'zabbix';
\$DB['PASSWORD'] = '';
\$DB['SCHEMA'] = '';
\$DB['ENCRYPTION'] = false;
\$DB['DOUBLE_IEEE754'] = true;
\$ZBX_SERVER = '$MON_ADDR';
\$ZBX_SERVER_PORT = '10051';
\$ZBX_SERVER_NAME = 'labs/monitoring';
\$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
CONF
lab_bg bmon-mon "$LAB_DIR/php.log" php8.2 -S 127.0.0.1:8080 -t /usr/share/zabbix
api_up() { ip netns exec bmon-mon /usr/bin/python3 -c 'import urllib.request,sys; r=urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b"{\"jsonrpc\":\"2.0\",\"method\":\"apiinfo.version\",\"params\":{},\"id\":1}", headers={"Content-Type":"application/json-rpc"}), timeout=5); sys.exit(0 if b"result" in r.read() else 1)' "$API"; }
lab_wait 30 "the Zabbix API" api_up || { tail "$LAB_DIR/php.log"; lab_die "the frontend's API did not answer"; }
lab_wait 30 "the Zabbix server" grep -q "server #0 started" "$ZS/server.log" || { tail "$ZS/server.log"; lab_die "zabbix_server did not start"; }

lab_bg bmon-mail "$LAB_DIR/smtp.log" /usr/bin/python3 -u -m aiosmtpd -n -l "$MAIL_ADDR:25"
lab_wait 10 "the SMTP sink" ip netns exec bmon-mail bash -c "exec 3<>/dev/tcp/$MAIL_ADDR/25" || lab_die "the SMTP sink did not start"

# Apache in the web namespace: the planned sites' HTTPS listeners, a throwaway certificate (the web lab proves the
# rendered apache2.conf; this lab needs only what the templates watch: the listening ports and the certificates).
# The certificate carries both sites' names (the document's Apache certificate checks verify each name), valid 90 days,
# not lab_cert's one: the templates' certificate triggers stay quiet, as on a healthy site (the acceptance run below
# counts any open problem of PAR-WEB01).
mapfile -t WEB_TLS < <(tls_endpoints "BillU Apache HTTPS")
[ "${#WEB_TLS[@]}" -ge 1 ] || lab_die "the document's Apache template checks no certificate"
sans=""; for e in "${WEB_TLS[@]}"; do sans+="${sans:+,}DNS:${e%%,*}"; done
lab_cert web "$WEB_HOST" "$sans" >/dev/null
openssl x509 -req -in "$LAB_PKI/web.csr" -CA "$LAB_PKI/ca.pem" -CAkey "$LAB_PKI/ca.key" -CAcreateserial -days 90 -extfile "$LAB_PKI/web.ext" -out "$LAB_PKI/web.pem" 2>/dev/null
mapfile -t PORTS < <(node -e 'for (const s of require(process.argv[1]).templates.find((t) => t.name === "BillU Apache HTTPS").items) { const m = /^net\.tcp\.service\[tcp,,(\d+)\]$/.exec(s.key); if (m) console.log(m[1]); }' "$DOC")
HA="$LAB_DIR/apache"; mkdir -p "$HA/run" "$HA/log"
{
    echo "ServerRoot /etc/apache2"
    echo "ServerName $WEB_HOST"
    echo "PidFile $HA/run/apache2.pid"
    echo "Mutex file:$HA/run default"
    echo "ErrorLog $HA/log/error.log"
    echo "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so"
    echo "LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so"
    echo "User www-data"
    echo "Group www-data"
    echo "LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so"
    echo "SSLEngine on"
    echo "SSLCertificateFile $LAB_PKI/web.pem"
    echo "SSLCertificateKeyFile $LAB_PKI/web.key"
    echo "DocumentRoot $HA"
    for p in "${PORTS[@]}"; do echo "Listen $WEB_ADDR:$p"; echo "Listen 127.0.0.1:$p"; done
} >"$HA/apache2.conf"
apache() { APACHE_RUN_DIR="$HA/run" APACHE_LOCK_DIR="$HA/run" APACHE_LOG_DIR="$HA/log" ip netns exec bmon-web apache2 -f "$HA/apache2.conf" -k "$1"; }
apache_up() { local p; for p in "${PORTS[@]}"; do ip netns exec bmon-web bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" || return 1; done; }
apache start
lab_wait 10 "Apache on ports ${PORTS[*]}" apache_up || lab_die "Apache did not start"

# PAR-DC01's LDAPS (the Samba template's certificate check; no Samba here): openssl s_server on the document's port at
# 127.0.0.1 of bmon-dc, with a certificate of the site CA for the document's name that expires between the model's two
# thresholds ({$BILLU.CERT.CRIT.DAYS} < days < {$BILLU.CERT.DAYS}): the warning must fire, the high problem must not.
mapfile -t DC_TLS < <(tls_endpoints "BillU Samba AD DC")
[ "${#DC_TLS[@]}" = 1 ] || lab_die "the document's Samba template checks ${#DC_TLS[@]} certificates, the lab expects 1 (LDAPS)"
DC_TLS_NAME=${DC_TLS[0]%,*} DC_TLS_PORT=${DC_TLS[0]#*,}
DC_CERT_DAYS=$(( (CERT_WARN_DAYS + CERT_CRIT_DAYS) / 2 ))
if [ "$DC_CERT_DAYS" -le "$CERT_CRIT_DAYS" ] || [ "$DC_CERT_DAYS" -ge "$CERT_WARN_DAYS" ]; then
    lab_die "no whole day lies between the thresholds $CERT_CRIT_DAYS and $CERT_WARN_DAYS"
fi
lab_cert ldaps "$DC_TLS_NAME" "DNS:$DC_TLS_NAME" >/dev/null
openssl x509 -req -in "$LAB_PKI/ldaps.csr" -CA "$LAB_PKI/ca.pem" -CAkey "$LAB_PKI/ca.key" -CAcreateserial -days "$DC_CERT_DAYS" -extfile "$LAB_PKI/ldaps.ext" -out "$LAB_PKI/ldaps.pem" 2>/dev/null
LDAPS_PID=
ldaps_serve() { # <certificate> <key>: the LDAPS stand-in (re)started with that certificate
    if [ -n "$LDAPS_PID" ]; then kill "$LDAPS_PID" 2>/dev/null; wait "$LDAPS_PID" 2>/dev/null || true; fi
    lab_bg bmon-dc "$LAB_DIR/ldaps.log" openssl s_server -accept "127.0.0.1:$DC_TLS_PORT" -cert "$1" -key "$2" -quiet
    LDAPS_PID=$LAB_LAST_PID
    lab_wait 10 "LDAPS stand-in on $DC_TLS_PORT" ip netns exec bmon-dc bash -c "exec 3<>/dev/tcp/127.0.0.1/$DC_TLS_PORT" || lab_die "openssl s_server did not start"
}
ldaps_serve "$LAB_PKI/ldaps.pem" "$LAB_PKI/ldaps.key"
lab_log "$DC_HOST: a TLS server on 127.0.0.1:$DC_TLS_PORT with a certificate for $DC_TLS_NAME valid $DC_CERT_DAYS days (thresholds: $CERT_CRIT_DAYS and $CERT_WARN_DAYS)"

# --- the frontend's API over HTTPS at the server's address ---------------------------------------------------------------
# The rendered configuration step and the acceptance run reach the API as on PAR-MON01: over HTTPS at the plan's address
# of the server, for the frontend's name (the rendered Apache site's ServerName), the certificate checked against the site
# CA. Lab override: an Apache reverse proxy with a certificate of the lab's throwaway CA in front of the lab's PHP server
# (the rendered Apache + PHP-FPM site is the server step's, not this lab's).
FQDN=$(sed -n 's/^ *ServerName //p' "$DEV/rendered/$MON_HOST/etc/apache2/sites-available/billu-zabbix.conf" | head -n 1)
lab_cert zabbix "$FQDN" "DNS:$FQDN,IP:$MON_ADDR" >/dev/null
HP="$LAB_DIR/api-proxy"; mkdir -p "$HP/run"
{
    echo "ServerRoot /etc/apache2"
    echo "ServerName $FQDN"
    echo "PidFile $HP/run/apache2.pid"
    echo "Mutex file:$HP/run default"
    echo "ErrorLog $HP/error.log"
    for m in mpm_event authz_core ssl proxy proxy_http; do echo "LoadModule ${m}_module /usr/lib/apache2/modules/mod_$m.so"; done
    echo "User www-data"
    echo "Group www-data"
    echo "Listen $MON_ADDR:443"
    echo "SSLEngine on"
    echo "SSLCertificateFile $LAB_PKI/zabbix.pem"
    echo "SSLCertificateKeyFile $LAB_PKI/zabbix.key"
    echo "ProxyPass / http://127.0.0.1:8080/"
} >"$HP/apache2.conf"
APACHE_RUN_DIR="$HP/run" APACHE_LOCK_DIR="$HP/run" APACHE_LOG_DIR="$HP" ip netns exec bmon-mon apache2 -f "$HP/apache2.conf" -k start
lab_wait 10 "the API over HTTPS" ip netns exec bmon-mon bash -c "exec 3<>/dev/tcp/$MON_ADDR/443" || lab_die "the HTTPS proxy to the API did not start"

# --- the rendered monitoring-config step, twice --------------------------------------------------------------------------
# It runs as synth rendered it (its run.sh, billu-lib.sh and staged files; the document with the lab's short intervals,
# overrides.json), as root in bmon-mon, in a private mount namespace where the lab's folders are the guest's /etc/billu,
# /usr/local/lib/billu and /var/lib/billu (no path of the step is overridden). Its stdin carries what GuestStep sends:
# Admin's and the read-only account's passwords (generated here, as @pulumi/random does there) and every host's PSK
# under its secret's name. Stand-in for the server step: the site CA's certificate (the lab's throwaway CA) in
# /etc/billu/monitoring/site-ca.pem (installed with the agents, above: PAR-MON01's agent reads it too).
STEP_GUEST=/var/lib/billu/stage/monitoring-config
RSTEP="$LAB_DIR/lab-rendered/$MON_HOST$STEP_GUEST"
[ -f "$RSTEP/run.sh" ] || lab_die "no rendered monitoring-config step on $MON_HOST ($RSTEP/run.sh)"
mkdir -p "$MON_ROOT$STEP_GUEST/files"
cp "$RSTEP/run.sh" "$RSTEP/billu-lib.sh" "$MON_ROOT$STEP_GUEST/"
mapfile -t STEP_FILES < <(sed -n "s|^billu_install '\\([^']*\\)'.*|\\1|p" "$RSTEP/run.sh")
for f in "${STEP_FILES[@]}"; do install -D -m 0644 "$LAB_DIR/lab-rendered/$MON_HOST$f" "$MON_ROOT$STEP_GUEST/files$f"; done
# The step's stdin: "<name>\t<hex of the value>" per line (GuestStep's encoding). The PSK secrets are named from the host
# names as the component binds them (zabbix-psk-<host>), not read from the step's settings.
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
umask 077
ADMIN_PW=$(openssl rand -hex 16); READER_PW=$(openssl rand -hex 16)
SECRETS="$LAB_DIR/step.secrets"
{
    printf 'zabbix-admin-password\t%s\n' "$(hex "$ADMIN_PW")"
    printf 'zabbix-reader-password\t%s\n' "$(hex "$READER_PW")"
    while read -r host _; do printf 'zabbix-psk-%s\t%s\n' "${host,,}" "$(hex "$(cat "$LAB_DIR/psk-$host")")"; done \
        < <(node -e 'for (const h of require(process.argv[1]).hosts) console.log(h.host)' "$DOC")
} >"$SECRETS"
printf 'username=Admin\npassword=%s\n' "$ADMIN_PW" >"$LAB_DIR/api.cred" # the probes' account: the generated Admin
umask 022
run_cfg_step() { mon_enter sh "$STEP_GUEST/run.sh" <"$SECRETS" >"$1" 2>&1; } # <output file>
T_CFG=$(date +%s%N)
lab_expect "the rendered monitoring-config step's first run succeeds" pass run_cfg_step "$LAB_DIR/step1.log"
T_CONFIGURED=$(date +%s%N)
lab_log "configuration step: $(grep -c . "$LAB_DIR/step1.log") lines, $(grep '^  zabbix-config: ' "$LAB_DIR/step1.log" | sed 's/^ *//') in $(lab_since "$T_CFG") ms"
# Phases (lab_phase, labs/lib/common.sh): a sabotage run takes the set-up above (PostgreSQL, the server, the frontend,
# the configuration step) and only the phases that name its switch, so it reaches its probe without the others; a normal
# run takes every phase, in this order. A phase names the switches whose probe it holds or feeds (what a later phase of
# that switch reads: __tests__/tools/lab-phases.test.ts derives it from the variables and functions each phase sets).
if lab_phase "the configuration step's first run: Admin's generated password, the read-only account, no secret in its output"; then
lab_expect "its first run replaced Admin's stock password by the generated one" pass grep -qx "  replaced Admin's stock password by the generated one" "$LAB_DIR/step1.log"
lab_expect "its first run created the read-only account" pass grep -qx "  created user api-reader" "$LAB_DIR/step1.log"
printf 'username=Admin\npassword=%s\n' "zab""bix" >"$LAB_DIR/stock.cred" # the package's documented first password
chmod 0600 "$LAB_DIR/stock.cred"
lab_expect "Zabbix refuses Admin's stock password now" fail ip netns exec bmon-mon /usr/bin/python3 "$HERE/probe.py" --url "$API" --credentials "$LAB_DIR/stock.cred" login
lab_expect "Zabbix accepts Admin's generated password" pass ip netns exec bmon-mon "${PROBE[@]}" login
lab_expect "the step's output shows no password and no PSK" fail grep -qF -e "$ADMIN_PW" -e "$READER_PW" -f <(awk '{print $NF}' "$LAB_DIR/psk") "$LAB_DIR/step1.log"

fi # first run

if lab_phase "the configuration step's second run changes nothing"; then
ip netns exec bmon-mon "${PROBE[@]}" export "$DOC" "$LAB_DIR/export1.json" >>"$LAB_DIR/probes.log" 2>&1 || lab_die "configuration.export failed"
lab_expect "the rendered monitoring-config step's second run succeeds" pass run_cfg_step "$LAB_DIR/step2.log"
lab_expect "its second run prints zabbix-config: no change" pass grep -qx "  zabbix-config: no change" "$LAB_DIR/step2.log"
lab_expect "its second run reports the step unchanged" pass grep -qx "billu\[monitoring-config\]: unchanged" "$LAB_DIR/step2.log"
ip netns exec bmon-mon "${PROBE[@]}" export "$DOC" "$LAB_DIR/export2.json" >>"$LAB_DIR/probes.log" 2>&1 || lab_die "configuration.export failed"
lab_expect "configuration.export of the document's hosts, templates and host groups, and its dashboards (widget ids included), are identical before and after the second run" pass cmp "$LAB_DIR/export1.json" "$LAB_DIR/export2.json"

fi # second run

# Sabotage (after the idempotence check, which it would otherwise fail first): the Samba template's LDAPS expiry item
# reads not_before instead of not_after, as a wrong rendered JSONPath would.
if [ -n "${BILLU_LAB_CERT_SABOTAGE:-}" ]; then
    lab_log "SABOTAGE: the Samba template's billu.cert.expiry[$DC_TLS_NAME,$DC_TLS_PORT] reads \$.x509.not_before.timestamp"
    ip netns exec bmon-mon "${PROBE[@]}" item-jsonpath "BillU Samba AD DC" "billu.cert.expiry[$DC_TLS_NAME,$DC_TLS_PORT]" '$.x509.not_before.timestamp' >>"$LAB_DIR/probes.log" 2>&1 ||
        lab_die "the sabotage's item.update was refused"
fi
# The certificate probes below take values polled from now on only (a value polled before a sabotage would pass them).
CERT_SINCE=$(date +%s)
# The read-only account's credentials, fetched as the operator does (docs/services/monitoring.md: over SSH from
# /etc/billu/monitoring/api-reader.cred), into a 0600 file of the lab's (the read-only account's probes and the
# acceptance run log on with it).
umask 077
mon_enter cat /etc/billu/monitoring/api-reader.cred >"$LAB_DIR/reader.cred"
umask 022

if lab_phase "what the step installed is read back; the read-only account reads and may not write"; then
# What the step installed is what synth rendered (bytes, mode, owner; the reader's password filled from the stdin).
# shellcheck disable=SC2034 # LAB_ENTER and LAB_SECRETS are read by lab_readback (common.sh)
LAB_ENTER=(mon_enter)
# shellcheck disable=SC2034
LAB_SECRETS="$SECRETS"
for f in "${STEP_FILES[@]}"; do lab_readback dev "$MON_HOST" "$f" "$f"; done
LAB_ENTER=()
READER=(/usr/bin/python3 "$HERE/probe.py" --url "$API" --credentials "$LAB_DIR/reader.cred")
lab_expect "the read-only account reads hosts (host.get) with their planned templates" pass ip netns exec bmon-mon "${READER[@]}" templates "$DOC"
lab_expect "the read-only account's writes (host.update, hostgroup.create) are refused with the API's permission error" pass \
    sh -c "ip netns exec bmon-mon ${READER[*]} write-refused $WEB_HOST >>$LAB_DIR/probes.log 2>&1"
grep -E '^(host.update|hostgroup.create): ' "$LAB_DIR/probes.log" | tail -n 2 | sed 's/^/    /'

fi # read-back, read-only account

# --- probes -----------------------------------------------------------------------------------------------------------
probe() { ip netns exec bmon-mon "${PROBE[@]}" "$@" >>"$LAB_DIR/probes.log" 2>&1; }
# The OS template's "agent unreachable" trigger (nodata() of agent.ping over {$BILLU.AGENT.NODATA}), its expression as
# the renderer wrote it in the read-back reference (synth's document with the lab's overrides), on every Linux host; the
# API's expandExpression resolves {$BILLU.AGENT.NODATA} to the template's value (30s here): the macro reaches the trigger.
REF_DOC="$LAB_DIR/lab-rendered/$MON_HOST$DOC_GUEST"
NODATA_TRIGGER=$(node -e 'const t = require(process.argv[1]).templates.find((x) => x.name === "BillU Linux base");
    console.log(t.triggers.find((x) => x.expression.startsWith("nodata(")).name)' "$REF_DOC")
PORT=${PORTS[0]}
TRIGGER=$(node -e 'const t = require(process.argv[1]).templates.find((x) => x.name === "BillU Apache HTTPS"); console.log(t.triggers.find((x) => x.name.includes("port " + process.argv[2] + " ")).name)' "$DOC" "$PORT")
# The memory of the Zabbix server and its database (issue #18's figure): RSS and PSS (shared pages counted once per
# process: /proc/<pid>/smaps_rollup) summed over zabbix_server's and postgres's processes in bmon-mon. A figure, not a probe.
mem_fig() { # <when>
    local pid comm kb pss zr=0 zp=0 zn=0 pr=0 pp=0 pn=0
    for pid in $(ip netns pids bmon-mon); do
        comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
        kb=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null) || continue
        pss=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null) || continue
        case "$comm" in
            zabbix_server) zr=$((zr + ${kb:-0})); zp=$((zp + ${pss:-0})); zn=$((zn + 1)) ;;
            postgres) pr=$((pr + ${kb:-0})); pp=$((pp + ${pss:-0})); pn=$((pn + 1)) ;;
        esac
    done
    lab_fig "Zabbix server + PostgreSQL memory, $1" "RSS $(((zr + pr) / 1024)) MiB (zabbix_server $((zr / 1024)) MiB in $zn processes, postgres $((pr / 1024)) MiB in $pn), PSS $(((zp + pp) / 1024)) MiB (zabbix_server $((zp / 1024)), postgres $((pp / 1024)))"
}

if lab_phase "every planned host with its planned templates; the agent-unreachable trigger as rendered"; then
lab_expect "every planned host exists with exactly its planned templates" pass probe templates "$DOC"
lab_expect "every host of BillU Linux base has \"$NODATA_TRIGGER\" with the renderer's expression (nodata of agent.ping), its macro resolving to the template's value" pass \
    ip netns exec bmon-mon "${PROBE[@]}" trigger-expr "$REF_DOC" "BillU Linux base" "$NODATA_TRIGGER"
tail -n 1 "$LAB_DIR/.lab-expect.out" | sed 's/^/    /'

fi # hosts and templates

# The agent-unreachable sabotage's probe wants PAR-DHCP01's agent seen available first (then stopped), as a normal run has it.
if lab_phase "the agents become available over PSK, both ways" BILLU_LAB_NODATA_SABOTAGE=1; then
for h in "$WEB_HOST" "$DHCP_HOST" "$FW_HOST" "$MON_HOST" "$DC_HOST" "$FTP_HOST" "$PBX_HOST" "$BKP_HOST"; do
    lab_expect "$h becomes available over PSK, both ways (within 30 s)" pass lab_wait 30 "$h available" probe available "$h"
done
lab_fig "agents available after the configuration step" "$(lab_since "$T_CONFIGURED") ms"

fi # available

if lab_phase "$MAIL_HOST's agent, its PSK wrong, stays unavailable"; then
lab_expect "$MAIL_HOST (its agent holds a wrong PSK) is unavailable with an error (within 30 s)" pass lab_wait 30 "$MAIL_HOST unavailable" probe unavailable "$MAIL_HOST"
lab_expect "$MAIL_HOST is still not available" fail probe available "$MAIL_HOST"

fi # wrong PSK

if lab_phase "items receive values"; then
# Every item of the Linux base template (a key the agent does not know never gets a value), and Apache's service checks.
mapfile -t BASE_KEYS < <(node -e 'for (const i of require(process.argv[1]).templates.find((t) => t.name === "BillU Linux base").items) console.log(i.key)' "$DOC")
lab_expect "items of $WEB_HOST receive values: ${BASE_KEYS[*]}, net.tcp.service[tcp,,$PORT], proc.num[apache2] (within 30 s)" pass \
    lab_wait 30 "values" probe values "$WEB_HOST" "${BASE_KEYS[@]}" "net.tcp.service[tcp,,$PORT]" "proc.num[apache2]"
others() { probe values "$DHCP_HOST" "${BASE_KEYS[@]}" && probe values "$FW_HOST" "${BASE_KEYS[@]}" && probe values "$MON_HOST" "${BASE_KEYS[@]}"; }
lab_expect "the Linux base items of $DHCP_HOST, $FW_HOST and $MON_HOST receive values (within 30 s)" pass lab_wait 30 "values" others
mem_fig "the configuration step run, items receiving values"

fi # values

# --- the business dashboard (issue #18): its widgets as the document has them, each showing its host's item, with data --
if lab_phase "the business dashboard: its widgets, the running agents' data; the backup results" BILLU_LAB_USERPARAM_SABOTAGE=1; then
BUSINESS=$(node -e 'console.log(require(process.argv[1]).dashboards.find((d) => d.widgets.some((w) => w.type === "item")).name)' "$DOC")
LIVE=("$WEB_HOST" "$DHCP_HOST" "$FW_HOST" "$MON_HOST" "$DC_HOST" "$FTP_HOST" "$PBX_HOST" "$BKP_HOST")
# No Asterisk runs here (not on these machines): the PBX's registered-phones item asks it through sudo, fails, and must
# be unsupported, not read as 0 (what `... | grep -c ... || true` made of a failed sudo).
LIVE+=("unsupported=$PBX_HOST|billu.pbx.contacts")
N_ITEM_WIDGETS=$(node -e 'console.log(require(process.argv[1]).dashboards.find((d) => d.name === process.argv[2]).widgets.filter((w) => w.type === "item").length)' "$DOC" "$BUSINESS")
T_DASH=$(date +%s%N)
lab_expect "\"$BUSINESS\" exists with the document's widgets; its $N_ITEM_WIDGETS item widgets show the planned hosts' items, and those of the running agents have data (within 90 s)" pass \
    lab_wait 90 "the dashboard's data" probe dashboard "$DOC" "$BUSINESS" "${LIVE[@]}"
lab_fig "business dashboard: every running agent's widget item has data" "$(lab_since "$T_DASH") ms"
ip netns exec bmon-mon "${PROBE[@]}" dashboard "$DOC" "$BUSINESS" "${LIVE[@]}" 2>&1 | sed 's/^/    /' # what the widgets show
lab_expect "... and the same check fails for $MAIL_HOST's widgets (its agent holds a wrong PSK: no data)" fail probe dashboard "$DOC" "$BUSINESS" "$MAIL_HOST"
lab_expect "$BKP_HOST: billu.backup.finished[$BACKUP_FRESH] is the end of the result the lab wrote, $BACKUP_END (started + seconds)" pass \
    probe value "$BKP_HOST" "billu.backup.finished[$BACKUP_FRESH]" "$BACKUP_END"
lab_expect "$BKP_HOST: billu.backup.status[$BACKUP_MISSING] is -1 (report.sh's missing result)" pass probe value "$BKP_HOST" "billu.backup.status[$BACKUP_MISSING]" "-1"
lab_expect "\"Last backup of $BACKUP_MISSING failed\" is raised, \"No backup of $BACKUP_FRESH ...\" is not (within 30 s)" pass \
    lab_wait 30 "backup triggers" sh -c "ip netns exec bmon-mon ${PROBE[*]} problem $BKP_HOST 'Last backup of $BACKUP_MISSING failed' >>$LAB_DIR/probes.log 2>&1 && ip netns exec bmon-mon ${PROBE[*]} resolved $BKP_HOST 'No backup of $BACKUP_FRESH for {\$BILLU.BACKUP.HOURS} hours' >>$LAB_DIR/probes.log 2>&1"

fi # dashboard

if lab_phase "$FW_HOST: billu.ipsec.sas is charon's own count" BILLU_LAB_CHARON_SABOTAGE=1; then
# The expected count is charon's own answer (swanctl in the router's namespace, ESTABLISHED IKE SAs counted by the lab),
# polled by the agent after this point: a fresh value, from the rendered UserParameter through sudo.
ip netns exec bmon-fw sh -c "mount --bind '$FW_RUN' /run && swanctl --list-sas" >"$LAB_DIR/swanctl.out" 2>"$LAB_DIR/swanctl.err" ||
    lab_die "swanctl --list-sas fails in bmon-fw: $(tail -2 "$LAB_DIR/swanctl.err")"
SAS=$(grep -c ESTABLISHED "$LAB_DIR/swanctl.out" || true)
if [ -n "${BILLU_LAB_CHARON_SABOTAGE:-}" ]; then
    lab_log "SABOTAGE: $FW_HOST's charon is stopped (swanctl fails): billu.ipsec.sas must turn unsupported, not read $SAS"
    kill "$CHARON_PID"; wait "$CHARON_PID" 2>/dev/null || true
fi
SAS_SINCE=$(date +%s)
lab_expect "$FW_HOST: billu.ipsec.sas (its UserParameter through sudo) is supported and $SAS, charon's own count (no tunnel here; a fresh value within 20 s)" pass \
    lab_wait 20 "billu.ipsec.sas" probe value-since "$FW_HOST" billu.ipsec.sas "$SAS" "$SAS_SINCE"

fi # charon

# --- certificates (issue #18): the agents' web.certificate.get against real TLS servers, the site CA's file -------------
# Expected values from the certificate files themselves (python's ssl), never from the document: each item's value is
# its certificate's notAfter, polled after $CERT_SINCE (the lab's 30 s for the document's hourly checks).
cert_trigger() { node -e 'const t = require(process.argv[1]).templates.find((x) => x.name === process.argv[2]);
    const g = t.triggers.find((x) => x.expression.includes(process.argv[3]) && x.expression.includes(process.argv[4])); console.log(g ? g.name : "")' "$DOC" "$@"; }
cert_quiet() { # <host> <template> <name,port>: each certificate trigger of that endpoint is evaluated and not raised
    local n m
    for m in "{\$BILLU.CERT.DAYS}" "{\$BILLU.CERT.CRIT.DAYS}" '"valid"'; do
        n=$(cert_trigger "$2" "[$3]" "$m"); [ -n "$n" ] || { echo "no trigger of [$3] with $m"; return 1; }
        probe evaluated "$1" "$n" && probe resolved "$1" "$n" || return 1
    done
}
if lab_phase "certificates: Apache's, both sites' names"; then
T_CERT=$(date +%s%N)
WEB_CERT_END=$(not_after "$LAB_PKI/web.pem")
for e in "${WEB_TLS[@]}"; do
    lab_expect "$WEB_HOST: billu.cert.expiry[$e] is the notAfter of the certificate Apache serves, $WEB_CERT_END (within 60 s)" pass \
        lab_wait 60 "expiry $e" probe value-since "$WEB_HOST" "billu.cert.expiry[$e]" "$WEB_CERT_END" "$CERT_SINCE"
    lab_expect "$WEB_HOST: billu.cert.validation[$e] is valid (the site CA in the agent's trust store, the name in the certificate)" pass \
        probe value-since "$WEB_HOST" "billu.cert.validation[$e]" valid "$CERT_SINCE"
    lab_expect "$WEB_HOST: no certificate trigger of $e is raised (90 days left, valid)" pass cert_quiet "$WEB_HOST" "BillU Apache HTTPS" "$e"
done
lab_fig "Apache's certificate probes (values, triggers)" "$(lab_since "$T_CERT") ms"

fi # Apache's certificates

# The certificate swaps below (CRIT, VALIDATION) start from this state: the warning raised, the high problem and
# "does not verify" quiet, their triggers' names read here.
if lab_phase "certificates: the LDAPS stand-in's, between the model's thresholds" BILLU_LAB_CERT_SABOTAGE=1 BILLU_LAB_CRIT_SABOTAGE=1 BILLU_LAB_VALIDATION_SABOTAGE=1; then
T_CERT=$(date +%s%N)
DC_CERT_END=$(not_after "$LAB_PKI/ldaps.pem")
lab_expect "$DC_HOST: billu.cert.expiry[${DC_TLS[0]}] is the LDAPS stand-in's notAfter, $DC_CERT_END (within 60 s)" pass \
    lab_wait 60 "LDAPS expiry" probe value-since "$DC_HOST" "billu.cert.expiry[${DC_TLS[0]}]" "$DC_CERT_END" "$CERT_SINCE"
lab_expect "$DC_HOST: billu.cert.validation[${DC_TLS[0]}] is valid" pass probe value-since "$DC_HOST" "billu.cert.validation[${DC_TLS[0]}]" valid "$CERT_SINCE"
T_WARN=$(cert_trigger "BillU Samba AD DC" "[${DC_TLS[0]}]" "{\$BILLU.CERT.DAYS}")
T_CRIT=$(cert_trigger "BillU Samba AD DC" "[${DC_TLS[0]}]" "{\$BILLU.CERT.CRIT.DAYS}")
T_INVALID=$(cert_trigger "BillU Samba AD DC" "[${DC_TLS[0]}]" '"valid"')
lab_expect "\"$T_WARN\" is raised: $DC_CERT_DAYS days left, under $CERT_WARN_DAYS (within 20 s)" pass lab_wait 20 "the warning" probe problem "$DC_HOST" "$T_WARN"
crit_quiet() { probe evaluated "$DC_HOST" "$T_CRIT" && probe resolved "$DC_HOST" "$T_CRIT"; }
lab_expect "... and \"$T_CRIT\" is not: more than $CERT_CRIT_DAYS days left" pass crit_quiet
lab_expect "... nor \"$T_INVALID\"" pass probe resolved "$DC_HOST" "$T_INVALID"
lab_fig "the LDAPS stand-in's certificate probes (values, triggers)" "$(lab_since "$T_CERT") ms"

fi # the LDAPS stand-in's certificate

if lab_phase "certificates: the site CA's, read by $MON_HOST's agent"; then
SITE_CA_END=$(not_after "$LAB_PKI/ca.pem")
lab_expect "$MON_HOST: billu.siteca.notafter (openssl through sudo, its UserParameter) is the site CA's notAfter, $SITE_CA_END (within 60 s)" pass \
    lab_wait 60 "site CA expiry" probe value-since "$MON_HOST" billu.siteca.notafter "$SITE_CA_END" "$CERT_SINCE"
site_ca_quiet() {
    local n
    for n in "Site CA certificate expires in less than {\$BILLU.CERT.DAYS} days" "Site CA certificate expires in less than {\$BILLU.CERT.CRIT.DAYS} days"; do
        probe evaluated "$MON_HOST" "$n" && probe resolved "$MON_HOST" "$n" || return 1
    done
}
lab_expect "$MON_HOST: neither site CA trigger is raised (400 days left)" pass site_ca_quiet

fi # site CA

# --- the LDAPS stand-in's certificate swapped: inside the critical window, then self-signed (issue #18) ------------------
# The same agent and endpoint; each new certificate is fetched at once with the item's "Execute now" (task.create), not
# after its interval. Expected: the certificate files' notAfter (python's ssl), the model's thresholds (lab-facts), and
# Zabbix agent 2's documented verdict for a certificate that no trusted CA issued but that signs itself
# (result.value "valid-but-self-signed", https://www.zabbix.com/documentation/6.0/en/manual/config/items/itemtypes/zabbix_agent/zabbix_agent2).
if lab_phase "the LDAPS certificate swapped: inside the critical window, then self-signed" BILLU_LAB_CRIT_SABOTAGE=1 BILLU_LAB_VALIDATION_SABOTAGE=1; then
T_SWAP=$(date +%s%N)
DC_MASTER="web.certificate.get[$DC_TLS_NAME,$DC_TLS_PORT,127.0.0.1]"
CRIT_CERT_DAYS=$((CERT_CRIT_DAYS - 1))
[ "$CRIT_CERT_DAYS" -ge 1 ] || lab_die "the model's critical threshold ($CERT_CRIT_DAYS days) leaves no whole day inside it"
if [ -n "${BILLU_LAB_CRIT_SABOTAGE:-}" ]; then
    lab_log "SABOTAGE: $DC_HOST gets a host macro {\$BILLU.CERT.CRIT.DAYS} = 1, shadowing the template's $CERT_CRIT_DAYS"
    probe host-macro "$DC_HOST" "{\$BILLU.CERT.CRIT.DAYS}" 1 || lab_die "the sabotage's host macro was refused"
fi
lab_cert ldapscrit "$DC_TLS_NAME" "DNS:$DC_TLS_NAME" >/dev/null
openssl x509 -req -in "$LAB_PKI/ldapscrit.csr" -CA "$LAB_PKI/ca.pem" -CAkey "$LAB_PKI/ca.key" -CAcreateserial -days "$CRIT_CERT_DAYS" -extfile "$LAB_PKI/ldapscrit.ext" -out "$LAB_PKI/ldapscrit.pem" 2>/dev/null
ldaps_serve "$LAB_PKI/ldapscrit.pem" "$LAB_PKI/ldapscrit.key"
CRIT_END=$(not_after "$LAB_PKI/ldapscrit.pem")
ASKED=$(date +%s)
probe check-now "$DC_HOST" "$DC_MASTER" || lab_die "task.create (check now) of $DC_MASTER was refused"
lab_expect "$DC_HOST: after \"Execute now\", billu.cert.expiry[${DC_TLS[0]}] is the new certificate's notAfter, $CRIT_END ($CRIT_CERT_DAYS days; within 20 s)" pass \
    lab_wait 20 "the critical certificate's expiry" probe value-since "$DC_HOST" "billu.cert.expiry[${DC_TLS[0]}]" "$CRIT_END" "$ASKED"
lab_fig "check now -> the new certificate's expiry" "$(( $(date +%s) - ASKED )) s"
lab_expect "\"$T_CRIT\" (high) is raised: $CRIT_CERT_DAYS days left, under the model's $CERT_CRIT_DAYS (within 20 s)" pass \
    lab_wait 20 "the critical problem" probe problem "$DC_HOST" "$T_CRIT"
lab_expect "... the warning stays raised, and \"$T_INVALID\" is not (the site CA issued it)" pass \
    sh -c "ip netns exec bmon-mon ${PROBE[*]} problem '$DC_HOST' '$T_WARN' && ip netns exec bmon-mon ${PROBE[*]} resolved '$DC_HOST' '$T_INVALID'"
# A certificate for the same name, valid 90 days, that signs itself: no trusted CA issued it.
if [ -n "${BILLU_LAB_VALIDATION_SABOTAGE:-}" ]; then
    lab_log "SABOTAGE: the Samba template's \"$T_INVALID\" fires only on \"invalid\" (not on any verdict but \"valid\")"
    probe trigger-set "BillU Samba AD DC" "$T_INVALID" "last(/BillU Samba AD DC/billu.cert.validation[${DC_TLS[0]}])=\"invalid\"" || lab_die "the sabotage's trigger.update was refused"
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -nodes -keyout "$LAB_PKI/ldapsself.key" -subj "/O=BillU/CN=$DC_TLS_NAME" \
    -addext "subjectAltName=DNS:$DC_TLS_NAME" -addext "extendedKeyUsage=serverAuth" -days 90 -out "$LAB_PKI/ldapsself.pem" 2>/dev/null
ldaps_serve "$LAB_PKI/ldapsself.pem" "$LAB_PKI/ldapsself.key"
SELF_END=$(not_after "$LAB_PKI/ldapsself.pem")
ASKED=$(date +%s)
probe check-now "$DC_HOST" "$DC_MASTER" || lab_die "task.create (check now) of $DC_MASTER was refused"
lab_expect "$DC_HOST: after \"Execute now\", billu.cert.validation[${DC_TLS[0]}] is \"valid-but-self-signed\" for the self-signed certificate (within 20 s)" pass \
    lab_wait 20 "the self-signed verdict" probe value-since "$DC_HOST" "billu.cert.validation[${DC_TLS[0]}]" valid-but-self-signed "$ASKED"
lab_expect "... and billu.cert.expiry[${DC_TLS[0]}] is its notAfter, $SELF_END" pass probe value-since "$DC_HOST" "billu.cert.expiry[${DC_TLS[0]}]" "$SELF_END" "$ASKED"
lab_expect "\"$T_INVALID\" (high) is raised (within 20 s)" pass lab_wait 20 "the validation problem" probe problem "$DC_HOST" "$T_INVALID"
lab_expect "... and \"$T_CRIT\" resolves: 90 days left (within 20 s)" pass lab_wait 20 "the critical problem resolved" probe resolved "$DC_HOST" "$T_CRIT"
lab_fig "certificate swaps (critical, self-signed: values and triggers)" "$(lab_since "$T_SWAP") ms"

fi # certificate swaps

# --- IMAPS on the mail host (issue #18): Dovecot on 993, checked by the Postfix template's rendered item ------------------
# Dovecot (Debian's, a minimal configuration of the lab's: IMAP over TLS on 127.0.0.1:993 of bmon-mail, a certificate of
# the site CA for the document's name, valid 90 days). The mail host's agent so far held a wrong PSK (the probes above):
# it now gets the server's key and is restarted, then the rendered web.certificate.get[<name>,993,127.0.0.1] is fetched
# at once (Execute now). Expected: the certificate file's notAfter, "valid", no certificate problem.
if lab_phase "IMAPS on $MAIL_HOST: Dovecot on 993, its certificate checked by the rendered item" BILLU_LAB_IMAPS_SABOTAGE=1; then
T_IMAPS=$(date +%s%N)
mapfile -t MAIL_TLS < <(tls_endpoints "BillU Postfix")
if [ "${#MAIL_TLS[@]}" != 1 ] || [ "${MAIL_TLS[0]#*,}" != 993 ]; then
    lab_die "the document's Postfix template checks ${MAIL_TLS[*]:-no certificate}, the lab expects IMAPS on 993"
fi
IMAPS_NAME=${MAIL_TLS[0]%,*}
IMAPS_CERT_NAME=$IMAPS_NAME
if [ -n "${BILLU_LAB_IMAPS_SABOTAGE:-}" ]; then
    IMAPS_CERT_NAME="other-$IMAPS_NAME"
    lab_log "SABOTAGE: Dovecot serves a site-CA certificate for $IMAPS_CERT_NAME, not $IMAPS_NAME"
fi
lab_cert imaps "$IMAPS_CERT_NAME" "DNS:$IMAPS_CERT_NAME" >/dev/null
openssl x509 -req -in "$LAB_PKI/imaps.csr" -CA "$LAB_PKI/ca.pem" -CAkey "$LAB_PKI/ca.key" -CAcreateserial -days 90 -extfile "$LAB_PKI/imaps.ext" -out "$LAB_PKI/imaps.pem" 2>/dev/null
DV="$LAB_DIR/dovecot"; mkdir -p "$DV/run" "$DV/state"
chmod 0644 "$LAB_PKI/imaps.key"
cat >"$DV/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $DV/run
state_dir = $DV/state
log_path = $DV/dovecot.log
ssl = required
ssl_cert = <$LAB_PKI/imaps.pem
ssl_key = <$LAB_PKI/imaps.key
passdb {
  driver = static
  args = nopassword=y
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = 993
  }
}
CONF
lab_bg bmon-mail "$DV/stdout.log" dovecot -F -c "$DV/dovecot.conf"
lab_wait 10 "Dovecot on 993" ip netns exec bmon-mail bash -c "exec 3<>/dev/tcp/127.0.0.1/993" || lab_die "Dovecot did not start: $(tail -3 "$DV/stdout.log" "$DV/dovecot.log" 2>/dev/null)"
# The greeting over TLS, read once (python's ssl, the certificate not checked here: that is the agent's item's verdict).
imaps_greets() { ip netns exec bmon-mail /usr/bin/python3 -c 'import socket, ssl, sys
c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
with socket.create_connection(("127.0.0.1", 993), timeout=5) as s, c.wrap_socket(s, server_hostname=sys.argv[1]) as t:
    g = t.recv(200); print(g); sys.exit(0 if g.startswith(b"* OK") else 1)' "$IMAPS_NAME"; }
lab_expect "Dovecot greets over TLS on 127.0.0.1:993 of $MAIL_HOST (\"* OK\")" pass imaps_greets
for pid in $(ip netns pids bmon-mail); do [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != zabbix_agent2 ] || kill "$pid"; done
install -m 0640 -o root -g zabbix "$LAB_DIR/psk-$MAIL_HOST" /etc/netns/bmon-mail/zabbix/zabbix_agent2.psk
read -r addr _ < <(doc_host "$MAIL_HOST")
lab_wait 10 "$MAIL_HOST's agent stopped" sh -c "! ip netns exec bmon-mail bash -c 'exec 3<>/dev/tcp/$addr/10050' 2>/dev/null" || lab_die "$MAIL_HOST's agent did not stop"
start_agent "$MAIL_HOST"
lab_expect "$MAIL_HOST, its agent now holding the server's PSK, becomes available (within 30 s)" pass lab_wait 30 "$MAIL_HOST available" probe available "$MAIL_HOST"
IMAPS_END=$(not_after "$LAB_PKI/imaps.pem")
ASKED=$(date +%s)
probe check-now "$MAIL_HOST" "web.certificate.get[$IMAPS_NAME,993,127.0.0.1]" || lab_die "task.create (check now) was refused"
lab_expect "$MAIL_HOST: billu.cert.expiry[$IMAPS_NAME,993] is Dovecot's certificate's notAfter, $IMAPS_END (within 20 s)" pass \
    lab_wait 20 "the IMAPS expiry" probe value-since "$MAIL_HOST" "billu.cert.expiry[$IMAPS_NAME,993]" "$IMAPS_END" "$ASKED"
lab_expect "$MAIL_HOST: billu.cert.validation[$IMAPS_NAME,993] is valid (the site CA, the name)" pass \
    probe value-since "$MAIL_HOST" "billu.cert.validation[$IMAPS_NAME,993]" valid "$ASKED"
lab_expect "$MAIL_HOST: no certificate trigger of IMAPS is raised (90 days left, valid; within 20 s)" pass lab_wait 20 "IMAPS triggers" cert_quiet "$MAIL_HOST" "BillU Postfix" "$IMAPS_NAME,993"
lab_fig "IMAPS (Dovecot, agent restarted with the right PSK, values, triggers)" "$(lab_since "$T_IMAPS") ms"

fi # IMAPS

# The acceptance run's stopped agent (below): stopped now, so Zabbix calls it unavailable while Apache is probed.
if [ -n "${BILLU_LAB_NODATA_SABOTAGE:-}" ]; then
    lab_log "SABOTAGE: $DHCP_HOST gets a host macro {\$BILLU.AGENT.NODATA} = 1h, shadowing the template's"
    probe host-macro "$DHCP_HOST" "{\$BILLU.AGENT.NODATA}" 1h || lab_die "the sabotage's host macro was refused"
fi
lab_log "stopping $DHCP_HOST's agent (for the agent-unreachable trigger and the acceptance run at the end)"
T_AGENT_STOP=$(date +%s%N)
for pid in $(ip netns pids bmon-dhcp); do [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != zabbix_agent2 ] || kill "$pid"; done

# The Apache trigger and the drift template serve no sabotage switch's probe: a sabotage run skips them (lab_phase,
# labs/lib/common.sh), so BILLU_LAB_NODATA_SABOTAGE's probe comes right after the agent stops.
if lab_phase "stopping Apache in bmon-web: its trigger, the alert mail, the resolution"; then
lab_expect "no \"$TRIGGER\" problem while Apache runs" pass probe resolved "$WEB_HOST" "$TRIGGER"
T_STOP=$(date +%s%N)
apache stop
lab_expect "\"$TRIGGER\" is raised within 60 s of Apache stopping" pass lab_wait 60 "the problem" probe problem "$WEB_HOST" "$TRIGGER"
lab_fig "trigger latency (Apache stopped -> problem; 5 s checks, 3 failures)" "$(lab_since "$T_STOP") ms"
T_MAIL=$(date +%s%N)
lab_expect "the alert mail reaches the sink (within 30 s)" pass lab_wait 30 "the alert mail" grep -q "Subject: Problem: $TRIGGER" "$LAB_DIR/smtp.log"
lab_fig "alert mail after the problem" "$(lab_since "$T_MAIL") ms"
T_START=$(date +%s%N)
apache start
lab_expect "restarting Apache resolves \"$TRIGGER\" (within 60 s)" pass lab_wait 60 "the resolution" probe resolved "$WEB_HOST" "$TRIGGER"
lab_fig "resolve latency (Apache started -> resolved)" "$(lab_since "$T_START") ms"

fi # Apache

# --- the directory drift template (issue #27) on the first DC, against this real Zabbix 6.0 ------------------------------
if lab_phase "the directory drift template on $DC_HOST"; then
# The lab writes the verdict as the scheduled check does (apply_samba.py --result: version, checkedAt in UTC ISO 8601,
# inSync, drift, privilegedDrift, differences; atomically), and the probes read what Zabbix made of it: the JSONPath
# items, the JavaScript item (checkedAt as Unix seconds: the lab's own clock is the expectation), the triggers.
DT="BillU directory drift"
drift_trigger() { node -e 'const t = require(process.argv[1]).templates.find((x) => x.name === process.argv[2]);
    console.log(t.triggers.find((x) => x.expression.includes(process.argv[3])).name)' "$DOC" "$DT" "$1"; }
T_PRIV=$(drift_trigger "billu.drift.privileged")
T_GRACE=$(drift_trigger "billu.drift.count")
T_STALE=$(drift_trigger "billu.drift.checked")
write_verdict() { # <checkedAt epoch> <drift> <privileged>
    /usr/bin/python3 - "$LAB_DIR/drift/${DRIFT_RESULT##*/}" "$@" <<'PY'
import datetime, json, os, sys
path, at, drift, priv = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
diffs = [{"object": "Domain Admins", "attribute": "member", "planned": ["Administrator"], "live": ["Administrator", "lab.intruder"], "privileged": True}][:priv]
diffs += [{"object": "lab.user%d" % i, "attribute": "title", "planned": "a", "live": "b", "privileged": False} for i in range(drift - priv)]
doc = {"version": 1, "checkedAt": datetime.datetime.fromtimestamp(at, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
       "inSync": drift == 0, "drift": drift, "privilegedDrift": priv, "differences": diffs}
with open(path + ".tmp", "w", encoding="utf-8") as f:
    json.dump(doc, f, indent=1, sort_keys=True)
os.chmod(path + ".tmp", 0o644)
os.replace(path + ".tmp", path)
PY
}
T_DRIFT=$(date +%s%N)
AT=$(date +%s)
write_verdict "$AT" 0 0
lab_expect "$DC_HOST: billu.drift.count is 0 from the verdict file (JSONPath \$.drift, within 40 s)" pass lab_wait 40 "drift 0" probe value "$DC_HOST" billu.drift.count 0
lab_expect "$DC_HOST: billu.drift.privileged is 0 (JSONPath \$.privilegedDrift)" pass probe value "$DC_HOST" billu.drift.privileged 0
lab_expect "$DC_HOST: billu.drift.checked is the verdict's checkedAt as Unix seconds, $AT (JavaScript preprocessing, type 21)" pass \
    lab_wait 20 "checked" probe value "$DC_HOST" billu.drift.checked "$AT"
stale_quiet() { probe evaluated "$DC_HOST" "$T_STALE" && probe resolved "$DC_HOST" "$T_STALE"; }
lab_expect "\"$T_STALE\" (now()-last(...)) is evaluated without error and is not raised for a fresh verdict" pass lab_wait 20 "evaluated" stale_quiet
lab_expect "no \"$T_PRIV\" problem while the directory is in sync" pass probe resolved "$DC_HOST" "$T_PRIV"
lab_fig "drift template: first values after the verdict was written" "$(lab_since "$T_DRIFT") ms"
AT=$(date +%s)
write_verdict "$AT" 1 1
T_PRIV_AT=$(date +%s%N)
lab_expect "a verdict with one extra Domain Admin: billu.drift.privileged is 1 (within 40 s)" pass lab_wait 40 "privileged 1" probe value "$DC_HOST" billu.drift.privileged 1
lab_expect "\"$T_PRIV\" (HIGH) is raised at once (within 20 s of the value)" pass lab_wait 20 "the privileged problem" probe problem "$DC_HOST" "$T_PRIV"
lab_fig "privileged drift: verdict written -> HIGH problem" "$(lab_since "$T_PRIV_AT") ms"
lab_expect "\"$T_GRACE\" is not raised: the grace ({\$BILLU.DRIFT.GRACE} from the model) has not passed" pass probe resolved "$DC_HOST" "$T_GRACE"
# A verdict 30 days old (older than the staleness bound of any schedule the model accepts: two days and two minutes
# for daily) and in sync: the now() trigger fires, the privileged one resolves.
AT=$(( $(date +%s) - 30 * 86400 ))
write_verdict "$AT" 0 0
lab_expect "a verdict 30 days old: \"$T_STALE\" is raised (within 40 s)" pass lab_wait 40 "the stale problem" probe problem "$DC_HOST" "$T_STALE"
lab_expect "... billu.drift.checked is its checkedAt, $AT" pass probe value "$DC_HOST" billu.drift.checked "$AT"
lab_expect "... and \"$T_PRIV\" is resolved (privileged drift 0)" pass lab_wait 20 "resolved" probe resolved "$DC_HOST" "$T_PRIV"

fi # drift template

# --- the Windows hosts' template (prod's document: dev has no Windows host), against this real Zabbix 6.0 -------------------
# The configuration step's own code (the installed zabbix-config.py: Run.host_groups and Run.templates) creates prod's
# "BillU Windows base" in the lab's Zabbix, twice: Zabbix accepts every item and trigger (trigger.create parses each
# expression against the template's items), the second run changes nothing, the template holds the document's keys and
# trigger names. No Windows agent runs here: its values stay unproven (docs/services/monitoring.md).
if lab_phase "the Windows hosts' template (prod's document) through the step's code" BILLU_LAB_WINDOWS_SABOTAGE=1; then
PROD=$(lab_synth prod)
PROD_MON=$(node -e 'console.log(require(process.argv[1]).hosts.find((h) => h.role === "monitoring").name)' "$PROD/outputs.json")
WIN_DOC="$LAB_DIR/prod-zabbix-config.json"
cp "$PROD/rendered/$PROD_MON$DOC_GUEST" "$WIN_DOC"
WIN_TPL=$(node -e 'const d = require(process.argv[1]); const h = d.hosts.find((x) => x.templates.includes("BillU Windows base")); console.log(h ? "BillU Windows base" : "")' "$WIN_DOC")
[ -n "$WIN_TPL" ] || lab_die "prod's document links no host to BillU Windows base"
if [ -n "${BILLU_LAB_WINDOWS_SABOTAGE:-}" ]; then
    lab_log "SABOTAGE: the copy of prod's document names vfs.fs.size[D:,pused] in the Windows template's C: trigger (an item the template lacks)"
    sed -i 's|/BillU Windows base/vfs.fs.size\[C:,pused\]|/BillU Windows base/vfs.fs.size[D:,pused]|' "$WIN_DOC"
fi
WIN_GROUP=$(node -e 'console.log(require(process.argv[1]).templateGroup)' "$WIN_DOC")
lab_expect "prod's \"$WIN_TPL\" is created by the step's own code (every item and trigger accepted), a second run changes nothing, it holds the document's items and triggers" pass \
    ip netns exec bmon-mon "${PROBE[@]}" ensure-template "$MON_ROOT/usr/local/lib/billu/monitoring" "$WIN_DOC" "$WIN_TPL" "$WIN_GROUP"
sed 's/^/    /' "$LAB_DIR/.lab-expect.out" | tail -n 3

fi # Windows template

# nodata() is evaluated by the server's timer (every 30 s or so), over the lab's 30 s {$BILLU.AGENT.NODATA}. The bound
# counts from the agent's stop (39-53 s measured), whatever ran since: a sabotage run that skipped the phases above
# waits as long after the stop as a normal run may.
if lab_phase "the agent-unreachable trigger on $DHCP_HOST, its agent stopped" BILLU_LAB_NODATA_SABOTAGE=1; then
NODATA_LEFT=$(( 120 - $(lab_since "$T_AGENT_STOP") / 1000 )); [ "$NODATA_LEFT" -gt 0 ] || NODATA_LEFT=1
lab_expect "\"$NODATA_TRIGGER\" is raised on $DHCP_HOST within 120 s of its agent stopping ($NODATA_LEFT s left)" pass \
    lab_wait "$NODATA_LEFT" "the agent-unreachable problem" probe problem "$DHCP_HOST" "$NODATA_TRIGGER"
lab_fig "agent stopped -> \"$NODATA_TRIGGER\" problem ({\$BILLU.AGENT.NODATA} 30s)" "$(lab_since "$T_AGENT_STOP") ms"
lab_expect "... and not on $WEB_HOST, whose agent runs" pass probe resolved "$WEB_HOST" "$NODATA_TRIGGER"

fi # agent unreachable

# --- the acceptance run's monitoring scenario (tools/acceptance/scenarios/monitoring.ts), from the server's namespace ---
# (PAR-MON01 is a management host, where acceptance runs stand). It reaches the API as production does: over HTTPS at
# the plan's address of the server, for the frontend's name (the rendered Apache site's ServerName), the certificate
# checked against the outputs' caCertPem. Lab overrides: caCertPem is the lab's throwaway CA; the frontend's HTTPS is an
# Apache reverse proxy to the lab's PHP server (the one the configuration step used, above);
# BILLU_ZABBIX_CREDENTIALS is the read-only account's file the step installed (not Admin's); BILLU_MONITORING_HOSTS names PAR-MON01 and PAR-WEB01, the hosts whose
# watched services all run here (PAR-FW01 has no strongSwan, PAR-DHCP01 no Kea, PAR-MAIL01 a wrong PSK on purpose): it
# passes. Then with PAR-DHCP01 added, whose agent was stopped after its items' probe: it fails (exit 1) naming it.
if lab_phase "the acceptance run's monitoring scenario, with the read-only account"; then
T_ACC=$(date +%s%N)
node -e 'const fs=require("fs"); const o=JSON.parse(fs.readFileSync(process.argv[1],"utf8")); o.caCertPem=fs.readFileSync(process.argv[2],"utf8"); fs.writeFileSync(process.argv[3], JSON.stringify(o), {mode: 0o600})' \
    "$DEV/outputs.json" "$LAB_PKI/ca.pem" "$LAB_DIR/outputs.json"
acceptance() { # <report dir>: exit code of the run
    ip netns exec bmon-mon env BILLU_PROJECT_ROOT="$LAB_ROOT" BILLU_ZABBIX_CREDENTIALS="$LAB_DIR/reader.cred" BILLU_MONITORING_HOSTS="$acc_hosts" \
        node "$LAB_ROOT/dist/tools/acceptance.js" --stack dev --config "$LAB_ROOT/Pulumi.dev.yaml" --outputs "$LAB_DIR/outputs.json" \
        --only monitoring --report "$1" >"$1.log" 2>&1
}
acc_hosts="$MON_HOST,$WEB_HOST"
acceptance_exit() { local rc=0; acceptance "$2" || rc=$?; test "$rc" = "$1"; } # <exit code> <report dir>
lab_expect "acceptance: the monitoring scenario passes for $MON_HOST and $WEB_HOST (exit 0)" pass acceptance_exit 0 "$LAB_DIR/acceptance"
sed 's/^/    /' "$LAB_DIR/acceptance.log" | tail -n 4
lab_expect "acceptance: it logged on as the read-only account, not Admin" pass grep -q "logged on as api-reader;" "$LAB_DIR/acceptance.log"
lab_expect "acceptance: its report and log show no password" fail grep -rqF -- "$READER_PW" "$LAB_DIR/acceptance" "$LAB_DIR/acceptance.log"
lab_wait 30 "$DHCP_HOST unavailable" probe unavailable "$DHCP_HOST" || lab_log "Zabbix still calls $DHCP_HOST available"
acc_hosts="$MON_HOST,$WEB_HOST,$DHCP_HOST"
lab_expect "acceptance: with $DHCP_HOST's agent stopped (its hosts $acc_hosts), the monitoring scenario fails (exit 1)" pass acceptance_exit 1 "$LAB_DIR/acceptance-stopped"
lab_expect "acceptance: and its report names $DHCP_HOST and its unavailable agent" pass grep -q "$DHCP_HOST: its agent interface is unavailable" "$LAB_DIR/acceptance-stopped/acceptance.md"
lab_expect "acceptance: and passes $WEB_HOST" pass grep -q "ok  *$WEB_HOST is green" "$LAB_DIR/acceptance-stopped.log"
sed 's/^/    /' "$LAB_DIR/acceptance-stopped.log" | grep FAIL || true
lab_fig "acceptance (monitoring scenario: a passing run, a failing run)" "$(lab_since "$T_ACC") ms"

fi # acceptance

mem_fig "at the end of the run"
kill -0 "$SERVER_PID" 2>/dev/null || lab_log "warning: the server is gone"
lab_fig "lab duration" "$(lab_since "$T0") ms"
lab_finish
