# Apply-Gpo.ps1: applies BillU's Group Policy plan on a Windows DC through the GroupPolicy and ActiveDirectory
# modules (billu-infra, components/gpo). The guest step's run.ps1 dot-sources it, then calls Invoke-BilluGpo.
#
# It reads the SAME manifest as the Samba step (gpos.json, rendered by components/gpo/render.ts: every GPO with its
# files in base64, its client-side extension names and security filtering, the links per OU in link order, the files
# for the domain's SYSVOL share) and, like scripts/gpo/apply.py, writes only what differs, so a second run changes
# nothing and bumps no version:
# - each GPO missing by display name is created (New-GPO); two GPOs of one name stop the run before any write;
# - Registry.pol (each part): the planned values are read from the manifest's Registry.pol (the bytes the Samba DC
#   installs), the present ones from the GPO's own Registry.pol in SYSVOL; a value that differs is set
#   (Set-GPRegistryValue), one not planned is removed (Remove-GPRegistryValue): GPMC bumps the version itself;
# - the other files (GptTmpl.inf, the security template; psscripts.ini, the startup scripts; Drives.xml, the drive maps) are written into the GPO's
#   SYSVOL folder only when their bytes differ (or removed when no longer planned), and then only that part's
#   version is bumped (computer +1, user +65536) in versionNumber and GPT.INI, as GPMC does for its own edits;
#   gPCMachineExtensionNames / gPCUserExtensionNames are set to the manifest's when they differ;
# - security filtering: Apply Group Policy for the planned principals (Set-GPPermission GpoApply); any other
#   principal holding it keeps Read only (Authenticated Users when the GPO is filtered), as GPMC's filtering does;
# - links: on each planned OU the planned GPOs hold link orders 1..n with the planned enforcement (New-GPLink /
#   Set-GPLink -Order -Enforced); a link of a managed GPO the plan no longer has there is removed; links of GPOs
#   this plan does not manage are kept, after ours;
# - the SYSVOL share files (the wallpaper) are copied when their bytes differ;
# - with a windowsLaps GPO, Windows LAPS' one-time domain setup (Invoke-BilluLapsSetup, below).
# Prints one line per change ("gpo: ..."), or that nothing changed. Errors stop the run (exit 1, as the directory
# applier).

$script:BilluRegTypes = @{ 1 = 'String'; 2 = 'ExpandString'; 3 = 'Binary'; 4 = 'DWord'; 7 = 'MultiString'; 11 = 'QWord' }
# The files the step installs itself (the Registry.pol of each part is GPMC's, through the cmdlets), with their part.
$script:BilluGpoFiles = [ordered]@{
    'Machine/Microsoft/Windows NT/SecEdit/GptTmpl.inf' = 'machine'
    'Machine/Scripts/psscripts.ini'                    = 'machine'
    'User/Preferences/Drives/Drives.xml'               = 'user'
}
$script:BilluPartStep = @{ machine = 1; user = 65536 }

# --- Registry.pol ([MS-GPREG] 2.2.1) ----------------------------------------------------------------------------
# The instructions of a Registry.pol: each with Key, ValueName, Type (the REG_* code) and Data (bytes). $What names
# the file in errors.
function Read-BilluPregChar([byte[]]$Bytes, [int]$At, [char]$Char, [string]$What) {
    if ($At + 1 -ge $Bytes.Length -or $Bytes[$At] -ne [byte]$Char -or $Bytes[$At + 1] -ne 0) { throw "gpo: $What is not a valid Registry.pol: '$Char' expected at byte $At" }
    return $At + 2
}

# A NUL-terminated UTF-16LE string at $At: the string and where the next field starts.
function Read-BilluPregString([byte[]]$Bytes, [int]$At, [string]$What) {
    $j = $At
    while ($j + 1 -lt $Bytes.Length -and -not ($Bytes[$j] -eq 0 -and $Bytes[$j + 1] -eq 0)) { $j += 2 }
    if ($j + 1 -ge $Bytes.Length) { throw "gpo: $What is not a valid Registry.pol: the string at byte $At has no end" }
    return [Text.Encoding]::Unicode.GetString($Bytes, $At, $j - $At), ($j + 2)
}

function Read-BilluPregDword([byte[]]$Bytes, [int]$At, [string]$What) {
    if ($At + 4 -gt $Bytes.Length) { throw "gpo: $What is not a valid Registry.pol: it ends inside an instruction (byte $At)" }
    return [BitConverter]::ToUInt32($Bytes, $At)
}

