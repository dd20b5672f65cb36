# Step `webmail` of the mail host. Data: $DB (Roundcube's SQLite database), $SCHEMA (Debian's initial schema),
# $HTTPS_PORT. The configuration files were checked (php -l, apache2ctl -t) and installed before this runs.
# The database, once: Roundcube's schema as www-data (Roundcube's own bin/updatedb.sh upgrades it with the package).
if [ ! -s "$DB" ]; then
    # shellcheck disable=SC2016 # a PHP program: its $db and $argv are PHP's
    runuser -u www-data -- php -r '$db = new PDO("sqlite:" . $argv[1]); $db->exec(file_get_contents($argv[2])) !== false || exit(1);' "$DB" "$SCHEMA" \
        || billu_die "cannot create the webmail database $DB from $SCHEMA"
    chmod 0640 "$DB"
    billu_log "webmail database $DB created"
fi
systemctl enable -q apache2
if billu_changed /etc/apache2/apache2.conf /etc/roundcube/config.inc.php; then
    if systemctl is-active -q apache2; then systemctl reload apache2; billu_log "apache2 reloaded"; else systemctl start apache2; fi
elif ! systemctl is-active -q apache2; then
    systemctl start apache2
fi
n=0
until ss -Hltn "sport = :$HTTPS_PORT" | grep -q .; do n=$((n + 1)); [ "$n" -le 300 ] || billu_die "nothing listens on port $HTTPS_PORT after 60 s"; sleep 0.2; done
