# scripts/assets/Install-GlpiAgent.ps1: the GLPI agent's startup script (the GPO with the named policy glpiAgent), with
# the registry values dev's GPO plan writes (pester.test.ts: $env:BILLU_GLPI_AGENT_MODEL, from the plan: the policy key,
# each value, and GLPI's inventory endpoint the assets plan gives). The script's folder is moved into TestDrive.
# Mocked: Get-ItemProperty (the GPO's values in HKLM, from the model), Get-Service (glpi-agent present or not), the
# script's own wrappers of the outside world: Invoke-GlpiDownload (Invoke-WebRequest, which writes the fake MSI) and
# Invoke-GlpiMsiexec (msiexec.exe, recorded). Get-FileHash, the files and the logic run for real.

BeforeAll {
    . (Join-Path $PSScriptRoot 'stubs.ps1')
    . (Join-Path $PSScriptRoot '../../../scripts/assets/Install-GlpiAgent.ps1')
    $ErrorActionPreference = 'Stop'
    $script:Model = [IO.File]::ReadAllText($env:BILLU_GLPI_AGENT_MODEL) | ConvertFrom-Json
    $script:MsiBytes = [Text.Encoding]::ASCII.GetBytes('not really an MSI, but these bytes have one SHA-256')
    $script:MsiHash = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($script:MsiBytes))

    # A computer the GPO applies to: the GPO's values as the model writes them (Sha256: the given one, or none as dev).
    function Use-Computer([string]$Sha256, [bool]$Service = $false) {
        $script:Calls = [System.Collections.Generic.List[string]]::new()
        $script:HasService = $Service
        $script:Download = $script:MsiBytes
        $values = @{}
        foreach ($v in $script:Model.values) { $values[$v.valueName] = $v.data }
        if ($Sha256) { $values['Sha256'] = $Sha256 }
        $script:Values = [pscustomobject]$values
        $script:Dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        Mock Get-ItemProperty { if ($Path -ne "HKLM:\$($script:Model.key)") { throw "read $Path, not the policy key" }; $script:Values }
        Mock Get-Service { if ($script:HasService) { [pscustomobject]@{ Name = $Name; Status = 'Running' } } }
        Mock Invoke-GlpiDownload { $script:Calls.Add("download $Url"); [IO.File]::WriteAllBytes($OutFile, $script:Download) }
        Mock Invoke-GlpiMsiexec { $script:Calls.Add("msiexec $($Arguments -join ' ')"); $script:HasService = $true; 0 }
    }
    function Get-Log { [IO.File]::ReadAllText((Join-Path $script:Dir 'install.log')) }
}

Describe 'the GLPI agent startup script (dev''s GPO "BillU - Agent GLPI")' {
    It 'dev as committed (no Sha256 value): installs nothing, downloads nothing, and logs what to set' {
        Use-Computer ''
        Install-GlpiAgent $script:Dir | Should -Be 'not-pinned'
        $script:Calls | Should -BeNullOrEmpty
        Get-Log | Should -Match ([regex]::Escape("its MSI $($script:Model.msiUrl) has no pinned SHA-256. Set billu:assets.windowsAgent.sha256"))
    }

    It 'pinned: downloads the model''s MSI, checks its hash, installs it for GLPI''s endpoint with the model''s tag, once' {
        Use-Computer $script:MsiHash
        Install-GlpiAgent $script:Dir | Should -Be 'installed'
        $msi = Join-Path $script:Dir "GLPI-Agent-$($script:Model.version)-x64.msi"
        $log = Join-Path $script:Dir 'msiexec.log'
        @($script:Calls) | Should -Be @(
            "download $($script:Model.msiUrl)",
            "msiexec /i `"$msi`" /quiet /norestart /l*v `"$log`" SERVER=$($script:Model.server) TAG=$($script:Model.tag) ADDLOCAL=feat_AGENT EXECMODE=1 NO_HTTPD=1 ADD_FIREWALL_EXCEPTION=0 RUNNOW=1"
        )
        Test-Path -LiteralPath $msi | Should -BeFalse
        # The next boot: nothing downloaded, nothing installed.
        $script:Calls.Clear()
        Install-GlpiAgent $script:Dir | Should -Be 'unchanged'
        $script:Calls | Should -BeNullOrEmpty
    }

    It 'an MSI whose hash is not the pinned one: deleted, not installed, and logged with both hashes' {
        Use-Computer ('AB' * 32)
        Install-GlpiAgent $script:Dir | Should -Be 'hash-mismatch'
        @($script:Calls) | Should -Be @("download $($script:Model.msiUrl)")
        Test-Path -LiteralPath (Join-Path $script:Dir "GLPI-Agent-$($script:Model.version)-x64.msi") | Should -BeFalse
        Get-Log | Should -Match "has SHA-256 $($script:MsiHash), not the pinned $('AB' * 32)"
    }

    It 'the service gone, or another server in the GPO: installs again' {
        Use-Computer $script:MsiHash
        Install-GlpiAgent $script:Dir | Should -Be 'installed'
        $script:HasService = $false
        Install-GlpiAgent $script:Dir | Should -Be 'installed'
        $script:Values.Server = 'https://par-glpi02.billu.remindme.lan/front/inventory.php'
        Install-GlpiAgent $script:Dir | Should -Be 'installed'
        @($script:Calls | Where-Object { $_ -like 'msiexec *' }).Count | Should -Be 3
        $script:Calls[-1] | Should -Match 'SERVER=https://par-glpi02\.billu\.remindme\.lan/front/inventory\.php '
    }

    It 'msiexec fails: nothing recorded as installed, so the next boot tries again' {
        Use-Computer $script:MsiHash
        Mock Invoke-GlpiMsiexec { $script:Calls.Add('msiexec'); 1603 }
        Install-GlpiAgent $script:Dir | Should -Be 'msiexec-failed'
        Test-Path -LiteralPath (Join-Path $script:Dir 'installed') | Should -BeFalse
        Get-Log | Should -Match 'exit 1603'
    }
}
