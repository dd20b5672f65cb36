# The Windows DC's `domain` step (components/domain-controller/windows.ts, windowsDomainStep, rendered for prod's
# PAR-DC01) run as rendered ($env:BILLU_DOMAIN_STEP) against a DNS server in memory; what it must hold comes from
# the model ($env:BILLU_DOMAIN_MODEL: zones, host A/PTR records, the records services ask for).
# Mocked: DnsServer's Get-DnsServerZone, Add-DnsServerPrimaryZone, Add-/Set-DnsServerConditionalForwarderZone,
# Get-DnsServerResourceRecord, Add-DnsServerResourceRecordA/Ptr/MX, Remove-DnsServerResourceRecord;
# ActiveDirectory's Get-/New-ADReplicationSubnet, Get-/New-ADGroup, Get-/New-ADUser; Get-Acl (AD: drive),
# dsacls.exe; billu-lib's Get-BilluSecret (Write-BilluLog is billu-lib's own).

BeforeAll {
    . (Join-Path $PSScriptRoot 'stubs.ps1')
    . (Join-Path $PSScriptRoot '../../../scripts/lib/billu-lib.ps1')
    $ErrorActionPreference = 'Stop'
    $script:Model = [IO.File]::ReadAllText($env:BILLU_DOMAIN_MODEL) | ConvertFrom-Json
    $script:DnsWrites = @('Add-DnsServerPrimaryZone', 'Add-DnsServerConditionalForwarderZone', 'Set-DnsServerConditionalForwarderZone',
        'Add-DnsServerResourceRecordA', 'Add-DnsServerResourceRecordPtr', 'Add-DnsServerResourceRecordMX', 'Remove-DnsServerResourceRecord',
        'New-ADReplicationSubnet', 'New-ADGroup', 'New-ADUser', 'dsacls.exe')

    # The server's state. A record's name is '@' at the zone's apex (the cmdlets take '.' there when adding).
    $script:Dns = @{ Zones = @{}; Records = [System.Collections.Generic.List[object]]::new(); Subnets = @{}; Groups = @{}; Users = @{}; Acl = @{} }
    # A DC just promoted with -InstallDns: it holds the AD zone, nothing else.
    $script:Dns.Zones[$Model.fqdn] = [pscustomobject]@{ ZoneName = $Model.fqdn; MasterServers = @() }
    function Get-ApexName([string]$Name) { if ($Name -eq '.' -or $Name -eq '') { '@' } else { $Name } }
    function Add-FakeRecord([string]$Zone, [string]$Name, [string]$Type, $Data) {
        if (-not $script:Dns.Zones.ContainsKey($Zone)) { throw "Failed to find zone $Zone" }
        $script:Dns.Records.Add([pscustomobject]@{ Zone = $Zone; HostName = (Get-ApexName $Name); RecordType = $Type; RecordData = $Data })
    }
    function New-AData([string]$Address) { [pscustomobject]@{ IPv4Address = [ipaddress]$Address } }
    function New-PtrData([string]$Target) { [pscustomobject]@{ PtrDomainName = $Target.TrimEnd('.') + '.' } }
    function New-MxData([string]$Exchange, [int]$Preference) { [pscustomobject]@{ MailExchange = $Exchange.TrimEnd('.') + '.'; Preference = [uint16]$Preference } }
    function Find-FakeRecord([string]$Zone, [string]$Name, [string]$Type) {
        @($script:Dns.Records | Where-Object { $_.Zone -eq $Zone -and $_.HostName -eq (Get-ApexName $Name) -and $_.RecordType -eq $Type })
    }
    # "<zone> <name> <type> <data>" for every record, sorted: the state compared before and after.
    function Get-DnsState {
        @($script:Dns.Records | ForEach-Object {
                $d = $_.RecordData
                $v = switch ($_.RecordType) { 'A' { $d.IPv4Address.IPAddressToString } 'Ptr' { $d.PtrDomainName } 'MX' { "$($d.Preference) $($d.MailExchange)" } }
                "$($_.Zone) $($_.HostName) $($_.RecordType) $v"
            } | Sort-Object) -join "`n"
    }
    # What the model wants, in the same form.
    function Get-WantedState {
        $want = foreach ($r in $Model.records) {
            if ($r.a) { "$($Model.fqdn) $($r.name) A $($r.address)" }
            "$($r.reverseZone) $($r.ptrName) Ptr $($r.name).$($Model.fqdn)."
        }
        $want += foreach ($r in $Model.extraRecords) {
            if ($r.type -eq 'A') { "$($r.zone) $($r.name) A $($r.value)" } else { "$($r.zone) $($r.name) MX $($r.preference) $($r.value)." }
        }
        @($want | Sort-Object) -join "`n"
    }

    function Use-FakeDns {
        Mock Get-BilluSecret { 'Join-Pw-1!' }
        Mock Get-DnsServerZone { if ($script:Dns.Zones.ContainsKey($Name)) { $script:Dns.Zones[$Name] } }
        Mock Add-DnsServerPrimaryZone {
            # A reverse zone is named from its network (-NetworkId 10.10.0.0/24 -> 0.10.10.in-addr.arpa).
            $zone = if ($Name) { $Name } else {
                $net, $bits = $NetworkId -split '/'
                (@(($net -split '\.')[0..([int]$bits / 8 - 1)])[-1..-([int]$bits / 8)] -join '.') + '.in-addr.arpa'
            }
            $script:Dns.Zones[$zone] = [pscustomobject]@{ ZoneName = $zone; MasterServers = @() }
        }
        Mock Add-DnsServerConditionalForwarderZone { $script:Dns.Zones[$Name] = [pscustomobject]@{ ZoneName = $Name; MasterServers = @($MasterServers | ForEach-Object { [ipaddress]$_ }) } }
        Mock Set-DnsServerConditionalForwarderZone { $script:Dns.Zones[$Name].MasterServers = @($MasterServers | ForEach-Object { [ipaddress]$_ }) }
        # No record: nothing (the real cmdlet writes an error, which the step silences with -ErrorAction SilentlyContinue).
        Mock Get-DnsServerResourceRecord { Find-FakeRecord $ZoneName $Name $RRType }
        Mock Add-DnsServerResourceRecordA { Add-FakeRecord $ZoneName $Name 'A' (New-AData $IPv4Address) }
        Mock Add-DnsServerResourceRecordPtr { Add-FakeRecord $ZoneName $Name 'Ptr' (New-PtrData $PtrDomainName) }
        Mock Add-DnsServerResourceRecordMX { Add-FakeRecord $ZoneName $Name 'MX' (New-MxData $MailExchange $Preference) }
        Mock Remove-DnsServerResourceRecord { if (-not $script:Dns.Records.Remove($InputObject)) { throw 'no such record' } }
        Mock Get-ADReplicationSubnet { $n = ([regex]::Match($Filter, "'(.*)'")).Groups[1].Value; if ($script:Dns.Subnets[$n]) { [pscustomobject]@{ Name = $n } } }
        Mock New-ADReplicationSubnet { $script:Dns.Subnets[$Name] = $Site }
        Mock Get-ADGroup { $n = ([regex]::Match($Filter, "'(.*)'")).Groups[1].Value; if ($script:Dns.Groups[$n]) { [pscustomobject]@{ SamAccountName = $n } } }
        Mock New-ADGroup { $script:Dns.Groups[$SamAccountName] = $true }
        Mock Get-ADUser { $n = ([regex]::Match($Filter, "'(.*)'")).Groups[1].Value; if ($script:Dns.Users[$n]) { [pscustomobject]@{ SamAccountName = $n } } }
        Mock New-ADUser { $script:Dns.Users[$SamAccountName] = $true }
        Mock Get-Acl { [pscustomobject]@{ Access = @($script:Dns.Acl[$Path] | Where-Object { $_ } | ForEach-Object { [pscustomobject]@{ IdentityReference = $_ } }) } }
        Mock dsacls.exe { $script:Dns.Acl["AD:$($args[0])"] = @($script:Dns.Acl["AD:$($args[0])"]) + ($args[2] -split ':')[0] }
    }

    function Invoke-DomainStep { $null = . $env:BILLU_DOMAIN_STEP }
    function Assert-DnsUntouched { foreach ($c in $script:DnsWrites) { Should -Invoke $c -Times 0 -Exactly -Because "$c writes" } }
}

