#!/usr/bin/env bash
# labs/assets: GLPI (issue #21) as far as it can run without GLPI's code: its LDAP search against a real Samba AD DC,
# its database grants in a real MariaDB, its PHP files through PHP's parser, its inventory agent's configuration run by
# Debian's fusioninventory-agent. GLPI itself is not on these machines (docs/services/assets.md says what waits for it).
#
# It synthesizes the dev stack and runs PAR-DC01's steps exactly as synth rendered them (each staged and installed file
# read back after its step): `dc` (provision), `domain`, `directory` (dev's directory plan: every OU, group and
# account), then `assets-directory` (GLPI's read-only service account, its mail the helpdesk address). Every expected
# value comes from the model (tools/lab-facts.ts), never from a file under test. Probes:
#   - LDAPS as the service account with the generated password (the step's secret): the search with the base DN and
#     filter of the rendered site.json (what glpi-site.php gives GLPI) returns exactly the model's users (the directory
#     plan's enabled staff, 167 in dev); the account's mail is the model's helpdesk address; a wrong password is refused
#     (data 52e);
#   - MariaDB 10.11 (a private instance, socket only): the rendered grants.sql with the generated password, applied
#     twice; the model's user logs in with it and writes in the model's database, a wrong password is refused, and it
#     may not create another database;
#   - `php -l` accepts every rendered PHP file of the GLPI server;
#   - fusioninventory-agent --local with each agent host's rendered agent.cfg (in a UTS namespace named as the host): the
#     inventory names the host and carries the model's zone as its tag.
# Lab overrides (documented, nothing rendered is edited): the DC is a namespace with overlays (labs/lib/samba.sh); the
# secrets Pulumi would send on stdin are made here (random passwords, a throwaway CA for the DC's LDAPS certificate);
# the search connects to the DC by its address (the certificate carries it); grants.sql gets the generated password the
# way the step's billu_install substitutes it, in a copy under the lab's folder; MariaDB runs from a data folder under
# the lab's folder, socket only, as root; the agent runs --local (no GLPI to send to) with a private state folder.
# Sabotage (labs/assets/sabotage.txt): BILLU_LAB_SABOTAGE=1 searches from the OU of the directory plan's first
# workstation instead of the rendered base DN (a wrong base DN): the user set differs and the lab must exit 1.
LAB=bglpi
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/samba.sh
source "$LAB_ROOT/labs/lib/samba.sh"
lab_require samba samba-tool ldapsearch ldbsearch node python3 openssl php mariadbd mariadb mariadb-install-db fusioninventory-agent unshare nsenter
START=$(date +%s%N)

# --- synth the dev stack; every expected value below comes from the model ----------------------------------------------
OUT="$(lab_synth dev)"
R="$OUT/rendered"
lab_expected dev
q() { node -e "const o=require('$OUT/outputs.json'), r=require('$OUT/resources.json').resources; $1"; }
(cd "$LAB_ROOT" && node dist/tools/lab-facts.js --stack dev) >"$LAB_DIR/facts.json" || lab_die "lab-facts dev failed"
afact() { # <JavaScript expression over a, the model's billu:assets (tools/lab-facts.ts)>: one line per value.
    node -e 'const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).assets;
        if (!a) { console.error("the dev model has no billu:assets"); process.exit(1); }
        const v = eval(process.argv[2]); console.log(Array.isArray(v) ? v.join("\n") : v)' "$LAB_DIR/facts.json" "$1"
}
DOMAIN=$(q 'console.log(o.site.domain)')
DC1=$(q 'console.log(o.hosts.find(h=>h.role==="dc").name)')
DC1_IP=$(q "console.log(o.hosts.find(h=>h.name==='$DC1').address)")
GLPI=$(afact a.host) || lab_die "the dev model has no GLPI server (billu:assets)"
BIND_DN=$(afact a.ldap.bindDn); SVC=$(afact a.ldap.serviceAccount); HELPDESK=$(afact a.helpdesk)
DB_NAME=$(afact a.database.name); DB_USER=$(afact a.database.user)
afact a.ldap.expectedUsers | sort >"$LAB_DIR/expected-users"
N_USERS=$(wc -l <"$LAB_DIR/expected-users")
[ "$N_USERS" -gt 0 ] || lab_die "the model expects no GLPI user"
lab_log "$GLPI: LDAP as $BIND_DN, $N_USERS users expected, helpdesk $HELPDESK, database $DB_NAME as $DB_USER"

