# Step `assets-directory` on the first DC (windows flavor): GLPI's read-only LDAP service account, which also owns the
# helpdesk mailbox (its `mail` is the helpdesk address). Data: $SERVICE_ACCOUNT, $BIND_DN, $GLPI_HOST, $DC_FQDN,
# $DOMAIN_DN, $HELPDESK_MAIL. The password is the generated secret `glpi-ldap-password`; it follows the secret.
Set-BilluServiceAccount -Sam $SERVICE_ACCOUNT -BindDn $BIND_DN -Secret 'glpi-ldap-password' -DcFqdn $DC_FQDN -DomainDn $DOMAIN_DN `
    -Description "reads staff accounts for GLPI on $GLPI_HOST (read only); owns $HELPDESK_MAIL" -Extra @{ EmailAddress = $HELPDESK_MAIL }
if ((Get-ADUser -Identity $SERVICE_ACCOUNT -Properties mail).mail -ne $HELPDESK_MAIL) {
    Set-ADUser -Identity $SERVICE_ACCOUNT -EmailAddress $HELPDESK_MAIL
    Write-BilluLog "mail $HELPDESK_MAIL on $SERVICE_ACCOUNT"
}
