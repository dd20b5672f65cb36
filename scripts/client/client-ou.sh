# Step `client-ou` on the first DC (Samba), after the directory step made the OUs: the join account may create and
# delete computer objects in each client's OU (and the service OUs below it), and manage the computers it makes
# there, nothing else: `net ads join createcomputer=` (the client-join step) then makes the computer account where the
# directory's GPOs for that department reach it. Idempotent: an OU whose ACL already names the account for the
# computer class is left alone. Data: DOMAIN_DN, JOIN_ACCOUNT, COMPUTER_CLASS (schemaIDGUID of the computer class),
# COMPUTER_OUS (one OU DN a line).
sam=/var/lib/samba/private/sam.ldb
sid="$(ldbsearch -H "$sam" -b "$DOMAIN_DN" "(sAMAccountName=$JOIN_ACCOUNT)" objectSid | sed -n 's/^objectSid: //p')"
[ -n "$sid" ] || billu_die "no account $JOIN_ACCOUNT in $DOMAIN_DN (the domain step makes it)"
while IFS= read -r ou; do
    [ -n "$ou" ] || continue
    acl="$(samba-tool dsacl get --objectdn="$ou" -H "$sam" 2>/dev/null)" || billu_die "cannot read the ACL of $ou (the directory step makes the OU)"
    case "$acl" in
        *"$COMPUTER_CLASS;;$sid)"*) ;;
        *)
            # Create and delete computer objects here and in the OUs below; full control of the computers below.
            samba-tool dsacl set --objectdn="$ou" --sddl="(OA;CI;CCDC;$COMPUTER_CLASS;;$sid)(OA;CIIO;CCDCLCSWRPWPDTLOCRSDRCWDWO;;$COMPUTER_CLASS;$sid)" -H "$sam" >/dev/null ||
                billu_die "samba-tool dsacl set on $ou failed"
            billu_log "delegated computer objects in $ou to $JOIN_ACCOUNT"
            ;;
    esac
done <<OUS
$COMPUTER_OUS
OUS
