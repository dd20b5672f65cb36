# Step `ready` of a Windows DC, after the promotion's reboot: a bounded wait for AD DS, then the DNS client, LDAPS,
# DNS forwarders, time and (first DC) the site's name. Data: $DC_NAME, $DOMAIN_FQDN, $DNS_SERVERS (the other DCs
# first, then 127.0.0.1), $FORWARDERS (space-separated), $IS_PDC ('1' on the PDC emulator), $NTP_PEERS (w32tm's
# peer list, PDC emulator only), $PDC_NAME, $FIRST_DC ('1' on the DC that created the forest), $AD_SITE.
# Secrets: ldaps-cert, ldaps-key.
# Bounded wait for real readiness, never a fixed sleep: ADWS answering on 9389 and Get-ADDomain succeeding.
$deadline = (Get-Date).AddMinutes(20)
while ($true) {
    $ok = $false
    try {
        if ((Get-Service ADWS -ErrorAction Stop).Status -eq 'Running' -and (Test-NetConnection -ComputerName 'localhost' -Port 9389 -InformationLevel Quiet -WarningAction SilentlyContinue)) {
            $ok = ((Get-ADDomain -Server 'localhost' -ErrorAction Stop).DNSRoot -eq $DOMAIN_FQDN)
        }
    } catch { $ok = $false }
    if ($ok) { break }
    if ((Get-Date) -gt $deadline) { throw "${DC_NAME}: AD DS not ready within 20 minutes (ADWS or Get-ADDomain failing)" }
    Start-Sleep -Seconds 5
}
Set-BilluDcDnsClient ($DNS_SERVERS -split ' ')
if (Import-BilluLdapsCert (Get-BilluSecret 'ldaps-cert') (Get-BilluSecret 'ldaps-key')) {
    # AD DS picks the new certificate up without a restart when asked through the rootDSE.
    $root = [ADSI]'LDAP://localhost/RootDSE'; $root.Put('renewServerCertificate', 1); $root.SetInfo()
    Write-BilluLog 'LDAPS certificate installed'
}
$forwarders = @($FORWARDERS -split ' ' | Where-Object { $_ })
if ((@((Get-DnsServerForwarder).IPAddress | ForEach-Object { $_.IPAddressToString }) -join ',') -ne ($forwarders -join ',')) {
    Set-DnsServerForwarder -IPAddress $forwarders
    Write-BilluLog "DNS forwarders: $($forwarders -join ', ')"
}
$w32 = Get-ItemProperty 'HKLM:\SYSTEM\CurrentControlSet\Services\W32Time\Parameters'
if ($IS_PDC -eq '1') {
    # The PDC emulator is the domain's time source: it follows the outside NTP servers.
    if ($w32.Type -ne 'NTP' -or $w32.NtpServer -ne $NTP_PEERS) { w32tm /config "/manualpeerlist:$NTP_PEERS" /syncfromflags:manual /reliable:yes /update | Out-Null; Restart-Service w32time; Write-BilluLog 'time: outside NTP servers' }
} else {
    # Every other DC follows the domain hierarchy (the PDC emulator $PDC_NAME).
    if ($w32.Type -ne 'NT5DS') { w32tm /config /syncfromflags:domhier /reliable:no /update | Out-Null; Restart-Service w32time; Write-BilluLog 'time: domain hierarchy' }
}
if ($FIRST_DC -eq '1') {
    # The forest's first site takes the site's name (the other DCs join it by that name).
    if (-not (Get-ADReplicationSite -Filter "Name -eq '$AD_SITE'")) {
        Rename-ADObject -Identity (Get-ADReplicationSite -Identity 'Default-First-Site-Name').DistinguishedName -NewName $AD_SITE
        Write-BilluLog "site renamed to $AD_SITE"
    }
}
