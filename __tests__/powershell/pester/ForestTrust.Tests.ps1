# The Windows `trust` step (components/trust/render.ts windowsTrustStep, rendered from prod's plan: $env:BILLU_TRUST_STEP,
# with what it must do in $env:BILLU_TRUST_MODEL) against a forest in memory.
# Mocked: .NET's Forest (a fake object with the methods the step calls); ActiveDirectory's Get-ADGroup, New-ADGroup,
# Get-ADGroupMember and Add-ADGroupMember; billu-lib's Get-BilluSecret (Write-BilluLog is billu-lib's own).

BeforeAll {
    # Test passwords are made per run (never a literal in a committed file).
    $script:TrustPw = 'T-' + [guid]::NewGuid().ToString('N')
    . (Join-Path $PSScriptRoot 'stubs.ps1')
    . (Join-Path $PSScriptRoot '../../../scripts/lib/billu-lib.ps1')
    $ErrorActionPreference = 'Stop'
    # System.DirectoryServices' exceptions cannot be constructed off Windows: a stand-in of the same name (the step
    # matches the exception by its type name).
    if (-not ('BilluFake.ActiveDirectoryObjectNotFoundException' -as [type])) {
        Add-Type -TypeDefinition 'namespace BilluFake { public class ActiveDirectoryObjectNotFoundException : System.Exception { public ActiveDirectoryObjectNotFoundException(string m) : base(m) {} } }'
    }
    $script:Model = [IO.File]::ReadAllText($env:BILLU_TRUST_MODEL) | ConvertFrom-Json
    # The rendered step's data and functions, without its main part.
    $env:BILLU_TRUST_NO_MAIN = '1'
    . $env:BILLU_TRUST_STEP
    $env:BILLU_TRUST_NO_MAIN = $null

    # A forest with no trust, or one with the partner (direction, selective authentication, SID filtering, password).
    function New-FakeForest([hashtable]$Trust) {
        $state = @{ Trust = $Trust; Calls = [System.Collections.Generic.List[string]]::new() }
        $f = [pscustomobject]@{ State = $state }
        $f | Add-Member ScriptMethod GetTrustRelationship { param($p)
            if (-not $this.State.Trust -or $this.State.Trust.Partner -ne $p) { throw [BilluFake.ActiveDirectoryObjectNotFoundException]::new("no trust with $p") }
            [pscustomobject]$this.State.Trust }
        $f | Add-Member ScriptMethod CreateLocalSideOfTrustRelationship { param($p, $d, $pw)
            $this.State.Calls.Add("create $p $d"); $this.State.Trust = @{ Partner = $p; Direction = "$d"; Password = $pw; Selective = $false; SidFiltering = $false } }
        $f | Add-Member ScriptMethod GetSelectiveAuthenticationStatus { param($p) $this.State.Trust.Selective }
        $f | Add-Member ScriptMethod SetSelectiveAuthenticationStatus { param($p, $v) $this.State.Calls.Add("selective $v"); $this.State.Trust.Selective = $v }
        $f | Add-Member ScriptMethod GetSidFilteringStatus { param($p) $this.State.Trust.SidFiltering }
        $f | Add-Member ScriptMethod SetSidFilteringStatus { param($p, $v) $this.State.Calls.Add("sidfiltering $v"); $this.State.Trust.SidFiltering = $v }
        $f | Add-Member ScriptMethod VerifyOutboundTrustRelationship { param($p) if ($this.State.Trust.Password -ne $script:TrustPw) { throw 'the trust password is wrong' } }
        $f
    }
}

Describe 'the Windows trust step' {
    It 'renders prod''s partner, direction and options' {
        $PARTNER_DOMAIN | Should -Be $Model.partner
        $DIRECTION | Should -Be $Model.direction
        $SELECTIVE_AUTH | Should -Be 'true'
        $SID_FILTERING | Should -Be 'true'
    }

    It 'creates this half once, with the password from the secret, then sets selective authentication and SID filtering' {
        $forest = New-FakeForest $null
        Set-BilluTrust $forest $PARTNER_DOMAIN $DIRECTION $script:TrustPw | Should -Be "billu[]: created this half of the trust with $($Model.partner) ($($Model.direction))"
        Set-BilluTrustOptions $forest $PARTNER_DOMAIN $true $true
        Set-BilluTrust $forest $PARTNER_DOMAIN $DIRECTION $script:TrustPw | Should -Be "billu[]: this half of the trust with $($Model.partner) exists"
        Set-BilluTrustOptions $forest $PARTNER_DOMAIN $true $true
        @($forest.State.Calls) | Should -Be @("create $($Model.partner) $($Model.direction)", 'selective True', 'sidfiltering True')
        $forest.State.Trust.Password | Should -Be $script:TrustPw
    }

    It 'puts back selective authentication turned off by hand' {
        $forest = New-FakeForest @{ Partner = $Model.partner; Direction = $Model.direction; Password = $script:TrustPw; Selective = $false; SidFiltering = $true }
        Set-BilluTrustOptions $forest $PARTNER_DOMAIN $true $true
        @($forest.State.Calls) | Should -Be @('selective True')
    }

    It 'validates with the right password and not with a wrong one' {
        Test-BilluTrust (New-FakeForest @{ Partner = $Model.partner; Password = $script:TrustPw }) $PARTNER_DOMAIN | Should -BeTrue
        Test-BilluTrust (New-FakeForest @{ Partner = $Model.partner; Password = 'wrong' }) $PARTNER_DOMAIN 3>$null | Should -BeFalse
    }

    It 'creates each grant''s domain-local group and, once valid, adds the partner''s admin group to it once' {
        $script:Groups = @{}
        $script:Members = @{}
        Mock Get-ADGroup { if ($Server) { [pscustomobject]@{ Name = $Identity; SID = 'S-1-5-21-9-9-9-1104' } } elseif ($script:Groups.ContainsKey(($Filter -replace "^Name -eq '(.*)'$", '$1'))) { [pscustomobject]@{ Name = 'x' } } }
        Mock New-ADGroup { $script:Groups[$Name] = @{ Scope = "$GroupScope"; Description = $Description }; $script:Members[$Name] = @() }
        Mock Get-ADGroupMember { $script:Members[$Identity] }
        Mock Add-ADGroupMember { $script:Members[$Identity] += $Members }
        Set-BilluTrustGrants $env:BILLU_TRUST_GRANTS $PARTNER_DOMAIN $PARTNER_ADMIN_GROUP $false
        @($script:Groups.Keys) | Should -Be @($Model.grants | ForEach-Object group)
        $script:Groups[$Model.grants[0].group].Scope | Should -Be 'DomainLocal'
        @($script:Members[$Model.grants[0].group]).Count | Should -Be 0
        Set-BilluTrustGrants $env:BILLU_TRUST_GRANTS $PARTNER_DOMAIN $PARTNER_ADMIN_GROUP $true
        Set-BilluTrustGrants $env:BILLU_TRUST_GRANTS $PARTNER_DOMAIN $PARTNER_ADMIN_GROUP $true
        @($script:Members[$Model.grants[0].group] | ForEach-Object SID) | Should -Be @('S-1-5-21-9-9-9-1104')
        Should -Invoke Get-ADGroup -ParameterFilter { $Server -eq $Model.partner -and $Identity -eq $Model.adminGroup } -Times 2 -Exactly
    }
}
