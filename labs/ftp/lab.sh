#!/usr/bin/env bash
# labs/ftp: FTP over TLS (issue #19): PAR-FTP01's vsftpd against a real Samba AD DC, behind the router's rendered
# ruleset, in network namespaces that carry the dev model's own addresses and interface names.
#
#   servers switch: bftp-dc1 (PAR-DC01), bftp-ftp (PAR-FTP01), bftp-srv (a host of the servers zone) --+
#                   bftp-fw (PAR-FW01: its rendered sysctl and nftables ruleset) --+-- bftp-cli (a workstation of an
#                                                                                 |   allowed zone)
#                                                                                 +-- bftp-dmz (a DMZ host: a zone
#                                                                                     the model does not allow)
#
# It synthesizes the dev stack and runs the guest steps exactly as synth rendered them (each staged and installed file
# read back after its step, nothing edited), in the order the program deploys them: PAR-DC01 `dc` (provision),
# `domain` (records, groups, the join account), `directory` (dev's directory plan: every OU, group and account), then
# PAR-FTP01 `ad-join` (adcli + SSSD) and `ftp-server` (vsftpd, PAM, the exchange folders, logs). vsftpd runs as its
# unit would: the ExecStart of the rendered drop-in (`env --ignore-signal=XFSZ ...`), started by the step's own
# `systemctl` call through the lab's shim (labs/lib/systemctl-shim.sh reads that ExecStart).
# Probes, with curl (--ssl-reqd, the site CA, passive mode) and openssl s_client, every expected value from the model
# (tools/lab-facts.ts, the synth outputs and directory.json), never from a file under test:
#   - an AD user of an allowed department logs in over explicit TLS from the allowed zone's workstation, through the
#     router; the PASV reply advertises the model's address and a port of the model's range; an upload and a
#     download in passive mode match (SHA-256); on disk the file belongs to the user and their department's group
#     (setgid folder) and carries the folder's default ACL;
#   - between departments: another department's user is refused the folder (550) and cannot read the file;
#   - refused: a plaintext login (530), TLS 1.1 (the server's alert), a user outside the allowed groups
#     (530), a disabled account (HR's next export without the person: the directory step disables it; 530), the same
#     allowed user from the servers zone (pam_access: 530 and FAIL LOGIN), a local account of the server with its
#     right password (530), even in a local group named as an allowed one (pam_access passes it: pam_sss alone
#     refuses); dropped by the router: the DMZ (a zone the model does not allow: no SYN reaches the server);
#   - the chroot: the session starts at "/", ../../ lists the model's exchange folders only, /etc/passwd is not there;
#   - the upload limit (billu:ftp's, when dev sets one): 64 KiB over gets `451 Failure writing to local file.` (read
#     from the server's protocol log: curl, still sending, may miss it), a FAIL UPLOAD line and no leftover; 64 KiB
#     under arrives whole;
#   - the logs: xferlog has the transfers with the user and the client's address; vsftpd.log the logins, uploads
#     and refusals with the user and the client's address.
#   - the acceptance run's ftp scenario (npm run acceptance --only ftp) from the workstation, as the directory's
#     acceptance account: it passes (6 steps) leaving no test file; with vsftpd stopped (the lab's end) it fails
#     (exit 1) naming the greeting step.
# Lab overrides (documented, nothing rendered is edited):
#   - guests are namespaces with overlays (labs/lib/samba.sh), not VMs; `systemctl` is the lab shim; packages are
#     preinstalled (the steps' install guards skip); PAR-FTP01's /home and /srv are tmpfs of the guest (pam_mkhomedir
#     and the exchange folders never touch this machine); its sshd runs as on its VM (the ad-join step reloads it);
#   - the secrets Pulumi would send on stdin are made here: random passwords, and a throwaway CA (openssl, ECDSA
#     P-384 like SiteCa) issuing the DC's LDAPS and the FTP server's certificates with the SANs synth recorded;
#   - the acceptance account's password is the lab's (given to the directory step, written into a copy of the outputs
#     as acceptancePassword), and that copy's caCertPem is the throwaway CA;
#   - the probe accounts' passwords are set with samba-tool after the directory step (the plan's are secrets); the
#     local account (useradd) and, last, a local group line in the guest's /etc/group are the lab's;
#   - the departure is a second synth with the committed HR export minus the person's line (--hr-csv), its
#     directory step run on the DC (as labs/mail).
# Sabotage (labs/ftp/sabotage.txt): BILLU_LAB_SABOTAGE=1 removes the passive range from the router's installed
# ruleset (after its read-back): a probe shows the login still gets through on tcp/21, then the upload (its data
# connection dropped by the router) must fail and the lab exit 1.
LAB=bftp
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/samba.sh
source "$LAB_ROOT/labs/lib/samba.sh"
lab_require samba samba-tool ldapsearch ldbsearch adcli sssd sshd vsftpd curl openssl nft node python3 getfacl stat sha256sum unshare nsenter
START=$(date +%s%N)