function ConvertFrom-BilluPreg([byte[]]$Bytes, [string]$What) {
    if ($Bytes.Length -lt 8 -or [BitConverter]::ToUInt32($Bytes, 0) -ne 0x67655250 -or [BitConverter]::ToUInt32($Bytes, 4) -ne 1) {
        throw "gpo: $What is not a Registry.pol (no PReg version 1 header)"
    }
    $out = [System.Collections.Generic.List[object]]::new()
    $i = 8
    while ($i -lt $Bytes.Length) {
        $i = Read-BilluPregChar $Bytes $i '[' $What
        $key, $i = Read-BilluPregString $Bytes $i $What
        $i = Read-BilluPregChar $Bytes $i ';' $What
        $name, $i = Read-BilluPregString $Bytes $i $What
        $i = Read-BilluPregChar $Bytes $i ';' $What
        $type = Read-BilluPregDword $Bytes $i $What
        $i = Read-BilluPregChar $Bytes ($i + 4) ';' $What
        $size = Read-BilluPregDword $Bytes $i $What
        $i = Read-BilluPregChar $Bytes ($i + 4) ';' $What
        if ($i + $size -gt $Bytes.Length) { throw "gpo: $What is not a valid Registry.pol: the data of $key\$name runs past the end" }
        $data = [byte[]]::new($size)
        [Array]::Copy($Bytes, $i, $data, 0, $size)
        $i = Read-BilluPregChar $Bytes ($i + $size) ']' $What
        $out.Add([pscustomobject]@{ Key = $key; ValueName = $name; Type = [int]$type; Data = $data })
    }
    return , $out.ToArray()
}

# One string per instruction that two equal values share (keys and value names compare without regard to case).
function Get-BilluPregKey($e) {
    return '{0}|{1}|{2}|{3}' -f $e.Key.ToLowerInvariant(), $e.ValueName.ToLowerInvariant(), $e.Type, [BitConverter]::ToString($e.Data)
}

# Set-GPRegistryValue's -Type and -Value for an instruction.
function ConvertTo-BilluGpValue($e) {
    $type = $script:BilluRegTypes[[int]$e.Type]
    if (-not $type) { throw "gpo: registry value $($e.Key)\$($e.ValueName) has type code $($e.Type), which the GroupPolicy module cannot set" }
    $text = { [Text.Encoding]::Unicode.GetString($e.Data).TrimEnd([char]0) }
    $value = switch ($type) {
        'String' { & $text }
        'ExpandString' { & $text }
        'MultiString' { , @([Text.Encoding]::Unicode.GetString($e.Data).TrimEnd([char]0) -split "`0") }
        'DWord' { [BitConverter]::ToInt32($e.Data, 0) }
        'QWord' { [BitConverter]::ToInt64($e.Data, 0) }
        'Binary' { , [byte[]]$e.Data }
    }
    return @{ Type = $type; Value = $value }
}

# --- helpers ----------------------------------------------------------------------------------------------------
function Read-BilluBytes([string]$Path) {
    if (Test-Path -LiteralPath $Path -PathType Leaf) { return , [IO.File]::ReadAllBytes($Path) }
    return $null
}

function Test-BilluSameBytes($A, $B) {
    if ($null -eq $A -or $null -eq $B) { return ($null -eq $A) -and ($null -eq $B) }
    # Base64 rather than Linq's SequenceEqual, whose generic call Windows PowerShell 5.1 (the step's shell) may not bind.
    return [Convert]::ToBase64String([byte[]]$A) -ceq [Convert]::ToBase64String([byte[]]$B)
}

function Write-BilluBytes([string]$Path, [byte[]]$Bytes) {
    $dir = Split-Path -Parent $Path
    if (-not (Test-Path -LiteralPath $dir)) { $null = New-Item -ItemType Directory -Force -Path $dir }
    [IO.File]::WriteAllBytes($Path, $Bytes)
}

