# scripts/monitoring/agent-windows.ps1: the Zabbix agent's part of a Windows host's base step, with the settings and the
# configuration the model renders for prod's first DC (pester.test.ts writes them: $env:BILLU_ZBX_WIN_SETTINGS and
# $env:BILLU_ZBX_WIN_CONF; $env:BILLU_ZBX_WIN_MODEL says what they must hold, from the plan). Its paths are moved into
# TestDrive; everything else is as rendered.
# Mocked: NetSecurity's Get-/New-/Remove-NetFirewallRule, Get-NetFirewallPortFilter and Get-NetFirewallAddressFilter;
# Get-/Set-/Start-/Restart-Service (a machine in memory); the script's own wrappers of the outside world:
# Invoke-ZbxDownload (Invoke-WebRequest, which writes the fake MSI), Invoke-ZbxMsiexec (msiexec.exe, recorded, which
# "installs" the service); billu-lib's Get-BilluSecret and Set-BilluPrivateFolder (the folder's ACL: .NET's ACL types
# exist on Windows only). Get-FileHash, the files and the logic run for real.

BeforeAll {
    . (Join-Path $PSScriptRoot 'stubs.ps1')
    . (Join-Path $PSScriptRoot '../../../scripts/lib/billu-lib.ps1')
    . (Join-Path $PSScriptRoot '../../../scripts/monitoring/agent-windows.ps1')
    $ErrorActionPreference = 'Stop'
    # NetSecurity and the service cmdlets missing from stubs.ps1 (Windows-only): stand-ins that throw unless mocked.
    function global:Get-NetFirewallRule { [CmdletBinding()] param($Name) Stub $MyInvocation.MyCommand.Name }
    function global:Get-NetFirewallPortFilter { [CmdletBinding()] param([Parameter(ValueFromPipeline = $true)]$AssociatedNetFirewallRule) process { Stub $MyInvocation.MyCommand.Name } }
    function global:Get-NetFirewallAddressFilter { [CmdletBinding()] param([Parameter(ValueFromPipeline = $true)]$AssociatedNetFirewallRule) process { Stub $MyInvocation.MyCommand.Name } }
    function global:New-NetFirewallRule {
        [CmdletBinding()] param($Name, $DisplayName, $Direction, $Action, $Protocol, $LocalPort, $RemoteAddress, $Profile, $Enabled)
        Stub $MyInvocation.MyCommand.Name
    }
    function global:Remove-NetFirewallRule { [CmdletBinding()] param($Name) Stub $MyInvocation.MyCommand.Name }
    function global:Set-Service { [CmdletBinding()] param($Name, $StartupType) Stub $MyInvocation.MyCommand.Name }
    function global:Start-Service { [CmdletBinding()] param($Name) Stub $MyInvocation.MyCommand.Name }

    $script:Model = [IO.File]::ReadAllText($env:BILLU_ZBX_WIN_MODEL) | ConvertFrom-Json
    $script:Rendered = [IO.File]::ReadAllText($env:BILLU_ZBX_WIN_SETTINGS) | ConvertFrom-Json
    $script:Psk = 'a3f1' * 16
    $script:MsiBytes = [Text.Encoding]::ASCII.GetBytes('not really an MSI, but these bytes have one SHA-256')
    $script:MsiHash = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($script:MsiBytes))

    # The rendered settings with their paths in TestDrive and the given pinned hash: the path of the copy.
    function New-Settings([string]$Sha256) {
        $s = [IO.File]::ReadAllText($env:BILLU_ZBX_WIN_SETTINGS) | ConvertFrom-Json
        $d = Join-Path $TestDrive 'billu'
        $null = New-Item -ItemType Directory -Force -Path $d, (Join-Path $TestDrive 'agent')
        foreach ($k in 'Msi', 'MsiLog', 'Installed', 'StagedConf', 'Psk') { $s.$k = Join-Path $d (Split-Path -Leaf $s.$k) }
        $s.Dir = $d
        $s.Conf = Join-Path $TestDrive 'agent/zabbix_agent2.conf'
        $s.Sha256 = $Sha256
        Copy-Item -LiteralPath $env:BILLU_ZBX_WIN_CONF -Destination $s.StagedConf -Force
        $path = Join-Path $TestDrive 'agent.json'
        $s | ConvertTo-Json | Set-Content -LiteralPath $path
        return $path
    }
    # A Windows machine: no agent yet, or one already configured (its rule and service as the step leaves them).
    function Use-Machine([bool]$Installed = $false) {
        $script:Calls = [System.Collections.Generic.List[string]]::new()
        $script:Machine = @{ Service = $null; Rule = $null }
        if ($Installed) {
            $script:Machine.Service = @{ Status = 'Running'; StartType = 'Automatic' }
            $script:Machine.Rule = @{ Enabled = 'True'; Direction = 'Inbound'; Action = 'Allow'; Profile = 'Any'; Protocol = 'TCP'; LocalPort = '10050'; RemoteAddress = $script:Model.server }
        }
    }
    # The machine's mocks, once per block (BeforeAll): they read and write $script:Machine and $script:Calls, which
    # Use-Machine makes anew in each case; installing them in every case cost ~0.1 s of CPU each.
    function Use-MachineMocks {
        Mock Get-BilluSecret { if ($Name -ne 'zabbix-agent-psk') { throw "secret $Name was not provided" }; $script:Psk }
        Mock Set-BilluPrivateFolder { $script:Calls.Add("private $Path") }
        Mock Invoke-ZbxDownload { $script:Calls.Add("download $Url"); [IO.File]::WriteAllBytes($OutFile, $script:Download) }
        Mock Invoke-ZbxMsiexec {
            $script:Calls.Add("msiexec $($Arguments -join ' ')")
            $script:Machine.Service = @{ Status = 'Running'; StartType = 'Automatic' }
            0
        }
        Mock Get-Service { if ($script:Machine.Service) { [pscustomobject]$script:Machine.Service } }
        Mock Set-Service { $script:Calls.Add("startup $Name $StartupType"); $script:Machine.Service.StartType = $StartupType }
        Mock Start-Service { $script:Calls.Add("start $Name"); $script:Machine.Service.Status = 'Running' }
        Mock Restart-Service { $script:Calls.Add("restart $Name"); $script:Machine.Service.Status = 'Running' }
        Mock Get-NetFirewallRule { if ($script:Machine.Rule) { [pscustomobject]@{ Name = $Name; Enabled = $script:Machine.Rule.Enabled; Direction = $script:Machine.Rule.Direction; Action = $script:Machine.Rule.Action; Profile = $script:Machine.Rule.Profile } } }
        Mock Get-NetFirewallPortFilter { [pscustomobject]@{ Protocol = $script:Machine.Rule.Protocol; LocalPort = $script:Machine.Rule.LocalPort } }
        Mock Get-NetFirewallAddressFilter { [pscustomobject]@{ RemoteAddress = $script:Machine.Rule.RemoteAddress } }
        Mock Remove-NetFirewallRule { $script:Calls.Add("remove rule $Name"); $script:Machine.Rule = $null }
        Mock New-NetFirewallRule {
            $script:Calls.Add("new rule $Name $Direction $Action $Protocol $LocalPort from $RemoteAddress profile $Profile enabled $Enabled")
            $script:Machine.Rule = @{ Enabled = "$Enabled"; Direction = $Direction; Action = $Action; Profile = $Profile; Protocol = $Protocol; LocalPort = "$LocalPort"; RemoteAddress = $RemoteAddress }
        }
    }
}

