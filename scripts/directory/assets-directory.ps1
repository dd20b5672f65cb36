# Step `assets-directory` on the first DC (windows flavor): GLPI's read-only LDAP service account, which also owns the
# helpdesk mailbox (its `mail` is the helpdesk address). Data: $SERVICE_ACCOUNT, $BIND_DN, $GLPI_HOST, $DC_FQDN,
# $DOMAIN_DN, $HELPDESK_MAIL. The password is the generated secret `glpi-ldap-password`; it follows the secret.
$svc = $SERVICE_ACCOUNT
$pw = ConvertTo-SecureString (Get-BilluSecret 'glpi-ldap-password') -AsPlainText -Force
if (-not (Get-ADUser -Filter "SamAccountName -eq '$svc'")) {
    New-ADUser -Name $svc -SamAccountName $svc -UserPrincipalName $BIND_DN -Description "reads staff accounts for GLPI on $GLPI_HOST (read only); owns $HELPDESK_MAIL" `
        -AccountPassword $pw -Enabled $true -PasswordNeverExpires $true -EmailAddress $HELPDESK_MAIL
    Write-BilluLog "user $svc"
} else {
    # The password follows the secret: a bind that fails means the secret changed. PowerShell swallows an exception a
    # property getter throws (the failed bind's, from NativeObject): the property is $null then, so test the value.
    $probe = New-Object System.DirectoryServices.DirectoryEntry("LDAP://$DC_FQDN/$DOMAIN_DN", $BIND_DN, (Get-BilluSecret 'glpi-ldap-password'))
    $bound = $null
    try { $bound = $probe.NativeObject } catch { $bound = $null }
    if ($null -eq $bound) { Set-ADAccountPassword -Identity $svc -Reset -NewPassword $pw; Write-BilluLog "$svc password set from the secret" }
    if ((Get-ADUser -Identity $svc -Properties mail).mail -ne $HELPDESK_MAIL) {
        Set-ADUser -Identity $svc -EmailAddress $HELPDESK_MAIL
        Write-BilluLog "mail $HELPDESK_MAIL on $svc"
    }
}
