# The Windows DCs' `dc` and `fsmo` steps (components/domain-controller/windows.ts, windowsDcStep and windowsFsmoStep,
# rendered for every DC of prod: $env:BILLU_DC_MODEL lists them with the names they must use) run as rendered against
# machines and a forest in memory.
# Mocked: CimCmdlets' Get-CimInstance (Win32_ComputerSystem.DomainRole); ServerManager's Get-/Install-WindowsFeature;
# NetAdapter's Get-NetAdapter; DnsClient's Get-/Set-DnsClientServerAddress; LocalAccounts' Set-LocalUser;
# ADDSDeployment's Install-ADDSForest and Install-ADDSDomainController; ActiveDirectory's Get-ADDomain, Get-ADForest
# and Move-ADDirectoryServerOperationMasterRole; New-Item and Set-Content on C:/ProgramData; shutdown.exe;
# billu-lib's Get-BilluSecret (Write-BilluLog is billu-lib's own).

BeforeAll {
    . (Join-Path $PSScriptRoot 'stubs.ps1')
    . (Join-Path $PSScriptRoot '../../../scripts/lib/billu-lib.ps1')
    $ErrorActionPreference = 'Stop'
    $script:Model = [IO.File]::ReadAllText($env:BILLU_DC_MODEL) | ConvertFrom-Json
    $script:First = @($Model.dcs | Where-Object first)[0]
    $script:Others = @($Model.dcs | Where-Object { -not $_.first })
    # What the step's stdin would carry: one value per secret the step names, none of them in any argument string.
    $script:Secret = @{ $Model.secrets.admin = 'Adm1n-Pw-42!'; $Model.secrets.dsrm = 'Dsrm-Pw-42!' }
    $script:PsRole = @{ schemaMaster = 'SchemaMaster'; domainNamingMaster = 'DomainNamingMaster'; pdcEmulator = 'PDCEmulator'; ridMaster = 'RIDMaster'; infrastructureMaster = 'InfrastructureMaster' }
    $script:Promotions = @('Install-ADDSForest', 'Install-ADDSDomainController', 'Install-WindowsFeature', 'Set-LocalUser', 'Set-DnsClientServerAddress', 'shutdown.exe', 'New-Item', 'Set-Content')

    function Get-Plain([securestring]$s) { [System.Net.NetworkCredential]::new('', $s).Password }
    # Every string an invocation bound, to check no secret travels as an argument string.
    function Get-BoundStrings($Bound) { @($Bound.Values | ForEach-Object { $_ } | Where-Object { $_ -is [string] }) }

    # One machine: its domain role (2 standalone server, 3 member server, 5 primary DC), features, DNS client.
    function Use-FakeMachine([int]$DomainRole) {
        $script:Machine = @{ DomainRole = $DomainRole; Features = @{}; DnsServers = @('10.10.10.1'); Bound = @() }
    }
    # The machine's mocks, once per block (BeforeAll): they read and write $script:Machine, which Use-FakeMachine makes
    # anew (10 times per run, each installing 14 mocks again before), and Should -Invoke counts each case's calls only.
    function Use-FakeMachineMocks {
        Mock Get-BilluSecret { if (-not $script:Secret.ContainsKey($Name)) { throw "secret $Name was not provided" }; $script:Secret[$Name] }
        Mock Get-CimInstance { if ($ClassName -ne 'Win32_ComputerSystem') { throw "unexpected class $ClassName" }; [pscustomobject]@{ DomainRole = $script:Machine.DomainRole } }
        Mock Get-WindowsFeature { [pscustomobject]@{ Name = $Name; Installed = [bool]$script:Machine.Features[$Name] } }
        Mock Install-WindowsFeature { $script:Machine.Features[$Name] = $true }
        Mock Get-NetAdapter { @([pscustomobject]@{ Name = 'Ethernet 2'; Status = 'Disconnected'; ifIndex = 7 }, [pscustomobject]@{ Name = 'Ethernet'; Status = 'Up'; ifIndex = 4 }) }
        Mock Get-DnsClientServerAddress { if ($InterfaceIndex -eq 4) { [pscustomobject]@{ ServerAddresses = $script:Machine.DnsServers } } }
        Mock Set-DnsClientServerAddress { if ($InterfaceIndex -ne 4) { throw "wrong NIC $InterfaceIndex" }; $script:Machine.DnsServers = @($ServerAddresses) }
        # What each call bound, by parameter name (a mock's own $PSBoundParameters is Pester's, not the call's).
        Mock Set-LocalUser { $script:Machine.Bound += , @{ Name = $Name; Password = $Password } }
        Mock Install-ADDSForest {
            $script:Machine.Bound += , @{ DomainName = $DomainName; DomainNetbiosName = $DomainNetbiosName; ForestMode = $ForestMode; DomainMode = $DomainMode
                SafeModeAdministratorPassword = $SafeModeAdministratorPassword }
            $script:Machine.DomainRole = 5
        }
        Mock Install-ADDSDomainController {
            $script:Machine.Bound += , @{ DomainName = $DomainName; Credential = $Credential; SiteName = $SiteName; ReplicationSourceDC = $ReplicationSourceDC
                SafeModeAdministratorPassword = $SafeModeAdministratorPassword }
            $script:Machine.DomainRole = 4
        }
        Mock New-Item { } -ParameterFilter { $Path -like 'C:/ProgramData/billu/*' }
        Mock Set-Content { } -ParameterFilter { $Path -like 'C:/ProgramData/billu/*' }
        Mock shutdown.exe { }
    }
    # Runs a step dot-sourced into this function (a script's own script: scope would hide the fakes): its output.
    function Invoke-Step([string]$Path) { @(. $Path) }
    function Assert-NotPromoted { foreach ($c in $script:Promotions) { Should -Invoke $c -Times 0 -Exactly -Because "$c promotes or changes the machine" } }
}

