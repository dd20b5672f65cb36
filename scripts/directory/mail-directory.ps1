# Step `mail-directory` on the first DC (windows flavor): the mail server's LDAP service account and the mail
# aliases as proxyAddresses. Data: $SERVICE_ACCOUNT, $BIND_DN, $MAIL_HOST, $DC_FQDN, $DOMAIN_DN, $MAIL_DOMAIN and the
# aliases file $ALIASES (address TAB sAMAccountName, one a line), $TXT_RECORDS (the TXT records file: zone TAB name TAB value; empty: none).
Set-BilluServiceAccount -Sam $SERVICE_ACCOUNT -BindDn $BIND_DN -Secret 'mail-ldap-password' -DcFqdn $DC_FQDN -DomainDn $DOMAIN_DN `
    -Description "looks mail addresses up for $MAIL_HOST (read only)"
$want = @(Get-Content -LiteralPath $ALIASES | Where-Object { $_ -ne '' } | ForEach-Object {
    $address, $target = $_ -split "`t", 2
    @{ Target = $target; Value = "smtp:$address" }
})
$suffix = "@$MAIL_DOMAIN"
$have = @(Get-ADObject -LDAPFilter '(proxyAddresses=*)' -Properties proxyAddresses, sAMAccountName | ForEach-Object {
    $o = $_; $o.proxyAddresses | Where-Object { $_ -clike 'smtp:*' -and $_.ToLower().EndsWith($suffix) } | ForEach-Object { @{ Target = $o.sAMAccountName; Value = $_ } }
})
foreach ($w in $want) {
    if (-not ($have | Where-Object { $_.Target -eq $w.Target -and $_.Value -eq $w.Value })) {
        $o = Get-ADObject -LDAPFilter "(sAMAccountName=$($w.Target))"
        if (-not $o) { throw "alias $($w.Value): no account or group $($w.Target) in the directory" }
        Set-ADObject -Identity $o -Add @{ proxyAddresses = $w.Value }; Write-BilluLog "add $($w.Value) on $($w.Target)"
    }
}
foreach ($h in $have) {
    if (-not ($want | Where-Object { $_.Target -eq $h.Target -and $_.Value -eq $h.Value })) {
        $o = Get-ADObject -LDAPFilter "(sAMAccountName=$($h.Target))"
        Set-ADObject -Identity $o -Remove @{ proxyAddresses = $h.Value }; Write-BilluLog "del $($h.Value) on $($h.Target)"
    }
}
# The mail domain's TXT records (SPF, DMARC, DKIM) in AD DNS, when it serves the domain ($TXT_RECORDS, else empty):
# at a name, the TXT records with the line's tag (v=spf1, v=DMARC1, v=DKIM1) are this step's: the line's value added
# when missing, the others removed; every other record of the name is left as it is.
if ($TXT_RECORDS) {
    foreach ($line in @(Get-Content -LiteralPath $TXT_RECORDS | Where-Object { $_ -ne '' })) {
        $zone, $name, $value = $line -split "`t", 3
        $tag = ($value -split '[; ]', 2)[0]
        $fq = if ($name -eq '@') { $zone } else { "$name.$zone" }
        $mine = @(Get-DnsServerResourceRecord -ZoneName $zone -Name $name -RRType Txt -ErrorAction SilentlyContinue |
            Where-Object { ($_.RecordData.DescriptiveText -split '[; ]', 2)[0] -eq $tag })
        if (-not ($mine | Where-Object { $_.RecordData.DescriptiveText -eq $value })) {
            Add-DnsServerResourceRecord -ZoneName $zone -Name $name -Txt -DescriptiveText $value; Write-BilluLog "TXT $fq $value"
        }
        foreach ($stale in @($mine | Where-Object { $_.RecordData.DescriptiveText -ne $value })) {
            $stale | Remove-DnsServerResourceRecord -ZoneName $zone -Force; Write-BilluLog "TXT ${fq}: removed $($stale.RecordData.DescriptiveText)"
        }
    }
}
