# samba-tool authenticates as the domain Administrator with the password in PASSWD (never an argument).
st_admin() { PASSWD="$(billu_secret admin-password)" samba-tool "$@" -U administrator; }
# Ready when the rootDSE answers over LDAP: the directory, not just the process, is up.
dc_ready() { ldapsearch -LLL -x -o nettimeout=2 -H ldap://127.0.0.1 -s base -b '' dnsHostName >/dev/null 2>&1; }
dc_wait_ready() {
    n=0
    until dc_ready; do n=$((n + 1)); [ "$n" -le 600 ] || billu_die "Samba did not answer LDAP within 120 s"; sleep 0.2; done
}
