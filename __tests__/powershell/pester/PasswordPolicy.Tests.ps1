# Apply-PasswordPolicy.ps1 (the Windows password policy applier, scripts/directory) and Apply-Directory.ps1's
# logonHours, with the ActiveDirectory cmdlets mocked, against what the model renders (__tests__/powershell/pester.test.ts):
#   BILLU_PASSWORD_POLICY   dev's password-policy.json (billu:directory.accountPolicy)
#   BILLU_PLAN_DEV          dev's directory plan (logonHours on every person)
# Mocked: Import-Module, Get-ADDomain, Get-/Set-ADDefaultDomainPasswordPolicy, Get-/New-/Set-/Remove-ADFineGrainedPasswordPolicy,
# Get-/Add-/Remove-ADFineGrainedPasswordPolicySubject; for logonHours the fake directory (fake-directory.ps1).

BeforeAll {
    . (Join-Path $PSScriptRoot 'stubs.ps1')
    . (Join-Path $PSScriptRoot '../../../scripts/directory/Apply-PasswordPolicy.ps1')
    $script:Policy = [IO.File]::ReadAllText($env:BILLU_PASSWORD_POLICY, [Text.Encoding]::UTF8) | ConvertFrom-Json
    $script:Writes = 'Set-ADDefaultDomainPasswordPolicy', 'New-ADFineGrainedPasswordPolicy', 'Set-ADFineGrainedPasswordPolicy',
    'Remove-ADFineGrainedPasswordPolicy', 'Add-ADFineGrainedPasswordPolicySubject', 'Remove-ADFineGrainedPasswordPolicySubject'
    # What the cmdlets return for a domain or a PSO that holds these settings (TimeSpans, as AD returns them).
    function ConvertTo-AdPolicy($s, [string]$Name) {
        $o = [pscustomobject](ConvertTo-BilluPolicyParams $s)
        if ($Name) {
            $o | Add-Member Name $Name
            $o | Add-Member DistinguishedName "CN=$Name,CN=Password Settings Container,CN=System,DC=billu,DC=remindme,DC=lan"
            $o | Add-Member Precedence ([int]$s.precedence)
        }
        return $o
    }
}