Describe 'the Windows DCs'' dc step (prod): promotion' {
    BeforeAll { Use-FakeMachineMocks }
    It 'prod has a first DC and others' {
        $First.name | Should -Be 'PAR-DC01'
        @($Others.name) | Should -Be @('PAR-DC02', 'PAR-DC03')
    }
    It 'the first DC, a standalone server: installs the features and creates the forest once, with the model''s names' {
        Use-FakeMachine 2
        $out = Invoke-Step $First.dcStep
        $out | Should -Be @(
            'billu[]: installed AD-Domain-Services', 'billu[]: installed DNS',
            "billu[]: DNS client: $((@($Others | ForEach-Object { $_.address }) + '127.0.0.1') -join ', ')",
            "billu[]: created the forest $($Model.fqdn)", 'BILLU-REBOOT-SCHEDULED'
        )
        Should -Invoke Install-ADDSForest -Times 1 -Exactly -ParameterFilter {
            $DomainName -eq $Model.fqdn -and $DomainNetbiosName -eq $Model.netbiosName -and $InstallDns -and $NoRebootOnCompletion -and $Force
        }
        Should -Invoke Install-ADDSDomainController -Times 0 -Exactly
        Should -Invoke Install-WindowsFeature -Times 2 -Exactly
        Should -Invoke shutdown.exe -Times 1 -Exactly
        $script:Machine.DomainRole | Should -Be 5
    }
    It 'the first DC: the passwords reach the cmdlets only as SecureStrings from Get-BilluSecret, never as argument strings' {
        Use-FakeMachine 2
        $null = Invoke-Step $First.dcStep
        Should -Invoke Get-BilluSecret -Times 1 -Exactly -ParameterFilter { $Name -eq $Model.secrets.dsrm }
        Should -Invoke Get-BilluSecret -Times 1 -Exactly -ParameterFilter { $Name -eq $Model.secrets.admin }
        $local, $forest = $script:Machine.Bound
        $local.Name | Should -Be 'Administrator'
        $local.Password | Should -BeOfType [securestring]
        Get-Plain $local.Password | Should -Be $Secret[$Model.secrets.admin]
        $forest.SafeModeAdministratorPassword | Should -BeOfType [securestring]
        Get-Plain $forest.SafeModeAdministratorPassword | Should -Be $Secret[$Model.secrets.dsrm]
        foreach ($b in $script:Machine.Bound) { foreach ($v in (Get-BoundStrings $b)) { foreach ($s in $Secret.Values) { $v | Should -Not -BeLike "*$s*" } } }
        foreach ($s in $Secret.Values) { [IO.File]::ReadAllText($First.dcStep) | Should -Not -BeLike "*$s*" }
    }
    It 'a DC that already is one (DomainRole 4 or 5), first or not, is not promoted again' {
        foreach ($dc in $Model.dcs) { foreach ($Role in 4, 5) {
            Use-FakeMachine $Role
            $script:Machine.Features = @{ 'AD-Domain-Services' = $true; DNS = $true }
            Invoke-Step $dc.dcStep | Should -Be @('billu[]: already a domain controller')
            Assert-NotPromoted
        } }
    }
    It 'the other DCs, member servers: join the domain from the first DC, in the model''s site, with the Administrator''s credential' {
        # Pester counts a test's calls across its mocks: after n DCs, n joins.
        $n = 0
        foreach ($dc in $Others) {
            $n++
            Use-FakeMachine 3
            $out = Invoke-Step $dc.dcStep
            $out[-2..-1] | Should -Be @("billu[]: joined $($Model.fqdn) as a DC", 'BILLU-REBOOT-SCHEDULED')
            Should -Invoke Install-ADDSForest -Times 0 -Exactly
            Should -Invoke Set-LocalUser -Times 0 -Exactly
            Should -Invoke Install-ADDSDomainController -Times $n -Exactly -ParameterFilter {
                $DomainName -eq $Model.fqdn -and $SiteName -eq $Model.adSite -and $ReplicationSourceDC -eq $First.fqdn -and $InstallDns -and $NoRebootOnCompletion
            }
            $join = $script:Machine.Bound[0]
            $join.Credential.UserName | Should -Be "$($Model.netbiosName)\Administrator"
            Get-Plain $join.Credential.Password | Should -Be $Secret[$Model.secrets.admin]
            $join.SafeModeAdministratorPassword | Should -BeOfType [securestring]
            Get-Plain $join.SafeModeAdministratorPassword | Should -Be $Secret[$Model.secrets.dsrm]
            foreach ($v in (Get-BoundStrings $join)) { foreach ($s in $Secret.Values) { $v | Should -Not -BeLike "*$s*" } }
            # Its DNS client asks the other DCs first (the first one among them), itself last.
            $script:Machine.DnsServers[-1] | Should -Be '127.0.0.1'
            $script:Machine.DomainRole | Should -Be 4
        }
    }
}