Describe 'the Windows DC''s domain step (prod, PAR-DC01): zones and DNS records' {
    # The mocks once for the block: Should -Invoke in an It counts that It's calls only (Pester 5), and installing
    # them again before every It cost ~0.15 s of CPU each.
    BeforeAll { Use-FakeDns }

    It 'on a DC just promoted: creates every zone and record the model wants, and nothing else' {
        Invoke-DomainStep
        @($script:Dns.Zones.Keys | Sort-Object) | Should -Be @(@($Model.fqdn) + @($Model.reverseZones) + @($Model.extraZones) + @($Model.forwarders | ForEach-Object { $_.domain }) | Sort-Object)
        Get-DnsState | Should -Be (Get-WantedState)
        Should -Invoke Remove-DnsServerResourceRecord -Times 0 -Exactly
    }
    It 'a second run changes nothing' {
        Invoke-DomainStep
        Assert-DnsUntouched
    }
    It 'repairs tampered records (a changed address, a stray second value, a wrong PTR target) and leaves the correct ones alone' {
        $host1 = @($Model.records | Where-Object a)[0]
        $extraA = @($Model.extraRecords | Where-Object { $_.type -eq 'A' -and $_.zone -eq $Model.fqdn })[0]
        $apexA = @($Model.extraRecords | Where-Object { $_.type -eq 'A' -and $_.name -eq '@' })[0]
        $ptr = @($Model.records)[1]
        (Find-FakeRecord $Model.fqdn $host1.name 'A')[0].RecordData = New-AData '10.99.99.99'
        (Find-FakeRecord $extraA.zone $extraA.name 'A')[0].RecordData = New-AData '192.0.2.55'
        Add-FakeRecord $apexA.zone '@' 'A' (New-AData '203.0.113.7')
        (Find-FakeRecord $ptr.reverseZone $ptr.ptrName 'Ptr')[0].RecordData = New-PtrData "intrus.$($Model.fqdn)"
        Invoke-DomainStep
        Get-DnsState | Should -Be (Get-WantedState)
        Should -Invoke Remove-DnsServerResourceRecord -Times 4 -Exactly
        Should -Invoke Add-DnsServerResourceRecordA -Times 2 -Exactly
        Should -Invoke Add-DnsServerResourceRecordA -Times 1 -Exactly -ParameterFilter { $ZoneName -eq $Model.fqdn -and $Name -eq $host1.name -and $IPv4Address -eq $host1.address }
        Should -Invoke Add-DnsServerResourceRecordA -Times 1 -Exactly -ParameterFilter { $ZoneName -eq $extraA.zone -and $Name -eq $extraA.name -and $IPv4Address -eq $extraA.value }
        Should -Invoke Add-DnsServerResourceRecordPtr -Times 1 -Exactly -ParameterFilter { $ZoneName -eq $ptr.reverseZone -and $Name -eq $ptr.ptrName }
        Should -Invoke Add-DnsServerResourceRecordPtr -Times 1 -Exactly
        Should -Invoke Add-DnsServerResourceRecordMX -Times 0 -Exactly
        foreach ($c in 'Add-DnsServerPrimaryZone', 'New-ADReplicationSubnet', 'New-ADGroup', 'New-ADUser', 'dsacls.exe') { Should -Invoke $c -Times 0 -Exactly }
    }
    It 'after the repair, a run changes nothing' {
        Invoke-DomainStep
        Assert-DnsUntouched
    }
}

