# The Windows file server's shares.ps1 (components/fileserver/render.ts, renderSharesPs1, rendered for dev with
# PAR-FS01 on Windows: $env:BILLU_FS_SHARES) run as rendered against folders, NTFS ACLs and SMB shares in memory;
# the shares, their paths and groups it must realise come from the plan ($env:BILLU_FS_MODEL).
# Mocked: SmbShare's Get-SmbShare, New-SmbShare, Set-SmbShare, Get-SmbShareAccess, Grant-SmbShareAccess,
# Revoke-SmbShareAccess; Get-Acl and Set-Acl (Windows-only in PowerShell 7); New-Object for the two
# System.Security.AccessControl types (their constructors throw off Windows) and NTAccount (its Translate asks the
# domain); Test-Path, New-Item and Get-ChildItem on the data volume. The home share (dev's home$, $Plan.home) is built
# too: its root, one folder per enabled person.
# A second block runs shares.ps1 rendered for prod with PAR-FS01 on Windows ($env:BILLU_FS_TRUST_SHARES): the trust
# grant's share, its group's rights from the plan ($env:BILLU_FS_TRUST_MODEL: ReadAndExecute and Read for access read).

BeforeAll {
    . (Join-Path $PSScriptRoot 'stubs.ps1')
    $ErrorActionPreference = 'Stop'
    $script:Plan = [IO.File]::ReadAllText($env:BILLU_FS_MODEL, [Text.Encoding]::UTF8) | ConvertFrom-Json
    $script:Volume = "$($Plan.letter):\"
    $script:Writes = @('New-Item', 'Set-Acl', 'New-SmbShare', 'Set-SmbShare', 'Grant-SmbShareAccess', 'Revoke-SmbShareAccess')

    # A folder's DACL as NTFS keeps it: protected or inheriting, and its allow rules in order ("id:rights:inheritance").
    # The text form is a stand-in for the SDDL string, equal exactly when protection and rules are.
    # (Its methods are declared once for the type name: Add-Member on every new object would cost seconds.)
    $fakeAcl = 'Billu.FakeDirectorySecurity'
    Update-TypeData -Force -TypeName $fakeAcl -MemberType ScriptMethod -MemberName SetAccessRuleProtection -Value {
        param($isProtected, $preserve) $this.Protected = $isProtected; if (-not $preserve) { $this.Rules.Clear() }
    }
    Update-TypeData -Force -TypeName $fakeAcl -MemberType ScriptMethod -MemberName AddAccessRule -Value {
        param($rule) $this.Rules.Add("$($rule.Id):$($rule.Rights):$($rule.Inheritance):$($rule.Propagation):$($rule.Type)")
    }
    Update-TypeData -Force -TypeName $fakeAcl -MemberType ScriptMethod -MemberName GetSecurityDescriptorSddlForm -Value {
        param($sections) if ($sections -ne 'Access') { throw "sections $sections" }
        'D:' + $(if ($this.Protected) { 'P' } else { '' }) + (@($this.Rules | ForEach-Object { "($_)" }) -join '')
    }
    function New-FakeAcl([bool]$Protected, [string[]]$Rules) {
        $acl = [pscustomobject]@{ PSTypeName = 'Billu.FakeDirectorySecurity'; Protected = $Protected; Rules = [System.Collections.Generic.List[string]]::new() }
        foreach ($r in $Rules) { $acl.Rules.Add($r) }
        $acl
    }
    function Rule([string]$Id, [string]$Rights) { "${Id}:${Rights}:ContainerInherit,ObjectInherit:None:Allow" }
    # What the plan wants on a share's folder: no inheritance, SYSTEM and the admins Full control, its groups Modify.
    function Get-WantedAcl($Share) {
        (New-FakeAcl $true (@((Rule 'NT AUTHORITY\SYSTEM' 'FullControl'), (Rule $Plan.admins 'FullControl')) + @($Share.groups | ForEach-Object { Rule $_ 'Modify' }))).GetSecurityDescriptorSddlForm('Access')
    }
    # The home share's root: the admins' and SYSTEM's, the staff group may traverse it (this folder only), nothing more.
    function Get-WantedHomeRootAcl {
        (New-FakeAcl $true @((Rule 'NT AUTHORITY\SYSTEM' 'FullControl'), (Rule $Plan.admins 'FullControl'), "$($Plan.home.group):Traverse:None:None:Allow")).GetSecurityDescriptorSddlForm('Access')
    }
    # A person's folder: SYSTEM, the admins and that account (Modify), nobody else.
    function Get-WantedHomeAcl([string]$Sam) {
        (New-FakeAcl $true @((Rule 'NT AUTHORITY\SYSTEM' 'FullControl'), (Rule $Plan.admins 'FullControl'), (Rule "$($Plan.home.domain)\$Sam" 'Modify'))).GetSecurityDescriptorSddlForm('Access')
    }
    function Get-WantedAccess($Share) { @(@("$($Plan.admins)=Full") + @($Share.groups | ForEach-Object { "$_=Change" }) | Sort-Object) -join ';' }
    function Get-Access([string]$Name) { @($script:Fs.Shares[$Name].Access | ForEach-Object { "$($_.AccountName)=$($_.AccessRight)" } | Sort-Object) -join ';' }

    # The data volume just formatted: no folder (a new one inherits the volume's ACL), no share.
    $script:Fs = @{ Dirs = @{}; Shares = @{} }
    function Use-FakeFileServer {
        Mock New-Object -ParameterFilter { $TypeName -eq 'System.Security.AccessControl.DirectorySecurity' } { New-FakeAcl $false @() }
        Mock New-Object -ParameterFilter { $TypeName -eq 'System.Security.AccessControl.FileSystemAccessRule' } {
            $id, $rights, $inheritance, $propagation, $type = $ArgumentList
            [pscustomobject]@{ Id = $id; Rights = $rights; Inheritance = $inheritance; Propagation = $propagation; Type = $type }
        }
        # Test-Path's -LiteralPath and New-Item's -Path are string arrays: one path each here.
        Mock Test-Path -ParameterFilter { "$LiteralPath" -like "$Volume*" } { $script:Fs.Dirs.ContainsKey("$LiteralPath") }
        Mock New-Item -ParameterFilter { "$Path" -like "$Volume*" } {
            if ($ItemType -ne 'Directory' -or $script:Fs.Dirs.ContainsKey("$Path")) { throw "New-Item $ItemType $Path" }
            $script:Fs.Dirs["$Path"] = New-FakeAcl $false @((Rule 'BUILTIN\Administrators' 'FullControl'), (Rule 'BUILTIN\Users' 'ReadAndExecute'))
        }
        # The folders directly below the home share's root.
        Mock Get-ChildItem -ParameterFilter { "$LiteralPath" -eq $Plan.home.path } {
            @($script:Fs.Dirs.Keys | Where-Object { $_ -like "$($Plan.home.path)\*" -and $_.Substring($Plan.home.path.Length + 1) -notmatch '\\' } |
                ForEach-Object { [pscustomobject]@{ Name = $_.Substring($Plan.home.path.Length + 1); FullName = $_; PSIsContainer = $true } })
        }
        Mock Get-Acl { if (-not $script:Fs.Dirs.ContainsKey($LiteralPath)) { throw "no folder $LiteralPath" }; $script:Fs.Dirs[$LiteralPath] }
        Mock Set-Acl { if (-not $script:Fs.Dirs.ContainsKey($LiteralPath)) { throw "no folder $LiteralPath" }; $script:Fs.Dirs[$LiteralPath] = $AclObject }
        Mock Get-SmbShare { $script:Fs.Shares[$Name] }
        Mock New-SmbShare {
            if ($script:Fs.Shares.ContainsKey($Name)) { throw "share $Name exists" }
            $access = [System.Collections.Generic.List[object]]::new()
            foreach ($a in $FullAccess) { $access.Add([pscustomobject]@{ AccountName = $a; AccessRight = 'Full' }) }
            foreach ($a in $ChangeAccess) { $access.Add([pscustomobject]@{ AccountName = $a; AccessRight = 'Change' }) }
            foreach ($a in $ReadAccess) { $access.Add([pscustomobject]@{ AccountName = $a; AccessRight = 'Read' }) }
            $script:Fs.Shares[$Name] = [pscustomobject]@{ Name = $Name; Path = $Path; Description = $Description; FolderEnumerationMode = $FolderEnumerationMode; EncryptData = $EncryptData; Access = $access }
        }
        Mock Set-SmbShare { $script:Fs.Shares[$Name].FolderEnumerationMode = $FolderEnumerationMode }
        Mock Get-SmbShareAccess { @($script:Fs.Shares[$Name].Access) }
        Mock Revoke-SmbShareAccess { $a = $script:Fs.Shares[$Name].Access; @($a | Where-Object AccountName -eq $AccountName) | ForEach-Object { $null = $a.Remove($_) } }
        Mock Grant-SmbShareAccess { $script:Fs.Shares[$Name].Access.Add([pscustomobject]@{ AccountName = $AccountName; AccessRight = $AccessRight }) }
    }
    # NTAccount.Translate: the domain's groups resolve to a SID, any other name throws as Windows does.
    $script:Known = @{}
    Mock New-Object -ParameterFilter { $TypeName -eq 'System.Security.Principal.NTAccount' } {
        $o = [pscustomobject]@{ Value = "$($ArgumentList[0])" }
        $o | Add-Member -MemberType ScriptMethod -Name Translate -Value {
            param($type) if (-not $script:Known.ContainsKey($this.Value)) { throw [System.Security.Principal.IdentityNotMappedException]::new("Some or all identity references could not be translated.") }; $script:Known[$this.Value]
        }
        $o
    }
    # Runs shares.ps1 once, dot-sourced into this function (a script's own script: scope would hide the fakes): its output.
    # ($SharesPs1: dev's shares.ps1, or the one with five home folders in the drift block.)
    $script:SharesPs1 = $env:BILLU_FS_SHARES
    function Invoke-Shares { @(. $script:SharesPs1) }
    function Assert-NothingWritten { foreach ($c in $script:Writes) { Should -Invoke $c -Times 0 -Exactly -Because "$c writes" } }
}