Describe 'the Windows DCs'' fsmo step (prod): each role moves to the DC the model gives it, only when held elsewhere' {
    BeforeAll {
        # The forest just created: every role on the first DC; AD names holders by their DNS host name.
        $script:Holders = @{}
        foreach ($r in $PsRole.Values) { $script:Holders[$r] = "$($First.name).$($Model.fqdn)" }
        $script:Moves = [System.Collections.Generic.List[string]]::new()
        function Use-FakeForest {
            Mock Get-BilluSecret { throw 'the fsmo step needs no secret' }
            Mock Get-ADDomain { [pscustomobject]@{ PDCEmulator = $script:Holders.PDCEmulator; RIDMaster = $script:Holders.RIDMaster; InfrastructureMaster = $script:Holders.InfrastructureMaster } }
            Mock Get-ADForest { [pscustomobject]@{ SchemaMaster = $script:Holders.SchemaMaster; DomainNamingMaster = $script:Holders.DomainNamingMaster } }
            Mock Move-ADDirectoryServerOperationMasterRole {
                if (-not ($Model.dcs.name -contains $Identity)) { throw "no DC $Identity" }
                $script:Holders["$OperationMasterRole"] = "$Identity.$($Model.fqdn)"
                $script:Moves.Add("$OperationMasterRole -> $Identity")
            }
        }
        # The roles the model gives each DC, as the AD module names them.
        function Get-WantedHolders { $h = @{}; foreach ($dc in $Model.dcs) { foreach ($r in $dc.roles) { $h[$PsRole[$r]] = "$($dc.name).$($Model.fqdn)" } }; $h }
        # The mocks once for the block: they read $script:Holders, and Should -Invoke counts each case's calls only.
        Use-FakeForest
    }
    BeforeEach { $script:Moves.Clear() }

    It 'on every DC in turn: moves exactly the roles held elsewhere, each once, to the DC that must hold it' {
        foreach ($dc in $Model.dcs) { $null = Invoke-Step $dc.fsmoStep }
        $want = foreach ($dc in $Model.dcs) { foreach ($r in $dc.roles) { if ($dc.name -ne $First.name) { "$($PsRole[$r]) -> $($dc.name)" } } }
        @($script:Moves) | Should -Be @($want)
        @($script:Moves) | Should -Be @('PDCEmulator -> PAR-DC02', 'RIDMaster -> PAR-DC02', 'InfrastructureMaster -> PAR-DC03')
        Should -Invoke Move-ADDirectoryServerOperationMasterRole -Times 3 -Exactly
        foreach ($r in $PsRole.Values) { $script:Holders[$r] | Should -Be (Get-WantedHolders)[$r] }
    }
    It 'a second run moves nothing' {
        foreach ($dc in $Model.dcs) { $null = Invoke-Step $dc.fsmoStep }
        Should -Invoke Move-ADDirectoryServerOperationMasterRole -Times 0 -Exactly
    }
    It 'one role of a DC held elsewhere, its other role in place: moves only that one' {
        $dc2 = $Model.dcs | Where-Object name -eq 'PAR-DC02'
        $script:Holders.RIDMaster = "PAR-DC03.$($Model.fqdn)"
        $null = Invoke-Step $dc2.fsmoStep
        @($script:Moves) | Should -Be @('RIDMaster -> PAR-DC02')
        Should -Invoke Move-ADDirectoryServerOperationMasterRole -Times 1 -Exactly -ParameterFilter { $Identity -eq 'PAR-DC02' -and $OperationMasterRole -eq 'RIDMaster' -and $Confirm -eq $false }
    }
}

