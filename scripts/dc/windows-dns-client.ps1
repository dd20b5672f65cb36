# Shared by the Windows DC steps `dc` and `ready`: the DNS client of the DC's NIC, set only when it differs.
function Set-BilluDcDnsClient([string[]]$Servers) {
    $dnsServers = @($Servers | Where-Object { $_ })
    $nic = Get-NetAdapter | Where-Object Status -eq 'Up' | Select-Object -First 1
    if ((@(Get-DnsClientServerAddress -InterfaceIndex $nic.ifIndex -AddressFamily IPv4).ServerAddresses -join ',') -ne ($dnsServers -join ',')) {
        Set-DnsClientServerAddress -InterfaceIndex $nic.ifIndex -ServerAddresses $dnsServers
        Write-BilluLog "DNS client: $($dnsServers -join ', ')"
    }
}
