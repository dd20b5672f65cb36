# Apply-Gpo.ps1 (the Windows Group Policy applier, scripts/gpo) against a domain's Group Policy in memory, with what
# the model renders (__tests__/powershell/pester.test.ts writes them):
#   BILLU_GPO_MANIFEST  prod's gpos.json (renderGpoManifest: the data the Samba step reads too)
#   BILLU_GPO_MODEL     prod's plan as the expectations: each GPO's registry values, security template and drive
#                       maps (bytes rendered from the model), principals, links per OU in order; the wallpaper's bytes
# Mocked: Import-Module, Get-ADDomain, Get-/Set-ADObject (the GPO's versionNumber and extension names), GroupPolicy's
# Get-GPO, New-GPO, Set-/Remove-GPRegistryValue (they write the GPO's Registry.pol and bump its version, as GPMC does),
# Get-/Set-GPPermission, Get-GPInheritance, New-/Set-/Remove-GPLink; the script's Resolve-BilluTrustee (SID
# translation is Windows-only) answers with a French DC's name for Authenticated Users. SYSVOL is a folder in TestDrive.

BeforeAll {
    . (Join-Path $PSScriptRoot 'stubs.ps1')
    . (Join-Path $PSScriptRoot '../../../scripts/gpo/Apply-Gpo.ps1')
    $script:Model = [IO.File]::ReadAllText($env:BILLU_GPO_MODEL, [Text.Encoding]::UTF8) | ConvertFrom-Json
    $script:Writes = 'New-GPO', 'Set-GPRegistryValue', 'Remove-GPRegistryValue', 'Set-ADObject', 'Set-GPPermission', 'New-GPLink', 'Set-GPLink', 'Remove-GPLink'
    $script:AuthUsers = 'Utilisateurs authentifiés'
    $script:Policies = 'CN=Policies,CN=System,DC=billu,DC=remindme,DC=lan'
    $script:TypeCodes = @{ String = 1; ExpandString = 2; Binary = 3; DWord = 4; MultiString = 7; QWord = 11 }

    # A Registry.pol as GPMC writes it, from the fake's entries (Key, ValueName, Type code, Data bytes).
    function ConvertTo-TestPreg($Entries) {
        $u = { param([string]$s) [Text.Encoding]::Unicode.GetBytes($s) }
        $out = [System.Collections.Generic.List[byte]]::new()
        $out.AddRange([byte[]](0x50, 0x52, 0x65, 0x67, 1, 0, 0, 0))
        foreach ($e in $Entries) {
            $out.AddRange([byte[]](& $u "[$($e.Key)`0;$($e.ValueName)`0;"))
            $out.AddRange([BitConverter]::GetBytes([uint32]$e.Type)); $out.AddRange([byte[]](& $u ';'))
            $out.AddRange([BitConverter]::GetBytes([uint32]$e.Data.Length)); $out.AddRange([byte[]](& $u ';'))
            $out.AddRange([byte[]]$e.Data); $out.AddRange([byte[]](& $u ']'))
        }
        return , $out.ToArray()
    }
    function ConvertTo-TestData([string]$Type, $Value) {
        switch ($Type) {
            'DWord' { return , [BitConverter]::GetBytes([int]$Value) }
            'QWord' { return , [BitConverter]::GetBytes([long]$Value) }
            'Binary' { return , [byte[]]$Value }
            'MultiString' { return , [Text.Encoding]::Unicode.GetBytes((@($Value) -join "`0") + "`0`0") }
            default { return , [Text.Encoding]::Unicode.GetBytes("$Value`0") }
        }
    }
    function Get-TestGpo([string]$Name) { $script:Gp.Gpos | Where-Object { $_.DisplayName -eq $Name } }
    function Get-TestFolder([string]$Name) { "$($script:Sysvol)/Policies/{$((Get-TestGpo $Name).Id.ToString().ToUpperInvariant())}" }
    function Get-TestDn([string]$Name) { "CN={$((Get-TestGpo $Name).Id.ToString().ToUpperInvariant())},$($script:Policies)" }
    function Get-TestPol([string]$Name, [string]$Sub) {
        $p = "$(Get-TestFolder $Name)/$Sub/Registry.pol"
        if (Test-Path -LiteralPath $p) { return (ConvertFrom-BilluPreg ([IO.File]::ReadAllBytes($p)) $p) }
    }
    function Set-TestPol([string]$Name, [string]$Sub, $Entries) {
        $p = "$(Get-TestFolder $Name)/$Sub/Registry.pol"
        $null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $p)
        [IO.File]::WriteAllBytes($p, (ConvertTo-TestPreg $Entries))
    }
    # GPMC's edit of a registry value: the part's Registry.pol rewritten, the part's version bumped (AD and GPT.INI).
    function Update-TestRegistry([string]$Name, [string]$Key, [string]$ValueName, $Entry) {
        $hive, $rest = $Key -split '\\', 2
        $sub = if ($hive -eq 'HKLM') { 'Machine' } else { 'User' }
        $entries = [System.Collections.Generic.List[object]]::new()
        foreach ($e in (Get-TestPol $Name $sub)) { if (-not ($e.Key -eq $rest -and $e.ValueName -eq $ValueName)) { $entries.Add($e) } }
        if ($Entry) { $entries.Add([pscustomobject]@{ Key = $rest; ValueName = $ValueName; Type = $Entry.Type; Data = $Entry.Data }) }
        Set-TestPol $Name $sub $entries
        $ad = $script:Gp.Ad[(Get-TestDn $Name)]
        $ad.versionNumber += $(if ($sub -eq 'Machine') { 1 } else { 65536 })
        [IO.File]::WriteAllText("$(Get-TestFolder $Name)/GPT.INI", "[General]`r`nVersion=$($ad.versionNumber)`r`n")
    }
    function Get-TestLinks([string]$Dn) {
        if (-not $script:Gp.Links.ContainsKey($Dn)) { $script:Gp.Links[$Dn] = [System.Collections.Generic.List[object]]::new() }
        return , $script:Gp.Links[$Dn]
    }
    function Invoke-Applier { @(Invoke-BilluGpo -ManifestPath $env:BILLU_GPO_MANIFEST -SysvolRoot $script:Sysvol) }
    # What the domain holds, as the model states it: one line per difference.
    function Compare-GpToModel {
        $diff = [System.Collections.Generic.List[string]]::new()
        foreach ($g in $script:Model.gpos) {
            $gpo = @(Get-TestGpo $g.name)
            if ($gpo.Count -ne 1) { $diff.Add("$($g.name): $($gpo.Count) GPO(s)"); continue }
            foreach ($part in 'machine', 'user') {
                $sub = if ($part -eq 'machine') { 'Machine' } else { 'User' }
                $have = @(Get-TestPol $g.name $sub | ForEach-Object { "$($_.Key)|$($_.ValueName)|$($_.Type)|$([Convert]::ToBase64String($_.Data))" } | Sort-Object)
                $want = @($g.registry.$part | ForEach-Object { "$($_.key)|$($_.valueName)|$($_.type)|$($_.data)" } | Sort-Object)
                if (($have -join "`n") -ne ($want -join "`n")) { $diff.Add("$($g.name) $sub/Registry.pol: $($have -join '; ') <> $($want -join '; ')") }
            }
            foreach ($f in $g.files) {
                $p = "$(Get-TestFolder $g.name)/$($f.path)"
                $have = if (Test-Path -LiteralPath $p) { [Convert]::ToBase64String([IO.File]::ReadAllBytes($p)) } else { '(absent)' }
                if ($have -ne $f.base64) { $diff.Add("$($g.name) $($f.path) differs") }
            }
            $ad = $script:Gp.Ad[(Get-TestDn $g.name)]
            $ini = [IO.File]::ReadAllText("$(Get-TestFolder $g.name)/GPT.INI")
            if ($ini -notmatch "(?m)^Version=$($ad.versionNumber)\r?$") { $diff.Add("$($g.name): GPT.INI $ini, versionNumber $($ad.versionNumber)") }
            if (($ad.versionNumber -band 0xFFFF) -gt 0 -ne [bool]$g.machine -or ($ad.versionNumber -shr 16) -gt 0 -ne [bool]$g.user) {
                $diff.Add("$($g.name): version $($ad.versionNumber), parts with settings: machine $($g.machine), user $($g.user)")
            }
            if ("$($ad.gPCMachineExtensionNames)" -ne "$($g.machineExtensions)" -or "$($ad.gPCUserExtensionNames)" -ne "$($g.userExtensions)") { $diff.Add("$($g.name): extension names") }
            $perms = $script:Gp.Perms[$g.name]
            $apply = @($perms.Keys | Where-Object { $perms[$_] -eq 'GpoApply' } | Sort-Object)
            $want = @($g.applyTo | ForEach-Object { if ($_ -eq 'Authenticated Users') { $script:AuthUsers } else { $_ } } | Sort-Object)
            if (($apply -join ',') -ne ($want -join ',')) { $diff.Add("$($g.name): Apply for $($apply -join ','), the model $($want -join ',')") }
            if ($perms[$script:AuthUsers] -notin 'GpoRead', 'GpoApply') { $diff.Add("$($g.name): Authenticated Users cannot read it") }
        }
        foreach ($l in $script:Model.links) {
            $have = @((Get-TestLinks $l.dn) | Select-Object -First @($l.gpos).Count | ForEach-Object { "$($_.DisplayName)|$($_.Enforced)|$($_.Enabled)" })
            $want = @($l.gpos | ForEach-Object { "$($_.name)|$([bool]$_.enforced)|True" })
            if (($have -join "`n") -ne ($want -join "`n")) { $diff.Add("links of $($l.dn): $($have -join '; ') <> $($want -join '; ')") }
        }
        $wp = "$($script:Sysvol)/$($script:Model.sysvolFile.path)"
        if (-not (Test-Path $wp) -or [Convert]::ToBase64String([IO.File]::ReadAllBytes($wp)) -ne $script:Model.sysvolFile.base64) { $diff.Add('the wallpaper is not in SYSVOL') }
        return $diff.ToArray()
    }
}

