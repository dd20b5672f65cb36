# Apply-Directory.ps1 (the Windows directory applier, scripts/directory) against a directory in memory
# (fake-directory.ps1), with the plans the model renders (__tests__/powershell/pester.test.ts writes them):
#   BILLU_PLAN_DEV     dev's plan from the committed export and lock (the plan the Samba lab applies first)
#   BILLU_PLAN_EDITED  the Samba lab's edited export against the same lock: one leaves, one moves, one arrives
#   BILLU_PLAN_EDGE    a small export whose names need DN escaping: a comma, a plus, a trailing backslash, a #, < = >
# Mocked: ActiveDirectory's Get-/New-/Set-ADOrganizationalUnit, Get-/New-/Set-ADGroup, Get-/New-/Set-ADUser,
# Get-/New-/Set-ADComputer, Move-ADObject, Rename-ADObject, Enable-/Disable-ADAccount, Add-/Remove-ADGroupMember,
# and Import-Module ActiveDirectory; billu-lib's Get-BilluSecret is replaced by a function that knows every pw-* secret.

BeforeAll {
    . (Join-Path $PSScriptRoot 'stubs.ps1')
    . (Join-Path $PSScriptRoot 'fake-directory.ps1')
    # billu-lib's Get-BilluSecret, as a step with every new account's initial password on stdin would answer (a plain
    # function, not a mock: it is called twice per new account and no test counts its calls).
    function global:Get-BilluSecret([string]$Name) { if ($Name -like 'pw-*') { 'Initial-Pw-1!' } else { throw "secret $Name was not provided" } }
    . (Join-Path $PSScriptRoot '../../../scripts/directory/Apply-Directory.ps1')

    function Read-Plan([string]$Path) { [IO.File]::ReadAllText($Path, [Text.Encoding]::UTF8) | ConvertFrom-Json }

    # Runs the applier once: its output lines, the refusals it printed on stderr, the error it stopped with.
    function Invoke-Applier([string]$PlanPath) {
        $sw = [IO.StringWriter]::new()
        $stderr = [Console]::Error
        [Console]::SetError($sw)
        $err = $null
        try { $out = @(Invoke-BilluDirectory -PlanPath $PlanPath) } catch { $err = $_.Exception.Message; $out = @() } finally { [Console]::SetError($stderr) }
        return [pscustomobject]@{ Output = $out; Error = $err; Refusals = @($sw.ToString() -split "`n" | Where-Object { $_ } | ForEach-Object { $_.TrimEnd("`r") }) }
    }

    function Assert-NothingWritten {
        foreach ($c in $script:WriteCmdlets) { Should -Invoke $c -Times 0 -Exactly -Because "$c writes" }
    }

    # Every difference between the directory in memory and the plan, one line each (none when they agree).
    function Compare-DirectoryToPlan($Plan) {
        $diff = [System.Collections.Generic.List[string]]::new()
        $bySam = @{}
        foreach ($o in $script:Dir.Objects) { if ($o.Sam) { $bySam[$o.Sam.ToLowerInvariant()] = $o } }
        $groupsOf = @{}
        foreach ($o in $script:Dir.Objects) { if ($o.Class -eq 'group') { foreach ($m in $o.Members) { $groupsOf[$m] = @($groupsOf[$m]) + $o.Sam } } }
        foreach ($ou in $Plan.ous) { $o = Find-FakeObject $ou.dn; if (-not $o -or $o.Class -ne 'ou') { $diff.Add("OU $($ou.dn) missing") } }
        foreach ($g in $Plan.groups) {
            $o = $bySam[$g.sam.ToLowerInvariant()]
            if (-not $o -or $o.Dn -ne $g.dn -or $o.Description -cne $g.description) { $diff.Add("group $($g.sam) at $($o.Dn), want $($g.dn)") }
        }
        foreach ($u in $Plan.users) {
            $o = $bySam[$u.sam.ToLowerInvariant()]
            if (-not $o) { if ($u.enabled) { $diff.Add("account $($u.sam) missing") }; continue }
            if ($o.Dn -ne $u.dn) { $diff.Add("account $($u.sam) at $($o.Dn), want $($u.dn)") }
            if ($o.Enabled -ne $u.enabled) { $diff.Add("account $($u.sam) enabled $($o.Enabled), want $($u.enabled)") }
            $groups = @($groupsOf[$o.Guid] | Where-Object { $_ } | Sort-Object)
            $wantGroups = @(@($u.groups) + @($u.extraGroups | Where-Object { $_ }) | Sort-Object)
            if (($groups -join ',') -ne ($wantGroups -join ',')) { $diff.Add("account $($u.sam) in $($groups -join ','), want $($wantGroups -join ',')") }
            # ipPhone (issue #26), when the plan carries it: the extension, or '' (a leaver's is cleared).
            if ($u.PSObject.Properties['ipPhone'] -and [string]$o.Attributes['ipPhone'] -cne $u.ipPhone) { $diff.Add("account $($u.sam) ipPhone '$($o.Attributes['ipPhone'])', want '$($u.ipPhone)'") }
            if (-not $u.enabled) { continue }
            # homeDirectory and homeDrive (the home share), when the plan carries them.
            foreach ($k in 'homeDirectory', 'homeDrive') {
                if ($u.PSObject.Properties[$k] -and [string]$o.Attributes[$k] -cne $u.$k) { $diff.Add("account $($u.sam) $k '$($o.Attributes[$k])', want '$($u.$k)'") }
            }
            $want = @{ userPrincipalName = $u.upn; mail = $u.mail; displayName = $u.displayName; givenName = $u.givenName; sn = $u.sn
                title = $u.title; department = $u.department; company = $u.company; telephoneNumber = $u.telephoneNumber; mobile = $u.mobile }
            foreach ($k in $want.Keys) { if ([string]$o.Attributes[$k] -cne [string]$want[$k]) { $diff.Add("account $($u.sam) $k '$($o.Attributes[$k])', want '$($want[$k])'") } }
            $manager = if ($o.Manager) { (Get-FakeObject $o.Manager).Sam } else { '' }
            if ($manager -ne $u.manager) { $diff.Add("account $($u.sam) manager '$manager', want '$($u.manager)'") }
        }
        foreach ($c in $Plan.computers) {
            $o = $bySam[$c.sam.ToLowerInvariant()]
            if (-not $o) { if ($c.enabled) { $diff.Add("computer $($c.sam) missing") }; continue }
            if ($o.Dn -ne $c.dn) { $diff.Add("computer $($c.sam) at $($o.Dn), want $($c.dn)") }
            if ($o.Enabled -ne $c.enabled) { $diff.Add("computer $($c.sam) enabled $($o.Enabled), want $($c.enabled)") }
            $owner = if ($o.ManagedBy) { (Get-FakeObject $o.ManagedBy).Sam } else { '' }
            if ($owner -ne $c.owner) { $diff.Add("computer $($c.sam) managedBy '$owner', want '$($c.owner)'") }
            if ($c.enabled -and [string]$o.Description -cne [string]$c.description) { $diff.Add("computer $($c.sam) description '$($o.Description)'") }
        }
        return $diff -join "`n"
    }

    # The onboarding sheets (issue #24) land in this run's own folder: each plan's onboarding.path rewritten to it.
    $script:OnboardingDir = Join-Path $TestDrive 'onboarding'
    foreach ($k in 'BILLU_PLAN_DEV', 'BILLU_PLAN_EDITED', 'BILLU_PLAN_EDGE') {
        $text = [IO.File]::ReadAllText((Get-Item "env:$k").Value, [Text.Encoding]::UTF8)
        $text = [regex]::Replace($text, '"path":"[^"]*onboarding"', ('"path":' + (ConvertTo-Json $OnboardingDir)))
        $copy = Join-Path $TestDrive "$k.json"
        [IO.File]::WriteAllText($copy, $text, [Text.UTF8Encoding]::new($false))
        Set-Item "env:$k" $copy
    }
    $script:Dev = Read-Plan $env:BILLU_PLAN_DEV
    $script:Edited = Read-Plan $env:BILLU_PLAN_EDITED
    $script:Edge = Read-Plan $env:BILLU_PLAN_EDGE
    # The acceptance account (billu:directory.acceptance) and the group the DC's domain step creates for SSH logons.
    $script:Acceptance = @($Dev.users | Where-Object { $_.extraGroups })[0]
    function Add-DomainStepGroups { foreach ($g in $Acceptance.extraGroups) { $null = Add-FakeObject -Class group -Name $g -Parent "CN=Users,$($Dev.domainDn)" -Sam $g } }
}

