# Runs every Pester file under pester/ in this one process (Pester from $env:BILLU_PESTER, the module npm run setup
# restored) and prints one JSON document: the tests passed, failed (with their error) and skipped, by full name.
$ErrorActionPreference = 'Stop'
Import-Module $env:BILLU_PESTER
$config = New-PesterConfiguration
$config.Run.Path = Join-Path $PSScriptRoot 'pester'
$config.Run.PassThru = $true
$config.Output.Verbosity = 'None'
$run = Invoke-Pester -Configuration $config
$name = { param($t) ($t.Path -join '.') }
[pscustomobject]@{
    passed  = @($run.Passed | ForEach-Object { & $name $_ })
    failed  = @($run.Failed | ForEach-Object { [pscustomobject]@{ name = & $name $_; error = ($_.ErrorRecord | ForEach-Object { "$_" }) -join "`n" } })
    skipped = @($run.Skipped + $run.NotRun | ForEach-Object { & $name $_ })
    # A failure outside any test (a BeforeAll, a file that does not parse) fails no test: it is reported here.
    containers = @($run.Containers | Where-Object Result -ne 'Passed' | ForEach-Object { "$($_.Item): $($_.Result) $($_.ErrorRecord -join '; ')" })
} | ConvertTo-Json -Depth 4 -Compress
