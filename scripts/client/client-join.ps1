# Step `client-join` of a Windows 11 client (components/client/render.ts windowsClientJoinStep): its DNS client to the
# site's DCs, then the domain join into its department's computers OU as the join account, once; no reboot inside: a
# detached reboot is scheduled and $REBOOT_MARK printed, the component waits for it from outside (as a DC's promotion).
# Data: $HOST_NAME, $DOMAIN_FQDN, $NETBIOS_NAME, $JOIN_ACCOUNT, $OU_PATH_UTF8_B64 (the OU's DN, base64 of its UTF-8: a
# BOM-less script is read in the ANSI code page by Windows PowerShell), $DNS_SERVERS (space-separated),
# $REBOOT_DELAY_SECONDS, $REBOOT_MARK. Secret: join-password (stdin, into a SecureString only; never an argument string).
# Idempotence guard: already a member of $DOMAIN_FQDN: nothing (a client joined earlier is not moved to another OU).
$OU_PATH = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($OU_PATH_UTF8_B64))
Set-BilluDcDnsClient ($DNS_SERVERS -split ' ')
$computer = Get-CimInstance Win32_ComputerSystem
if ($computer.PartOfDomain) {
    if ($computer.Domain -ne $DOMAIN_FQDN) {
        throw "$HOST_NAME is a member of $($computer.Domain), not of ${DOMAIN_FQDN}: remove it from that domain by hand (Remove-Computer), then run the step again"
    }
    Write-BilluLog "already a member of $DOMAIN_FQDN"
    return
}
$credential = New-Object System.Management.Automation.PSCredential("$NETBIOS_NAME\$JOIN_ACCOUNT", (ConvertTo-SecureString (Get-BilluSecret 'join-password') -AsPlainText -Force))
# A clone of the sysprepped template may still carry a generated name: the join gives it the model's (one reboot for both).
$rename = @{}
if ($computer.Name -ne $HOST_NAME) { $rename.NewName = $HOST_NAME }
Add-Computer -DomainName $DOMAIN_FQDN -OUPath $OU_PATH -Credential $credential -Force @rename
Write-BilluLog "joined $DOMAIN_FQDN in $OU_PATH"
# A detached reboot: this SSH session ends cleanly first; the component waits for the reboot from outside.
shutdown.exe /r /t $REBOOT_DELAY_SECONDS /d p:4:2 /c 'billu: domain join'
Write-Output $REBOOT_MARK