Describe 'Apply-Gpo.ps1 on prod''s Windows DCs: a new domain, a re-run, drift' {
    BeforeAll {
        $script:Sysvol = Join-Path $TestDrive 'sysvol'
        $null = New-Item -ItemType Directory -Force -Path "$($script:Sysvol)/Policies"
        $ddp = [guid]'31b2f340-016d-11d2-945f-00c04fb984f9'
        $script:Gp = @{
            Gpos  = [System.Collections.Generic.List[object]]::new()
            Perms = @{}
            Links = @{}
            Ad    = @{}
        }
        # A new domain: the Default Domain Policy, linked on the domain root (a link this plan does not manage).
        $script:Gp.Gpos.Add([pscustomobject]@{ DisplayName = 'Default Domain Policy'; Id = $ddp })
        (Get-TestLinks 'DC=billu,DC=remindme,DC=lan').Add([pscustomobject]@{ DisplayName = 'Default Domain Policy'; Enforced = $false; Enabled = $true })

        Mock Import-Module {}
        Mock Get-ADDomain { [pscustomobject]@{ DistinguishedName = 'DC=billu,DC=remindme,DC=lan'; NetBIOSName = 'BILLU'; DomainSID = [pscustomobject]@{ Value = 'S-1-5-21-1-2-3' } } }
        # Its own logic is Laps.Tests.ps1's; here, whether and with what Invoke-BilluGpo calls it.
        Mock Invoke-BilluLapsSetup {}
        Mock Resolve-BilluTrustee { if ($Principal -eq 'Authenticated Users') { $script:AuthUsers } else { $Principal } }
        Mock Get-GPO { $script:Gp.Gpos.ToArray() }
        Mock New-GPO {
            $g = [pscustomobject]@{ DisplayName = $Name; Id = [guid]::NewGuid() }
            $script:Gp.Gpos.Add($g)
            $script:Gp.Perms[$Name] = [ordered]@{ $script:AuthUsers = 'GpoApply'; 'Domain Admins' = 'GpoEditDeleteModifySecurity' }
            $script:Gp.Ad[(Get-TestDn $Name)] = @{ versionNumber = 0; gPCMachineExtensionNames = $null; gPCUserExtensionNames = $null }
            $null = New-Item -ItemType Directory -Force -Path "$(Get-TestFolder $Name)/Machine", "$(Get-TestFolder $Name)/User"
            [IO.File]::WriteAllText("$(Get-TestFolder $Name)/GPT.INI", "[General]`r`nVersion=0`r`n")
            $g
        }
        Mock Set-GPRegistryValue { Update-TestRegistry $Name $Key $ValueName ([pscustomobject]@{ Type = $script:TypeCodes[$Type]; Data = (ConvertTo-TestData $Type $Value) }) }
        Mock Remove-GPRegistryValue { Update-TestRegistry $Name $Key $ValueName $null }
        Mock Get-ADObject { [pscustomobject]$script:Gp.Ad[$Identity] }
        Mock Set-ADObject { foreach ($k in $Replace.Keys) { $script:Gp.Ad[$Identity][$k] = $Replace[$k] } }
        Mock Get-GPPermission {
            $perms = $script:Gp.Perms[$Name]
            foreach ($t in $perms.Keys) { [pscustomobject]@{ Trustee = [pscustomobject]@{ Name = $t }; Permission = $perms[$t] } }
        }
        Mock Set-GPPermission {
            $cur = $script:Gp.Perms[$Name][$TargetName]
            # Without -Replace the cmdlet only ever grants more.
            if ($Replace -or $cur -ne 'GpoApply') { $script:Gp.Perms[$Name][$TargetName] = "$PermissionLevel" }
        }
        Mock Get-GPInheritance {
            $links = Get-TestLinks $Target
            [pscustomobject]@{ GpoLinks = @(for ($i = 0; $i -lt $links.Count; $i++) { $l = $links[$i]; [pscustomobject]@{ DisplayName = $l.DisplayName; Enforced = $l.Enforced; Enabled = $l.Enabled; Order = $i + 1 } }) }
        }
        Mock New-GPLink { (Get-TestLinks $Target).Insert($Order - 1, [pscustomobject]@{ DisplayName = $Name; Enforced = "$Enforced" -eq 'Yes'; Enabled = "$LinkEnabled" -eq 'Yes' }) }
        Mock Set-GPLink {
            $links = Get-TestLinks $Target
            $l = @($links | Where-Object { $_.DisplayName -eq $Name })[0]
            $null = $links.Remove($l)
            $links.Insert($Order - 1, [pscustomobject]@{ DisplayName = $Name; Enforced = "$Enforced" -eq 'Yes'; Enabled = "$LinkEnabled" -eq 'Yes' })
        }
        Mock Remove-GPLink { $links = Get-TestLinks $Target; $null = $links.Remove(@($links | Where-Object { $_.DisplayName -eq $Name })[0]) }
    }

    It 'a new domain: creates the ten GPOs once, with every planned value, file, version, filter and link, and the wallpaper' {
        $out = Invoke-Applier
        Should -Invoke Invoke-BilluLapsSetup -Times 0 -Exactly -Because "prod's plan has no windowsLaps GPO"
        Should -Invoke New-GPO -Times @($script:Model.gpos).Count -Exactly
        $values = @($script:Model.gpos | ForEach-Object { @($_.registry.machine) + @($_.registry.user) } | Where-Object { $_ })
        Should -Invoke Set-GPRegistryValue -Times $values.Count -Exactly
        Should -Invoke Remove-GPRegistryValue -Times 0 -Exactly
        # One value as the model states it, through the cmdlet's own parameters.
        $lock = $script:Model.gpos | Where-Object { $_.name -eq 'BillU - Verrouillage de session' }
        $t = @($lock.registry.user | Where-Object { $_.valueName -eq 'ScreenSaveTimeOut' })[0]
        Should -Invoke Set-GPRegistryValue -Times 1 -Exactly -ParameterFilter {
            $Name -eq $lock.name -and $Key -eq "HKCU\$($t.key)" -and $ValueName -eq 'ScreenSaveTimeOut' -and $Type -eq 'String' -and $Value -eq $t.text
        }
        @(Compare-GpToModel) -join "`n" | Should -Be ''
        # The domain root: ours first, in order, enforced; the Default Domain Policy kept after them.
        @((Get-TestLinks 'DC=billu,DC=remindme,DC=lan') | ForEach-Object { $_.DisplayName }) |
            Should -Be @(@($script:Model.links | Where-Object { $_.dn -eq 'DC=billu,DC=remindme,DC=lan' })[0].gpos.name + 'Default Domain Policy')
        $out | Should -Contain "gpo: SYSVOL file $($script:Model.sysvolFile.path)"
    }

    It 'a second run: no write, no version bumped, and it says so' {
        $versions = @($script:Gp.Ad.Values | ForEach-Object { $_.versionNumber })
        $out = Invoke-Applier
        foreach ($c in $script:Writes) { Should -Invoke $c -Times 0 -Exactly -Because "$c writes" }
        @($script:Gp.Ad.Values | ForEach-Object { $_.versionNumber }) | Should -Be $versions
        $out | Should -Be @("gpo: nothing to change ($(@($script:Model.gpos).Count) GPOs as planned)")
    }

    It 'drift (a value changed, a value added, GptTmpl.inf edited, Apply given back, two links swapped): repairs exactly that' {
        $lock = 'BillU - Verrouillage de session'
        $smb = 'BillU - Durcissement SMB et NTLM'
        $pol = @(Get-TestPol $lock 'User')
        $pol[0].Data = [Text.Encoding]::Unicode.GetBytes("9`0")
        Set-TestPol $lock 'User' (@($pol) + [pscustomobject]@{ Key = 'Software\Stray'; ValueName = 'Extra'; Type = 4; Data = [BitConverter]::GetBytes(1) })
        [IO.File]::WriteAllText("$(Get-TestFolder $smb)/Machine/Microsoft/Windows NT/SecEdit/GptTmpl.inf", 'edited by hand')
        $script:Gp.Perms[$lock][$script:AuthUsers] = 'GpoApply'
        $root = Get-TestLinks 'DC=billu,DC=remindme,DC=lan'
        $first = $root[0]; $root.RemoveAt(0); $root.Insert(1, $first)
        $before = @{}
        foreach ($g in $script:Model.gpos) { $before[$g.name] = $script:Gp.Ad[(Get-TestDn $g.name)].versionNumber }

        $out = Invoke-Applier
        Should -Invoke Set-GPRegistryValue -Times 1 -Exactly -ParameterFilter { $Name -eq $lock -and $ValueName -eq $pol[0].ValueName }
        Should -Invoke Remove-GPRegistryValue -Times 1 -Exactly -ParameterFilter { $Name -eq $lock -and $Key -eq 'HKCU\Software\Stray' -and $ValueName -eq 'Extra' }
        Should -Invoke Set-GPPermission -Times 1 -Exactly
        Should -Invoke Set-GPPermission -Times 1 -Exactly -ParameterFilter { $Name -eq $lock -and $TargetName -eq $script:AuthUsers -and $PermissionLevel -eq 'GpoRead' -and $Replace }
        Should -Invoke Set-GPLink -Times 1 -Exactly -ParameterFilter { $Order -eq 1 -and $Enforced -eq 'Yes' }
        Should -Invoke New-GPO -Times 0 -Exactly
        Should -Invoke New-GPLink -Times 0 -Exactly
        @(Compare-GpToModel) -join "`n" | Should -Be ''
        foreach ($g in $script:Model.gpos) {
            $delta = $script:Gp.Ad[(Get-TestDn $g.name)].versionNumber - $before[$g.name]
            # GPMC's two edits of the user part (+65536 each), the step's rewrite of the machine part's template (+1).
            $expected = if ($g.name -eq $lock) { 2 * 65536 } elseif ($g.name -eq $smb) { 1 } else { 0 }
            $delta | Should -Be $expected -Because "$($g.name)'s version"
        }
        $out | Should -Contain "gpo: $smb`: Machine/Microsoft/Windows NT/SecEdit/GptTmpl.inf written"
    }

    It 'with a windowsLaps GPO added: after the GPOs, the LAPS domain setup with the manifest''s OUs and readers and the domain''s NetBIOS name' {
        $script:WantLaps = [IO.File]::ReadAllText($env:BILLU_LAPS_MODEL, [Text.Encoding]::UTF8) | ConvertFrom-Json
        $out = @(Invoke-BilluGpo -ManifestPath $env:BILLU_LAPS_MANIFEST -SysvolRoot $script:Sysvol)
        Should -Invoke Invoke-BilluLapsSetup -Times 1 -Exactly
        @($out | Where-Object { $_ -like 'gpo: created BillU - LAPS {*}' }).Count | Should -Be 1
        Should -Invoke Invoke-BilluLapsSetup -Times 1 -Exactly -ParameterFilter {
            ($Laps.ous -join ';') -eq ($script:WantLaps.ous -join ';') -and ($Laps.readers -join ';') -eq ($script:WantLaps.readers -join ';') -and $NetbiosName -eq $script:WantLaps.netbiosName
        }
    }

    It 'two GPOs of one display name: stops before any write, saying how to fix it' {
        $script:Gp.Gpos.Add([pscustomobject]@{ DisplayName = 'BillU - Fond ecran'; Id = [guid]::NewGuid() })
        { Invoke-Applier } | Should -Throw 'gpo: 2 GPOs are named "BillU - Fond ecran": rename or delete all but one, the step finds GPOs by display name (nothing written)'
        foreach ($c in $script:Writes) { Should -Invoke $c -Times 0 -Exactly -Because "$c writes" }
    }
}

Describe 'Registry.pol as the applier reads it' {
    It 'refuses a file without the PReg header, and one cut inside an instruction, naming it' {
        { ConvertFrom-BilluPreg ([byte[]](1, 2, 3, 4, 5, 6, 7, 8)) 'x.pol' } | Should -Throw 'gpo: x.pol is not a Registry.pol (no PReg version 1 header)'
        $cut = ConvertTo-TestPreg @([pscustomobject]@{ Key = 'Software\A'; ValueName = 'B'; Type = 4; Data = [BitConverter]::GetBytes(1) })
        { ConvertFrom-BilluPreg $cut[0..($cut.Length - 3)] 'y.pol' } | Should -Throw "gpo: y.pol is not a valid Registry.pol: ']' expected at byte $($cut.Length - 2)"
    }
}