Describe 'the Windows Zabbix agent (agent-windows.ps1, prod''s PAR-DC01)' {
    BeforeAll { Use-MachineMocks }
    It 'the rendered settings: the host, the Zabbix server''s address, the model''s MSI URL; no hash pinned in prod yet' {
        $Rendered.Host | Should -Be $Model.host
        $Rendered.Server | Should -Be $Model.server
        $Rendered.ListenPort | Should -Be $Model.port
        $Rendered.MsiUrl | Should -Be $Model.msiUrl
        $Rendered.Sha256 | Should -Be ''
        [IO.File]::ReadAllText($env:BILLU_ZBX_WIN_CONF) | Should -Match "(?m)^Hostname=$($Model.host)\r$"
    }

    It 'no SHA-256 pinned (prod as committed): downloads, installs, writes and opens nothing, says so and names the key to set; the base step goes on' {
        Use-Machine
        $script:Download = $script:MsiBytes
        $out = @(Update-ZbxWindowsAgent (New-Settings ''))
        $out | Should -Be @("billu[$($env:BILLU_STEP)]: WARNING: Zabbix agent 2 is not installed on this host: the MSI $($Model.msiUrl) has no pinned SHA-256. Set billu:monitoring.windowsAgent.sha256 to the SHA256 Zabbix publishes for it (or Get-FileHash -Algorithm SHA256 of a copy you trust), then run pulumi up again")
        @($script:Calls) | Should -Be @()
    }

    It 'an MSI whose SHA-256 is not the pinned one: deleted, never installed' {
        Use-Machine
        $script:Download = [Text.Encoding]::ASCII.GetBytes('a tampered MSI')
        $settings = New-Settings $script:MsiHash
        $got = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($script:Download))
        { Update-ZbxWindowsAgent $settings } | Should -Throw "the Zabbix agent MSI from $($Model.msiUrl) has SHA-256 $got, not the pinned $($script:MsiHash) (billu:monitoring.windowsAgent.sha256): it was deleted, not installed. Check the URL and the hash"
        @($script:Calls) | Should -Be @("private $TestDrive/billu", "download $($Model.msiUrl)")
        Test-Path (Join-Path $TestDrive 'billu/zabbix_agent2.msi') | Should -BeFalse
    }

    It 'a new host: the MSI checked and installed without its own firewall exception, then the key and the configuration, the rule to the server only, one restart' {
        Use-Machine
        $script:Download = $script:MsiBytes
        $out = @(Update-ZbxWindowsAgent (New-Settings $script:MsiHash))
        @($script:Calls) | Should -Be @(
            "private $TestDrive/billu"
            "download $($Model.msiUrl)"
            "msiexec /i `"$TestDrive/billu/zabbix_agent2.msi`" /qn /norestart /l*v `"$TestDrive/billu/msiexec.log`" SKIP=fw INSTALLFOLDER=`"C:\Program Files\Zabbix Agent 2`" SERVER=$($Model.server)"
            "new rule billu-zabbix-agent Inbound Allow TCP 10050 from $($Model.server) profile Any enabled True"
            'restart Zabbix Agent 2'
        )
        [IO.File]::ReadAllText((Join-Path $TestDrive 'billu/agent.psk')) | Should -BeExactly $script:Psk
        [IO.File]::ReadAllText((Join-Path $TestDrive 'agent/zabbix_agent2.conf')) | Should -BeExactly ([IO.File]::ReadAllText($env:BILLU_ZBX_WIN_CONF))
        [IO.File]::ReadAllText((Join-Path $TestDrive 'billu/installed-msi.sha256')) | Should -Be $script:MsiHash
        Test-Path (Join-Path $TestDrive 'billu/zabbix_agent2.msi') | Should -BeFalse
        $out | Should -Be @(
            "billu[]: installed Zabbix agent 2 $($Model.version)", "billu[]: updated $TestDrive/billu/agent.psk", "billu[]: updated $TestDrive/agent/zabbix_agent2.conf"
            "billu[]: firewall: tcp/10050 from $($Model.server) only", 'billu[]: restarted Zabbix Agent 2 (its MSI, configuration or key changed)'
        )
        # The key reaches no command line and no log line.
        foreach ($line in @($script:Calls) + $out) { $line | Should -Not -BeLike "*$($script:Psk)*" }
    }

    It 'a second run: downloads, installs, writes and restarts nothing' {
        Use-Machine $true
        $out = @(Update-ZbxWindowsAgent (Join-Path $TestDrive 'agent.json'))
        @($script:Calls) | Should -Be @("private $TestDrive/billu")
        $out | Should -Be @()
    }

    It 'a changed configuration: written over the installed one, the agent restarted, the MSI left alone' {
        Use-Machine $true
        $settings = Join-Path $TestDrive 'agent.json'
        $staged = (Get-Content -LiteralPath $settings -Raw | ConvertFrom-Json).StagedConf
        [IO.File]::WriteAllText($staged, [IO.File]::ReadAllText($staged).Replace("Timeout=4`r`n", "Timeout=9`r`n"))
        $out = @(Update-ZbxWindowsAgent $settings)
        @($script:Calls) | Should -Be @("private $TestDrive/billu", 'restart Zabbix Agent 2')
        $out[0] | Should -Be "billu[]: updated $TestDrive/agent/zabbix_agent2.conf"
        [IO.File]::ReadAllText((Join-Path $TestDrive 'agent/zabbix_agent2.conf')) | Should -Match "Timeout=9`r`n"
    }

    It 'a rule that drifted (opened to any address), a stopped agent: the rule set back to the server only, the agent started' {
        Use-Machine $true
        $script:Machine.Rule.RemoteAddress = 'Any'
        $script:Machine.Service = @{ Status = 'Stopped'; StartType = 'Manual' }
        $out = @(Update-ZbxWindowsAgent (Join-Path $TestDrive 'agent.json'))
        @($script:Calls) | Should -Be @(
            "private $TestDrive/billu", 'remove rule billu-zabbix-agent'
            "new rule billu-zabbix-agent Inbound Allow TCP 10050 from $($Model.server) profile Any enabled True"
            'startup Zabbix Agent 2 Automatic', 'start Zabbix Agent 2'
        )
        $out | Should -Be @("billu[]: firewall: tcp/10050 from $($Model.server) only", 'billu[]: started Zabbix Agent 2')
    }

    It 'a new pinned hash (an upgrade): the new MSI installed over the old one, the agent restarted' {
        Use-Machine $true
        $script:Download = [Text.Encoding]::ASCII.GetBytes('the next release')
        $next = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($script:Download))
        $null = Update-ZbxWindowsAgent (New-Settings $next)
        @($script:Calls)[1..2] | Should -Be @("download $($Model.msiUrl)", "msiexec /i `"$TestDrive/billu/zabbix_agent2.msi`" /qn /norestart /l*v `"$TestDrive/billu/msiexec.log`" SKIP=fw INSTALLFOLDER=`"C:\Program Files\Zabbix Agent 2`" SERVER=$($Model.server)")
        @($script:Calls)[-1] | Should -Be 'restart Zabbix Agent 2'
        [IO.File]::ReadAllText((Join-Path $TestDrive 'billu/installed-msi.sha256')) | Should -Be $next
    }
}
