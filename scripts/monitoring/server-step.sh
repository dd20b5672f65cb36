# shellcheck shell=sh
# scripts/monitoring/server-step.sh: the body of the Zabbix server's `monitoring-server` step (billu:monitoring,
# components/monitoring). Read verbatim by components/monitoring/render.ts; runs after billu-lib.sh installed the
# step's files: the settings (/etc/billu/monitoring/server.env), the server's include, the frontend's settings and
# Apache site, the site CA's certificate, the frontend's certificate and key and the database password (0600, from the
# step's stdin).
#
# In order: the data disk mounted where PostgreSQL keeps its data (formatted only when it holds no filesystem), the
# packages (Debian 12's Zabbix 6.0 with PostgreSQL, the frontend on Apache with PHP-FPM), the database and its owner
# (created when missing; the schema imported only into an empty database), the password given to the server's user
# and the web server's group, Apache's site over HTTPS, the daily dump for the in-guest backup. A daemon restarts only
# when one of its files changed. Idempotent: a second run installs, imports and restarts nothing.

# shellcheck source=/dev/null
. /etc/billu/monitoring/server.env
for v in ZBX_DB_NAME ZBX_DB_USER ZBX_DATA_DISK ZBX_DATA_MOUNT ZBX_DUMP_DIR; do
    eval "[ -n \"\${$v:-}\" ]" || billu_die "/etc/billu/monitoring/server.env does not set $v"
done

# The data disk: PostgreSQL's folder on its own disk, mounted before the package creates its cluster there.
if ! mountpoint -q "$ZBX_DATA_MOUNT"; then
    [ -b "$ZBX_DATA_DISK" ] || billu_die "the data disk $ZBX_DATA_DISK is missing (billu:hosts: the monitoring host's second disk)"
    if ! blkid "$ZBX_DATA_DISK" >/dev/null 2>&1; then
        mkfs.ext4 -q -L billu-pgdata "$ZBX_DATA_DISK" || billu_die "cannot format $ZBX_DATA_DISK"
        billu_log "formatted the data disk $ZBX_DATA_DISK"
    fi
    grep -q '^LABEL=billu-pgdata ' /etc/fstab ||
        printf 'LABEL=billu-pgdata %s ext4 defaults,nofail 0 2\n' "$ZBX_DATA_MOUNT" >>/etc/fstab
    billu_dir "$ZBX_DATA_MOUNT"
    mount "$ZBX_DATA_MOUNT" || billu_die "cannot mount the data disk at $ZBX_DATA_MOUNT"
    billu_log "mounted the data disk at $ZBX_DATA_MOUNT"
fi

if ! dpkg -s postgresql zabbix-server-pgsql zabbix-frontend-php php8.2-pgsql php8.2-fpm apache2 >/dev/null 2>&1; then
    billu_apt_install --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        postgresql zabbix-server-pgsql zabbix-frontend-php php8.2-pgsql php8.2-fpm apache2
fi
systemctl enable -q postgresql
systemctl start postgresql

psql_q() { runuser -u postgres -- psql -X -q -t -A -v ON_ERROR_STOP=1 "$@"; }

# The database's owner and its password: the password travels on psql's stdin, never on a command line.
if [ "$(psql_q -c "SELECT 1 FROM pg_roles WHERE rolname = '$ZBX_DB_USER'")" != "1" ]; then
    psql_q -c "CREATE ROLE \"$ZBX_DB_USER\" LOGIN" || billu_die "cannot create the role $ZBX_DB_USER"
    billu_log "created the PostgreSQL role $ZBX_DB_USER"
fi
password="$(cat /etc/billu/monitoring/db-password)"
printf "ALTER ROLE \"%s\" PASSWORD '%s';\n" "$ZBX_DB_USER" "$password" | psql_q >/dev/null ||
    billu_die "cannot set the password of $ZBX_DB_USER"
if [ "$(psql_q -c "SELECT 1 FROM pg_database WHERE datname = '$ZBX_DB_NAME'")" != "1" ]; then
    psql_q -c "CREATE DATABASE \"$ZBX_DB_NAME\" OWNER \"$ZBX_DB_USER\" ENCODING 'UTF8' TEMPLATE template0" ||
        billu_die "cannot create the database $ZBX_DB_NAME"
    billu_log "created the database $ZBX_DB_NAME"
fi
# The schema, the images and the initial data (Debian's zabbix-server-pgsql), into an empty database only, in one
# transaction as the owner: a failed import leaves the database empty for the next run.
if [ -z "$(psql_q -d "$ZBX_DB_NAME" -c "SELECT to_regclass('public.users')")" ]; then
    { printf 'SET ROLE "%s";\n' "$ZBX_DB_USER"; zcat /usr/share/zabbix-server-pgsql/schema.sql.gz \
        /usr/share/zabbix-server-pgsql/images.sql.gz /usr/share/zabbix-server-pgsql/data.sql.gz; } |
        psql_q --single-transaction -d "$ZBX_DB_NAME" >/dev/null || billu_die "cannot import the Zabbix schema into $ZBX_DB_NAME"
    billu_log "imported the Zabbix schema into $ZBX_DB_NAME"
fi

# install_secret_copy <dest> <group> <content>: a 0640 root:<group> file with <content>, replaced only when it differs.
install_secret_copy() {
    printf '%s\n' "$3" >"$BILLU_WORK/copy"
    if ! cmp -s "$BILLU_WORK/copy" "$1" || [ "$(stat -c '%a %U:%G' "$1" 2>/dev/null)" != "640 root:$2" ]; then
        install -m 0640 -o root -g "$2" "$BILLU_WORK/copy" "$1" || billu_die "cannot install $1"
        printf '%s\n' "$1" >>"$BILLU_CHANGED"
        billu_log "updated $1"
    fi
    rm -f "$BILLU_WORK/copy"
}
install_secret_copy /etc/zabbix/zabbix_server.conf.d/billu-db.conf zabbix "DBPassword=$password"
install_secret_copy /etc/zabbix/web-db-password www-data "$password"
unset password

# The dump the in-guest backup saves (the postgres user writes it; nobody else reads it).
billu_dir "$ZBX_DUMP_DIR" 0700 postgres:postgres

# Apache: the frontend's own site over HTTPS (PHP through PHP-FPM), Debian's /zabbix alias and default site off.
a2enmod -q ssl headers proxy_fcgi setenvif >/dev/null
a2disconf -q zabbix-frontend-php >/dev/null 2>&1 || true
a2dissite -q 000-default >/dev/null 2>&1 || true
a2ensite -q billu-zabbix >/dev/null
if ! apache2ctl -t >"$BILLU_WORK/apache-check.out" 2>&1; then
    sed 's/^/  /' "$BILLU_WORK/apache-check.out" >&2
    billu_die "apache2ctl -t refuses the configuration: Apache was not reloaded"
fi

if billu_changed /etc/systemd/system/billu-zabbix-dump.service /etc/systemd/system/billu-zabbix-dump.timer; then
    systemctl daemon-reload
fi
systemctl enable -q billu-zabbix-dump.timer
systemctl start billu-zabbix-dump.timer

billu_service zabbix-server "its configuration changed" /etc/zabbix/zabbix_server.conf.d/billu.conf /etc/zabbix/zabbix_server.conf.d/billu-db.conf
billu_service php8.2-fpm "its configuration changed" /etc/php/8.2/fpm/conf.d/90-billu-zabbix.ini
billu_service apache2 "its configuration changed" /etc/apache2/sites-available/billu-zabbix.conf /etc/billu/monitoring/frontend.pem /etc/billu/monitoring/frontend.key
