# Step `site-ca` on the first DC, after the domain step: publishes the site CA's certificate in the configuration
# partition's `CN=Certification Authorities,CN=Public Key Services,CN=Services` container (an object of class
# certificationAuthority named after the CA's common name, cACertificate = its DER), what `certutil -dspublish -f
# <file> RootCA` does on Windows. Windows domain members copy that container into their Trusted Root store at each
# Group Policy refresh. Created once; its cACertificate replaced when the CA changes (each DC gets it by replication).
# The certificate: /etc/billu/domain/site-ca.pem (the site CA's PEM). Data: DOMAIN_DN.
dc_wait_ready
sam=/var/lib/samba/private/sam.ldb
pem=/etc/billu/domain/site-ca.pem
cn="$(openssl x509 -in "$pem" -noout -subject -nameopt sep_multiline,sname,utf8,-esc_msb | sed -n 's/^ *CN=//p' | head -n 1)" ||
    billu_die "$pem is not a PEM certificate (the site CA's certificate, secret site-ca-cert)"
[ -n "$cn" ] || billu_die "the site CA's certificate has no common name: its object in CN=Certification Authorities is named after it"
case "$cn" in *[,+\"\\\<\>\;=#]*) billu_die "the site CA's common name '$cn' holds a character a DN must escape (,+\"\\<>;=#): give the CA a plain name" ;; esac
dn="CN=$cn,CN=Certification Authorities,CN=Public Key Services,CN=Services,CN=Configuration,$DOMAIN_DN"
want="$(openssl x509 -in "$pem" -outform DER | base64 -w0)"
# ldbsearch folds long values (continuation lines start with one space): every cACertificate value, one a line.
values() { ldbsearch -H "$sam" -b "$dn" -s base cACertificate 2>/dev/null |
    awk '/^cACertificate:: /{if(v!="")print v; v=substr($0,17); f=1; next} f&&/^ /{v=v substr($0,2); next} {f=0} END{if(v!="")print v}'; }
exists() { [ -n "$(ldbsearch -H "$sam" -b "$dn" -s base dn 2>/dev/null | sed -n 's/^dn: //p')" ]; }
if ! exists; then
    # certificationAuthority must hold both revocation lists: one zero byte each, as certutil -dspublish leaves them.
    printf 'dn: %s\nobjectClass: certificationAuthority\ncACertificate:: %s\nauthorityRevocationList:: AA==\ncertificateRevocationList:: AA==\n' "$dn" "$want" |
        ldbadd -H "$sam" >/dev/null || billu_die "could not create $dn"
    billu_log "published the site CA '$cn' in CN=Certification Authorities"
elif [ "$(values)" != "$want" ]; then
    printf 'dn: %s\nchangetype: modify\nreplace: cACertificate\ncACertificate:: %s\n' "$dn" "$want" |
        ldbmodify -H "$sam" >/dev/null || billu_die "could not replace the cACertificate of $dn"
    billu_log "replaced the certificate of the site CA '$cn' in CN=Certification Authorities"
fi
[ "$(values)" = "$want" ] || billu_die "$dn does not hold exactly the site CA's certificate after this step"
