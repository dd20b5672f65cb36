# scripts/lib/billu-lib.ps1's Start-BilluStep, which every Windows step's run.ps1 calls first: the secrets from stdin
# ("<name>`t<hex of UTF-8>" lines), and C:\ProgramData\billu (the stage folder's grandparent) made SYSTEM and
# Administrators only before any file is installed under it (the directory plan holds people's phone numbers;
# ProgramData's default ACL lets Users read). Here the stage folder is in TestDrive; stdin is a StringReader.
# Mocked: Set-BilluPrivateFolder (.NET's ACL types exist on Windows only), recorded with the moment it ran.

BeforeAll {
    . (Join-Path $PSScriptRoot '../../../scripts/lib/billu-lib.ps1')
    $ErrorActionPreference = 'Stop'
    function Use-Stdin([string]$Text) { [Console]::SetIn([IO.StringReader]::new($Text)) }
    function Hex([string]$Text) { -join ([Text.Encoding]::UTF8.GetBytes($Text) | ForEach-Object { $_.ToString('x2') }) }
}

AfterAll { [Console]::SetIn([IO.StreamReader]::new([Console]::OpenStandardInput())) }

Describe 'Start-BilluStep' {
    BeforeEach {
        $script:Root = Join-Path $TestDrive "host-$([guid]::NewGuid().ToString('n'))/ProgramData/billu"
        $env:BILLU_STAGE = Join-Path $script:Root 'stage/directory'
        $script:Private = [System.Collections.Generic.List[string]]::new()
        $script:BilluSecrets = @{} # one step is one process; here the two cases share one
        Mock Set-BilluPrivateFolder { $script:Private.Add("$Path exists=$(Test-Path -LiteralPath $Path) secrets=$($script:BilluSecrets.Count)") }
    }

    It 'reads every secret from stdin, then makes the folder above the stage root private, once' {
        Use-Stdin ("join-password`t$(Hex 'pa$$ wörd')`r`nzabbix-agent-psk`t$(Hex 'ab12')`n`n")
        Start-BilluStep
        Get-BilluSecret 'join-password' | Should -BeExactly 'pa$$ wörd'
        Get-BilluSecret 'zabbix-agent-psk' | Should -BeExactly 'ab12'
        @($script:Private) | Should -Be @("$($script:Root) exists=True secrets=2")
    }

    It 'makes the folder when it is missing (a new host), before installing anything' {
        Test-Path -LiteralPath $script:Root | Should -BeFalse
        Use-Stdin ''
        Start-BilluStep
        @($script:Private) | Should -Be @("$($script:Root) exists=True secrets=0")
        { Get-BilluSecret 'anything' } | Should -Throw 'secret anything was not provided'
    }
}