# --- secrets (what Pulumi would send on stdin) --------------------------------------------------------------------
ADMIN_PW="Lab-$(openssl rand -hex 10)-A1"
JOIN_PW="Join-$(openssl rand -hex 10)-B2"
LDAP_PW="Glpi$(openssl rand -hex 12)X9"
DB_PW="$(openssl rand -hex 20)"
PKI="$LAB_PKI"
lab_ca ca "BillU lab throwaway root CA"
issue() { # <file name> <JavaScript predicate over a CertRequest's inputs c>: the CN and SANs synth recorded
    local c="r.find(x=>x.type==='tls:index/certRequest:CertRequest'&&((c)=>$2)(x.inputs)).inputs"
    lab_cert "$1" "$(q "console.log($c.subject.commonName)")" "$(q "const c=$c; console.log([...c.dnsNames.map(d=>'DNS:'+d),...(c.ipAddresses||[]).map(i=>'IP:'+i)].join(','))")"
}
issue dc1 "c.dnsNames.includes('${DC1,,}.$DOMAIN')"
S="$LAB_DIR/secrets"; mkdir -p "$S"
samba_dc_secrets "$S/dc1" "$ADMIN_PW" dc1
: >"$S/domain"; secrets_add "$S/domain" admin-password "$ADMIN_PW"; secrets_add "$S/domain" join-password "$JOIN_PW"
: >"$S/assets"; secrets_add "$S/assets" glpi-ldap-password "$LDAP_PW"

# --- PAR-DC01: the forest, the domain step, the directory plan, GLPI's service account -------------------------------
lab_switch
guest_new dc1 "${DC1,,}"; lab_plug dc1 "$DC1_IP/$(q "console.log(o.zones.find(z=>z.name===o.hosts.find(h=>h.name==='$DC1').zone).cidr.split('/')[1])")"
guest_step dc1 "$R/$DC1" dc "$S/dc1" || lab_die "provisioning $DC1 failed"
lab_fig "$DC1 dc step (provision, start, LDAP ready)" "${LAST_MS} ms"
guest_step dc1 "$R/$DC1" domain "$S/domain" || lab_die "the domain step failed"
PLAN=/var/lib/billu/directory/plan.json
: >"$S/directory"
node -e 'for (const u of require(process.argv[1]).users) if (u.password) console.log(u.password)' "$R/$DC1$PLAN" | while read -r name; do
    secrets_add "$S/directory" "$name" "Init-$(openssl rand -hex 8)-C3"
done
guest_step dc1 "$R/$DC1" directory "$S/directory" || lab_die "the directory step failed"
lab_fig "$DC1 directory step (the dev plan)" "${LAST_MS} ms"
rc=0; guest_step dc1 "$R/$DC1" assets-directory "$S/assets" || rc=$?
lab_expect "$DC1 assets-directory step ran (GLPI's service account)" pass test "$rc" = 0
lab_fig "$DC1 assets-directory step" "${LAST_MS} ms"
lab_expect "a second assets-directory run changes nothing (idempotent)" pass guest_rerun_clean dc1 assets-directory "$S/assets"

# --- LDAPS as GLPI binds: the rendered base DN and filter return exactly the model's users ---------------------------
SITE_JSON="$R/$GLPI/etc/billu/assets/site.json"
BASE=$(node -e 'console.log(require(process.argv[1]).ldap.basedn)' "$SITE_JSON")
FILTER=$(node -e 'console.log(require(process.argv[1]).ldap.condition)' "$SITE_JSON")
if lab_sabotage; then
    # The OU holding the first workstation of the directory plan (no user there).
    BASE=$(node -e 'console.log(require(process.argv[1]).computers[0].dn.replace(/^CN=[^,]*,/, ""))' "$OUT/directory.json")
    lab_log "SABOTAGE: GLPI searches from $BASE instead of the rendered base DN"