Describe 'the Windows DCs'' ready step (prod): after the reboot' {
    BeforeAll {
        # The real function exists (so Pester can mock it); the certificate store is Windows-only, so its result is faked.
        . (Join-Path $PSScriptRoot '../../../scripts/dc/windows-ldaps-cert.ps1')
        # One DC after its reboot: AD DS answering after $Polls polls, the DNS server's forwarders, W32Time's settings, the sites.
        function Use-FakeDc([int]$Polls = 0, [string]$DnsRoot = $Model.fqdn) {
            $script:Dc = @{ Polls = $Polls; DnsRoot = $DnsRoot; Forwarders = @('192.0.2.53'); W32 = @{ Type = 'NT5DS'; NtpServer = 'time.windows.com,0x9' }
                Sites = @{ 'Default-First-Site-Name' = 'CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=x' }; DnsServers = @() + $Model.dcs[0].address
                Clock = [datetime]'2026-01-01T00:00:00Z'; W32tm = [System.Collections.Generic.List[string]]::new() }
        }
        # The mocks once for the block: they read and write $script:Dc, which Use-FakeDc makes anew (for each DC), and
        # Should -Invoke counts each case's calls whichever DC made them; installing them at every Use-FakeDc (13 per run)
        # cost ~0.1 s of CPU each.
        Mock Get-BilluSecret { "-----BEGIN $Name-----" }
        Mock Import-BilluLdapsCert { $false }
        # The clock moves one minute at each reading: the 20-minute deadline falls after about 20 polls.
        Mock Get-Date { $script:Dc.Clock = $script:Dc.Clock.AddMinutes(1); $script:Dc.Clock }
        Mock Start-Sleep { }
        Mock Get-Service { if ($Name -ne 'ADWS') { throw "unexpected service $Name" }; [pscustomobject]@{ Status = $(if ($script:Dc.Polls -gt 0) { $script:Dc.Polls--; 'Stopped' } else { 'Running' }) } }
        Mock Test-NetConnection { $ComputerName -eq 'localhost' -and $Port -eq 9389 }
        Mock Get-ADDomain { [pscustomobject]@{ DNSRoot = $script:Dc.DnsRoot } }
        Mock Get-NetAdapter { [pscustomobject]@{ Name = 'Ethernet'; Status = 'Up'; ifIndex = 4 } }
        Mock Get-DnsClientServerAddress { [pscustomobject]@{ ServerAddresses = $script:Dc.DnsServers } }
        Mock Set-DnsClientServerAddress { $script:Dc.DnsServers = @($ServerAddresses) }
        Mock Get-DnsServerForwarder { [pscustomobject]@{ IPAddress = @($script:Dc.Forwarders | ForEach-Object { [ipaddress]$_ }) } }
        Mock Set-DnsServerForwarder { $script:Dc.Forwarders = @($IPAddress) }
        Mock Get-ItemProperty { [pscustomobject]$script:Dc.W32 } -ParameterFilter { $Path -eq 'HKLM:\SYSTEM\CurrentControlSet\Services\W32Time\Parameters' }
        Mock w32tm {
            $script:Dc.W32tm.Add($args -join ' ')
            $peers = @($args | Where-Object { $_ -like '/manualpeerlist:*' })
            if ($peers) { $script:Dc.W32 = @{ Type = 'NTP'; NtpServer = $peers[0].Substring('/manualpeerlist:'.Length) } }
            elseif ($args -contains '/syncfromflags:domhier') { $script:Dc.W32 = @{ Type = 'NT5DS'; NtpServer = '' } }
        }
        Mock Restart-Service { if ($Name -ne 'w32time') { throw "unexpected restart of $Name" } }
        Mock Get-ADReplicationSite {
            if ($Identity) { [pscustomobject]@{ DistinguishedName = $script:Dc.Sites[$Identity] } }
            else { $n = ([regex]::Match($Filter, "^Name -eq '(.*)'$")).Groups[1].Value; if ($script:Dc.Sites.ContainsKey($n)) { [pscustomobject]@{ Name = $n } } }
        }
        Mock Rename-ADObject { $old = @($script:Dc.Sites.Keys | Where-Object { $script:Dc.Sites[$_] -eq $Identity }); $script:Dc.Sites.Remove($old[0]); $script:Dc.Sites[$NewName] = $Identity }
        $script:Writes = @('Set-DnsClientServerAddress', 'Set-DnsServerForwarder', 'w32tm', 'Restart-Service', 'Rename-ADObject')
    }

    It 'waits, bounded, until ADWS runs and Get-ADDomain answers for the domain, then configures' {
        Use-FakeDc -Polls 3
        $null = Invoke-Step $First.readyStep
        Should -Invoke Start-Sleep -Times 3 -Exactly -ParameterFilter { $Seconds -eq 5 }
        Should -Invoke Get-ADDomain -Times 1 -Exactly -ParameterFilter { $Server -eq 'localhost' }
        Should -Invoke Set-DnsServerForwarder -Times 1 -Exactly
    }
    It 'AD DS never ready (another domain answers): fails with the DC''s name after 20 minutes, having changed nothing' {
        foreach ($dc in $Model.dcs) {
            Use-FakeDc -DnsRoot 'other.example'
            { Invoke-Step $dc.readyStep } | Should -Throw -ExpectedMessage "$($dc.name): AD DS not ready within 20 minutes (ADWS or Get-ADDomain failing)"
        }
        Should -Invoke Start-Sleep -Times (20 * $Model.dcs.Count) -Exactly
        foreach ($c in $script:Writes) { Should -Invoke $c -Times 0 -Exactly -Because "$c configures the DC" }
    }
    It 'on every DC: the DNS client, the LDAPS certificate from the step''s secrets, the model''s forwarders; a second run changes nothing' {
        foreach ($dc in $Model.dcs) {
            Use-FakeDc
            $out = Invoke-Step $dc.readyStep
            $script:Dc.DnsServers | Should -Be @(@($Model.dcs | Where-Object name -ne $dc.name | ForEach-Object { $_.address }) + '127.0.0.1')
            $script:Dc.Forwarders | Should -Be @($Model.forwarders)
            $out | Should -Contain "billu[]: DNS forwarders: $($Model.forwarders -join ', ')"
            # Every change logs a line: a run that logs nothing changed nothing.
            Invoke-Step $dc.readyStep | Should -Be @()
        }
        Should -Invoke Import-BilluLdapsCert -Times (2 * $Model.dcs.Count) -Exactly -ParameterFilter {
            $CertPem -eq "-----BEGIN $($Model.secrets.ldapsCert)-----" -and $KeyPem -eq "-----BEGIN $($Model.secrets.ldapsKey)-----"
        }
        Should -Invoke Set-DnsServerForwarder -Times $Model.dcs.Count -Exactly
    }
    It 'time: the PDC emulator follows the model''s outside NTP servers, every other DC the domain hierarchy' {
        foreach ($dc in $Model.dcs) {
            Use-FakeDc
            # Each DC starts on the other source, so each must change.
            $script:Dc.W32 = if ($dc.isPdc) { @{ Type = 'NT5DS'; NtpServer = '' } } else { @{ Type = 'NTP'; NtpServer = 'time.windows.com,0x9' } }
            $out = Invoke-Step $dc.readyStep
            if ($dc.isPdc) {
                @($script:Dc.W32tm) | Should -Be @("/config /manualpeerlist:$(@($Model.ntpServers | ForEach-Object { "$_,0x8" }) -join ' ') /syncfromflags:manual /reliable:yes /update")
                $out | Should -Contain 'billu[]: time: outside NTP servers'
            } else {
                @($script:Dc.W32tm) | Should -Be @('/config /syncfromflags:domhier /reliable:no /update')
                $out | Should -Contain 'billu[]: time: domain hierarchy'
            }
        }
        Should -Invoke Restart-Service -Times $Model.dcs.Count -Exactly -ParameterFilter { $Name -eq 'w32time' }
        @($Model.dcs | Where-Object isPdc).name | Should -Be @($Model.pdcEmulator)
    }
    It 'the first DC renames Default-First-Site-Name to the model''s site, once; the other DCs never touch the sites' {
        Use-FakeDc
        $out = Invoke-Step $First.readyStep
        @($script:Dc.Sites.Keys) | Should -Be @($Model.adSite)
        $out | Should -Contain "billu[]: site renamed to $($Model.adSite)"
        $null = Invoke-Step $First.readyStep
        Should -Invoke Rename-ADObject -Times 1 -Exactly -ParameterFilter { $NewName -eq $Model.adSite }
        foreach ($dc in $Others) {
            Use-FakeDc
            $null = Invoke-Step $dc.readyStep
            @($script:Dc.Sites.Keys) | Should -Be @('Default-First-Site-Name')
        }
        Should -Invoke Rename-ADObject -Times 1 -Exactly
    }
}