Describe 'the Windows DC''s domain step (prod, PAR-DC01): forwarders and directory objects' {
    # The mocks once for the block (they read and write $script:Dns, made anew before each case; Should -Invoke counts
    # each case's calls only): installing them before every case cost ~0.1 s of CPU each.
    BeforeAll {
        Use-FakeDns
        Mock Get-BilluSecret { if ($Name -ne $Model.joinSecret) { throw "secret $Name was not provided" }; 'Join-Pw-1!' }
        Mock New-ADUser { $script:Dns.Users[$SamAccountName] = [System.Net.NetworkCredential]::new('', $AccountPassword).Password }
    }
    BeforeEach {
        # A DC just promoted, again: only the AD zone.
        $script:Dns = @{ Zones = @{}; Records = [System.Collections.Generic.List[object]]::new(); Subnets = @{}; Groups = @{}; Users = @{}; Acl = @{} }
        $script:Dns.Zones[$Model.fqdn] = [pscustomobject]@{ ZoneName = $Model.fqdn; MasterServers = @() }
    }

    It 'creates every subnet in the model''s site, the Linux login groups, the join account with the secret''s password and its delegation, once' {
        Invoke-DomainStep
        $script:Dns.Subnets.Keys | Sort-Object | Should -Be @($Model.subnets | Sort-Object)
        @($script:Dns.Subnets.Values | Select-Object -Unique) | Should -Be @($Model.adSite)
        $script:Dns.Groups.Keys | Sort-Object | Should -Be @($Model.linuxGroups | Sort-Object)
        $script:Dns.Users.Keys | Should -Be @($Model.joinAccount)
        $script:Dns.Users[$Model.joinAccount] | Should -Be 'Join-Pw-1!'
        $trustee = "$($Model.netbiosName)\$($Model.joinAccount)"
        $script:Dns.Acl["AD:CN=Computers,$($Model.dn)"] | Should -Contain $trustee
        Should -Invoke dsacls.exe -Times 1 -Exactly -ParameterFilter { ($args -join ' ') -eq "CN=Computers,$($Model.dn) /G ${trustee}:CCDC;computer" }
        Should -Invoke dsacls.exe -Times 1 -Exactly -ParameterFilter { ($args -join ' ') -eq "CN=Computers,$($Model.dn) /I:S /G ${trustee}:GA;;computer" }
        Invoke-DomainStep
        foreach ($c in 'New-ADReplicationSubnet', 'New-ADGroup', 'New-ADUser') { Should -Invoke $c -Times $(if ($c -eq 'New-ADReplicationSubnet') { $Model.subnets.Count } elseif ($c -eq 'New-ADGroup') { 2 } else { 1 }) -Exactly }
        Should -Invoke dsacls.exe -Times 2 -Exactly
    }
    It 'adds each conditional forwarder with the model''s servers, and sets one whose servers drifted back to them' {
        Invoke-DomainStep
        foreach ($f in $Model.forwarders) { @($script:Dns.Zones[$f.domain].MasterServers | ForEach-Object { "$_" }) | Should -Be @($f.servers) }
        Should -Invoke Add-DnsServerConditionalForwarderZone -Times $Model.forwarders.Count -Exactly -ParameterFilter { $ReplicationScope -eq 'Forest' }
        $f = $Model.forwarders[0]
        $script:Dns.Zones[$f.domain].MasterServers = @([ipaddress]'192.0.2.1')
        Invoke-DomainStep
        Should -Invoke Set-DnsServerConditionalForwarderZone -Times 1 -Exactly -ParameterFilter { $Name -eq $f.domain -and (@($MasterServers) -join ',') -eq ($f.servers -join ',') }
        @($script:Dns.Zones[$f.domain].MasterServers | ForEach-Object { "$_" }) | Should -Be @($f.servers)
    }
    It 'a domain without Debian members or Linux login: no groups, no join account, and the join secret is never read' {
        Mock Get-BilluSecret { throw "secret $Name was not provided" }
        $null = . $env:BILLU_DOMAIN_STEP_BARE
        $script:Dns.Subnets.Keys | Sort-Object | Should -Be @($Model.subnets | Sort-Object)
        foreach ($c in 'New-ADGroup', 'New-ADUser', 'dsacls.exe', 'Get-BilluSecret') { Should -Invoke $c -Times 0 -Exactly }
    }
}