# --- synth the dev stack; every fact below comes from its outputs and the model ---------------------------------------
OUT="$(lab_synth dev)"
R="$OUT/rendered"
lab_expected dev # the read-back's reference: out/dev, written by `npm run synth -- --stack dev`
q() { node -e "const o=require('$OUT/outputs.json'), r=require('$OUT/resources.json').resources; $1"; }
(cd "$LAB_ROOT" && node dist/tools/lab-facts.js --stack dev) >"$LAB_DIR/facts.json" || lab_die "lab-facts dev failed"
# ffact <JavaScript expression over f, the model's billu:ftp (tools/lab-facts.ts)>: one line per value.
ffact() {
    node -e 'const f = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).ftp;
        if (!f) { console.error("the dev model has no billu:ftp"); process.exit(1); }
        const v = eval(process.argv[2]); console.log(Array.isArray(v) ? v.join("\n") : v)' "$LAB_DIR/facts.json" "$1"
}
DOMAIN=$(q 'console.log(o.site.domain)')
DC1=$(q 'console.log(o.hosts.find(h=>h.role==="dc").name)')
DC1_IP=$(q "console.log(o.hosts.find(h=>h.name==='$DC1').address)")
FTP=$(ffact f.host) || lab_die "the dev model has no FTP server (billu:ftp)"
FTP_IP=$(q "console.log(o.hosts.find(h=>h.name==='$FTP').address)")
FQDN=$(ffact f.fqdn)
PASV_MIN=$(ffact f.passive.min); PASV_MAX=$(ffact f.passive.max); PASV_ADDR=$(ffact f.advertisedAddress)
LIMIT=$(ffact 'f.uploadLimitBytes ?? ""')
FTP_DNS=$(q "console.log(r.find(x=>x.type.endsWith('VmLegacy')&&x.inputs.name==='$FTP').inputs.initialization.dns.servers.join(' '))")
mapfile -t ALLOWED_ZONES < <(ffact f.allowedZones)
mapfile -t ALLOWED_GROUPS < <(ffact f.allowedGroups)
mapfile -t FOLDERS < <(ffact 'f.folders.map((x) => x.name)')
FTP_ROOT=$(ffact f.root); ADMIN_GROUP=$(ffact f.adminGroup)
lab_log "$FTP $FTP_IP ($FQDN): passive $PASV_MIN-$PASV_MAX advertised as $PASV_ADDR, zones ${ALLOWED_ZONES[*]}, groups ${ALLOWED_GROUPS[*]}, folders ${FOLDERS[*]} under $FTP_ROOT, upload limit ${LIMIT:-none}"

# The probe accounts, from the model's directory (directory.json), never from the FTP server's files:
#   A, an enabled person in an allowed group, whose department folder is one of the model's exchange folders;
#   D, another such person (the departure), nobody's manager (HR's next export can drop their line);
#   B, an enabled person in an allowed group whose department folder is another one (the ACLs between departments);
#   O, an enabled person in none of the allowed groups.
USER_A="" A_DEPT="" A_FOLDER="" A_GROUP="" USER_B="" B_FOLDER="" USER_D="" LINE_D="" USER_O="" C_FOLDER="" C_GROUP=""
eval "$(node -e 'const d = require(process.argv[1]), f = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8")).ftp;
    const out = [], sh = (k, v) => out.push(k + "=" + JSON.stringify(String(v)));
    const managers = new Set(d.people.map((x) => x.manager));
    const inAllowed = (p) => p.groups.some((g) => f.allowedGroups.includes(g));
    const folderOf = (p) => f.folders.find((x) => x.kind === "department" && p.groups.includes(x.group));
    const ok = d.people.filter((p) => p.enabled && inAllowed(p) && folderOf(p) && !managers.has(p.sam));
    const a = ok[0], dd = ok[1], o = d.people.find((p) => p.enabled && !inAllowed(p));
    const b = a && ok.find((p) => p !== dd && folderOf(p).name !== folderOf(a).name);
    const common = f.folders.find((x) => x.kind === "common");
    sh("USER_A", a ? a.sam : ""); sh("A_DEPT", a ? a.department : ""); sh("A_FOLDER", a ? folderOf(a).name : ""); sh("A_GROUP", a ? folderOf(a).group : "");
    sh("USER_B", b ? b.sam : ""); sh("B_FOLDER", b ? folderOf(b).name : "");
    sh("USER_D", dd ? dd.sam : ""); sh("LINE_D", dd ? dd.line : "");
    sh("USER_O", o ? o.sam : "");
    sh("C_FOLDER", common ? common.name : ""); sh("C_GROUP", common ? common.group : "");
    console.log(out.join("\n"));' "$OUT/directory.json" "$LAB_DIR/facts.json")"
{ [ -n "$USER_A" ] && [ -n "$USER_B" ] && [ -n "$USER_D" ] && [ -n "$USER_O" ]; } ||
    lab_die "the dev directory lacks people of an allowed group with a folder in two departments, or one outside them"
lab_log "A: $USER_A ($A_GROUP, folder $A_FOLDER); B: $USER_B (folder $B_FOLDER); departing: $USER_D (HR line $LINE_D); outside the allowed groups: $USER_O; common folder: ${C_FOLDER:-none}"
# The zones: A's department zone when allowed, else the first allowed department zone (its workstation logs in), the DMZ (not allowed), the servers zone.
eval "$(A_DEPT="$A_DEPT" node -e 'const o = require(process.argv[1]), ftp = process.argv[2], allowed = process.argv.slice(3);
    const out = [], sh = (k, v) => out.push(k + "=" + JSON.stringify(String(v)));
    const fw = o.hosts.find((h) => h.role === "firewall"), f = o.hosts.find((h) => h.name === ftp);
    const used = new Set(o.hosts.map((h) => h.address));
    const ip2n = (a) => a.split(".").reduce((n, x) => n * 256 + Number(x), 0), n2ip = (n) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
    const free = (z) => { const [a, p] = z.cidr.split("/"); let n = (ip2n(a) | (2 ** (32 - Number(p)) - 1)) - 1;
        while (used.has(n2ip(n)) || n2ip(n) === z.gateway || n2ip(n) === z.routerAddress) n--; return n2ip(n); };
    const sz = o.zones.find((z) => z.name === f.zone);
    const cz = o.zones.find((z) => z.kind === "department" && allowed.includes(z.name) && z.department === process.env.A_DEPT) ||
        o.zones.find((z) => z.kind === "department" && allowed.includes(z.name));
    const dz = o.zones.find((z) => z.kind === "dmz");
    sh("FW", fw.name); sh("SERVERS_ZONE", sz.name); sh("SERVERS_GW", sz.gateway); sh("SERVERS_PREFIX", sz.cidr.split("/")[1]);
    sh("SRV_IP", free(sz));
    sh("CLI_ZONE", cz ? cz.name : ""); sh("CLI_IP", cz ? (cz.dhcpPool ? cz.dhcpPool.split("-")[0] : free(cz)) : "");
    sh("CLI_PREFIX", cz ? cz.cidr.split("/")[1] : ""); sh("CLI_GW", cz ? cz.gateway : "");
    sh("DMZ_ZONE", dz.name); sh("DMZ_IP", free(dz)); sh("DMZ_PREFIX", dz.cidr.split("/")[1]); sh("DMZ_GW", dz.gateway);
    sh("DMZ_ALLOWED", allowed.includes(dz.name) ? 1 : ""); sh("SRV_ALLOWED", allowed.includes(sz.name) ? 1 : "");
    console.log(out.join("\n"));' "$OUT/outputs.json" "$FTP" "${ALLOWED_ZONES[@]}")"
