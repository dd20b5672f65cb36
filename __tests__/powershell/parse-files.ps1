# Parses every file listed (one path per line) in $env:BILLU_PS_LIST with PowerShell's own parser, in this one
# process, and prints one JSON document: the PowerShell version and, per file, the parse errors (line, column,
# message; none when it parses).
$ErrorActionPreference = 'Stop'
$results = foreach ($file in [IO.File]::ReadAllLines($env:BILLU_PS_LIST)) {
    if ($file -eq '') { continue }
    $tokens = $null
    $errors = $null
    $null = [System.Management.Automation.Language.Parser]::ParseFile($file, [ref]$tokens, [ref]$errors)
    [pscustomobject]@{
        file   = $file
        errors = @($errors | ForEach-Object { [pscustomobject]@{ line = $_.Extent.StartLineNumber; column = $_.Extent.StartColumnNumber; message = $_.Message } })
    }
}
[pscustomobject]@{ version = $PSVersionTable.PSVersion.ToString(); files = @($results) } | ConvertTo-Json -Depth 5 -Compress