Describe 'DN parsing (RFC 4514)' {
    It 'splits off the first RDN after a value that ends in a backslash' {
        Split-BilluDn 'OU=Support\\,OU=R&D\, Lab,DC=billu,DC=lan' | Should -Be @('OU=Support\\', 'OU=R&D\, Lab,DC=billu,DC=lan')
    }
    It 'keeps escaped commas and plus signs inside their RDN' {
        Split-BilluDn 'CN=Jean\+Paul Dupont\, Jr,OU=A\,B,DC=lan' | Should -Be @('CN=Jean\+Paul Dupont\, Jr', 'OU=A\,B,DC=lan')
    }
    It 'unescapes every special character, a leading #, and hex pairs' {
        $rdns = ConvertFrom-BilluDn 'CN=a\,b\+c\"d\\e\<f\>g\;h\=i,OU=\#x,OU=\2Cy\5C,DC=lan'
        @($rdns | ForEach-Object { "$($_.Type)=$($_.Value)" }) | Should -Be @('CN=a,b+c"d\e<f>g;h=i', 'OU=#x', 'OU=,y\', 'DC=lan')
    }
    It 'refuses a DN that ends inside an escape, naming it' {
        { ConvertFrom-BilluDn 'CN=x\' } | Should -Throw 'directory: cannot parse the DN "CN=x\": a backslash at the end of a value must itself be escaped (\\)'
    }
    It 'tells a DN under another one by its RDNs, not by the text''s ending' {
        Test-BilluUnder 'CN=x\,OU=BillU,DC=billu,DC=lan' 'OU=BillU,DC=billu,DC=lan' | Should -BeFalse
        Test-BilluUnder 'CN=x,OU=billu,DC=BILLU,DC=lan' 'OU=BillU,DC=billu,DC=lan' | Should -BeTrue
        Test-BilluUnder 'CN=x,OU=A\2C B,DC=lan' 'OU=A\, B,DC=lan' | Should -BeTrue
        Test-BilluUnder 'OU=BillU,DC=billu,DC=lan' 'OU=BillU,DC=billu,DC=lan' | Should -BeFalse
    }
}

Describe 'the dev plan, then the Samba lab''s edited plan, applied to one directory' {
    BeforeAll {
        New-FakeDirectory $Dev.domainDn
        Add-DomainStepGroups
        # What the two plans say must change, by account name (the expected values come from the plans).
        $before = @{}; foreach ($u in $Dev.users) { $before[$u.sam] = $u }
        $script:Creates = @($Edited.users | Where-Object { $_.enabled -and -not $before[$_.sam] } | ForEach-Object sam)
        $script:Moves = @($Edited.users | Where-Object { $before[$_.sam] -and $before[$_.sam].dn -ne $_.dn } | ForEach-Object sam)
        $script:Disables = @($Edited.users | Where-Object { $before[$_.sam] -and $before[$_.sam].enabled -and -not $_.enabled } | ForEach-Object sam)
        $pcBefore = @{}; foreach ($c in $Dev.computers) { $pcBefore[$c.sam] = $c }
        $script:PcCreates = @($Edited.computers | Where-Object { $_.enabled -and -not $pcBefore[$_.sam] } | ForEach-Object sam)
        $script:PcMoves = @($Edited.computers | Where-Object { $pcBefore[$_.sam] -and $pcBefore[$_.sam].dn -ne $_.dn } | ForEach-Object sam)
        $script:PcDisables = @($Edited.computers | Where-Object { $pcBefore[$_.sam] -and $pcBefore[$_.sam].enabled -and -not $_.enabled } | ForEach-Object sam)
        # The mocks once for the block: Should -Invoke in an It counts that It's calls only (Pester 5), and installing
        # them again before every It cost ~0.15 s of CPU each.
        Use-FakeDirectory
    }

    It 'dev, from an empty directory: creates exactly the planned OUs, groups, accounts and computers, each at its planned DN' {
        $r = Invoke-Applier $env:BILLU_PLAN_DEV
        $r.Error | Should -BeNullOrEmpty
        Should -Invoke New-ADOrganizationalUnit -Times @($Dev.ous).Count -Exactly
        Should -Invoke New-ADGroup -Times @($Dev.groups).Count -Exactly
        Should -Invoke New-ADUser -Times @($Dev.users | Where-Object enabled).Count -Exactly
        Should -Invoke New-ADComputer -Times @($Dev.computers | Where-Object enabled).Count -Exactly
        foreach ($c in 'Move-ADObject', 'Rename-ADObject', 'Disable-ADAccount', 'Enable-ADAccount', 'Remove-ADGroupMember') { Should -Invoke $c -Times 0 -Exactly }
        Should -Invoke New-ADUser -Times 1 -Exactly -ParameterFilter { $SamAccountName -eq $Dev.users[0].sam -and $ChangePasswordAtLogon -eq $true }
        # The acceptance account keeps its generated password and joins the domain step's SSH group (not a staff group).
        $Acceptance.sam | Should -Be 'svc-acceptance'
        Should -Invoke New-ADUser -Times 1 -Exactly -ParameterFilter { $SamAccountName -eq 'svc-acceptance' -and $ChangePasswordAtLogon -eq $false -and $Path -eq "OU=Acceptance,$($Dev.rootDn)" }
        Should -Invoke Add-ADGroupMember -Times 1 -Exactly -ParameterFilter { $Identity -eq $Acceptance.extraGroups[0] -and "$Members" -eq 'svc-acceptance' }
        Compare-DirectoryToPlan $Dev | Should -Be ''
    }
    It 'dev again: writes nothing' {
        $r = Invoke-Applier $env:BILLU_PLAN_DEV
        $r.Error | Should -BeNullOrEmpty
        Assert-NothingWritten
        $r.Output[-1] | Should -BeLike "directory: nothing to write (planned: $(@($Dev.ous).Count) OUs, $(@($Dev.groups).Count) groups, $(@($Dev.users).Count) accounts, $(@($Dev.computers).Count) computers) in * s"
    }
    It 'ipPhone (issue #26): every planned extension set at creation; the leaver has one before leaving, none after' {
        @($Dev.users | Where-Object { $_.ipPhone }).Count | Should -BeGreaterThan 100
        $gone = @($Dev.users | Where-Object sam -eq $Disables[0])[0]
        $gone.ipPhone | Should -Not -BeNullOrEmpty
        @($Edited.users | Where-Object sam -eq $Disables[0])[0].ipPhone | Should -Be ''
        ($script:Dir.Objects | Where-Object Sam -eq $gone.sam).Attributes['ipPhone'] | Should -Be $gone.ipPhone
    }
    It 'home share: every enabled account created with its folder as homeDirectory and the drive as homeDrive; a hand-changed one is set back by one Set-ADUser, then nothing' {
        $u = @($Dev.users | Where-Object { $_.enabled -and $_.homeDirectory })[0]
        # Every person has them; the two service accounts (not people of the export) do not.
        @($Dev.users | Where-Object { $_.enabled -and -not $_.homeDirectory } | ForEach-Object sam | Sort-Object) | Should -Be @('svc-acceptance', 'svc-drift-read')
        $o = $script:Dir.Objects | Where-Object Sam -eq $u.sam
        $o.Attributes['homeDirectory'] | Should -BeExactly $u.homeDirectory
        $o.Attributes['homeDrive'] | Should -BeExactly $u.homeDrive
        $o.Attributes['homeDirectory'] = '\\elsewhere\x'
        $o.Attributes.Remove('homeDrive')
        $r = Invoke-Applier $env:BILLU_PLAN_DEV
        $r.Error | Should -BeNullOrEmpty
        Should -Invoke Set-ADUser -Times 1 -Exactly
        Should -Invoke Set-ADUser -Times 1 -Exactly -ParameterFilter {
            $Identity -eq $o.Guid -and @($Replace.Keys).Count -eq 2 -and $Replace['homeDirectory'] -ceq $u.homeDirectory -and $Replace['homeDrive'] -ceq $u.homeDrive -and -not $Clear
        }
        @($r.Output | Where-Object { $_ -ceq "directory: modify $($u.sam): homeDirectory, homeDrive" -or $_ -ceq "directory: modify $($u.sam): homeDrive, homeDirectory" }).Count | Should -Be 1
        $r = Invoke-Applier $env:BILLU_PLAN_DEV
        Should -Invoke Set-ADUser -Times 1 -Exactly
        Compare-DirectoryToPlan $Dev | Should -Be ''
    }
    It 'edited: the plans differ by one arrival, one move to another service and one departure (with their computers)' {
        @($Creates).Count, @($Moves).Count, @($Disables).Count | Should -Be @(1, 2, 1)
        @($PcCreates).Count, @($PcMoves).Count, @($PcDisables).Count | Should -Be @(1, 2, 1)
    }
    It 'edited: creates, moves and disables exactly those, and the directory then matches the plan' {
        $guid = @{}; foreach ($o in $script:Dir.Objects) { if ($o.Sam) { $guid[$o.Sam] = $o.Guid } }
        $r = Invoke-Applier $env:BILLU_PLAN_EDITED
        $r.Error | Should -BeNullOrEmpty
        Should -Invoke New-ADUser -Times 1 -Exactly
        Should -Invoke New-ADUser -Times 1 -Exactly -ParameterFilter { $SamAccountName -eq $Creates[0] }
        Should -Invoke New-ADComputer -Times 1 -Exactly
        Should -Invoke New-ADComputer -Times 1 -Exactly -ParameterFilter { $SamAccountName -eq $PcCreates[0] }
        Should -Invoke Move-ADObject -Times ($Moves.Count + $PcMoves.Count) -Exactly
        foreach ($sam in $Moves + $PcMoves) { Should -Invoke Move-ADObject -Times 1 -Exactly -ParameterFilter { $Identity -eq $guid[$sam] } }
        Should -Invoke Disable-ADAccount -Times ($Disables.Count + $PcDisables.Count) -Exactly
        foreach ($sam in $Disables + $PcDisables) { Should -Invoke Disable-ADAccount -Times 1 -Exactly -ParameterFilter { $Identity -eq $guid[$sam] } }
        foreach ($c in 'New-ADOrganizationalUnit', 'New-ADGroup', 'Rename-ADObject', 'Enable-ADAccount') { Should -Invoke $c -Times 0 -Exactly }
        Compare-DirectoryToPlan $Edited | Should -Be ''
    }
    It 'edited again: writes nothing' {
        $r = Invoke-Applier $env:BILLU_PLAN_EDITED
        $r.Error | Should -BeNullOrEmpty
        Assert-NothingWritten
    }
    It 'adopts a computer found elsewhere under the managed OU, moving it back to its planned place' {
        $c = @($Edited.computers | Where-Object enabled)[0]
        $pc = $script:Dir.Objects | Where-Object Sam -eq $c.sam
        $pc.Parent = $Edited.departuresDn
        $r = Invoke-Applier $env:BILLU_PLAN_EDITED
        $r.Error | Should -BeNullOrEmpty
        Should -Invoke Move-ADObject -Times 1 -Exactly
        Should -Invoke Move-ADObject -Times 1 -Exactly -ParameterFilter { $Identity -eq $pc.Guid }
        $pc.Dn | Should -Be $c.dn
    }
}

Describe 'names that need DN escaping (a comma, a plus, a trailing backslash, a leading #, angle brackets, an equals sign)' {
    BeforeAll {
        New-FakeDirectory $Edge.domainDn
        Use-FakeDirectory # once for the block, as above
    }

    It 'the plan has them' {
        ($Edge.ous | ForEach-Object dn) -join "`n" | Should -BeLike '*OU=Support\\,OU=R&D\, Lab,OU=Utilisateurs,*'
        ($Edge.users | ForEach-Object dn) -join "`n" | Should -BeLike '*CN=Jean\+Paul Dupont\, Jr,OU=Support\\,OU=R&D\, Lab,*'
        ($Edge.ous | ForEach-Object dn) -join "`n" | Should -BeLike '*OU=\#Ops \<A\=B\>,OU=R&D\, Lab,*'
    }
    It 'creates every object at its planned DN' {
        $r = Invoke-Applier $env:BILLU_PLAN_EDGE
        $r.Error | Should -BeNullOrEmpty
        Should -Invoke New-ADUser -Times @($Edge.users).Count -Exactly
        Compare-DirectoryToPlan $Edge | Should -Be ''
    }
    It 'writes nothing the second time' {
        $r = Invoke-Applier $env:BILLU_PLAN_EDGE
        $r.Error | Should -BeNullOrEmpty
        Assert-NothingWritten
    }
    It 'writes nothing when the directory spells the same DNs with hex escapes (\2B, \2C, \5C)' {
        $pc = $script:Dir.Objects | Where-Object Sam -eq $Edge.computers[0].sam
        $pc.Parent = $pc.Parent.Replace('Support\\', 'Support\5C').Replace('R&D\, Lab', 'R&D\2C Lab')
        $user = $script:Dir.Objects | Where-Object Sam -eq ($Edge.users | Where-Object cn -eq 'Jean+Paul Dupont, Jr').sam
        $user.Rdn = 'CN=Jean\2BPaul Dupont\2C Jr'
        $r = Invoke-Applier $env:BILLU_PLAN_EDGE
        $r.Error | Should -BeNullOrEmpty
        Assert-NothingWritten
    }
}

Describe 'refusals: checked before anything is written' {
    BeforeEach {
        New-FakeDirectory $Dev.domainDn
        Use-FakeDirectory
    }

    It 'refuses accounts, groups and computers outside the managed OU, CN=Computers included, and writes nothing' {
        $u = $Dev.users[0]; $g = $Dev.groups[1]; $c1 = $Dev.computers[0]; $c2 = $Dev.computers[1]
        $evil = $Dev.users[2]
        $null = Add-FakeObject -Class user -Name $u.cn -Parent "CN=Users,$($Dev.domainDn)" -Sam $u.sam
        $null = Add-FakeObject -Class group -Name $g.sam -Parent "CN=Users,$($Dev.domainDn)" -Sam $g.sam
        $null = Add-FakeObject -Class computer -Name $c1.name -Parent "CN=Computers,$($Dev.domainDn)" -Sam $c1.sam
        $null = Add-FakeObject -Class ou -Name 'Elsewhere' -Parent $Dev.domainDn
        $null = Add-FakeObject -Class computer -Name $c2.name -Parent "OU=Elsewhere,$($Dev.domainDn)" -Sam $c2.sam
        # An RDN whose escaped comma makes the DN's text end like the managed OU's, in the domain's root.
        $rootRdn = $Dev.rootDn.Substring(0, $Dev.rootDn.Length - $Dev.domainDn.Length - 1)
        $null = Add-FakeObject -Class user -Rdn "CN=x\,$rootRdn" -Name "x,$rootRdn" -Parent $Dev.domainDn -Sam $evil.sam
        $root = $Dev.rootDn
        $adopt = 'the directory adopts only computer accounts it created (a machine that joined the domain by itself is never taken over); ' +
            "rename the export's `"Nom de PC`", or move the account into $root by hand if it really is this person's"
        $r = Invoke-Applier $env:BILLU_PLAN_DEV
        $r.Error | Should -Be 'directory: nothing written (6 refusal(s))'
        $r.Refusals | Should -Be @(
            "directory: refused: group $($g.sam) exists outside $root (CN=$($g.sam),CN=Users,$($Dev.domainDn))"
            "directory: refused: account $($u.sam) exists outside $root (CN=$($u.cn),CN=Users,$($Dev.domainDn))"
            "directory: refused: account $($evil.sam) exists outside $root (CN=x\,$root)"
            # No domain step ran in this directory: the acceptance account's SSH group is missing.
            "directory: refused: the group $($Acceptance.extraGroups[0]) of svc-acceptance does not exist (the DC's domain step creates it: run it first)"
            "directory: refused: computer $($c1.sam) exists at CN=$($c1.name),CN=Computers,$($Dev.domainDn), outside ${root}: $adopt"
            "directory: refused: computer $($c2.sam) exists at CN=$($c2.name),OU=Elsewhere,$($Dev.domainDn), outside ${root}: $adopt"
        )
        Assert-NothingWritten
    }
}

Describe 'check mode (issue #27): the edited plan applied, then four edits by hand' {
    BeforeAll {
        New-FakeDirectory $Dev.domainDn
        Add-DomainStepGroups
        # The two applies are the set-up (the first block counts their calls): the fake's cmdlets as plain functions.
        Use-FakeDirectory -SetUp {
            $null = Invoke-Applier $env:BILLU_PLAN_DEV
            $null = Invoke-Applier $env:BILLU_PLAN_EDITED
        }
        Compare-DirectoryToPlan $Edited | Should -Be ''
        # Who is edited, from the plan (as labs/directory/probe.py `drift` picks them): the first two people in place by
        # account name are moved and made a domain admin, the next with a phone number gets another one; the leaver
        # is re-enabled. Expected lines are written here from the plan, never by the applier.
        $people = [System.Collections.Generic.List[object]]::new()
        foreach ($u in $Edited.users) { if ($u.enabled -and -not $u.extraGroups -and $u.dn -notlike '*\*') { $people.Add($u) } }
        $people.Sort([Comparison[object]] { param($a, $b) [string]::CompareOrdinal($a.sam, $b.sam) })
        $script:Moved = $people[0]; $script:Admin = $people[1]
        $script:Phone = @($people | Select-Object -Skip 2 | Where-Object telephoneNumber)[0]
        $script:Leaver = @($Edited.users | Where-Object { -not $_.enabled })[0]
        $parent = (Split-BilluDn $Moved.dn)[1]
        $script:Target = @($people | ForEach-Object { (Split-BilluDn $_.dn)[1] } | Where-Object { $_ -ne $parent })[0]
        $q = { param($s) '"' + $s + '"' }
        function New-Expected($Object, $Attribute, $Line, $Privileged) { [pscustomobject]@{ O = $Object; A = $Attribute; Line = $Line; P = $Privileged } }
        $four = @(
            New-Expected 'Domain Admins' 'member' "drift: Domain Admins | member | planned [`"Administrator`"] | live [`"Administrator`", `"$($Admin.sam)`"] | privileged" $true
            New-Expected $Leaver.sam 'enabled' "drift: $($Leaver.sam) | enabled | planned false | live true" $false
            New-Expected $Moved.sam 'dn' "drift: $($Moved.sam) | dn | planned $(& $q $Moved.dn) | live $(& $q ((Split-BilluDn $Moved.dn)[0] + ',' + $Target))" $false
            New-Expected $Phone.sam 'telephoneNumber' "drift: $($Phone.sam) | telephoneNumber | planned `"[secret]`" | live `"[secret]`"" $false
        )
        # In the order both appliers print: by object, case-insensitively (ordinal).
        $sorted = [System.Collections.Generic.List[object]]::new(); foreach ($f in $four) { $sorted.Add($f) }
        $sorted.Sort([Comparison[object]] { param($a, $b) [string]::CompareOrdinal($a.O.ToLowerInvariant(), $b.O.ToLowerInvariant()) })
        $script:FourLines = @($sorted | ForEach-Object { $_.Line })
        $script:FourKeys = @($sorted | ForEach-Object { "$($_.O)|$($_.A)|$($_.P)" })
        function Set-HandEdits {
            ($script:Dir.Objects | Where-Object Sam -eq $Moved.sam).Parent = $Target
            ($script:Dir.Objects | Where-Object Sam -eq 'Domain Admins').Members.Add(($script:Dir.Objects | Where-Object Sam -eq $Admin.sam).Guid)
            ($script:Dir.Objects | Where-Object Sam -eq $Leaver.sam).Enabled = $true
            ($script:Dir.Objects | Where-Object Sam -eq $Phone.sam).Attributes['telephoneNumber'] = '01 00 00 00 00'
        }
        # The check as the scheduled task runs it: its stdout lines, its stderr, its exit code.
        function Invoke-Check([string]$PlanPath, [string]$ResultPath) {
            $out = [IO.StringWriter]::new(); $err = [IO.StringWriter]::new()
            $o = [Console]::Out; $e = [Console]::Error
            [Console]::SetOut($out); [Console]::SetError($err)
            try { $code = Invoke-BilluDirectoryCheck -PlanPath $PlanPath -ResultPath $ResultPath } finally { [Console]::SetOut($o); [Console]::SetError($e) }
            $lines = @($out.ToString() -split "`n" | Where-Object { $_ } | ForEach-Object { $_.TrimEnd("`r") })
            return [pscustomobject]@{ Lines = $lines; Drift = @($lines | Where-Object { $_ -like 'drift: *' }); Last = $lines[-1]; Error = $err.ToString(); Exit = $code }
        }
        $script:Result = Join-Path ([IO.Path]::GetTempPath()) "billu-drift-$([guid]::NewGuid()).json"
    }

    It 'in sync after the apply: exit 0, no difference, nothing written' {
        $r = Invoke-Check $env:BILLU_PLAN_EDITED
        $r.Exit | Should -Be 0
        $r.Drift | Should -BeNullOrEmpty
        $r.Last | Should -BeLike 'directory check: in sync (planned: * privileged groups) in * s, nothing written'
        Assert-NothingWritten
    }
    It 'the four edits: exactly those four lines, sorted, with planned and live values (phone numbers as [secret]); exit 1, nothing written' {
        Set-HandEdits
        $r = Invoke-Check $env:BILLU_PLAN_EDITED $Result
        $r.Error | Should -Be ''
        $r.Drift | Should -Be $FourLines
        $r.Last | Should -BeLike 'directory check: 4 difference(s), 1 in privileged groups (planned: *) in * s, nothing written'
        $r.Exit | Should -Be 1
        Assert-NothingWritten
        ($r.Lines -join "`n") | Should -Not -Match '01 00 00 00 00'
    }
    It 'its result file for monitoring: the counts, the time of the check, the differences' {
        $doc = [IO.File]::ReadAllText($Result) | ConvertFrom-Json
        $doc.drift, $doc.privilegedDrift, $doc.inSync, $doc.version | Should -Be @(4, 1, $false, 1)
        @($doc.differences | ForEach-Object { "$($_.object)|$($_.attribute)|$($_.privileged)" }) | Should -Be $FourKeys
        # The text as monitoring reads it (ConvertFrom-Json would turn it into a DateTime): ISO 8601, UTC, to the second.
        $m = [regex]::Match([IO.File]::ReadAllText($Result), '"checkedAt":\s*"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"')
        $m.Success | Should -BeTrue
        $checked = [datetime]::ParseExact($m.Groups[1].Value, 'yyyy-MM-ddTHH:mm:ssZ', [Globalization.CultureInfo]::InvariantCulture, 'AdjustToUniversal')
        ((Get-Date).ToUniversalTime() - $checked).TotalSeconds | Should -BeLessThan 60
        [IO.File]::ReadAllText($Result) | Should -Not -Match '01 00 00 00 00'
        Test-Path "$Result.tmp" | Should -BeFalse
    }
    It 'the apply repairs exactly those four: the move back, the extra domain admin removed, the leaver disabled, the number' {
        $r = Invoke-Applier $env:BILLU_PLAN_EDITED
        $r.Error | Should -BeNullOrEmpty
        $r.Output[-1] | Should -BeLike 'directory: 4 change(s) written in * s'
        $da = $script:Dir.Objects | Where-Object Sam -eq 'Domain Admins'
        $adminDn = ($script:Dir.Objects | Where-Object Sam -eq $Admin.sam).Dn
        Should -Invoke Remove-ADGroupMember -Times 1 -Exactly -ParameterFilter { $Identity -eq $da.Guid -and "$Members" -eq $adminDn }
        Should -Invoke Move-ADObject -Times 1 -Exactly
        Should -Invoke Disable-ADAccount -Times 1 -Exactly
        Should -Invoke Set-ADUser -Times 1 -Exactly -ParameterFilter { $Replace.Keys -contains 'telephoneNumber' -and @($Replace.Keys).Count -eq 1 }
        foreach ($c in 'New-ADOrganizationalUnit', 'New-ADGroup', 'New-ADUser', 'New-ADComputer', 'Rename-ADObject', 'Enable-ADAccount', 'Add-ADGroupMember') { Should -Invoke $c -Times 0 -Exactly }
        Compare-DirectoryToPlan $Edited | Should -Be ''
    }
    It 'then the check exits 0' {
        $r = Invoke-Check $env:BILLU_PLAN_EDITED $Result
        $r.Exit | Should -Be 0
        ([IO.File]::ReadAllText($Result) | ConvertFrom-Json).drift | Should -Be 0
    }
    It 'a privileged group has no tolerance: a group the plan does not name in Domain Admins is drift' {
        $da = $script:Dir.Objects | Where-Object Sam -eq 'Domain Admins'
        $da.Members.Add(($script:Dir.Objects | Where-Object Sam -eq $Edited.groups[0].sam).Guid)
        $r = Invoke-Check $env:BILLU_PLAN_EDITED
        $r.Drift | Should -Be @("drift: Domain Admins | member | planned [`"Administrator`"] | live [`"Administrator`", `"$($Edited.groups[0].sam)`"] | privileged")
        $r.Exit | Should -Be 1
        $null = $da.Members.Remove(($script:Dir.Objects | Where-Object Sam -eq $Edited.groups[0].sam).Guid)
    }
    It 'a DC in another language ("Administrateur"): the privileged group is reported, never repaired (nobody removed)' {
        $admin = $script:Dir.Objects | Where-Object Sam -eq 'Administrator'
        $admin.Sam = 'Administrateur'
        try {
            $r = Invoke-Check $env:BILLU_PLAN_EDITED
            $r.Drift | Should -Be @(
                'drift: Domain Admins | member | planned ["Administrator"] | live ["Administrateur"] | privileged'
                'drift: Enterprise Admins | member | planned ["Administrator"] | live ["Administrateur"] | privileged'
                'drift: Schema Admins | member | planned ["Administrator"] | live ["Administrateur"] | privileged'
            )
            $r = Invoke-Applier $env:BILLU_PLAN_EDITED
            $r.Error | Should -BeNullOrEmpty
            $r.Output | Should -Contain 'directory: Domain Admins not changed: a planned member has no account by that name (a DC in another language?); its members are only reported' 
            Assert-NothingWritten
        } finally { $admin.Sam = 'Administrator' }
    }
    It 'bad input exits 2, naming the file, the key and the fix; nothing read' {
        $fix = 'the plan is rendered by synth (components/directory): re-run the directory step, or restore the file'
        $bad = Join-Path ([IO.Path]::GetTempPath()) "billu-bad-$([guid]::NewGuid()).json"
        [IO.File]::WriteAllText($bad, '{"domainDn":"DC=x","rootDn":"OU=BillU,DC=x","ous":[],"groups":[],"users":[{"dn":"CN=a","enabled":true,"groups":[]}],"computers":[],"privilegedGroups":[{"sam":"Domain Admins","members":"Administrator"}]}')
        $r = Invoke-Check $bad
        $r.Exit | Should -Be 2
        $r.Error.TrimEnd() | Should -Be "directory check: bad input: ${bad}: users[0].sam is null, not a str; privilegedGroups[0].members is `"Administrator`", not a list: $fix"
        [IO.File]::WriteAllText($bad, '{oops')
        $r = Invoke-Check $bad
        $r.Exit | Should -Be 2
        $r.Error | Should -BeLike "directory check: bad input: ${bad}: not JSON (*): $fix*"
        $r = Invoke-Check "$bad.missing"
        $r.Exit | Should -Be 2
        $r.Error | Should -BeLike "directory check: bad input: $bad.missing: cannot be read (*): $fix*"
        Should -Invoke Get-ADUser -Times 0 -Exactly
    }
}

Describe 'onboarding (issue #24): new people''s passwords generated here, delivered in a sheet only the readers read' {
    BeforeAll {
        $script:OnbDir = Join-Path $TestDrive 'onboarding-dev'
        $script:OnbPlan = Join-Path $TestDrive 'plan-onboarding.json'
        $text = [IO.File]::ReadAllText($env:BILLU_PLAN_DEV, [Text.Encoding]::UTF8)
        [IO.File]::WriteAllText($OnbPlan, [regex]::Replace($text, '"path":"[^"]*"', ('"path":' + (ConvertTo-Json $OnbDir))), [Text.UTF8Encoding]::new($false))
        $script:NoOnbPlan = Join-Path $TestDrive 'plan-no-onboarding.json'
        [IO.File]::WriteAllText($NoOnbPlan, [regex]::Replace($text, '(?m)^  "onboarding": .*\n', ''), [Text.UTF8Encoding]::new($false))
        $script:People = @($Dev.users | Where-Object { $_.enabled -and -not $_.PSObject.Properties['password'] })
        $script:Set = @{}
        $script:Events = [System.Collections.Generic.List[string]]::new()
        New-FakeDirectory $Dev.domainDn
        Add-DomainStepGroups
        # The first apply is the set-up (its New-ADUser calls are read from $Set and $Events, no Should -Invoke counts
        # them): the fake's cmdlets as plain functions, New-ADUser recording the password it was given and whether it
        # must change at logon.
        $newUser = {
            $script:Set[$SamAccountName] = [pscustomobject]@{ Password = [System.Net.NetworkCredential]::new('', $AccountPassword).Password; MustChange = [bool]$ChangePasswordAtLogon }
            $script:Events.Add('user')
            $attrs = @{ userPrincipalName = $UserPrincipalName; displayName = $DisplayName; givenName = $GivenName; sn = $Surname }
            if ($OtherAttributes) { foreach ($k in $OtherAttributes.Keys) { $attrs[$k] = $OtherAttributes[$k] } }
            $null = Add-FakeObject -Class user -Name $Name -Parent $Path -Sam $SamAccountName -Enabled ([bool]$Enabled) -Attributes $attrs
        }
        $over = @{ 'New-ADUser' = $newUser; 'Set-BilluFolderSddl' = { $script:Events.Add('acl') }; 'New-SmbShare' = { $script:Events.Add('share') } }
        Use-FakeDirectory -SetUp { $script:Run1 = Invoke-Applier $OnbPlan } -Override $over
        $script:Sheets = @(Get-ChildItem -LiteralPath $OnbDir -Filter 'onboarding-*.csv')
        $script:Rows = @(if ($Sheets.Count -eq 1) { [IO.File]::ReadAllText($Sheets[0].FullName, [Text.Encoding]::UTF8) | ConvertFrom-Csv -Delimiter ';' })
    }
    It 'dev from an empty directory: one sheet, a row per created person with the password their account got, which they must change' {
        $Run1.Error | Should -BeNullOrEmpty
        $Sheets.Count | Should -Be 1
        $Sheets[0].Name | Should -Match '^onboarding-\d{8}T\d{6}Z\.csv$'
        @($Rows[0].PSObject.Properties.Name) | Should -Be @('sam', 'upn', 'displayName', 'department', 'initialPassword', 'createdAt')
        @($Rows | ForEach-Object sam) | Should -Be @($People | ForEach-Object sam)
        $byPlan = @{}; foreach ($p in $People) { $byPlan[$p.sam] = $p }
        foreach ($r in $Rows) {
            $r.initialPassword | Should -BeExactly $Set[$r.sam].Password
            $Set[$r.sam].MustChange | Should -BeTrue
            @($r.upn, $r.displayName, $r.department) | Should -Be @($byPlan[$r.sam].upn, $byPlan[$r.sam].displayName, $byPlan[$r.sam].department)
        }
        @($Rows | ForEach-Object initialPassword | Sort-Object -Unique).Count | Should -Be $People.Count
        # The service accounts keep the stack's password and are on no sheet.
        $Set['svc-acceptance'].Password | Should -BeExactly 'Initial-Pw-1!'
        $Rows.sam | Should -Not -Contain 'svc-acceptance'
    }
    It 'the folder gets the readers'' ACL and the share (read for the readers only) once, before the first person is created' {
        Should -Invoke Set-BilluFolderSddl -Scope Describe -Times 1 -Exactly -ParameterFilter {
            $Path -eq $OnbDir -and $Sddl -ceq 'O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;S-1-5-21-1-2-3-1104)'
        }
        Should -Invoke Get-BilluReadersSid -Scope Describe -Times 1 -Exactly -ParameterFilter { $Readers -ceq 'GG_DSI' }
        Should -Invoke New-SmbShare -Scope Describe -Times 1 -Exactly -ParameterFilter {
            $Name -ceq 'onboarding$' -and $Path -eq $OnbDir -and $ReadAccess -ceq 'BILLU\GG_DSI' -and $FullAccess -ceq 'BUILTIN\Administrators' -and
            $FolderEnumerationMode -eq 'AccessBased' -and $EncryptData -eq $true
        }
        $Events.IndexOf('acl') | Should -BeLessThan $Events.IndexOf('share')
        $Events.IndexOf('share') | Should -BeLessThan $Events.IndexOf('user')
    }
    It 'its output names the sheet and its readers, never a password' {
        $Run1.Output | Should -Contain "onboarding: $($Sheets[0].FullName) written for $($People.Count) new account(s), readable by GG_DSI only (share onboarding`$)"
        $all = $Run1.Output -join "`n"
        foreach ($r in $Rows) { $all.Contains($r.initialPassword) | Should -BeFalse }
    }
    It 'the same plan again: nobody created, no new sheet, the share not touched' {
        $r = Invoke-Applier $OnbPlan
        @($r.Output | Where-Object { $_ -like 'directory: nothing to write (planned: *' }).Count | Should -Be 1
        @($r.Output | Where-Object { $_ -like 'onboarding:*' }) | Should -Be @()
        @(Get-ChildItem -LiteralPath $OnbDir -Filter 'onboarding-*.csv').Count | Should -Be 1
        Should -Invoke New-SmbShare -Times 0 -Exactly
    }
    It 'a plan without the onboarding key that creates people: refused, nothing written' {
        New-FakeDirectory $Dev.domainDn
        Add-DomainStepGroups
        $r = Invoke-Applier $NoOnbPlan
        $r.Refusals | Should -Be @("directory: refused: $($People.Count) new account(s) but the plan has no onboarding key: their initial passwords would reach no one " +
            '(the plan is rendered by synth with billu:directory.onboarding: re-run the directory step)')
        Assert-NothingWritten
    }
    It 'retention: the sheets older than the plan''s days are deleted by name, the recent ones and other files kept' {
        $d = Join-Path $TestDrive 'retention'
        $null = New-Item -ItemType Directory -Path $d
        $now = [datetime]::new(2026, 12, 5, 12, 0, 0, [DateTimeKind]::Utc)
        foreach ($n in 'onboarding-20261120T115959Z.csv', 'onboarding-20261120T115959Z-2.csv', 'onboarding-20261121T120001Z.csv', 'notes.txt') { Set-Content -LiteralPath (Join-Path $d $n) -Value x }
        Remove-BilluExpiredSheets $d 14 $now | Should -Be 2
        @(Get-ChildItem -LiteralPath $d | ForEach-Object Name | Sort-Object) | Should -Be @('notes.txt', 'onboarding-20261121T120001Z.csv')
    }
    It 'New-BilluInitialPassword: 300 passwords of 20, at least 3 digits, upper, lower and a symbol (AD complexity), no vowel, all different' {
        $pws = @(1..300 | ForEach-Object { New-BilluInitialPassword })
        @($pws | Sort-Object -Unique -CaseSensitive).Count | Should -Be 300
        # Each rule over all 300 at once: one Should per rule, not 1,800, naming the passwords that break it.
        @($pws | Where-Object { $_.Length -ne 20 }) -join ' ' | Should -BeExactly ''
        @($pws | Where-Object { ([regex]::Matches($_, '[0-9]')).Count -lt 3 }) -join ' ' | Should -BeExactly ''
        @($pws | Where-Object { $_ -cnotmatch '[A-Z]' }) -join ' ' | Should -BeExactly ''
        @($pws | Where-Object { $_ -cnotmatch '[a-z]' }) -join ' ' | Should -BeExactly ''
        @($pws | Where-Object { $_ -notmatch '[!#%+\-=?@_]' }) -join ' ' | Should -BeExactly ''
        @($pws | Where-Object { $_ -match '[aeiouy;"]' }) -join ' ' | Should -BeExactly ''
    }
}