[ -n "$CLI_ZONE" ] || lab_die "the dev model allows no department zone to $FTP (billu:ftp.allowedZones)"
[ -z "$DMZ_ALLOWED" ] || lab_die "the dev model allows the DMZ to $FTP: the lab needs a zone it does not allow"
[ -z "$SRV_ALLOWED" ] || lab_die "the dev model allows the servers zone to $FTP: the pam_access probe needs a zone it does not allow"
lab_log "workstation $CLI_IP ($CLI_ZONE, allowed), DMZ host $DMZ_IP ($DMZ_ZONE), servers-zone host $SRV_IP ($SERVERS_ZONE)"

# --- secrets (what Pulumi would send on stdin) --------------------------------------------------------------------
ADMIN_PW="Lab-$(openssl rand -hex 10)-A1"
JOIN_PW="Join-$(openssl rand -hex 10)-B2"
USER_PW="User-$(openssl rand -hex 10)-C3"
PKI="$LAB_PKI"
lab_ca ca "BillU lab throwaway root CA"
issue() { # <file name> <JavaScript predicate over a CertRequest's inputs c>: the CN and SANs synth recorded
    local c="r.find(x=>x.type==='tls:index/certRequest:CertRequest'&&((c)=>$2)(x.inputs)).inputs"
    lab_cert "$1" "$(q "console.log($c.subject.commonName)")" "$(q "const c=$c; console.log([...c.dnsNames.map(d=>'DNS:'+d),...(c.ipAddresses||[]).map(i=>'IP:'+i)].join(','))")"
}
issue dc1 "c.dnsNames.includes('${DC1,,}.$DOMAIN')"
issue ftp "c.dnsNames.includes('$FQDN')"
S="$LAB_DIR/secrets"; mkdir -p "$S"
samba_dc_secrets "$S/dc1" "$ADMIN_PW" dc1
: >"$S/domain"; secrets_add "$S/domain" admin-password "$ADMIN_PW"; secrets_add "$S/domain" join-password "$JOIN_PW"
: >"$S/join"; secrets_add "$S/join" join-password "$JOIN_PW"
# The ftp-server step's secrets, by the names it reads (billu_secret <name> in its run.sh, {{secret:<name>}} in the
# files it installs): the certificate, its key, the CA.
: >"$S/ftp"
FTP_RUN="$R/$FTP/var/lib/billu/stage/ftp-server/run.sh"
[ -f "$FTP_RUN" ] || lab_die "no rendered ftp-server step for $FTP"
for name in $( { sed -n 's/.*billu_secret \([a-z0-9-]*\).*/\1/p' "$FTP_RUN"
    sed -n "s/^billu_install '\([^']*\)'.*/\1/p" "$FTP_RUN" | while read -r f; do grep -ho '{{secret:[a-z0-9-]*}}' "$R/$FTP$f" || true; done |
        sed 's/{{secret:\(.*\)}}/\1/'; } | sort -u); do
    case "$name" in
        site-ca-cert | *-ca) secrets_add "$S/ftp" "$name" "$(cat "$PKI/ca.pem")" ;;
        *-key) secrets_add "$S/ftp" "$name" "$(cat "$PKI/ftp.key")" ;;
        *-cert) secrets_add "$S/ftp" "$name" "$(cat "$PKI/ftp.pem")" ;;
        *) lab_die "the ftp-server step reads a secret the lab does not know: $name" ;;
    esac
done

# --- network: the servers zone's switch ---------------------------------------------------------------------------
lab_switch
plug() { lab_plug "$1" "$2/$SERVERS_PREFIX"; } # <namespace suffix> <address>
run_step() { guest_step "$1" "$R/$2" "$3" "$4"; } # <guest> <host> <step> <secrets>: stage, run, time, read back

# --- PAR-DC01: the forest, the domain step (the join account), the directory plan -----------------------------------
guest_new dc1 "${DC1,,}"; plug dc1 "$DC1_IP"
run_step dc1 "$DC1" dc "$S/dc1" || lab_die "provisioning $DC1 failed"
lab_fig "$DC1 dc step (provision, start, LDAP ready)" "${LAST_MS} ms"
run_step dc1 "$DC1" domain "$S/domain" || lab_die "the domain step failed"
lab_fig "$DC1 domain step (zones, records, groups, join account)" "${LAST_MS} ms"
PLAN=/var/lib/billu/directory/plan.json
# Every new account's RandomPassword, made here; the acceptance account's is ACC_PW, which the acceptance run reads
# back from the lab's copy of the outputs (as `pulumi stack output --json --show-secrets` gives it), like labs/dc.
ACC_SAM=$(q 'console.log(o.acceptanceAccount)')
ACC_PW="Acc-$(openssl rand -hex 10)-D4"
: >"$S/directory"
node -e 'for (const u of require(process.argv[1]).users) if (u.password) console.log(u.password + "\t" + u.sam)' "$R/$DC1$PLAN" | while IFS=$'\t' read -r name sam; do
    if [ "$sam" = "$ACC_SAM" ]; then secrets_add "$S/directory" "$name" "$ACC_PW"; else secrets_add "$S/directory" "$name" "Init-$(openssl rand -hex 8)-C3"; fi
done
grep -q . "$S/directory" || lab_die "the directory plan has no new account"
run_step dc1 "$DC1" directory "$S/directory" || lab_die "the directory step failed"
lab_fig "$DC1 directory step (the dev plan)" "${LAST_MS} ms"

SAM=/var/lib/samba/private/sam.ldb
for u in "$USER_A" "$USER_B" "$USER_D" "$USER_O"; do
    guest_exec dc1 samba-tool user setpassword "$u" --newpassword="$USER_PW" -H "$SAM" >/dev/null || lab_die "setting $u's lab password failed"
done

