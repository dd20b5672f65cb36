# Step `webmail-packages` of the mail host: Roundcube (Debian's 1.6), its SQLite driver, Apache with mod_php.
if [ ! -e /usr/share/roundcube/index.php ] || [ ! -e /usr/lib/apache2/modules/libphp8.2.so ] || ! php -m 2>/dev/null | grep -qx pdo_sqlite; then
    # dbconfig-common would create its own database: the webmail step creates Roundcube's (SQLite under /var/lib/roundcube).
    printf '%s\n' "roundcube-core roundcube/dbconfig-install boolean false" "roundcube-core roundcube/database-type select sqlite3" | debconf-set-selections
    billu_apt_install --no-install-recommends roundcube-core roundcube-sqlite3 php-sqlite3 php-cli apache2 libapache2-mod-php
    billu_log "installed the webmail packages"
fi
