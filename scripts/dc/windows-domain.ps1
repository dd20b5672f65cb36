# Step `domain` on the first Windows DC, after every DC and FSMO role is in place: reverse zones, A/PTR records, the
# zones and records services ask for, conditional forwarders, AD subnets, the Linux login groups, the join account.
# Data (tables: one row a line, fields tab-separated):
#   $DOMAIN_FQDN, $DOMAIN_DN, $NETBIOS_NAME, $AD_SITE;
#   $SUBNETS: cidr, reverse zone (one per internal network);
#   $HOST_RECORDS: name, address, reverse zone, PTR name, a|- (whether the host gets an A record);
#   $EXTRA_ZONES: zones outside the AD domain that services need (space-separated);
#   $EXTRA_RECORDS: zone, name (@ at the apex), A|MX, value, MX preference (- for an A record);
#   $FORWARD_ZONES: domain, its servers (comma-separated), the conditional forwarders;
#   $LINUX_GROUPS: the SSH and sudo groups of Debian members (space-separated; none without linuxLogin);
#   $JOIN_ACCOUNT: the account Debian members join with (none without members). Secret: join-password.
# A table's rows as objects with the columns' names.
function Get-BilluRows([string]$Table, [string[]]$Columns) {
    foreach ($line in ($Table -split "`r?`n")) {
        if (-not $line) { continue }
        $fields = $line -split "`t"; $row = [ordered]@{}
        for ($i = 0; $i -lt $Columns.Count; $i++) { $row[$Columns[$i]] = $fields[$i] }
        [pscustomobject]$row
    }
}
$networks = @(Get-BilluRows $SUBNETS 'Cidr', 'Zone')
$zone = $DOMAIN_FQDN
# One reverse zone per internal network (names from the model, AD-integrated, replicated in the domain).
foreach ($s in $networks) {
    if (-not (Get-DnsServerZone -Name $s.Zone -ErrorAction SilentlyContinue)) { Add-DnsServerPrimaryZone -NetworkId $s.Cidr -ReplicationScope 'Domain'; Write-BilluLog "zone $($s.Zone)" }
}
foreach ($r in @(Get-BilluRows $HOST_RECORDS 'Name', 'Address', 'Zone', 'Ptr', 'A')) {
    if ($r.A -eq 'a') {
        $cur = Get-DnsServerResourceRecord -ZoneName $zone -Name $r.Name -RRType A -ErrorAction SilentlyContinue
        if (-not $cur) { Add-DnsServerResourceRecordA -ZoneName $zone -Name $r.Name -IPv4Address $r.Address; Write-BilluLog "A $($r.Name) $($r.Address)" }
        elseif (-not ($cur | Where-Object { $_.RecordData.IPv4Address.IPAddressToString -eq $r.Address })) {
            $cur | Remove-DnsServerResourceRecord -ZoneName $zone -Force; Add-DnsServerResourceRecordA -ZoneName $zone -Name $r.Name -IPv4Address $r.Address
            Write-BilluLog "A $($r.Name) -> $($r.Address)"
        }
    }
    $target = "$($r.Name).$zone."
    $cur = Get-DnsServerResourceRecord -ZoneName $r.Zone -Name $r.Ptr -RRType Ptr -ErrorAction SilentlyContinue
    if (-not $cur -or $cur.RecordData.PtrDomainName -ne $target) {
        if ($cur) { $cur | Remove-DnsServerResourceRecord -ZoneName $r.Zone -Force }
        Add-DnsServerResourceRecordPtr -ZoneName $r.Zone -Name $r.Ptr -PtrDomainName $target; Write-BilluLog "PTR $($r.Address) $target"
    }
}
# Zones of names outside the AD domain that services need (the public site's), AD-integrated like the AD zone.
foreach ($z in @($EXTRA_ZONES -split ' ' | Where-Object { $_ })) {
    if (-not (Get-DnsServerZone -Name $z -ErrorAction SilentlyContinue)) { Add-DnsServerPrimaryZone -Name $z -ReplicationScope 'Domain'; Write-BilluLog "zone $z" }
}
# Records services ask for: added when missing, every other value of the same name and type removed (a changed
# address replaces the old one), nothing written when right. An MX at the apex is added with the name '.'.
foreach ($r in @(Get-BilluRows $EXTRA_RECORDS 'Zone', 'Name', 'Type', 'Value', 'Preference')) {
    $pref = if ($r.Type -eq 'MX') { [int]$r.Preference } else { 0 }
    $fq = if ($r.Name -eq '@') { $r.Zone } else { "$($r.Name).$($r.Zone)" }
    $wanted = { param($d) if ($r.Type -eq 'A') { $d.IPv4Address.IPAddressToString -eq $r.Value } else { $d.MailExchange -eq "$($r.Value)." -and $d.Preference -eq $pref } }
    $cur = @(Get-DnsServerResourceRecord -ZoneName $r.Zone -Name $r.Name -RRType $r.Type -ErrorAction SilentlyContinue)
    if (-not ($cur | Where-Object { & $wanted $_.RecordData })) {
        if ($r.Type -eq 'A') { Add-DnsServerResourceRecordA -ZoneName $r.Zone -Name $r.Name -IPv4Address $r.Value }
        else { Add-DnsServerResourceRecordMX -ZoneName $r.Zone -Name $(if ($r.Name -eq '@') { '.' } else { $r.Name }) -MailExchange $r.Value -Preference $pref }
        Write-BilluLog "$($r.Type) $fq $($r.Value)"
    }
    foreach ($stale in @($cur | Where-Object { -not (& $wanted $_.RecordData) })) {
        $stale | Remove-DnsServerResourceRecord -ZoneName $r.Zone -Force; Write-BilluLog "$($r.Type) ${fq}: removed a stale value"
    }
}
foreach ($f in @(Get-BilluRows $FORWARD_ZONES 'Name', 'Servers')) {
    $name = $f.Name; $servers = @($f.Servers -split ',')
    $cf = Get-DnsServerZone -Name $name -ErrorAction SilentlyContinue
    if (-not $cf) { Add-DnsServerConditionalForwarderZone -Name $name -MasterServers $servers -ReplicationScope 'Forest'; Write-BilluLog "conditional forwarder $name" }
    elseif ((@($cf.MasterServers | ForEach-Object { $_.IPAddressToString }) -join ',') -ne ($servers -join ',')) { Set-DnsServerConditionalForwarderZone -Name $name -MasterServers $servers; Write-BilluLog "conditional forwarder $name updated" }
}
foreach ($subnet in @($networks | ForEach-Object { $_.Cidr })) {
    if (-not (Get-ADReplicationSubnet -Filter "Name -eq '$subnet'")) { New-ADReplicationSubnet -Name $subnet -Site $AD_SITE; Write-BilluLog "subnet $subnet" }
}
foreach ($group in @($LINUX_GROUPS -split ' ' | Where-Object { $_ })) {
    if (-not (Get-ADGroup -Filter "SamAccountName -eq '$group'")) { New-ADGroup -Name $group -SamAccountName $group -GroupScope Global -GroupCategory Security; Write-BilluLog "group $group" }
}
if ($JOIN_ACCOUNT) {
    if (-not (Get-ADUser -Filter "SamAccountName -eq '$JOIN_ACCOUNT'")) {
        New-ADUser -Name $JOIN_ACCOUNT -SamAccountName $JOIN_ACCOUNT -Description 'joins Debian servers to the domain' `
            -AccountPassword (ConvertTo-SecureString (Get-BilluSecret 'join-password') -AsPlainText -Force) -Enabled $true -PasswordNeverExpires $true
        Write-BilluLog "user $JOIN_ACCOUNT"
    }
    # The join account may create computer objects in CN=Computers and manage those below it, nothing else.
    $computers = "CN=Computers,$DOMAIN_DN"; $trustee = "$NETBIOS_NAME\$JOIN_ACCOUNT"
    if (-not ((Get-Acl "AD:$computers").Access | Where-Object { $_.IdentityReference -eq $trustee })) {
        dsacls.exe $computers /G "${trustee}:CCDC;computer" | Out-Null
        dsacls.exe $computers /I:S /G "${trustee}:GA;;computer" | Out-Null
        Write-BilluLog "delegated computer objects in $computers to $trustee"
    }
}