Describe 'the Windows file server''s shares.ps1 (dev, PAR-FS01 on Windows): folders, NTFS ACLs, SMB shares' {
    # The mocks once for the block: Should -Invoke in an It counts that It's calls only (Pester 5), and installing
    # them again before every It cost ~0.15 s of CPU each.
    BeforeAll { Use-FakeFileServer }

    It 'on the new volume: creates every share''s folder, its ACL and its share with the plan''s groups' {
        $out = Invoke-Shares
        $h = $Plan.home
        $out | Should -Be (@($Plan.shares | ForEach-Object { "created $($_.path)"; "ACL set on $($_.path)"; "share $($_.name) created" }) +
            @("created $($h.path)", "ACL set on $($h.path)") + @($h.users | ForEach-Object { "created $($h.path)\$_"; "ACL set on $($h.path)\$_" }) + @("share $($h.name) created"))
        @($script:Fs.Dirs.Keys | Sort-Object) | Should -Be (@($Plan.shares.path) + @($h.path) + @($h.users | ForEach-Object { "$($h.path)\$_" }) | Sort-Object)
        @($script:Fs.Shares.Keys | Sort-Object) | Should -Be (@($Plan.shares.name) + @($h.name) | Sort-Object)
        $h.path | Should -Be "$($Volume)Shares\home"
        $script:Fs.Dirs[$h.path].GetSecurityDescriptorSddlForm('Access') | Should -Be (Get-WantedHomeRootAcl)
        foreach ($u in $h.users) { $script:Fs.Dirs["$($h.path)\$u"].GetSecurityDescriptorSddlForm('Access') | Should -Be (Get-WantedHomeAcl $u) }
        $hs = $script:Fs.Shares[$h.name]
        "$($hs.Path)|$($hs.FolderEnumerationMode)|$($hs.EncryptData)" | Should -Be "$($h.path)|AccessBased|True"
        Get-Access $h.name | Should -Be "$($Plan.admins)=Full;$($h.group)=Change"
        foreach ($s in $Plan.shares) {
            $s.path | Should -Be "$($Volume)Shares\$($s.name)"
            $script:Fs.Dirs[$s.path].GetSecurityDescriptorSddlForm('Access') | Should -Be (Get-WantedAcl $s)
            $share = $script:Fs.Shares[$s.name]
            "$($share.Path)|$($share.Description)|$($share.FolderEnumerationMode)|$($share.EncryptData)" | Should -Be "$($s.path)|$($s.comment)|AccessBased|True"
            Get-Access $s.name | Should -Be (Get-WantedAccess $s)
        }
        Should -Invoke Set-Acl -Times (@($Plan.shares).Count + 1 + @($h.users).Count) -Exactly
        Should -Invoke New-SmbShare -Times (@($Plan.shares).Count + 1) -Exactly
        foreach ($c in 'Set-SmbShare', 'Grant-SmbShareAccess', 'Revoke-SmbShareAccess') { Should -Invoke $c -Times 0 -Exactly }
    }
    It 'a second run writes nothing' {
        Invoke-Shares | Should -Be @()
        Assert-NothingWritten
    }
}

