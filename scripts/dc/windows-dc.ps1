# Step `dc` of a Windows DC: install AD DS and DNS, then create the forest (first DC) or join it, with no reboot
# inside: a detached reboot is scheduled and $REBOOT_MARK printed, the component waits for it from outside.
# Data: $FIRST_DC ('1' on the DC that creates the forest), $DOMAIN_FQDN, $NETBIOS_NAME, $AD_SITE, $FIRST_FQDN (the
# replication source of a joining DC), $DNS_SERVERS (the other DCs first, then 127.0.0.1; space-separated),
# $REBOOT_DELAY_SECONDS, $REBOOT_MARK. Secrets: admin-password, dsrm-password (stdin, into SecureStrings only).
# Idempotence guard: DomainRole 4 or 5 means this machine already is a domain controller.
if ((Get-CimInstance Win32_ComputerSystem).DomainRole -ge 4) { Write-BilluLog 'already a domain controller'; return }
foreach ($feature in 'AD-Domain-Services', 'DNS') {
    if (-not (Get-WindowsFeature $feature).Installed) { Install-WindowsFeature $feature -IncludeManagementTools | Out-Null; Write-BilluLog "installed $feature" }
}
# The other DCs first (a joining DC must find the forest), then itself.
Set-BilluDcDnsClient ($DNS_SERVERS -split ' ')
$dsrm = ConvertTo-SecureString (Get-BilluSecret 'dsrm-password') -AsPlainText -Force
if ($FIRST_DC -eq '1') {
    # The local Administrator becomes the forest's Administrator: it gets the generated password first.
    Set-LocalUser -Name 'Administrator' -Password (ConvertTo-SecureString (Get-BilluSecret 'admin-password') -AsPlainText -Force)
    Install-ADDSForest -DomainName $DOMAIN_FQDN -DomainNetbiosName $NETBIOS_NAME -ForestMode 'WinThreshold' -DomainMode 'WinThreshold' `
        -InstallDns -SafeModeAdministratorPassword $dsrm -NoRebootOnCompletion -Force -WarningAction SilentlyContinue | Out-Null
    Write-BilluLog "created the forest $DOMAIN_FQDN"
} else {
    $cred = New-Object System.Management.Automation.PSCredential("$NETBIOS_NAME\Administrator", (ConvertTo-SecureString (Get-BilluSecret 'admin-password') -AsPlainText -Force))
    Install-ADDSDomainController -DomainName $DOMAIN_FQDN -Credential $cred -SiteName $AD_SITE -ReplicationSourceDC $FIRST_FQDN `
        -InstallDns -SafeModeAdministratorPassword $dsrm -NoRebootOnCompletion -Force -WarningAction SilentlyContinue | Out-Null
    Write-BilluLog "joined $DOMAIN_FQDN as a DC"
}
# A detached reboot: this SSH session ends cleanly first; the component waits for the reboot from outside.
New-Item -ItemType Directory -Force -Path 'C:/ProgramData/billu/dc' | Out-Null
Set-Content -Path 'C:/ProgramData/billu/dc/promoted-at' -Value ((Get-Date).ToUniversalTime().ToString('o'))
shutdown.exe /r /t $REBOOT_DELAY_SECONDS /d p:4:2 /c 'billu: AD DS promotion'
Write-Output $REBOOT_MARK