# --- PAR-FTP01: joined (ad-join), then the ftp-server step ---------------------------------------------------------------
guest_new ftp "${FTP,,}"; plug ftp "$FTP_IP"
# shellcheck disable=SC2086 # FTP_DNS is a list of servers: one argument each
guest_resolv ftp "$DOMAIN" $FTP_DNS
# Lab override: /home (pam_mkhomedir) and /srv (the exchange folders) are the guest's own, never this machine's.
guest_exec ftp sh -c 'mount -t tmpfs -o mode=0755 lab-home /home && mount -t tmpfs -o mode=0755 lab-srv /srv' || lab_die "the guest's /home and /srv"
guest_exec ftp systemctl start ssh
run_step ftp "$FTP" ad-join "$S/join" || lab_die "$FTP's join failed"
lab_fig "$FTP ad-join step (adcli join, sssd start)" "${LAST_MS} ms"
lab_wait 60 "SSSD on $FTP resolves $USER_A" guest_exec ftp getent passwd "$USER_A" || true
lab_expect "SSSD on $FTP resolves the AD user $USER_A" pass guest_exec ftp getent passwd "$USER_A"
ftp_rc=0; run_step ftp "$FTP" ftp-server "$S/ftp" || ftp_rc=$?
lab_expect "$FTP ftp-server step ran (its checks passed, vsftpd started)" pass test "$ftp_rc" = 0
[ "$ftp_rc" = 0 ] || { guest_exec ftp tail -5 /var/log/lab-vsftpd.log 2>/dev/null || true; lab_log "the ftp-server step failed: nothing below can be probed"; lab_finish; }
lab_fig "$FTP ftp-server step" "${LAST_MS} ms"
# vsftpd as its unit starts it (the shim runs the rendered drop-in's ExecStart): listening, with SIGXFSZ ignored.
VSFTPD_PID=$(guest_exec ftp cat /run/lab-vsftpd.pid 2>/dev/null) || true
listens21() { guest_exec ftp sh -c "ss -Hltn 'sport = :21' | grep -q LISTEN"; }
xfsz_ignored() { # SigIgn has bit 25 (SIGXFSZ) set
    local mask; mask=$(guest_exec ftp sed -n 's/^SigIgn:\t*//p' "/proc/$VSFTPD_PID/status") || return 1
    [ $(( 0x$mask & (1 << 24) )) -ne 0 ]
}
lab_expect "vsftpd listens on tcp/21 in $FTP" pass lab_wait 10 "vsftpd listens" listens21
lab_expect "vsftpd runs with SIGXFSZ ignored (the rendered unit's env --ignore-signal=XFSZ)" pass xfsz_ignored
lab_expect "vsftpd's OOPS log is empty (nothing it refused at start)" fail guest_exec ftp grep -q OOPS /var/log/lab-vsftpd.log

# --- the router, the workstations ------------------------------------------------------------------------------------
lab_ns fw; lab_ns cli; lab_ns dmz; lab_ns srv
lab_router_nics "$LAB-fw" "$OUT/outputs.json" "$SERVERS_ZONE=switch" "$CLI_ZONE=$LAB-cli" "$DMZ_ZONE=$LAB-dmz"
lab_router_ruleset "$LAB-fw" "$R/$FW" dev
if lab_sabotage; then # after the read-back: every mention of the passive range leaves the router's ruleset
    RANGE="$PASV_MIN-$PASV_MAX"
    grep -q -- "$RANGE" "$LAB_ROUTER_RULESET" || lab_die "sabotage: the router's ruleset never names $RANGE"
    sed -e "/^[^{]*dport $RANGE /d" -e "s/, $RANGE\b//g; s/\b$RANGE, //g" "$LAB_ROUTER_RULESET" >"$LAB_DIR/router-sabotaged.nft"
    grep -q -- "$RANGE" "$LAB_DIR/router-sabotaged.nft" && lab_die "sabotage: $RANGE still in the ruleset"
    ip netns exec "$LAB-fw" nft -f "$LAB_DIR/router-sabotaged.nft" || lab_die "sabotage: the ruleset without $RANGE does not load"
    lab_log "SABOTAGE: the router's ruleset has no rule for the passive range $RANGE"
fi
for g in dc1 ftp; do ip -n "$LAB-$g" route add default via "$SERVERS_GW"; done # cloud-init's gateway on the VMs
ip -n "$LAB-cli" addr add "$CLI_IP/$CLI_PREFIX" dev eth0; ip -n "$LAB-cli" route add default via "$CLI_GW"
ip -n "$LAB-dmz" addr add "$DMZ_IP/$DMZ_PREFIX" dev eth0; ip -n "$LAB-dmz" route add default via "$DMZ_GW"
plug srv "$SRV_IP"; ip -n "$LAB-srv" route add default via "$SERVERS_GW"
# A SYN counter in the FTP guest (a lab table of its own, before everything): what reaches the server, per client.
ip netns exec "$LAB-ftp" nft -f - <<NFT
table inet labwatch {
    chain pre {
        type filter hook prerouting priority -400; policy accept;
        ip saddr $CLI_IP tcp dport 21 tcp flags syn counter comment "syn cli 21"
        ip saddr $DMZ_IP tcp dport 21 tcp flags syn counter comment "syn dmz 21"
        ip saddr $CLI_IP tcp dport $PASV_MIN-$PASV_MAX tcp flags syn counter comment "syn cli pasv"
    }
}
NFT
seen() { lab_nft_counter "$LAB-ftp" inet labwatch pre "syn $1"; }

# --- the probes ---------------------------------------------------------------------------------------------------
# Each account's credentials in a 0600 netrc file (never on a command line).
LOCAL_USER=lab-local
for u in "$USER_A" "$USER_B" "$USER_D" "$USER_O" "$LOCAL_USER"; do
    (umask 077; printf 'machine %s login %s password %s\n' "$FQDN" "$u" "$USER_PW" >"$LAB_DIR/netrc-$u")
done
# ftpc <namespace> <user> <curl args...>: curl with explicit TLS required, the site CA verified for the FTP server's
# name, passive mode with PASV (not EPSV: its reply carries the advertised address) and that address used; every
# exchange (-v) on stderr. Bounded.
ftpc() {
    local ns="$1" u="$2"; shift 2
    ip netns exec "$LAB-$ns" curl -sS -v --ssl-reqd --cacert "$PKI/ca.pem" --ftp-pasv --disable-epsv --no-ftp-skip-pasv-ip \
        --netrc-file "$LAB_DIR/netrc-$u" --resolve "$FQDN:21:$FTP_IP" --connect-timeout 5 --max-time 30 "$@"
}
URL="ftp://$FQDN"
# out <file> <command...>: the command's stdout and stderr in the file (kept for the next probes), its exit status.
out() { local f="$1"; shift; "$@" >"$f" 2>&1; }
says() { grep -q -- "$2" "$1"; } # <file> <pattern>
vlog() { guest_exec ftp cat /var/log/vsftpd.log; }
xlog() { guest_exec ftp cat /var/log/xferlog; }
# The exchange folder on disk, as the model places it.
AF="$FTP_ROOT/$A_FOLDER"