Describe 'the Windows file server''s shares.ps1 (dev with five home folders, PAR-FS01 on Windows): drift repaired, and only that' {
    # dev's plan with its home share narrowed to five people ($env:BILLU_FS_SHARES_FEW, $env:BILLU_FS_MODEL_FEW): each test
    # here asserts one folder's ACL, one arrival or one leaver, and a run over dev's 167 folders cost ~0.3 s of CPU.
    BeforeAll {
        $script:FullPlan = $script:Plan
        $script:Plan = [IO.File]::ReadAllText($env:BILLU_FS_MODEL_FEW, [Text.Encoding]::UTF8) | ConvertFrom-Json
        $script:SharesPs1 = $env:BILLU_FS_SHARES_FEW
        $script:Fs = @{ Dirs = @{}; Shares = @{} }
        Use-FakeFileServer
        # The new volume, set up as the block above checks it; its home share has exactly the five folders.
        $null = Invoke-Shares
        @($script:Fs.Dirs.Keys | Where-Object { $_ -like "$($Plan.home.path)\*" } | Sort-Object) | Should -Be @($Plan.home.users | ForEach-Object { "$($Plan.home.path)\$_" })
        @($Plan.home.users).Count | Should -Be 5
    }
    AfterAll {
        $script:Plan = $script:FullPlan
        $script:SharesPs1 = $env:BILLU_FS_SHARES
    }

    It 'repairs what drifted (a group added to a folder, a share''s access widened, access-based enumeration off), and only that' {
        $acl, $access, $abe = @($Plan.shares)[1, 2, 3]
        $script:Fs.Dirs[$acl.path].Rules.Add((Rule 'BILLU\GG_Personnel' 'Modify'))
        $script:Fs.Shares[$access.name].Access.Add([pscustomobject]@{ AccountName = 'Everyone'; AccessRight = 'Full' })
        $script:Fs.Shares[$abe.name].FolderEnumerationMode = 'Unrestricted'
        Invoke-Shares | Should -Be @(
            "ACL set on $($acl.path)",
            "share $($access.name): access reset to the plan",
            "share $($abe.name): access-based enumeration on"
        )
        foreach ($s in $Plan.shares) {
            $script:Fs.Dirs[$s.path].GetSecurityDescriptorSddlForm('Access') | Should -Be (Get-WantedAcl $s)
            Get-Access $s.name | Should -Be (Get-WantedAccess $s)
            $script:Fs.Shares[$s.name].FolderEnumerationMode | Should -Be 'AccessBased'
        }
        Should -Invoke Set-Acl -Times 1 -Exactly
        Should -Invoke Set-Acl -Times 1 -Exactly -ParameterFilter { $LiteralPath -eq $acl.path }
        Should -Invoke Revoke-SmbShareAccess -Times 0 -Exactly -ParameterFilter { $Name -ne $access.name }
        Should -Invoke Grant-SmbShareAccess -Times 0 -Exactly -ParameterFilter { $Name -ne $access.name }
        Should -Invoke Set-SmbShare -Times 1 -Exactly -ParameterFilter { $Name -eq $abe.name -and $FolderEnumerationMode -eq 'AccessBased' }
        foreach ($c in 'New-Item', 'New-SmbShare') { Should -Invoke $c -Times 0 -Exactly }
    }
    It 'after the repair, a run writes nothing' {
        Invoke-Shares | Should -Be @()
        Assert-NothingWritten
    }
    It 'the home share: a leaver''s folder kept and reported, an arrival''s folder made, a folder opened to others closed again; only those written' {
        $h = $Plan.home
        $users = @($h.users)
        $leaver = 'ancien.salarie'
        $users -contains $leaver | Should -BeFalse
        $script:Fs.Dirs["$($h.path)\$leaver"] = New-FakeAcl $true @((Rule $Plan.admins 'FullControl'))
        $arrival = $users[0]
        $script:Fs.Dirs.Remove("$($h.path)\$arrival")
        $widened = $users[-1]
        $script:Fs.Dirs["$($h.path)\$widened"].Rules.Add((Rule $h.group 'Modify'))
        Invoke-Shares | Should -Be @(
            "created $($h.path)\$arrival",
            "ACL set on $($h.path)\$arrival",
            "ACL set on $($h.path)\$widened",
            "home share $($h.name): kept $leaver (no planned account: a leaver's folder is never deleted)"
        )
        $script:Fs.Dirs["$($h.path)\$arrival"].GetSecurityDescriptorSddlForm('Access') | Should -Be (Get-WantedHomeAcl $arrival)
        $script:Fs.Dirs["$($h.path)\$widened"].GetSecurityDescriptorSddlForm('Access') | Should -Be (Get-WantedHomeAcl $widened)
        $script:Fs.Dirs.ContainsKey("$($h.path)\$leaver") | Should -BeTrue
        Should -Invoke Set-Acl -Times 2 -Exactly
        Should -Invoke Set-Acl -Times 0 -Exactly -ParameterFilter { $LiteralPath -like "*\$leaver" }
        Should -Invoke New-Item -Times 1 -Exactly
        foreach ($c in 'New-SmbShare', 'Set-SmbShare', 'Grant-SmbShareAccess', 'Revoke-SmbShareAccess') { Should -Invoke $c -Times 0 -Exactly }
        $script:Fs.Dirs.Remove("$($h.path)\$leaver")
    }
}

