# billu-lib.ps1: helpers every Windows guest step's run.ps1 dot-sources. Same contract as billu-lib.sh:
# idempotent installs, changes recorded, secrets from stdin ("<name>`t<hex>") substituted for {{secret:<name>}}
# placeholders and never written to the output or a command line.
$ErrorActionPreference = 'Stop'
$script:BilluSecrets = @{}
$script:BilluChanged = New-Object System.Collections.Generic.List[string]

function Write-BilluLog([string]$Message) { Write-Output "billu[$($env:BILLU_STEP)]: $Message" }

function Start-BilluStep {
    $stdin = [Console]::In.ReadToEnd()
    foreach ($line in ($stdin -split "`n")) {
        $line = $line.TrimEnd("`r")
        if ($line -eq '') { continue }
        $k, $v = $line -split "`t", 2
        $bytes = [byte[]]::new($v.Length / 2)
        for ($i = 0; $i -lt $bytes.Length; $i++) { $bytes[$i] = [Convert]::ToByte($v.Substring(2 * $i, 2), 16) }
        $script:BilluSecrets[$k] = [Text.Encoding]::UTF8.GetString($bytes)
    }
    # Every step's files live under C:\ProgramData\billu (its stage folder's grandparent), whose default ACL lets Users
    # read: the directory plan (people's phone numbers), the staged files. SYSTEM and Administrators only, before any
    # file is installed; the subfolders inherit it.
    $root = Split-Path -Parent (Split-Path -Parent $env:BILLU_STAGE)
    if (-not (Test-Path -LiteralPath $root)) { New-Item -ItemType Directory -Force -Path $root | Out-Null }
    Set-BilluPrivateFolder $root
}

function Get-BilluSecret([string]$Name) {
    if (-not $script:BilluSecrets.ContainsKey($Name)) { throw "secret $Name was not provided" }
    return $script:BilluSecrets[$Name]
}

function Install-BilluFile([string]$Dest) {
    $src = Join-Path $env:BILLU_STAGE ('files/' + ($Dest -replace '^([A-Za-z]):', '$1'))
    if (-not (Test-Path $src)) { throw "staged file $src is missing" }
    $text = [IO.File]::ReadAllText($src)
    $script:BilluMissing = @()
    $text = [regex]::Replace($text, '\{\{secret:([A-Za-z0-9_.-]+)\}\}', {
        param($m)
        $n = $m.Groups[1].Value
        if ($script:BilluSecrets.ContainsKey($n)) { $script:BilluSecrets[$n] } else { $script:BilluMissing += $n; '' }
    })
    if ($script:BilluMissing.Count -gt 0) { throw "missing secrets: $($script:BilluMissing -join ' ')" }
    $dir = Split-Path $Dest -Parent
    if (-not (Test-Path $dir)) { New-Item -ItemType Directory -Force -Path $dir | Out-Null }
    if ((Test-Path $Dest) -and ([IO.File]::ReadAllText($Dest) -ceq $text)) { return }
    [IO.File]::WriteAllText($Dest, $text)
    $script:BilluChanged.Add($Dest)
    Write-BilluLog "updated $Dest"
}

function Test-BilluChanged([string[]]$Paths) {
    foreach ($p in $Paths) { if ($script:BilluChanged.Contains($p)) { return $true } }
    return $false
}

# A folder that holds secrets: SYSTEM and Administrators only (by SID, so a French Windows' "Administrateurs" is the
# same group), inheritance from the parent cut. Left alone when it is already so; logged when it was changed.
function Set-BilluPrivateFolder([string]$Path) {
    $acl = Get-Acl -LiteralPath $Path
    if ($acl.AreAccessRulesProtected -and @($acl.Access | Where-Object { $_.IdentityReference.Value -notmatch 'SYSTEM$|Administrators$|Administrateurs$' }).Count -eq 0) { return }
    $acl = New-Object System.Security.AccessControl.DirectorySecurity
    $acl.SetAccessRuleProtection($true, $false)
    foreach ($sid in 'S-1-5-18', 'S-1-5-32-544') {
        $id = New-Object System.Security.Principal.SecurityIdentifier($sid)
        $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule($id, 'FullControl', 'ContainerInherit,ObjectInherit', 'None', 'Allow')))
    }
    Set-Acl -LiteralPath $Path -AclObject $acl
    Write-BilluLog "$($Path): SYSTEM and Administrators only"
}

# A read-only LDAP service account whose password is the step secret $Secret: created enabled and never expiring
# (with -Extra's New-ADUser parameters, e.g. @{ EmailAddress = ... }); on later runs the password follows the secret: a
# bind with it that fails resets it. PowerShell swallows the exception a .NET property getter throws (DirectoryEntry's
# NativeObject on a failed bind) and yields $null, so the bind is judged by the value; try/catch alone never fired.
function Set-BilluServiceAccount {
    param([string]$Sam, [string]$BindDn, [string]$Secret, [string]$Description, [string]$DcFqdn, [string]$DomainDn, [hashtable]$Extra = @{})
    $plain = Get-BilluSecret $Secret
    $pw = ConvertTo-SecureString $plain -AsPlainText -Force
    if (-not (Get-ADUser -Filter "SamAccountName -eq '$Sam'")) {
        New-ADUser -Name $Sam -SamAccountName $Sam -UserPrincipalName $BindDn -Description $Description -AccountPassword $pw `
            -Enabled $true -PasswordNeverExpires $true @Extra
        Write-BilluLog "user $Sam"
        return
    }
    $probe = New-Object System.DirectoryServices.DirectoryEntry("LDAP://$DcFqdn/$DomainDn", $BindDn, $plain)
    $bound = $null
    try { $bound = $probe.NativeObject } catch { $bound = $null }
    if ($null -eq $bound) {
        Set-ADAccountPassword -Identity $Sam -Reset -NewPassword $pw
        Write-BilluLog "$Sam password set from the secret"
    }
}