lab_log "$USER_A from the allowed zone's workstation ($CLI_IP), through $FW"
# The login alone (no data connection): on tcp/21 through the router, certificate verified, the home is "/".
lab_expect "$USER_A logs in over explicit TLS from $CLI_IP, certificate verified for $FQDN (230 Login successful)" pass \
    out "$LAB_DIR/login-a.txt" ftpc cli "$USER_A" -I "$URL/"
lab_expect "... after AUTH TLS (234) and the server's 230" pass sh -c "grep -q '^< 234 ' '$LAB_DIR/login-a.txt' && grep -q '^< 230 Login successful' '$LAB_DIR/login-a.txt'"
lab_expect "... the SYNs crossed the router: the FTP server counted $CLI_IP's on tcp/21" pass test "$(seen "cli 21")" -gt 0
head -c 1048576 /dev/urandom >"$LAB_DIR/up.bin"
SUM=$(sha256sum <"$LAB_DIR/up.bin" | cut -d' ' -f1)
lab_expect "$USER_A uploads 1 MiB to $A_FOLDER/ in passive mode (226)" pass out "$LAB_DIR/up-a.txt" ftpc cli "$USER_A" -T "$LAB_DIR/up.bin" "$URL/$A_FOLDER/lab-a.bin"
PASV=$(sed -n 's/^< 227 Entering Passive Mode (\([0-9,]*\)).*/\1/p' "$LAB_DIR/up-a.txt" | head -1)
PASV_IP=""; PASV_PORT=0
if [[ "$PASV" =~ ^[0-9]+,[0-9]+,[0-9]+,[0-9]+,([0-9]+),([0-9]+)$ ]]; then
    PASV_IP=$(cut -d, -f1-4 <<<"$PASV" | tr , .); PASV_PORT=$(( BASH_REMATCH[1] * 256 + BASH_REMATCH[2] ))
fi
lab_expect "the PASV reply advertises the model's address $PASV_ADDR (got ${PASV_IP:-none})" pass test "$PASV_IP" = "$PASV_ADDR"
lab_expect "... and a port of the model's range $PASV_MIN-$PASV_MAX (got ${PASV_PORT})" pass test "$PASV_PORT" -ge "$PASV_MIN" -a "$PASV_PORT" -le "$PASV_MAX"
lab_expect "... and the data connection was TLS too (PROT P: 200 PROT now Private.)" pass says "$LAB_DIR/up-a.txt" '^< 200 PROT now Private\.'
lab_expect "$USER_A downloads it back (226)" pass out "$LAB_DIR/down-a.txt" ftpc cli "$USER_A" -o "$LAB_DIR/down.bin" "$URL/$A_FOLDER/lab-a.bin"
lab_expect "the checksums match (SHA-256 ${SUM:0:12})" pass test "$(sha256sum <"$LAB_DIR/down.bin" 2>/dev/null | cut -d' ' -f1)" = "$SUM"
lab_expect "on disk, $AF/lab-a.bin is what was sent" pass test "$(guest_exec ftp sha256sum "$AF/lab-a.bin" | cut -d' ' -f1)" = "$SUM"
owner_is() { test "$(guest_exec ftp stat -c '%U:%G' "$1" | tr '[:upper:]' '[:lower:]')" = "$(tr '[:upper:]' '[:lower:]' <<<"$2:$3")"; }
lab_expect "... owned by $USER_A, group $A_GROUP (the setgid folder's)" pass owner_is "$AF/lab-a.bin" "$USER_A" "$A_GROUP"
lab_expect "the folder $AF is setgid" pass guest_exec ftp test -g "$AF"
# acl_rw <file>: the file's ACL, inherited from its folder's default ACL, gives its owning group and the model's admin
# group read/write, effective (the mask lets them through); vsftpd's local_umask does not apply under a default ACL.
acl_rw() {
    local gid acl
    gid=$(guest_exec ftp getent group "$ADMIN_GROUP" | cut -d: -f3)
    acl=$(guest_exec ftp getfacl -cpn "$1" 2>/dev/null) || return 1
    printf '%s\n' "$acl" | sed "s#^#    $1: #" >>"$LAB_DIR/probes.log"
    # An entry's own bits may stay rwx (copied from the default ACL): what counts is the effective rw- under the mask.
    [ -n "$gid" ] && grep -qx 'mask::rw-' <<<"$acl" &&
        grep -qE '^group::(rw-|rwx[[:space:]]+#effective:rw-)$' <<<"$acl" && grep -qE "^group:$gid:(rw-|rwx[[:space:]]+#effective:rw-)\$" <<<"$acl"
}
lab_expect "... and its ACL (the folder's default ACL) gives $A_GROUP and $ADMIN_GROUP rw" pass acl_rw "$AF/lab-a.bin"
if [ -n "$C_FOLDER" ]; then
    lab_expect "$USER_A uploads to the common folder $C_FOLDER/" pass out "$LAB_DIR/up-c.txt" ftpc cli "$USER_A" -T "$LAB_DIR/up.bin" "$URL/$C_FOLDER/lab-a.bin"
    lab_expect "... group $C_GROUP" pass owner_is "$FTP_ROOT/$C_FOLDER/lab-a.bin" "$USER_A" "$C_GROUP"
    lab_expect "... and its ACL gives $C_GROUP and $ADMIN_GROUP rw" pass acl_rw "$FTP_ROOT/$C_FOLDER/lab-a.bin"
