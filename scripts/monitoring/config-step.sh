# shellcheck shell=sh
# scripts/monitoring/config-step.sh: the body of the Zabbix server's `monitoring-config` step (billu:monitoring,
# components/monitoring), after its `monitoring-server` step. Read verbatim by components/monitoring/render.ts; runs
# after billu-lib.sh installed the step's files: its settings (/etc/billu/monitoring/zabbix-api.env), the Zabbix
# configuration document, the two API clients (zabbix-access.py, zabbix-config.py), the module they share beside them
# (zabbix_api.py) and the read-only account's credentials file (0600, its password from the step's stdin).
#
# In order, through the frontend's API over HTTPS (the site CA's certificate is the only trust anchor it adds):
#   1. zabbix-access.py admin: Admin's generated password (on a fresh server the stock one is replaced by it);
#   2. zabbix-config.py with that credential (on its stdin) and every host's PSK (a 0600 file in the step's private
#      work folder, removed when the step ends) ensures the document: a run with nothing to do prints
#      `zabbix-config: no change`;
#   3. zabbix-access.py reader: the read-only API account (role, user group, user) for the acceptance run.
# The passwords and PSKs come from the step's stdin (billu_secret) and reach the clients on their stdin or in that
# 0600 file: never on a command line, in a rendered file (but the reader's own 0600 credentials file) or in the output.
# Idempotent: a second run changes nothing in Zabbix and ends with `billu[monitoring-config]: unchanged`.

# shellcheck source=/dev/null
. /etc/billu/monitoring/zabbix-api.env
for v in ZBX_API_URL ZBX_CA ZBX_DOCUMENT ZBX_CLIENT ZBX_ACCESS ZBX_READER_USER ZBX_READER_GROUP ZBX_READER_ROLE ZBX_PSK_SECRETS; do
    eval "[ -n \"\${$v:-}\" ]" || billu_die "/etc/billu/monitoring/zabbix-api.env does not set $v"
done

admin="$(billu_secret zabbix-admin-password)"
reader="$(billu_secret zabbix-reader-password)"
# The clients verify the frontend's certificate against the site CA (Python's ssl honours SSL_CERT_FILE).
SSL_CERT_FILE="$ZBX_CA"
# No __pycache__ beside the clients: their folder holds exactly the files the step installed.
PYTHONDONTWRITEBYTECODE=1
export SSL_CERT_FILE PYTHONDONTWRITEBYTECODE

# 1. Admin's password: the generated one (the stock one replaced on a fresh server).
if ! printf 'admin_password=%s\n' "$admin" | python3 "$ZBX_ACCESS" --url "$ZBX_API_URL" admin >"$BILLU_WORK/admin.out" 2>&1; then
    sed 's/^/  /' "$BILLU_WORK/admin.out" >&2
    billu_die "cannot log on to the Zabbix API as Admin (above)"
fi
sed '/^zabbix-access: /d; s/^/  /' "$BILLU_WORK/admin.out"

# 2. The document, with every host's PSK in a 0600 file of the private work folder (billu_begin's umask 077).
psk="$BILLU_WORK/psk"
: >"$psk"
while read -r secret identity; do
    [ -n "$secret" ] || continue
    key="$(billu_secret "$secret")"
    printf '%s %s\n' "$identity" "$key" >>"$psk"
done <<EOF
$ZBX_PSK_SECRETS
EOF
unset key
if ! printf 'username=Admin\npassword=%s\n' "$admin" |
    python3 "$ZBX_CLIENT" --url "$ZBX_API_URL" --document "$ZBX_DOCUMENT" --credentials - --psk "$psk" >"$BILLU_WORK/config.out" 2>&1; then
    rm -f "$psk"
    sed 's/^/  /' "$BILLU_WORK/config.out" >&2
    billu_die "zabbix-config.py could not ensure $ZBX_DOCUMENT (above)"
fi
rm -f "$psk"
sed 's/^/  /' "$BILLU_WORK/config.out"

# 3. The read-only API account (its credentials file was installed 0600 from the same secret).
if ! printf 'admin_password=%s\nreader_password=%s\n' "$admin" "$reader" | python3 "$ZBX_ACCESS" --url "$ZBX_API_URL" reader \
    --document "$ZBX_DOCUMENT" --username "$ZBX_READER_USER" --group "$ZBX_READER_GROUP" --role "$ZBX_READER_ROLE" >"$BILLU_WORK/reader.out" 2>&1; then
    sed 's/^/  /' "$BILLU_WORK/reader.out" >&2
    billu_die "cannot ensure the read-only API account $ZBX_READER_USER (above)"
fi
unset admin reader
sed '/^zabbix-access: /d; s/^/  /' "$BILLU_WORK/reader.out"

if ! billu_any_changed && grep -qx 'zabbix-access: no change' "$BILLU_WORK/admin.out" &&
    grep -qx 'zabbix-config: no change' "$BILLU_WORK/config.out" && grep -qx 'zabbix-access: no change' "$BILLU_WORK/reader.out"; then
    billu_log "unchanged"
else
    billu_log "changed"
fi