Describe 'the domain password policy and PSOs (Apply-PasswordPolicy.ps1)' {
    # The mocks once for the block (Should -Invoke counts each case's calls only); each case mocks what it reads.
    BeforeAll {
        Mock Import-Module {}
        Mock Get-ADDomain { [pscustomobject]@{ DistinguishedName = 'DC=billu,DC=remindme,DC=lan' } }
        foreach ($c in $script:Writes) { Mock $c {} }
    }

    It 'a new domain (Windows defaults, no PSO): sets every differing setting once, creates each PSO and applies it to its subjects' {
        Mock Get-ADDefaultDomainPasswordPolicy {
            [pscustomobject]@{ MinPasswordLength = 7; ComplexityEnabled = $true; PasswordHistoryCount = 24; MaxPasswordAge = [TimeSpan]::FromDays(42)
                MinPasswordAge = [TimeSpan]::FromDays(1); LockoutThreshold = 0; LockoutDuration = [TimeSpan]::FromMinutes(10); LockoutObservationWindow = [TimeSpan]::FromMinutes(10) }
        }
        Mock Get-ADFineGrainedPasswordPolicy {}
        Mock Get-ADFineGrainedPasswordPolicySubject {}
        $out = @(Invoke-BilluPasswordPolicy -PolicyPath $env:BILLU_PASSWORD_POLICY)
        Should -Invoke Set-ADDefaultDomainPasswordPolicy -Times 1 -Exactly -ParameterFilter {
            $Identity -eq 'DC=billu,DC=remindme,DC=lan' -and $MinPasswordLength -eq $script:Policy.domain.minLength -and
            $MaxPasswordAge -eq [TimeSpan]::FromDays($script:Policy.domain.maxAgeDays) -and $LockoutThreshold -eq $script:Policy.domain.lockoutThreshold -and
            $LockoutDuration -eq [TimeSpan]::FromMinutes($script:Policy.domain.lockoutDurationMinutes) -and
            $LockoutObservationWindow -eq [TimeSpan]::FromMinutes($script:Policy.domain.lockoutWindowMinutes) -and
            # only what differs: complexity, history and minimum age are Windows' defaults already
            $null -eq $ComplexityEnabled -and $null -eq $PasswordHistoryCount -and $null -eq $MinPasswordAge
        }
        foreach ($p in $script:Policy.psos) {
            Should -Invoke New-ADFineGrainedPasswordPolicy -Times 1 -Exactly -ParameterFilter {
                $Name -eq $p.name -and $Precedence -eq $p.precedence -and $MinPasswordLength -eq $p.minLength -and
                $MaxPasswordAge -eq [TimeSpan]::FromDays($p.maxAgeDays) -and $LockoutThreshold -eq $p.lockoutThreshold -and $ReversibleEncryptionEnabled -eq $false
            }
            Should -Invoke Add-ADFineGrainedPasswordPolicySubject -Times 1 -Exactly -ParameterFilter {
                $Identity -eq $p.name -and (@($Subjects) -join ',') -eq (@($p.appliesTo) -join ',')
            }
        }
        Should -Invoke New-ADFineGrainedPasswordPolicy -Times @($script:Policy.psos).Count -Exactly
        Should -Invoke Remove-ADFineGrainedPasswordPolicy -Times 0 -Exactly
        $out | Should -Contain 'password policy: domain: MinPasswordLength, MaxPasswordAge, LockoutThreshold, LockoutDuration, LockoutObservationWindow'
    }

    It 'a domain as planned: no write, and it says so' {
        Mock Get-ADDefaultDomainPasswordPolicy { ConvertTo-AdPolicy $script:Policy.domain }
        Mock Get-ADFineGrainedPasswordPolicy { foreach ($p in $script:Policy.psos) { ConvertTo-AdPolicy $p $p.name } }
        Mock Get-ADFineGrainedPasswordPolicySubject {
            $p = $script:Policy.psos | Where-Object { $Identity -like "CN=$($_.name),*" }
            foreach ($s in $p.appliesTo) { [pscustomobject]@{ SamAccountName = $s } }
        }
        $out = @(Invoke-BilluPasswordPolicy -PolicyPath $env:BILLU_PASSWORD_POLICY)
        foreach ($c in $script:Writes) { Should -Invoke $c -Times 0 -Exactly -Because "$c writes" }
        $out | Should -Be @("password policy: nothing to change (domain policy and $(@($script:Policy.psos).Count) PSO(s) as planned)")
    }

    It 'a PSO not in the plan is removed; a changed precedence is set; a subject too many is unapplied, a missing one applied' {
        $first = $script:Policy.psos[0]
        Mock Get-ADDefaultDomainPasswordPolicy { ConvertTo-AdPolicy $script:Policy.domain }
        Mock Get-ADFineGrainedPasswordPolicy {
            $a = ConvertTo-AdPolicy $first $first.name; $a.Precedence = 99; $a
            ConvertTo-AdPolicy $first 'PSO-Old'
        }
        Mock Get-ADFineGrainedPasswordPolicySubject { [pscustomobject]@{ SamAccountName = 'someone.else' } }
        $out = @(Invoke-BilluPasswordPolicy -PolicyPath $env:BILLU_PASSWORD_POLICY)
        Should -Invoke Remove-ADFineGrainedPasswordPolicy -Times 1 -Exactly -ParameterFilter { $Identity -like 'CN=PSO-Old,*' }
        Should -Invoke Set-ADFineGrainedPasswordPolicy -Times 1 -Exactly -ParameterFilter { $Precedence -eq $first.precedence -and $null -eq $MinPasswordLength }
        Should -Invoke Remove-ADFineGrainedPasswordPolicySubject -Times 1 -Exactly -ParameterFilter { $Identity -eq $first.name -and (@($Subjects) -join ',') -eq 'someone.else' }
        Should -Invoke Add-ADFineGrainedPasswordPolicySubject -Times 1 -Exactly -ParameterFilter { $Identity -eq $first.name -and (@($Subjects) -join ',') -eq (@($first.appliesTo) -join ',') }
        $out | Should -Contain "password policy: remove PSO PSO-Old"
    }
}
