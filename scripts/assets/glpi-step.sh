# shellcheck shell=sh
# scripts/assets/glpi-step.sh: the body of the GLPI server's `glpi-server` step (billu:assets, components/assets).
# Read verbatim by components/assets/render.ts; runs after billu-lib.sh installed the step's files: the settings
# ($SETTINGS), Apache's site, GLPI's path and database settings, the grants, the site's settings (site.json) and its
# applier (glpi-site.php), the workstations (computers.csv), the site CA's certificate, the server's certificate and key,
# the database and LDAP passwords (from the step's stdin, never a command line).
#
# In order: the packages (Apache, PHP-FPM 8.2 with GLPI's extensions, MariaDB); the database and its user (grants.sql,
# the password following the secret); the pinned GLPI release, downloaded and installed only when its SHA-256 is the
# pinned one (none at all while the stack pins none); `php bin/console db:install` on an empty database, `db:update`
# otherwise (both idempotent); the site's settings through GLPI's own classes; Apache's site; the daily dump. A daemon
# restarts only when one of its files changed. Idempotent: a second run downloads, installs and restarts nothing.

# shellcheck source=/dev/null
. "$SETTINGS"
for v in GLPI_VERSION GLPI_URL GLPI_DB_NAME GLPI_DUMP_DIR; do
    eval "[ -n \"\${$v:-}\" ]" || billu_die "$SETTINGS does not set $v"
done

PKGS="apache2 mariadb-server php8.2-fpm php8.2-cli php8.2-mysql php8.2-ldap php8.2-imap php8.2-curl php8.2-gd php8.2-intl php8.2-mbstring php8.2-xml php8.2-zip php8.2-bz2 php8.2-opcache"
# shellcheck disable=SC2086
if ! dpkg -s $PKGS >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    billu_apt_install --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $PKGS
fi
for f in /etc/billu/assets/downstream.php /etc/glpi/local_define.php /etc/glpi/config_db.php /usr/local/lib/billu/glpi-site.php; do
    php -l "$f" >/dev/null 2>"$BILLU_WORK/php-l.err" || { sed 's/^/  /' "$BILLU_WORK/php-l.err" >&2; billu_die "php -l refuses $f"; }
done
systemctl enable -q mariadb
systemctl start mariadb
mysql --protocol=socket -u root <"/etc/billu/assets/grants.sql" || billu_die "MariaDB refuses /etc/billu/assets/grants.sql"

# The pinned release: /usr/share/glpi-<version>, /usr/share/glpi the link to it.
release="/usr/share/glpi-$GLPI_VERSION"
installed=""
if [ ! -f "$release/.billu-sha256" ] || [ "$(cat "$release/.billu-sha256")" != "$GLPI_SHA256" ]; then
    if [ -z "$GLPI_SHA256" ]; then
        billu_log "billu:assets.glpi.sha256 is not set: GLPI $GLPI_VERSION is not installed (set it to the SHA-256 of $GLPI_URL, then run pulumi up again)"
        exit 0
    fi
    curl -fsSL --proto '=https' --max-time 600 -o "$BILLU_WORK/glpi.tgz" "$GLPI_URL" || billu_die "cannot download $GLPI_URL"
    got="$(sha256sum "$BILLU_WORK/glpi.tgz" | cut -d' ' -f1)"
    [ "$got" = "$GLPI_SHA256" ] ||
        billu_die "$GLPI_URL has SHA-256 $got, not the pinned $GLPI_SHA256 (billu:assets.glpi.sha256): it was not installed. Check the URL and the hash"
    rm -rf "$release.new"
    mkdir -p "$release.new"
    tar -xzf "$BILLU_WORK/glpi.tgz" -C "$release.new" --strip-components=1 || billu_die "cannot unpack $GLPI_URL"
    printf '%s\n' "$GLPI_SHA256" >"$release.new/.billu-sha256"
    rm -rf "$release"
    mv "$release.new" "$release"
    installed=1
    billu_log "installed GLPI $GLPI_VERSION ($GLPI_SHA256)"
fi
install -m 0644 /etc/billu/assets/downstream.php "$release/inc/downstream.php"
ln -sfn "$release" /usr/share/glpi
billu_dir /var/lib/glpi 0750 www-data:www-data
billu_dir /var/lib/glpi/files 0750 www-data:www-data
billu_dir /var/log/glpi 0750 www-data:www-data

console() { runuser -u www-data -- php /usr/share/glpi/bin/console --no-interaction "$@"; }
# An empty database gets GLPI's schema (db:install with the connection of config_db.php); a filled one is brought to
# this release's schema (db:update, which does nothing when it is current).
tables="$(mysql --protocol=socket -u root -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$GLPI_DB_NAME'")"
if [ "$tables" = 0 ]; then
    console db:install --default-language=fr_FR || billu_die "php bin/console db:install failed"
    billu_log "installed GLPI's schema into $GLPI_DB_NAME"
else
    console db:update || billu_die "php bin/console db:update failed"
fi
[ -z "$installed" ] || console cache:clear || true
rm -f /usr/share/glpi/install/install.php
console_php() { runuser -u www-data -- php "$@"; }
console_php /usr/local/lib/billu/glpi-site.php /etc/billu/assets/site.json || billu_die "glpi-site.php could not apply /etc/billu/assets/site.json"

a2enmod -q ssl headers rewrite proxy_fcgi setenvif >/dev/null
a2enconf -q php8.2-fpm >/dev/null 2>&1 || true
a2dissite -q 000-default >/dev/null 2>&1 || true
a2ensite -q billu-glpi >/dev/null
if ! apache2ctl -t >"$BILLU_WORK/apache-check.out" 2>&1; then
    sed 's/^/  /' "$BILLU_WORK/apache-check.out" >&2
    billu_die "apache2ctl -t refuses the configuration: Apache was not reloaded"
fi
if billu_changed /etc/systemd/system/billu-glpi-dump.service /etc/systemd/system/billu-glpi-dump.timer; then
    systemctl daemon-reload
fi
systemctl enable -q billu-glpi-dump.timer
systemctl start billu-glpi-dump.timer
billu_service php8.2-fpm "its configuration changed" /etc/php/8.2/fpm/conf.d/90-billu-glpi.ini /etc/glpi/config_db.php
billu_service apache2 "its configuration changed" /etc/apache2/sites-available/billu-glpi.conf /etc/billu/assets/glpi.pem /etc/billu/assets/glpi.key
