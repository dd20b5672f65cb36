# Step `client-ou` on the first DC (Windows), after the directory step made the OUs: the join account may create and
# delete computer objects in each client's OU (and the service OUs below it) and manage the computers below it,
# nothing else, so `net ads join createcomputer=` (the client-join step) makes the computer account there.
# Idempotent: an OU whose ACL already names the account is left alone.
# Data: $NETBIOS_NAME, $JOIN_ACCOUNT, $COMPUTER_OUS (one OU DN a line).
Import-Module ActiveDirectory
$trustee = "$NETBIOS_NAME\$JOIN_ACCOUNT"
foreach ($ou in @($COMPUTER_OUS -split "`r?`n" | Where-Object { $_ })) {
    if (-not ((Get-Acl "AD:$ou").Access | Where-Object { $_.IdentityReference -eq $trustee })) {
        dsacls.exe $ou /I:T /G "${trustee}:CCDC;computer" | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "dsacls on $ou failed (exit $LASTEXITCODE)" }
        dsacls.exe $ou /I:S /G "${trustee}:GA;;computer" | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "dsacls on $ou failed (exit $LASTEXITCODE)" }
        Write-BilluLog "delegated computer objects in $ou to $trustee"
    }
}