fi
lab_log "between departments: $USER_B (folder $B_FOLDER) and $USER_A's folder $A_FOLDER"
lab_expect "$USER_B uploads to their own folder $B_FOLDER/ (control)" pass out "$LAB_DIR/up-b.txt" ftpc cli "$USER_B" -T "$LAB_DIR/up.bin" "$URL/$B_FOLDER/lab-b.bin"
lab_expect "$USER_B cannot upload to $A_FOLDER/" fail out "$LAB_DIR/up-b-in-a.txt" ftpc cli "$USER_B" -T "$LAB_DIR/up.bin" "$URL/$A_FOLDER/lab-b.bin"
lab_expect "... the server refuses the folder (550 Failed to change directory.: its mode and ACL keep other departments out)" pass says "$LAB_DIR/up-b-in-a.txt" '^< 550 Failed to change directory\.'
lab_expect "$USER_B cannot read $USER_A's file in $A_FOLDER/" fail out "$LAB_DIR/down-b.txt" ftpc cli "$USER_B" -o "$LAB_DIR/down-b.bin" "$URL/$A_FOLDER/lab-a.bin"

lab_log "refusals"
# A local account of the server, with its right password: refused (pam_access: in no allowed group; pam_sss: not an
# AD user). The authentication layer alone is probed at the end.
guest_exec ftp sh -c "useradd -M -s /bin/bash $LOCAL_USER && printf '%s:%s\n' $LOCAL_USER '$USER_PW' | chpasswd" || lab_die "creating the local account"
lab_expect "a local account of $FTP ($LOCAL_USER, its right password) is refused" fail out "$LAB_DIR/local.txt" ftpc cli "$LOCAL_USER" -I "$URL/"
lab_expect "... 530 Login incorrect." pass says "$LAB_DIR/local.txt" '^< 530 Login incorrect\.'
lab_expect "control: $LOCAL_USER is a real account of $FTP with a password (getent shadow)" pass \
    guest_exec ftp sh -c "getent shadow $LOCAL_USER | grep -q '^$LOCAL_USER:\\\$'"
plain() { ip netns exec "$LAB-cli" curl -sS -v --netrc-file "$LAB_DIR/netrc-$USER_A" --resolve "$FQDN:21:$FTP_IP" --connect-timeout 5 --max-time 30 -I "$URL/"; }
lab_expect "a plaintext login (no AUTH TLS) fails" fail out "$LAB_DIR/plain.txt" plain
lab_expect "... refused by the server: 530 Non-anonymous sessions must use encryption." pass says "$LAB_DIR/plain.txt" '^< 530 Non-anonymous sessions must use encryption\.'
# TLS versions, from the workstation: the client's own floor lowered (SECLEVEL=0), so a refusal is the server's.
tls() { ip netns exec "$LAB-cli" timeout 15 openssl s_client -starttls ftp -connect "$FTP_IP:21" -servername "$FQDN" -CAfile "$PKI/ca.pem" -verify_hostname "$FQDN" -verify_return_error -cipher 'DEFAULT:@SECLEVEL=0' "$@" </dev/null; }
tls12_ok() { local o; o=$(tls -tls1_2 2>&1) || true; grep -q '^New, TLSv1.2, Cipher is ' <<<"$o" && grep -q 'Verify return code: 0 (ok)' <<<"$o"; }
lab_expect "TLS 1.2 is accepted, certificate verified for $FQDN (control)" pass tls12_ok
lab_expect "TLS 1.1 is refused by the server (its TLS alert)" pass lab_has 'SSL alert number' tls -tls1_1
lab_expect "TLS 1.1: no session was negotiated" fail lab_has '^New, TLSv1' tls -tls1_1
lab_expect "$USER_O (in none of ${ALLOWED_GROUPS[*]}) is refused" fail out "$LAB_DIR/outside.txt" ftpc cli "$USER_O" -I "$URL/"
lab_expect "... after TLS, by the server: 530 Login incorrect." pass says "$LAB_DIR/outside.txt" '^< 530 Login incorrect\.'
timed_out() { local rc=0; "$@" || rc=$?; [ "$rc" = 28 ]; } # curl's exit 28: no answer within the bound (dropped)
lab_expect "a host of the DMZ ($DMZ_IP, not an allowed zone) gets no connection (curl exit 28: no answer)" pass timed_out out "$LAB_DIR/dmz.txt" ftpc dmz "$USER_A" -I "$URL/"
lab_expect "... dropped at the router: no SYN from $DMZ_IP reached the server" pass test "$(seen "dmz 21")" = 0
lab_expect "$USER_A from the servers zone ($SRV_IP: no router between) is refused" fail out "$LAB_DIR/srv.txt" ftpc srv "$USER_A" -I "$URL/"
lab_expect "... by the server after TLS: 530 Login incorrect. (pam_access: not an allowed zone)" pass says "$LAB_DIR/srv.txt" '^< 530 Login incorrect\.'

lab_log "the chroot"
# Without a chroot each of these sees the real filesystem: the login's PWD is the real path of the folder, ../../
# lists the real /, and /etc/passwd has a size.
first_pwd() { out "$LAB_DIR/chroot-pwd.txt" ftpc cli "$USER_A" -I "$URL/"; test "$(grep -m1 '^< 257 ' "$LAB_DIR/chroot-pwd.txt" | tr -d '\r')" = '< 257 "/" is the current directory'; }
list_up() { # ../../ (curl sends CWD .. twice, --path-as-is) lists exactly the model's exchange folders
    local got want
    got=$(ftpc cli "$USER_A" --path-as-is -l "$URL/../../" 2>/dev/null | tr -d '\r' | sort)
    want=$(printf '%s\n' "${FOLDERS[@]}" | sort)
    [ "$got" = "$want" ] || { printf '    ../../ lists: %s(the model: %s)\n' "$(tr '\n' ' ' <<<"$got")" "$(tr '\n' ' ' <<<"$want")" >&2; return 1; }
}
chroot_out() { out "$LAB_DIR/chroot-out.txt" ftpc cli "$USER_A" --ftp-method nocwd -I "$URL//etc/passwd"; } # // : the absolute path (SIZE /etc/passwd)
lab_expect "$USER_A's session starts at \"/\" (257: the chroot)" pass first_pwd
lab_expect "../../ (CWD .. twice) lists the model's exchange folders and nothing else (${FOLDERS[*]})" pass list_up
lab_expect "/etc/passwd of the server is out of reach (SIZE fails)" fail chroot_out
lab_expect "... 550 Could not get file size. (not a network error)" pass says "$LAB_DIR/chroot-out.txt" '^< 550 Could not get file size\.'

