# The Windows 11 client's `client-join` and `client-rsop` steps (components/client/render.ts windowsClientJoinStep and
# windowsClientRsopStep, rendered for dev's PAR-CLI02: $env:BILLU_CLIENT_MODEL names the steps and what they must use,
# from the model) run as rendered against a machine in memory.
# Mocked: CimCmdlets' Get-CimInstance (Win32_ComputerSystem: Name, PartOfDomain, Domain); NetAdapter's Get-NetAdapter;
# DnsClient's Get-/Set-DnsClientServerAddress; Add-Computer; shutdown.exe, gpupdate.exe, gpresult.exe; billu-lib's
# Get-BilluSecret (Write-BilluLog is billu-lib's own).

BeforeAll {
    . (Join-Path $PSScriptRoot 'stubs.ps1')
    . (Join-Path $PSScriptRoot '../../../scripts/lib/billu-lib.ps1')
    $ErrorActionPreference = 'Stop'
    $script:Model = [IO.File]::ReadAllText($env:BILLU_CLIENT_MODEL) | ConvertFrom-Json
    # What the step's stdin would carry: the join account's password, in no argument string and no output line.
    # A per-run value (no password literal in the repository); the tests look for it in every output and argument.
    $script:Password = 'Jn-' + [guid]::NewGuid().ToString('N')
    $script:Secret = @{ $Model.joinSecret = $Password }

    function Get-Plain([securestring]$s) { [System.Net.NetworkCredential]::new('', $s).Password }

    # One machine: its name, its domain membership, its DNS client.
    function Use-FakeClient([string]$Name, [bool]$PartOfDomain, [string]$Domain) {
        $script:Machine = @{ Name = $Name; PartOfDomain = $PartOfDomain; Domain = $Domain; DnsServers = @('10.20.23.1'); Joins = @(); Gpupdate = @(); Gpresult = @() }
        Mock Get-BilluSecret { if (-not $script:Secret.ContainsKey($Name)) { throw "secret $Name was not provided" }; $script:Secret[$Name] }
        Mock Get-CimInstance {
            if ($ClassName -ne 'Win32_ComputerSystem') { throw "unexpected class $ClassName" }
            [pscustomobject]@{ Name = $script:Machine.Name; PartOfDomain = $script:Machine.PartOfDomain; Domain = $script:Machine.Domain }
        }
        Mock Get-NetAdapter { @([pscustomobject]@{ Name = 'Ethernet'; Status = 'Up'; ifIndex = 4 }) }
        Mock Get-DnsClientServerAddress { if ($InterfaceIndex -eq 4) { [pscustomobject]@{ ServerAddresses = $script:Machine.DnsServers } } }
        Mock Set-DnsClientServerAddress { if ($InterfaceIndex -ne 4) { throw "wrong NIC $InterfaceIndex" }; $script:Machine.DnsServers = @($ServerAddresses) }
        # What each join bound, by parameter name (a mock's own $PSBoundParameters is Pester's, not the call's).
        Mock Add-Computer {
            $script:Machine.Joins += , @{ DomainName = $DomainName; OUPath = $OUPath; Credential = $Credential; NewName = $NewName; Force = [bool]$Force; Restart = [bool]$Restart }
            $script:Machine.PartOfDomain = $true
            $script:Machine.Domain = $DomainName
        }
        Mock shutdown.exe { }
        Mock gpupdate.exe { $script:Machine.Gpupdate += , @($args); $global:LASTEXITCODE = 0 }
        Mock gpresult.exe {
            $script:Machine.Gpresult += , @($args)
            $at = [array]::IndexOf($args, '/x')
            [IO.File]::WriteAllText($args[$at + 1], "<?xml version=`"1.0`" encoding=`"utf-16`"?>`r`n<Rsop><ComputerResults><Name>$($Model.netbiosName)\$($Model.name)</Name></ComputerResults></Rsop>", [Text.Encoding]::Unicode)
            $global:LASTEXITCODE = 0
        }
    }
    # Runs a step dot-sourced into this function (a script's own script: scope would hide the fakes): its output.
    function Invoke-Step([string]$Path) { @(. $Path) }
}

Describe 'the Windows client''s client-join step (dev, PAR-CLI02)' {
    It 'dev''s Windows client: PAR-CLI02, in its department''s computers OU' {
        $Model.name | Should -Be 'PAR-CLI02'
        $Model.ou | Should -Be 'OU=Finance et Comptabilité,OU=Ordinateurs,OU=BillU,DC=billu,DC=remindme,DC=lan'
    }
    It 'not joined (a fresh clone, a generated name): DNS to the DCs, Add-Computer once into the exact OU as the join account, renamed, then a detached reboot' {
        Use-FakeClient 'WIN-7F3K2Q9' $false 'WORKGROUP'
        $out = Invoke-Step $Model.joinStep
        $out | Should -Be @(
            "billu[]: DNS client: $($Model.dnsServers -join ', ')",
            "billu[]: joined $($Model.fqdn) in $($Model.ou)",
            'BILLU-REBOOT-SCHEDULED'
        )
        $script:Machine.Joins.Count | Should -Be 1
        $j = $script:Machine.Joins[0]
        $j.DomainName | Should -BeExactly $Model.fqdn
        $j.OUPath | Should -BeExactly $Model.ou
        $j.NewName | Should -BeExactly $Model.name
        $j.Force | Should -BeTrue
        $j.Restart | Should -BeFalse -Because 'the reboot is detached, after the SSH session ends'
        $j.Credential.UserName | Should -BeExactly "$($Model.netbiosName)\$($Model.joinAccount)"
        Get-Plain $j.Credential.Password | Should -BeExactly $Password
        @($script:Machine.DnsServers) | Should -Be @($Model.dnsServers)
        Should -Invoke shutdown.exe -Times 1 -Exactly
    }
    It 'not joined, already named: no rename' {
        Use-FakeClient $Model.name $false 'WORKGROUP'
        $null = Invoke-Step $Model.joinStep
        $script:Machine.Joins.Count | Should -Be 1
        $script:Machine.Joins[0].NewName | Should -BeNullOrEmpty
    }
    It 'already a member of the domain: no Add-Computer, no reboot, the secret never read' {
        Use-FakeClient $Model.name $true $Model.fqdn
        $script:Machine.DnsServers = @($Model.dnsServers)
        $out = Invoke-Step $Model.joinStep
        $out | Should -Be @("billu[]: already a member of $($Model.fqdn)")
        Should -Invoke Add-Computer -Times 0 -Exactly
        Should -Invoke shutdown.exe -Times 0 -Exactly
        Should -Invoke Get-BilluSecret -Times 0 -Exactly
        Should -Invoke Set-DnsClientServerAddress -Times 0 -Exactly
    }
    It 'a member of another domain: stops with the exact error, joins nothing' {
        Use-FakeClient $Model.name $true 'ecotech.lan'
        { Invoke-Step $Model.joinStep } | Should -Throw -ExpectedMessage "$($Model.name) is a member of ecotech.lan, not of $($Model.fqdn): remove it from that domain by hand (Remove-Computer), then run the step again"
        Should -Invoke Add-Computer -Times 0 -Exactly
        Should -Invoke shutdown.exe -Times 0 -Exactly
    }
    It 'the password is in no output line and in no argument string' {
        Use-FakeClient 'WIN-7F3K2Q9' $false 'WORKGROUP'
        $out = Invoke-Step $Model.joinStep
        @($out | Where-Object { "$_".Contains($Password) }) | Should -BeNullOrEmpty
        $j = $script:Machine.Joins[0]
        @($j.Values | Where-Object { $_ -is [string] -and $_.Contains($Password) }) | Should -BeNullOrEmpty
        $j.Credential.Password | Should -BeOfType [securestring]
        [IO.File]::ReadAllText($Model.joinStep).Contains($Password) | Should -BeFalse
    }
}

Describe 'the Windows client''s client-rsop step (dev, PAR-CLI02)' {
    BeforeEach { $env:BILLU_STAGE = (New-Item -ItemType Directory -Force -Path (Join-Path $TestDrive 'stage')).FullName }
    It 'a member: gpupdate /target:computer /force, then gpresult /scope computer /x, whose XML is the output between the marks' {
        Use-FakeClient $Model.name $true $Model.fqdn
        $out = Invoke-Step $Model.rsopStep
        $out | Should -Be @(
            'billu[]: computer policy applied (gpupdate /force)',
            'BILLU-RSOP-BEGIN',
            "<?xml version=`"1.0`" encoding=`"utf-16`"?>`r`n<Rsop><ComputerResults><Name>$($Model.netbiosName)\$($Model.name)</Name></ComputerResults></Rsop>",
            'BILLU-RSOP-END'
        )
        $script:Machine.Gpupdate.Count | Should -Be 1
        $script:Machine.Gpupdate[0] | Should -Be @('/target:computer', '/force', "/wait:$($Model.gpupdateWaitSeconds)")
        $script:Machine.Gpresult.Count | Should -Be 1
        $script:Machine.Gpresult[0] | Should -Be @('/scope', 'computer', '/x', (Join-Path $env:BILLU_STAGE 'rsop-computer.xml'), '/f')
    }
    It 'not a member (the join has not run): the exact error, no gpupdate' {
        Use-FakeClient $Model.name $false 'WORKGROUP'
        { Invoke-Step $Model.rsopStep } | Should -Throw -ExpectedMessage "$($Model.name) is not a member of $($Model.fqdn): its client-join step must run first"
        Should -Invoke gpupdate.exe -Times 0 -Exactly
    }
    It 'gpupdate fails: the exact error, no RSoP reported' {
        Use-FakeClient $Model.name $true $Model.fqdn
        Mock gpupdate.exe { $global:LASTEXITCODE = 1 }
        { Invoke-Step $Model.rsopStep } | Should -Throw -ExpectedMessage "gpupdate /target:computer /force failed on $($Model.name) (exit 1): see the GroupPolicy operational event log"
        Should -Invoke gpresult.exe -Times 0 -Exactly
    }
}
