# Step `client-ou` on the first DC (Windows), after the directory step made the OUs: the join account may create and
# delete computer objects in each client's OU (and the service OUs below it) and manage the computers below it,
# nothing else, so the client-join step (`net ads join createcomputer=`, or Add-Computer -OUPath) makes the computer
# account there. Idempotent: an OU whose ACL already names the account is left alone.
# Data: $NETBIOS_NAME, $JOIN_ACCOUNT, $COMPUTER_OUS_UTF8_B64 (one OU DN a line, base64 of the UTF-8: a BOM-less script is
# read in the ANSI code page by Windows PowerShell, which would mangle an accented OU name).
$COMPUTER_OUS = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($COMPUTER_OUS_UTF8_B64))
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