fi
printf '%s' "$LDAP_PW" >"$LAB_DIR/ldap-pw"; chmod 600 "$LAB_DIR/ldap-pw"
printf 'wrong-%s' "$LDAP_PW" >"$LAB_DIR/ldap-bad"; chmod 600 "$LAB_DIR/ldap-bad"
glpi_search() { # <password file> [attrs...]: GLPI's search over LDAPS, as the service account, from the DC's network
    ip netns exec "$LAB-dc1" env LDAPTLS_CACERT="$PKI/ca.pem" LDAPTLS_REQCERT=demand ldapsearch -LLL -x -o ldif-wrap=no -o nettimeout=10 \
        -H "ldaps://$DC1_IP" -D "$BIND_DN" -y "$1" -b "$BASE" "$FILTER" "${@:2}"
}
T=$(date +%s%N)
glpi_search "$LAB_DIR/ldap-pw" sAMAccountName >"$LAB_DIR/search.ldif" 2>"$LAB_DIR/search.err" || true
lab_fig "GLPI's LDAP search ($N_USERS users)" "$(lab_since "$T") ms"
sed -n 's/^sAMAccountName: //p' "$LAB_DIR/search.ldif" | sort >"$LAB_DIR/found-users"
lab_expect "LDAPS search with the rendered base DN and filter, as $BIND_DN, returns exactly the model's $N_USERS users" pass \
    cmp -s "$LAB_DIR/expected-users" "$LAB_DIR/found-users"
cmp -s "$LAB_DIR/expected-users" "$LAB_DIR/found-users" || { diff "$LAB_DIR/expected-users" "$LAB_DIR/found-users" | head -n 5 | sed 's/^/    /'; head -n 3 "$LAB_DIR/search.err" | sed 's/^/    /'; }
svc_mail() { guest_exec dc1 ldbsearch -H /var/lib/samba/private/sam.ldb "(sAMAccountName=$SVC)" mail 2>/dev/null | sed -n 's/^mail: //p'; }
lab_expect "$SVC's mail is the model's helpdesk address ($HELPDESK)" pass test "$(svc_mail)" = "$HELPDESK"
lab_expect "a wrong password for $BIND_DN is refused (data 52e)" pass lab_has "data 52e" glpi_search "$LAB_DIR/ldap-bad" 1.1

# --- MariaDB: the rendered grants, the model's user and database -----------------------------------------------------
# As root (--user=root): the lab's folder is root's alone (0700), which the mysql user cannot enter.
M="$LAB_DIR/mariadb"; mkdir -p "$M/data"
mariadb-install-db --no-defaults --user=root --datadir="$M/data" --auth-root-authentication-method=socket >"$M/install.log" 2>&1 ||
    lab_die "mariadb-install-db failed (see $M/install.log)"
lab_ns db
lab_bg "$LAB-db" "$M/mariadbd.log" mariadbd --no-defaults --user=root --datadir="$M/data" --socket="$M/sock" --skip-networking --pid-file="$M/pid" --log-error="$M/err.log"
lab_wait 30 "MariaDB's socket" test -S "$M/sock" || lab_die "MariaDB did not start (see $M/err.log)"
# What billu_install does to the file on the guest: the placeholder becomes the secret (in a copy, 0600).
install -m 0600 /dev/null "$M/grants.sql"
node -e 'const fs = require("fs"); fs.writeFileSync(process.argv[2], fs.readFileSync(process.argv[1], "utf8").split("{{secret:glpi-db-password}}").join(process.argv[3]))' \
    "$R/$GLPI/etc/billu/assets/grants.sql" "$M/grants.sql" "$DB_PW"