if [ -n "$LIMIT" ]; then
    lab_log "the upload limit: $LIMIT bytes"
    head -c $((LIMIT + 65536)) /dev/urandom >"$LAB_DIR/over.bin"
    head -c $((LIMIT - 65536)) /dev/urandom >"$LAB_DIR/under.bin"
    lab_expect "64 KiB over the limit: the upload fails" fail out "$LAB_DIR/over.txt" ftpc cli "$USER_A" -T "$LAB_DIR/over.bin" "$URL/$A_FOLDER/over.bin"
    # The server's reply, from its protocol log (log_ftp_protocol): curl, still sending when the server closes the data
    # connection, does not always read it (measured: 1 run in 8).
    lab_expect "... the server replied 451 Failure writing to local file. (vsftpd.log's FTP response to $USER_A)" pass \
        lab_has "\[$USER_A\] FTP response: Client \"$CLI_IP\", \"451 Failure writing to local file.\"" vlog
    lab_expect "... no leftover on disk" fail guest_exec ftp test -e "$AF/over.bin"
    lab_expect "... vsftpd.log: FAIL UPLOAD by $USER_A from $CLI_IP" pass lab_has "\[$USER_A\] FAIL UPLOAD: Client \"$CLI_IP\", \"/$A_FOLDER/over.bin\"" vlog
    lab_expect "64 KiB under the limit: the upload succeeds" pass out "$LAB_DIR/under.txt" ftpc cli "$USER_A" -T "$LAB_DIR/under.bin" "$URL/$A_FOLDER/under.bin"
    lab_expect "... and arrives whole" pass test "$(guest_exec ftp sha256sum "$AF/under.bin" | cut -d' ' -f1)" = "$(sha256sum <"$LAB_DIR/under.bin" | cut -d' ' -f1)"
else
    lab_log "the dev model sets no upload limit: no limit probe"
fi

lab_log "a person who left: HR's next export lacks $USER_D (line $LINE_D); the directory plan disables the account"
lab_expect "$USER_D logs in before leaving (control)" pass out "$LAB_DIR/d-before.txt" ftpc cli "$USER_D" -I "$URL/"
sed "${LINE_D}d" "$LAB_ROOT/data/billu-hr.csv" >"$LAB_DIR/hr-departure.csv"
OUT2="$LAB_DIR/synth-departure"
(cd "$LAB_ROOT" && node dist/tools/synth.js --stack dev --out "$OUT2" --hr-csv "$LAB_DIR/hr-departure.csv" >"$OUT2.log" 2>&1) || { cat "$OUT2.log" >&2; lab_die "synth with the departure failed"; }
lab_expect "the new plan disables $USER_D and only them" pass node -e 'const d = require(process.argv[1]); const x = d.people.filter((p) => p.action === "disable").map((p) => p.sam);
    process.exit(JSON.stringify(x) === JSON.stringify([process.argv[2]]) ? 0 : 1)' "$OUT2/directory.json" "$USER_D"
R_MAIN="$R"; R="$OUT2/rendered"; GUEST_STACK="" # HR's next export: not the committed stack's output
run_step dc1 "$DC1" directory "$S/directory" || lab_die "the directory step (departure) failed"
R="$R_MAIN"; GUEST_STACK=dev
lab_expect "$USER_D (disabled) is refused" fail out "$LAB_DIR/d-after.txt" ftpc cli "$USER_D" -I "$URL/"
lab_expect "... 530 Login incorrect." pass says "$LAB_DIR/d-after.txt" '^< 530 Login incorrect\.'

lab_log "the logs: transfers and refusals with the user and the client's address"
lab_expect "xferlog: $USER_A's upload from $CLI_IP (1048576 bytes, /$A_FOLDER/lab-a.bin, incoming)" pass \
    lab_has " $CLI_IP 1048576 /$A_FOLDER/lab-a.bin b _ i r $USER_A ftp " xlog
lab_expect "xferlog: $USER_A's download from $CLI_IP (outgoing)" pass lab_has " $CLI_IP 1048576 /$A_FOLDER/lab-a.bin b _ o r $USER_A ftp " xlog
lab_expect "vsftpd.log: OK LOGIN of $USER_A from $CLI_IP" pass lab_has "\[$USER_A\] OK LOGIN: Client \"$CLI_IP\"" vlog
lab_expect "vsftpd.log: OK UPLOAD of $USER_A from $CLI_IP" pass lab_has "\[$USER_A\] OK UPLOAD: Client \"$CLI_IP\", \"/$A_FOLDER/lab-a.bin\", 1048576 bytes" vlog
lab_expect "vsftpd.log: FAIL LOGIN of $USER_O from $CLI_IP" pass lab_has "\[$USER_O\] FAIL LOGIN: Client \"$CLI_IP\"" vlog
lab_expect "vsftpd.log: FAIL LOGIN of $USER_A from $SRV_IP (the servers zone)" pass lab_has "\[$USER_A\] FAIL LOGIN: Client \"$SRV_IP\"" vlog
lab_expect "vsftpd.log: FAIL LOGIN of $USER_D (disabled) from $CLI_IP" pass lab_has "\[$USER_D\] FAIL LOGIN: Client \"$CLI_IP\"" vlog
lab_expect "vsftpd.log: nothing from the DMZ host $DMZ_IP (dropped before the server)" fail lab_has "Client \"$DMZ_IP\"" vlog

