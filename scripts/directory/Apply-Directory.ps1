# Apply-Directory.ps1: applies BillU's directory plan on a Windows DC through the ActiveDirectory module
# (billu-infra, components/directory). The guest step's run.ps1 dot-sources it, then calls Invoke-BilluDirectory,
# so Get-BilluSecret (billu-lib.ps1) is in scope.
#
# The same contract as apply_samba.py: the current state is read once, every difference is computed before the
# first write, and only differences are written, so the same plan twice writes nothing. A planned account or
# group that exists outside the managed OU (a computer: outside it and CN=Computers) is never adopted: the run
# stops before writing anything. Initial passwords come from the step's secrets, are set only when an account is
# created (with "change at next logon") and are never printed. Nothing is ever deleted.

function Split-BilluDn([string]$Dn) {
    # (first RDN, parent DN), honouring escaped commas.
    $parts = [regex]::Split($Dn, '(?<!\\),', 2)
    return @($parts[0], $parts[1])
}

function Test-BilluUnder([string]$Dn, [string]$Parent) {
    return $Dn.ToLowerInvariant().EndsWith(',' + $Parent.ToLowerInvariant())
}

function Invoke-BilluDirectory {
    param([Parameter(Mandatory = $true)][string]$PlanPath)
    $ErrorActionPreference = 'Stop'
    Import-Module ActiveDirectory
    $started = Get-Date
    $plan = [IO.File]::ReadAllText($PlanPath, [Text.Encoding]::UTF8) | ConvertFrom-Json
    $root = $plan.rootDn
    $computersContainer = "CN=Computers,$($plan.domainDn)"
    # The attributes the plan owns on a present person's account: LDAP name -> plan key. Empty means absent.
    $userAttrs = [ordered]@{
        userPrincipalName = 'upn'; mail = 'mail'; displayName = 'displayName'; givenName = 'givenName'; sn = 'sn'
        title = 'title'; department = 'department'; company = 'company'; telephoneNumber = 'telephoneNumber'; mobile = 'mobile'
    }

    # --- the current state, read once --------------------------------------------------------------------------
    $ous = @{}
    Get-ADOrganizationalUnit -Filter * -SearchBase $plan.domainDn -Properties description |
        ForEach-Object { $ous[$_.DistinguishedName.ToLowerInvariant()] = $_ }
    $groups = @{}
    Get-ADGroup -Filter * -Properties description | ForEach-Object { $groups[$_.SamAccountName.ToLowerInvariant()] = $_ }
    $users = @{}
    Get-ADUser -Filter * -Properties (@($userAttrs.Keys) + @('manager', 'memberOf', 'Enabled')) |
        ForEach-Object { $users[$_.SamAccountName.ToLowerInvariant()] = $_ }
    $computers = @{}
    Get-ADComputer -Filter * -Properties description, managedBy, Enabled | ForEach-Object { $computers[$_.SamAccountName.ToLowerInvariant()] = $_ }
    # Who a DN names, so links and memberships compare by account, not by DN text.
    $samOfDn = @{}
    foreach ($table in @($users, $groups, $computers)) {
        foreach ($o in $table.Values) { $samOfDn[$o.DistinguishedName.ToLowerInvariant()] = $o.SamAccountName.ToLowerInvariant() }
    }

    # --- refusals: checked before anything is written -----------------------------------------------------------
    $refusals = New-Object System.Collections.Generic.List[string]
    foreach ($g in $plan.groups) {
        $cur = $groups[$g.sam.ToLowerInvariant()]
        if ($cur -and -not (Test-BilluUnder $cur.DistinguishedName $root)) { $refusals.Add("group $($g.sam) exists outside $root ($($cur.DistinguishedName))") }
    }
    foreach ($u in $plan.users) {
        $cur = $users[$u.sam.ToLowerInvariant()]
        if ($cur -and -not (Test-BilluUnder $cur.DistinguishedName $root)) { $refusals.Add("account $($u.sam) exists outside $root ($($cur.DistinguishedName))") }
        if (-not $cur -and $u.enabled) {
            try { $null = Get-BilluSecret $u.password } catch { $refusals.Add("no initial password (secret $($u.password)) for the new account $($u.sam)") }
        }
    }
    foreach ($c in $plan.computers) {
        $cur = $computers[$c.sam.ToLowerInvariant()]
        if ($cur -and -not ((Test-BilluUnder $cur.DistinguishedName $root) -or (Test-BilluUnder $cur.DistinguishedName $computersContainer))) {
            $refusals.Add("computer $($c.sam) exists outside $root and CN=Computers ($($cur.DistinguishedName))")
        }
    }
    if ($refusals.Count -gt 0) {
        foreach ($r in $refusals) { [Console]::Error.WriteLine("directory: refused: $r") }
        throw "directory: nothing written ($($refusals.Count) refusal(s))"
    }

    $script:BilluDirectoryChanges = 0
    function Write-Change([string]$What) { $script:BilluDirectoryChanges++; Write-Output "directory: $What" }

    # --- OUs, parents first ------------------------------------------------------------------------------------
    foreach ($ou in $plan.ous) {
        $cur = $ous[$ou.dn.ToLowerInvariant()]
        if (-not $cur) {
            New-ADOrganizationalUnit -Name $ou.name -Path (Split-BilluDn $ou.dn)[1] -Description $ou.description -ProtectedFromAccidentalDeletion $true
            Write-Change "add $($ou.dn)"
        } elseif ([string]$cur.description -cne $ou.description) {
            Set-ADOrganizationalUnit -Identity $cur.ObjectGUID -Description $ou.description
            Write-Change "modify $($ou.dn) description"
        }
    }

    # --- groups ------------------------------------------------------------------------------------------------
    foreach ($g in $plan.groups) {
        $cur = $groups[$g.sam.ToLowerInvariant()]
        $parent = (Split-BilluDn $g.dn)[1]
        if (-not $cur) {
            New-ADGroup -Name $g.sam -SamAccountName $g.sam -GroupScope Global -GroupCategory Security -Path $parent -Description $g.description
            Write-Change "add $($g.dn)"
            continue
        }
        if ($cur.DistinguishedName -ne $g.dn) {
            Move-ADObject -Identity $cur.ObjectGUID -TargetPath $parent
            Write-Change "move $($g.sam) to $parent"
        }
        if ([string]$cur.description -cne $g.description) {
            Set-ADGroup -Identity $cur.ObjectGUID -Description $g.description
            Write-Change "modify $($g.sam) description"
        }
    }

    # --- accounts ----------------------------------------------------------------------------------------------
    $userDn = @{}
    foreach ($u in $plan.users) {
        $sam = $u.sam.ToLowerInvariant()
        $cur = $users[$sam]
        $rdnParent = Split-BilluDn $u.dn
        if (-not $cur) {
            if (-not $u.enabled) { continue } # left before it was ever created: nothing to keep
            $other = @{}
            foreach ($a in @('mail', 'title', 'department', 'company', 'telephoneNumber', 'mobile')) { if ($u.($userAttrs[$a])) { $other[$a] = $u.($userAttrs[$a]) } }
            $new = @{
                Name = $u.cn; SamAccountName = $u.sam; UserPrincipalName = $u.upn; Path = $rdnParent[1]
                DisplayName = $u.displayName; GivenName = $u.givenName; Surname = $u.sn
                AccountPassword = (ConvertTo-SecureString (Get-BilluSecret $u.password) -AsPlainText -Force)
                ChangePasswordAtLogon = $true; Enabled = $true
            }
            if ($other.Count -gt 0) { $new.OtherAttributes = $other }
            New-ADUser @new
            Write-Change "add $($u.dn)"
            $userDn[$sam] = $u.dn
            continue
        }
        $userDn[$sam] = $u.dn
        $curParent = (Split-BilluDn $cur.DistinguishedName)[1]
        if ($curParent -ne $rdnParent[1]) {
            Move-ADObject -Identity $cur.ObjectGUID -TargetPath $rdnParent[1]
            Write-Change "move $($u.sam) to $($rdnParent[1])"
        }
        if ($cur.Name -cne $u.cn) {
            Rename-ADObject -Identity $cur.ObjectGUID -NewName $u.cn
            Write-Change "rename $($u.sam) to $($u.cn)"
        }
        if ($u.enabled) {
            $replace = @{}
            $clear = @()
            foreach ($a in $userAttrs.Keys) {
                $want = [string]$u.($userAttrs[$a])
                if ($want -cne [string]$cur.$a) { if ($want -ne '') { $replace[$a] = $want } else { $clear += $a } }
            }
            $set = @{ Identity = $cur.ObjectGUID }
            if ($replace.Count -gt 0) { $set.Replace = $replace }
            if ($clear.Count -gt 0) { $set.Clear = $clear }
            if ($set.Count -gt 1) {
                Set-ADUser @set
                Write-Change "modify $($u.sam): $((@($replace.Keys) + $clear) -join ', ')"
            }
            if (-not $cur.Enabled) {
                Enable-ADAccount -Identity $cur.ObjectGUID
                Write-Change "enable $($u.sam)"
            }
        } elseif ($cur.Enabled) {
            Disable-ADAccount -Identity $cur.ObjectGUID
            Write-Change "disable $($u.sam)"
        }
    }

    # --- computers ---------------------------------------------------------------------------------------------
    foreach ($c in $plan.computers) {
        $cur = $computers[$c.sam.ToLowerInvariant()]
        $parent = (Split-BilluDn $c.dn)[1]
        $owner = $userDn[$c.owner.ToLowerInvariant()]
        if (-not $cur) {
            if (-not $c.enabled) { continue } # retired before it was ever created: nothing to keep
            $new = @{ Name = $c.name; SamAccountName = $c.sam; Path = $parent; Enabled = $true }
            if ($c.description) { $new.Description = $c.description }
            if ($owner) { $new.ManagedBy = $owner }
            New-ADComputer @new
            Write-Change "add $($c.dn)"
            continue
        }
        if ($cur.DistinguishedName -ne $c.dn) {
            Move-ADObject -Identity $cur.ObjectGUID -TargetPath $parent
            Write-Change "move $($c.sam) to $parent"
        }
        if ($c.enabled -and [string]$cur.description -cne $c.description) {
            if ($c.description) { Set-ADComputer -Identity $cur.ObjectGUID -Description $c.description } else { Set-ADComputer -Identity $cur.ObjectGUID -Clear description }
            Write-Change "modify $($c.sam) description"
        }
        if ($c.enabled -and -not $cur.Enabled) {
            Enable-ADAccount -Identity $cur.ObjectGUID
            Write-Change "enable $($c.sam)"
        } elseif (-not $c.enabled -and $cur.Enabled) {
            Disable-ADAccount -Identity $cur.ObjectGUID
            Write-Change "disable $($c.sam)"
        }
        $have = if ($cur.managedBy) { $samOfDn[$cur.managedBy.ToLowerInvariant()] } else { '' }
        if ($owner -and $have -ne $c.owner.ToLowerInvariant()) {
            Set-ADComputer -Identity $cur.ObjectGUID -ManagedBy $owner
            Write-Change "modify $($c.sam) managedBy"
        }
    }

    # --- managers, by account ------------------------------------------------------------------------------------
    foreach ($u in $plan.users) {
        $sam = $u.sam.ToLowerInvariant()
        if (-not $u.enabled -or -not $userDn.ContainsKey($sam)) { continue }
        $cur = $users[$sam]
        $have = if ($cur -and $cur.manager) { $samOfDn[$cur.manager.ToLowerInvariant()] } else { '' }
        $want = $u.manager.ToLowerInvariant()
        if ($want -ne $have) {
            if ($want) { Set-ADUser -Identity $u.sam -Manager $userDn[$want] } else { Set-ADUser -Identity $u.sam -Clear manager }
            Write-Change "modify $($u.sam) manager"
        }
    }

    # --- memberships: each account in exactly its planned staff groups; other members are left alone -----------
    $managed = @{}
    foreach ($g in $plan.groups) { $managed[$g.dn.ToLowerInvariant()] = $g.sam.ToLowerInvariant() }
    foreach ($g in $plan.groups) {
        $cur = $groups[$g.sam.ToLowerInvariant()]
        if ($cur) { $managed[$cur.DistinguishedName.ToLowerInvariant()] = $g.sam.ToLowerInvariant() }
    }
    $adds = @{}
    $removes = @{}
    foreach ($u in $plan.users) {
        $sam = $u.sam.ToLowerInvariant()
        if (-not $userDn.ContainsKey($sam)) { continue }
        $want = @($u.groups | ForEach-Object { $_.ToLowerInvariant() })
        $have = @()
        if ($users[$sam]) { $have = @($users[$sam].memberOf | ForEach-Object { $managed[$_.ToLowerInvariant()] } | Where-Object { $_ }) }
        foreach ($g in $want) { if ($have -notcontains $g) { if (-not $adds[$g]) { $adds[$g] = @() }; $adds[$g] += $u.sam } }
        foreach ($g in $have) { if ($want -notcontains $g) { if (-not $removes[$g]) { $removes[$g] = @() }; $removes[$g] += $u.sam } }
    }
    foreach ($g in $plan.groups) {
        $key = $g.sam.ToLowerInvariant()
        if ($adds[$key]) {
            Add-ADGroupMember -Identity $g.sam -Members $adds[$key]
            Write-Change "add $($adds[$key].Count) member(s) to $($g.sam)"
        }
        if ($removes[$key]) {
            Remove-ADGroupMember -Identity $g.sam -Members $removes[$key] -Confirm:$false
            Write-Change "remove $($removes[$key].Count) member(s) from $($g.sam)"
        }
    }

    $seconds = [math]::Round(((Get-Date) - $started).TotalSeconds, 2)
    if ($script:BilluDirectoryChanges -eq 0) {
        Write-Output "directory: nothing to write (planned: $(@($plan.ous).Count) OUs, $(@($plan.groups).Count) groups, $(@($plan.users).Count) accounts, $(@($plan.computers).Count) computers) in $seconds s"
    } else {
        Write-Output "directory: $($script:BilluDirectoryChanges) change(s) written in $seconds s"
    }
}