sql_root() { mariadb --no-defaults -S "$M/sock" -u root; }
lab_expect "MariaDB accepts the rendered grants.sql" pass sh -c "mariadb --no-defaults -S '$M/sock' -u root <'$M/grants.sql'"
lab_expect "and accepts it again (idempotent)" pass sh -c "mariadb --no-defaults -S '$M/sock' -u root <'$M/grants.sql'"
printf '[client]\npassword=%s\n' "$DB_PW" >"$M/user.cnf"; chmod 600 "$M/user.cnf"
printf '[client]\npassword=wrong-%s\n' "$DB_PW" >"$M/bad.cnf"; chmod 600 "$M/bad.cnf"
as_user() { mariadb --defaults-extra-file="$1" -S "$M/sock" -u "$DB_USER" -N -B -e "$2"; }
lab_expect "$DB_USER logs in with the generated password as $DB_USER@localhost" pass lab_has "^$DB_USER@localhost$" as_user "$M/user.cnf" "SELECT CURRENT_USER()"
lab_expect "$DB_USER writes in $DB_NAME" pass as_user "$M/user.cnf" "CREATE TABLE \`$DB_NAME\`.lab_probe (i INT); DROP TABLE \`$DB_NAME\`.lab_probe"
lab_expect "$DB_NAME is utf8mb4" pass lab_has "^utf8mb4$" as_user "$M/user.cnf" "SELECT default_character_set_name FROM information_schema.schemata WHERE schema_name = '$DB_NAME'"
lab_expect "a wrong password for $DB_USER is refused" pass lab_has "Access denied for user '$DB_USER'@'localhost'" as_user "$M/bad.cnf" "SELECT 1"
lab_expect "$DB_USER may not create another database" pass lab_has "Access denied" as_user "$M/user.cnf" "CREATE DATABASE lab_other"
echo 'SHUTDOWN;' | sql_root >/dev/null 2>&1 || true

# --- PHP: every rendered PHP file of the GLPI server --------------------------------------------------------------
mapfile -t PHP_FILES < <(find "$R/$GLPI" -name '*.php' -type f | sort)
[ "${#PHP_FILES[@]}" -ge 4 ] || lab_die "fewer than 4 rendered PHP files for $GLPI"
for f in "${PHP_FILES[@]}"; do lab_expect "php -l accepts ${f#"$R/$GLPI"}" pass php -l "$f"; done

# --- the inventory agent: each Debian host's rendered configuration, run --local ------------------------------------
T=$(date +%s%N)
while IFS=$'\t' read -r host zone; do
    conf="$R/$host/etc/billu/assets/agent.cfg"
    d="$LAB_DIR/agent-$host"; mkdir -p "$d/out"
    lab_expect "$host's agent.cfg is rendered" pass test -f "$conf"
    # Its own UTS name and a private state folder (the agent keeps its device id in /var/lib/fusioninventory-agent).
    unshare -u -m sh -c "mount -t tmpfs lab /var/lib/fusioninventory-agent && hostname '${host,,}' && exec fusioninventory-agent --conf-file='$conf' --local='$d/out' --tasks=Inventory \
        --no-category=software,printer,process,user,environment,local_user,local_group --logger=stderr" >"$d/log" 2>&1 || true
    inv=$(find "$d/out" -type f | head -n 1)
    lab_expect "$host's inventory names the host (${host,,})" pass grep -q "<NAME>${host,,}</NAME>" "${inv:-/nonexistent}"
    lab_expect "$host's inventory carries the model's zone as its tag ($zone)" pass \
        python3 -c 'import re, sys; s = open(sys.argv[1]).read(); sys.exit(0 if re.search(r"<KEYNAME>TAG</KEYNAME>\s*<KEYVALUE>" + re.escape(sys.argv[2]) + "</KEYVALUE>", s) else 1)' "${inv:-/nonexistent}" "$zone"
done < <(afact 'a.agents.map((x) => x.host + "\t" + x.zone)')
lab_fig "inventory agents (--local, every Debian host)" "$(lab_since "$T") ms"
lab_fig "lab duration" "$(( $(lab_since "$START") / 1000 )) s"
lab_finish