Describe 'shares.ps1 with a trust grant''s share (prod, PAR-FS01 on Windows): the grant''s group gets the granted access, nobody else of the partner' {
    BeforeAll {
        $script:T = [IO.File]::ReadAllText($env:BILLU_FS_TRUST_MODEL, [Text.Encoding]::UTF8) | ConvertFrom-Json
        $script:Trust = @($T.trustShares)[0]
        function Invoke-TrustShares { @(. $env:BILLU_FS_TRUST_SHARES) }
        function Get-TrustAcl([string]$Rights) {
            (New-FakeAcl $true @((Rule 'NT AUTHORITY\SYSTEM' 'FullControl'), (Rule $T.admins 'FullControl'), (Rule $Trust.group $Rights))).GetSecurityDescriptorSddlForm('Access')
        }
        Use-FakeFileServer
    }
    BeforeEach {
        $script:Known = @{}
        foreach ($g in @($T.admins) + @($T.shares.groups) + @($Trust.group)) { $script:Known[$g] = "S-1-5-21-1-2-3-$($script:Known.Count + 1000)" }
    }

    It 'the grant''s group unknown to the domain (the trust step has not run): stops naming it, before writing anything' {
        $script:Known.Remove($Trust.group)
        $script:Fs = @{ Dirs = @{}; Shares = @{} }
        $err = $null
        try { Invoke-TrustShares } catch { $err = $_.Exception.Message }
        $err | Should -Be "trust share $($Trust.name): group $($Trust.group) is unknown here: the trust step on the first DC creates it (billu:trust.grants[].group); run it, then this step again"
        Assert-NothingWritten
    }
    It 'creates the trust share''s folder with the group''s rights (protected: SYSTEM, the admins, the group) and its SMB share with the group''s access' {
        $script:Fs = @{ Dirs = @{}; Shares = @{} }
        $out = Invoke-TrustShares
        $out | Should -Be @(@($T.shares) + @($Trust) | ForEach-Object { "created $($_.path)"; "ACL set on $($_.path)"; "share $($_.name) created" })
        $Trust.rights | Should -Be 'ReadAndExecute'
        $script:Fs.Dirs[$Trust.path].GetSecurityDescriptorSddlForm('Access') | Should -Be (Get-TrustAcl $Trust.rights)
        Get-Access $Trust.name | Should -Be ((@("$($T.admins)=Full", "$($Trust.group)=$($Trust.access)") | Sort-Object) -join ';')
        Should -Invoke New-SmbShare -Times 1 -Exactly -ParameterFilter { $Name -eq $Trust.name -and "$ReadAccess" -eq $Trust.group -and $null -eq $ChangeAccess -and $FolderEnumerationMode -eq 'AccessBased' }
    }
    It 'a second run writes nothing' {
        Invoke-TrustShares | Should -Be @()
        Assert-NothingWritten
    }
    It 'the group widened by hand (Modify on the folder, Change on the share): both put back to the grant''s access, and only on that share' {
        $script:Fs.Dirs[$Trust.path] = New-FakeAcl $true @((Rule 'NT AUTHORITY\SYSTEM' 'FullControl'), (Rule $T.admins 'FullControl'), (Rule $Trust.group 'Modify'))
        $a = $script:Fs.Shares[$Trust.name].Access
        @($a | Where-Object AccountName -eq $Trust.group) | ForEach-Object { $_.AccessRight = 'Change' }
        Invoke-TrustShares | Should -Be @("ACL set on $($Trust.path)", "share $($Trust.name): access reset to the plan")
        $script:Fs.Dirs[$Trust.path].GetSecurityDescriptorSddlForm('Access') | Should -Be (Get-TrustAcl $Trust.rights)
        Get-Access $Trust.name | Should -Be ((@("$($T.admins)=Full", "$($Trust.group)=$($Trust.access)") | Sort-Object) -join ';')
        Should -Invoke Set-Acl -Times 1 -Exactly
        Should -Invoke Grant-SmbShareAccess -Times 0 -Exactly -ParameterFilter { $Name -ne $Trust.name }
    }
}