# The name Set-GPPermission takes for a principal of the plan: a well-known principal by its SID (its name is
# localized: "Utilisateurs authentifiés" on a French DC), a domain group by its RID, any other group as named.
function Resolve-BilluTrustee([string]$Principal, [string]$DomainSid) {
    $sid = switch ($Principal) {
        'Authenticated Users' { 'S-1-5-11' }
        'Domain Users' { "$DomainSid-513" }
        'Domain Computers' { "$DomainSid-515" }
        'Domain Admins' { "$DomainSid-512" }
        default { $null }
    }
    if (-not $sid) { return $Principal }
    $name = ([Security.Principal.SecurityIdentifier]$sid).Translate([Security.Principal.NTAccount]).Value
    return $name.Substring($name.IndexOf('\') + 1)
}

function Invoke-BilluGpo {
    param(
        [Parameter(Mandatory = $true)][string]$ManifestPath,
        # The domain's SYSVOL folder (Policies/{GUID} under it): the DC's own share by default. Paths under it are
        # written with / (Windows takes it as \ and the unit suite runs on Linux).
        [string]$SysvolRoot
    )
    $ErrorActionPreference = 'Stop'
    Import-Module GroupPolicy
    Import-Module ActiveDirectory
    $plan = [IO.File]::ReadAllText($ManifestPath, [Text.Encoding]::UTF8) | ConvertFrom-Json
    if (-not $SysvolRoot) { $SysvolRoot = "\\$($plan.domain)\SYSVOL\$($plan.domain)" }
    $domain = Get-ADDomain
    if ($domain.DistinguishedName -ne $plan.domainDn) { throw "gpo: this DC's domain is $($domain.DistinguishedName), the plan's $($plan.domainDn)" }
    $say = { param([string]$m) Write-Output "gpo: $m"; $script:BilluGpoChanges++ }
    $script:BilluGpoChanges = 0

    $byName = @{}
    foreach ($g in @(Get-GPO -All -Domain $plan.domain)) {
        $k = $g.DisplayName.ToLowerInvariant()
        if (-not $byName.ContainsKey($k)) { $byName[$k] = [System.Collections.Generic.List[object]]::new() }
        $byName[$k].Add($g)
    }
    foreach ($p in $plan.gpos) {
        $found = $byName[$p.name.ToLowerInvariant()]
        if ($found -and $found.Count -gt 1) {
            throw "gpo: $($found.Count) GPOs are named `"$($p.name)`": rename or delete all but one, the step finds GPOs by display name (nothing written)"
        }
    }

    foreach ($p in $plan.gpos) {
        $found = $byName[$p.name.ToLowerInvariant()]
        if ($found) { $gpo = $found[0] }
        else {
            $gpo = New-GPO -Name $p.name -Domain $plan.domain
            & $say "created $($p.name) {$($gpo.Id)}"
        }
        $id = '{' + $gpo.Id.ToString().ToUpperInvariant() + '}'
        $folder = "$SysvolRoot/Policies/$id"
        $dn = "CN=$id,CN=Policies,CN=System,$($plan.domainDn)"

        # Registry.pol of each part, through the cmdlets (they bump the version).
        foreach ($part in 'machine', 'user') {
            $sub = if ($part -eq 'machine') { 'Machine' } else { 'User' }
            $hive = if ($part -eq 'machine') { 'HKLM' } else { 'HKCU' }
            $f = @($p.files | Where-Object { $_.path -eq "$sub/Registry.pol" })
            $want = if ($f.Count -gt 0) { ConvertFrom-BilluPreg ([Convert]::FromBase64String($f[0].base64)) "the manifest's $sub/Registry.pol of $($p.name)" } else { @() }
            $bytes = Read-BilluBytes "$folder/$sub/Registry.pol"
            $have = if ($null -ne $bytes) { ConvertFrom-BilluPreg $bytes "$($p.name)'s $sub/Registry.pol in SYSVOL" } else { @() }
            $haveKeys = @{}
            foreach ($e in $have) { $haveKeys[(Get-BilluPregKey $e)] = $e }
            $wantNames = @{}
            foreach ($e in $want) {
                $wantNames["$($e.Key.ToLowerInvariant())|$($e.ValueName.ToLowerInvariant())"] = $true
                if ($haveKeys.ContainsKey((Get-BilluPregKey $e))) { continue }
                $v = ConvertTo-BilluGpValue $e
                Set-GPRegistryValue -Name $p.name -Domain $plan.domain -Key "$hive\$($e.Key)" -ValueName $e.ValueName -Type $v.Type -Value $v.Value | Out-Null
                & $say "$($p.name): $hive\$($e.Key)\$($e.ValueName) set ($($v.Type))"
            }
            foreach ($e in $have) {
                if ($wantNames.ContainsKey("$($e.Key.ToLowerInvariant())|$($e.ValueName.ToLowerInvariant())")) { continue }
                Remove-GPRegistryValue -Name $p.name -Domain $plan.domain -Key "$hive\$($e.Key)" -ValueName $e.ValueName | Out-Null
                & $say "$($p.name): $hive\$($e.Key)\$($e.ValueName) removed (not planned)"
            }
        }

        # The files the step writes itself, then the version of each part that changed.
        $bump = 0
        foreach ($rel in $script:BilluGpoFiles.Keys) {
            $part = $script:BilluGpoFiles[$rel]
            $path = "$folder/$rel"
            $f = @($p.files | Where-Object { $_.path -eq $rel })
            $have = Read-BilluBytes $path
            if ($f.Count -gt 0) {
                $bytes = [Convert]::FromBase64String($f[0].base64)
                if (Test-BilluSameBytes $have $bytes) { continue }
                Write-BilluBytes $path $bytes
                & $say "$($p.name): $rel written"
            } elseif ($null -ne $have) {
                Remove-Item -LiteralPath $path -Force
                & $say "$($p.name): $rel removed (not planned)"
            } else { continue }
            $bump = $bump -bor $script:BilluPartStep[$part]
        }
        $ad = Get-ADObject -Identity $dn -Properties versionNumber, gPCMachineExtensionNames, gPCUserExtensionNames
        $replace = @{}
        if ($bump -ne 0) {
            $version = [int]$ad.versionNumber + $bump
            $replace['versionNumber'] = $version
            $iniPath = "$folder/GPT.INI"
            # Latin-1 reads and writes every byte back as it was: only the Version line changes (GPMC writes it in ANSI).
            $latin1 = [Text.Encoding]::GetEncoding(28591)
            $ini = if (Test-Path -LiteralPath $iniPath) { [IO.File]::ReadAllText($iniPath, $latin1) } else { "[General]`r`n" }
            $ini = if ($ini -match '(?m)^Version=\d+') { $ini -replace '(?m)^Version=\d+', "Version=$version" } else { $ini.TrimEnd() + "`r`nVersion=$version`r`n" }
            [IO.File]::WriteAllText($iniPath, $ini, $latin1)
            & $say "$($p.name): version $($ad.versionNumber) -> $version"
        }
        foreach ($x in @(@('gPCMachineExtensionNames', $p.machineExtensions), @('gPCUserExtensionNames', $p.userExtensions))) {
            if ("$($ad.($x[0]))" -ne "$($x[1])" -and $x[1]) { $replace[$x[0]] = $x[1] }
        }
        if ($replace.Count -gt 0) {
            Set-ADObject -Identity $dn -Replace $replace
            if (-not $replace.ContainsKey('versionNumber')) { & $say "$($p.name): extension names set" }
        }

        # Security filtering.
        $want = @($p.applyTo | ForEach-Object { Resolve-BilluTrustee $_ $domain.DomainSID.Value })
        $perms = @(Get-GPPermission -Name $p.name -Domain $plan.domain -All)
        $applying = @($perms | Where-Object { "$($_.Permission)" -eq 'GpoApply' } | ForEach-Object { $_.Trustee.Name })
        foreach ($t in $want) {
            if ($applying -contains $t) { continue }
            Set-GPPermission -Name $p.name -Domain $plan.domain -TargetName $t -TargetType Group -PermissionLevel GpoApply | Out-Null
            & $say "$($p.name): Apply Group Policy for $t"
        }
        foreach ($t in $applying) {
            if ($want -contains $t) { continue }
            Set-GPPermission -Name $p.name -Domain $plan.domain -TargetName $t -TargetType Group -PermissionLevel GpoRead -Replace | Out-Null
            & $say "$($p.name): $t keeps Read, no longer Apply Group Policy"
        }
    }

    # Links: the planned GPOs hold orders 1..n on each planned OU.
    $managed = @($plan.gpos | ForEach-Object { $_.name })
    foreach ($l in $plan.links) {
        $current = @((Get-GPInheritance -Target $l.dn -Domain $plan.domain).GpoLinks)
        $planned = @($l.gpos | ForEach-Object { $_.name })
        foreach ($c in $current) {
            if ($managed -contains $c.DisplayName -and $planned -notcontains $c.DisplayName) {
                Remove-GPLink -Name $c.DisplayName -Target $l.dn -Domain $plan.domain | Out-Null
                & $say "links of $($l.dn): $($c.DisplayName) unlinked (not planned there)"
            }
        }
        $current = @($current | Where-Object { -not ($managed -contains $_.DisplayName -and $planned -notcontains $_.DisplayName) })
        for ($i = 0; $i -lt $l.gpos.Count; $i++) {
            $g = $l.gpos[$i]
            $order = $i + 1
            $enforced = if ($g.enforced) { 'Yes' } else { 'No' }
            $c = @($current | Where-Object { $_.DisplayName -eq $g.name })
            if ($c.Count -eq 0) {
                New-GPLink -Name $g.name -Target $l.dn -Domain $plan.domain -LinkEnabled Yes -Enforced $enforced -Order $order | Out-Null
                & $say "links of $($l.dn): $($g.name) linked at order $order$(if ($g.enforced) { ', enforced' })"
            } elseif ($c[0].Order -ne $order -or [bool]$c[0].Enforced -ne [bool]$g.enforced -or -not $c[0].Enabled) {
                Set-GPLink -Name $g.name -Target $l.dn -Domain $plan.domain -LinkEnabled Yes -Enforced $enforced -Order $order | Out-Null
                & $say "links of $($l.dn): $($g.name) at order $order$(if ($g.enforced) { ', enforced' })"
            } else { continue }
            # Orders below move: read them again before the next link.
            $current = @((Get-GPInheritance -Target $l.dn -Domain $plan.domain).GpoLinks)
        }
    }

    foreach ($f in $plan.sysvolFiles) {
        $path = "$SysvolRoot/$($f.path)"
        $bytes = [Convert]::FromBase64String($f.base64)
        if (Test-BilluSameBytes (Read-BilluBytes $path) $bytes) { continue }
        Write-BilluBytes $path $bytes
        & $say "SYSVOL file $($f.path)"
    }
    if ($plan.laps) { Invoke-BilluLapsSetup -Laps $plan.laps -NetbiosName $domain.NetBIOSName -Say $say }
    if ($script:BilluGpoChanges -eq 0) { Write-Output "gpo: nothing to change ($(@($plan.gpos).Count) GPOs as planned)" }
}

# --- Windows LAPS' one-time domain setup ------------------------------------------------------------------------
# The manifest's `laps` (model/gpo.ts: the OUs a windowsLaps GPO is linked on, and its readers groups), done once:
# only what is missing is done, so a second run changes nothing and a removed permission is put back.
# - the schema: Update-LapsADSchema when msLAPS-EncryptedPassword is not in it (needs Schema Admins; once a forest);
# - on each OU: Set-LapsADComputerSelfPermission when SELF (S-1-5-10) may not write msLAPS-EncryptedPassword there
#   (an inherited permission counts): the computers below write their own password;
# - Set-LapsADReadPasswordPermission for each readers group Find-LapsADExtendedRights does not list there, by its
#   domain-qualified name (the cmdlet requires it). A reader granted by hand is not removed.
# https://learn.microsoft.com/windows-server/identity/laps/laps-scenarios-windows-server-active-directory
function Get-BilluLapsAttribute([string]$SchemaNc) {
    Get-ADObject -SearchBase $SchemaNc -LDAPFilter '(lDAPDisplayName=msLAPS-EncryptedPassword)' -Properties schemaIDGUID
}

function Invoke-BilluLapsSetup {
    param([Parameter(Mandatory = $true)]$Laps, [Parameter(Mandatory = $true)][string]$NetbiosName, [Parameter(Mandatory = $true)][scriptblock]$Say)
    Import-Module LAPS
    $schemaNc = (Get-ADRootDSE).schemaNamingContext
    $attr = Get-BilluLapsAttribute $schemaNc
    if (-not $attr) {
        Update-LapsADSchema -Confirm:$false
        & $Say 'LAPS: schema extended (Update-LapsADSchema)'
        $attr = Get-BilluLapsAttribute $schemaNc
        if (-not $attr) { throw 'gpo: LAPS: msLAPS-EncryptedPassword is still not in the schema after Update-LapsADSchema: run the step as a member of Schema Admins' }
    }
    $guid = [guid]::new([byte[]]$attr.schemaIDGUID)
    foreach ($ou in $Laps.ous) {
        $rules = @((Get-Acl -Path "AD:$ou").GetAccessRules($true, $true, [System.Security.Principal.SecurityIdentifier]))
        $self = @($rules | Where-Object {
                "$($_.IdentityReference)" -eq 'S-1-5-10' -and "$($_.AccessControlType)" -eq 'Allow' -and [guid]$_.ObjectType -eq $guid -and "$($_.ActiveDirectoryRights)" -match 'WriteProperty'
            })
        if ($self.Count -eq 0) {
            Set-LapsADComputerSelfPermission -Identity $ou | Out-Null
            & $Say "LAPS: ${ou}: the computers may write their own password"
        }
        $holders = @(@(Find-LapsADExtendedRights -Identity $ou) | ForEach-Object { $_.ExtendedRightHolders } | ForEach-Object { "$_" })
        foreach ($r in $Laps.readers) {
            $q = "$NetbiosName\$r"
            if ($holders -contains $q) { continue }
            Set-LapsADReadPasswordPermission -Identity $ou -AllowedPrincipals $q | Out-Null
            & $Say "LAPS: ${ou}: $q may read the passwords"
        }
    }
}
