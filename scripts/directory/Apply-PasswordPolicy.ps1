# Applies BillU's domain password policy and fine-grained password policies (PSOs) through the ActiveDirectory
# module (billu-infra, components/directory). Reads password-policy.json, compares with what the domain holds and
# sets only what differs: the same policy twice changes nothing. The plan owns the PSOs: one not in it is removed.
# Durations: the plan's days and minutes; 0 days of maximum age and 0 minutes of lockout mean "never" (TimeSpan 0).

function ConvertTo-BilluPolicyParams($s) {
    return [ordered]@{
        MinPasswordLength           = [int]$s.minLength
        ComplexityEnabled           = [bool]$s.complexity
        PasswordHistoryCount        = [int]$s.history
        MaxPasswordAge              = [TimeSpan]::FromDays($s.maxAgeDays)
        MinPasswordAge              = [TimeSpan]::FromDays($s.minAgeDays)
        LockoutThreshold            = [int]$s.lockoutThreshold
        LockoutDuration             = [TimeSpan]::FromMinutes($s.lockoutDurationMinutes)
        LockoutObservationWindow    = [TimeSpan]::FromMinutes($s.lockoutWindowMinutes)
    }
}

# The parameters whose current value differs from the wanted one (compared as the cmdlets return them).
function Get-BilluPolicyDiff($Want, $Have) {
    $diff = [ordered]@{}
    foreach ($k in $Want.Keys) { if ($null -eq $Have -or "$($Have.$k)" -ne "$($Want[$k])") { $diff[$k] = $Want[$k] } }
    return $diff
}

function Invoke-BilluPasswordPolicy {
    param([Parameter(Mandatory = $true)][string]$PolicyPath)
    $ErrorActionPreference = 'Stop'
    Import-Module ActiveDirectory
    $policy = [IO.File]::ReadAllText($PolicyPath, [Text.Encoding]::UTF8) | ConvertFrom-Json
    $changes = 0
    $domain = Get-ADDomain
    $diff = Get-BilluPolicyDiff (ConvertTo-BilluPolicyParams $policy.domain) (Get-ADDefaultDomainPasswordPolicy -Identity $domain.DistinguishedName)
    if ($diff.Count -gt 0) {
        Set-ADDefaultDomainPasswordPolicy -Identity $domain.DistinguishedName @diff
        Write-Output "password policy: domain: $(@($diff.Keys) -join ', ')"
        $changes++
    }
    $have = @{}
    Get-ADFineGrainedPasswordPolicy -Filter * | ForEach-Object { $have[$_.Name.ToLowerInvariant()] = $_ }
    $planned = @($policy.psos | ForEach-Object { $_.name.ToLowerInvariant() })
    foreach ($name in @($have.Keys | Sort-Object)) {
        if ($planned -notcontains $name) {
            Remove-ADFineGrainedPasswordPolicy -Identity $have[$name].DistinguishedName -Confirm:$false
            Write-Output "password policy: remove PSO $($have[$name].Name)"
            $changes++
        }
    }
    foreach ($p in $policy.psos) {
        $want = ConvertTo-BilluPolicyParams $p
        $want.Precedence = [int]$p.precedence
        $cur = $have[$p.name.ToLowerInvariant()]
        $subjects = @()
        if (-not $cur) {
            New-ADFineGrainedPasswordPolicy -Name $p.name -ReversibleEncryptionEnabled $false @want
            Write-Output "password policy: create PSO $($p.name)"
            $changes++
        } else {
            $diff = Get-BilluPolicyDiff $want $cur
            if ($diff.Count -gt 0) {
                Set-ADFineGrainedPasswordPolicy -Identity $cur.DistinguishedName @diff
                Write-Output "password policy: PSO $($p.name): $(@($diff.Keys) -join ', ')"
                $changes++
            }
            $subjects = @(Get-ADFineGrainedPasswordPolicySubject -Identity $cur.DistinguishedName | ForEach-Object { $_.SamAccountName })
        }
        $missing = @($p.appliesTo | Where-Object { $subjects -notcontains $_ })
        if ($missing.Count -gt 0) {
            Add-ADFineGrainedPasswordPolicySubject -Identity $p.name -Subjects $missing
            Write-Output "password policy: PSO $($p.name) applies to $($missing -join ', ')"
            $changes++
        }
        $extra = @($subjects | Where-Object { @($p.appliesTo) -notcontains $_ })
        if ($extra.Count -gt 0) {
            Remove-ADFineGrainedPasswordPolicySubject -Identity $p.name -Subjects $extra -Confirm:$false
            Write-Output "password policy: PSO $($p.name) no longer applies to $($extra -join ', ')"
            $changes++
        }
    }
    if ($changes -eq 0) { Write-Output "password policy: nothing to change (domain policy and $(@($policy.psos).Count) PSO(s) as planned)" }
}