# --- the acceptance run's ftp scenario (tools/acceptance/scenarios/ftp.ts), from the allowed zone's workstation -------
# As the model's acceptance account (outputs' acceptanceAccount, created by the directory step above, in its
# department's group), through the router, with --zone the workstation's zone. Lab overrides: the outputs'
# acceptancePassword is ACC_PW (the lab made the secret the directory step got) and caCertPem is the lab's throwaway CA.
# It passes and leaves no test file in the account's folder (the model's: the department folder of its group); at the
# lab's end, with vsftpd stopped, it fails (exit 1) naming the greeting step. It runs before the local group below
# shadows a department group's name (pam_access would then refuse the account).
ACC_FOLDER=$(node -e 'const f = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const x = f.ftp.folders.find((d) => d.kind === "department" && f.directory.acceptance.groups.includes(d.group)); console.log(x ? x.name : "")' "$LAB_DIR/facts.json")
[ -n "$ACC_FOLDER" ] || lab_die "the dev model gives $ACC_SAM no exchange folder (billu:directory.acceptance.department, billu:ftp.folders)"
LAB_ACC_PW="$ACC_PW" node -e 'const fs=require("fs"); const o=JSON.parse(fs.readFileSync(process.argv[1],"utf8")); o.caCertPem=fs.readFileSync(process.argv[2],"utf8"); o.acceptancePassword=process.env.LAB_ACC_PW; fs.writeFileSync(process.argv[3], JSON.stringify(o), {mode: 0o600})' \
    "$OUT/outputs.json" "$PKI/ca.pem" "$LAB_DIR/outputs-acc.json"
acceptance() { # <report dir>: the ftp scenario from the workstation; exit code of the run
    ip netns exec "$LAB-cli" env -u BILLU_ACCEPTANCE_PASSWORD BILLU_PROJECT_ROOT="$LAB_ROOT" node "$LAB_ROOT/dist/tools/acceptance.js" --stack dev \
        --config "$LAB_ROOT/Pulumi.dev.yaml" --outputs "$LAB_DIR/outputs-acc.json" --only ftp --zone "$CLI_ZONE" --report "$1" >"$1.log" 2>&1
}
acceptance_exit() { local rc=0; acceptance "$2" || rc=$?; test "$rc" = "$1"; } # <exit code> <report dir>
lab_expect "control: the account's folder $FTP_ROOT/$ACC_FOLDER exists" pass guest_exec ftp test -d "$FTP_ROOT/$ACC_FOLDER"
acc_left() { guest_exec ftp find "$FTP_ROOT/$ACC_FOLDER" -name 'billu-acceptance-*' | grep -q .; }
T_ACC=$(date +%s%N)
lab_expect "acceptance: the ftp scenario passes as $ACC_SAM from $CLI_IP ($CLI_ZONE) (exit 0)" pass acceptance_exit 0 "$LAB_DIR/acceptance"
sed 's/^/    /' "$LAB_DIR/acceptance.log" | tail -n 7
lab_expect "acceptance: its JUnit report has 6 steps, no failure" pass grep -q '<testsuites [^>]*tests="6" failures="0"' "$LAB_DIR/acceptance/acceptance.xml"
lab_expect "acceptance: the server logged $ACC_SAM's upload from $CLI_IP into /$ACC_FOLDER/" pass \
    lab_has "\[$ACC_SAM\] OK UPLOAD: Client \"$CLI_IP\", \"/$ACC_FOLDER/billu-acceptance-[0-9a-f]\{12\}\.txt\", 4096 bytes" vlog
lab_expect "acceptance: ... and its delete" pass lab_has "\[$ACC_SAM\] OK DELETE: Client \"$CLI_IP\", \"/$ACC_FOLDER/billu-acceptance-" vlog
lab_expect "acceptance: no test file left in $FTP_ROOT/$ACC_FOLDER" fail acc_left
lab_expect "acceptance: its report and log show no password" fail grep -rqF -- "$ACC_PW" "$LAB_DIR/acceptance" "$LAB_DIR/acceptance.log"

# The authentication layer alone (last: a local group shadows an AD group's name from here on): the local account in a
# local group named as an allowed group is (as SSSD names it), so pam_access lets it through; pam_sss still refuses it.
LOCAL_GROUP=$(tr '[:upper:]' '[:lower:]' <<<"$A_GROUP")
# (groupadd refuses a name SSSD already resolves: the line is written into the guest's /etc/group; files come first.)
guest_exec ftp sh -c "echo '$LOCAL_GROUP:x:64999:$LOCAL_USER' >>/etc/group" || lab_die "the local group $LOCAL_GROUP"
lab_expect "control: $LOCAL_GROUP resolves to the local group with $LOCAL_USER (pam_access's allowed name)" pass lab_has "^$LOCAL_GROUP:x:64999:$LOCAL_USER\$" guest_exec ftp getent group "$LOCAL_GROUP"
lab_expect "... and is still refused: PAM authenticates AD users only (pam_sss, no pam_unix)" fail out "$LAB_DIR/local2.txt" ftpc cli "$LOCAL_USER" -I "$URL/"
lab_expect "... 530 Login incorrect." pass says "$LAB_DIR/local2.txt" '^< 530 Login incorrect\.'

lab_log "after the probes, the installed files are still the rendered ones:"
guest_readback_step ftp "$R/$FTP" ftp-server "$S/ftp"

# The acceptance run again, vsftpd stopped (last: nothing is probed after it).
VSFTPD_PID=$(guest_exec ftp cat /run/lab-vsftpd.pid 2>/dev/null) || true
{ [ -n "$VSFTPD_PID" ] && guest_exec ftp kill "$VSFTPD_PID"; } || lab_die "stopping vsftpd (pid ${VSFTPD_PID:-unknown})"
not_listening() { ! listens21; }
lab_wait 10 "vsftpd stopped" not_listening || true
lab_expect "vsftpd stopped: nothing listens on tcp/21 in $FTP" fail listens21
lab_expect "acceptance: with vsftpd stopped, the ftp scenario fails (exit 1, not bad input)" pass acceptance_exit 1 "$LAB_DIR/acceptance-stopped"
lab_expect "acceptance: and its report names the greeting step, curl unable to connect" pass \
    grep -q "| FTP: $FQDN:21 greets with vsftpd's banner, offers AUTH TLS, its certificate verified against the site CA | .* | no 220 greeting; .*curl exit 7: " "$LAB_DIR/acceptance-stopped/acceptance.md"
sed 's/^/    /' "$LAB_DIR/acceptance-stopped.log" | grep FAIL | head -n 3 || true
lab_fig "acceptance (ftp scenario: a passing run, a failing run)" "$(lab_since "$T_ACC") ms"
lab_fig "$FTP memory (vsftpd, sssd: PSS)" "$(samba_pss_mib ftp) MiB"
lab_fig "lab duration" "$(( $(lab_since "$START") / 1000 )) s"
lab_finish
