# Files removed from the repository leave the document roots too.
root=/var/www/billu/public
find "$root" -type f | while IFS= read -r f; do
    grep -qxF "${f#"$root"/}" /etc/billu/web/public.manifest || { rm -f "$f"; billu_log "removed $f"; }
done
find "$root" -mindepth 1 -type d -empty -delete
root=/var/www/billu/intranet
find "$root" -type f | while IFS= read -r f; do
    grep -qxF "${f#"$root"/}" /etc/billu/web/intranet.manifest || { rm -f "$f"; billu_log "removed $f"; }
done
find "$root" -mindepth 1 -type d -empty -delete
systemctl enable -q apache2
if ! systemctl is-active -q apache2; then
    systemctl start apache2
elif billu_changed /etc/apache2/apache2.conf /etc/ssl/billu/web/public.crt /etc/ssl/billu/web/public.key /etc/ssl/billu/web/intranet.crt /etc/ssl/billu/web/intranet.key; then
    # A graceful reload: open connections finish on the old configuration.
    systemctl reload apache2
    billu_log 'apache2 reloaded'
fi
billu_log "sites: https://$PUBLIC_SITE/ (public), https://$INTRANET_SITE/ (intranet)"
