# Invoke-BilluLapsSetup (scripts/gpo/Apply-Gpo.ps1: Windows LAPS' one-time domain setup) against a domain's schema
# and OU permissions in memory, with what the model renders (__tests__/powershell/pester.test.ts writes them):
#   BILLU_LAPS_MANIFEST  gpos.json of prod with a windowsLaps GPO added (renderGpoManifest: its `laps` section)
#   BILLU_LAPS_MODEL     the same plan's expectations: the OUs the LAPS GPO is linked on, its readers, the NetBIOS name
# Mocked: Import-Module, Get-ADRootDSE, Get-ADObject (the schema's msLAPS-EncryptedPassword), Get-Acl (the OU's rules
# by SID: SELF's write on that attribute, inherited ones included), and the LAPS module's Update-LapsADSchema,
# Set-LapsADComputerSelfPermission, Set-LapsADReadPasswordPermission, Find-LapsADExtendedRights.

BeforeAll {
    . (Join-Path $PSScriptRoot 'stubs.ps1')
    . (Join-Path $PSScriptRoot '../../../scripts/gpo/Apply-Gpo.ps1')
    $script:Model = [IO.File]::ReadAllText($env:BILLU_LAPS_MODEL, [Text.Encoding]::UTF8) | ConvertFrom-Json
    $script:Laps = ([IO.File]::ReadAllText($env:BILLU_LAPS_MANIFEST, [Text.Encoding]::UTF8) | ConvertFrom-Json).laps
    $script:Attr = [guid]'f3531ec6-6330-4f8e-8d39-7a671fbac605'
    function Invoke-Setup {
        $script:Said = [System.Collections.Generic.List[string]]::new()
        $say = { param([string]$m) $script:Said.Add($m) }
        Invoke-BilluLapsSetup -Laps $script:Laps -NetbiosName $script:Model.netbiosName -Say $say
        return , $script:Said.ToArray()
    }
    # What the domain holds against the model: one line per difference.
    function Compare-DomainToModel {
        $diff = [System.Collections.Generic.List[string]]::new()
        if (-not $script:D.Schema) { $diff.Add('schema: no msLAPS-EncryptedPassword') }
        foreach ($ou in $script:Model.ous) {
            if (-not $script:D.Self[$ou]) { $diff.Add("${ou}: SELF may not write") }
            foreach ($r in $script:Model.readers) {
                if (@($script:D.Readers[$ou]) -notcontains "$($script:Model.netbiosName)\$r") { $diff.Add("${ou}: $r may not read") }
            }
        }
        return $diff.ToArray()
    }
}

Describe "Invoke-BilluLapsSetup on prod's Windows DCs with a LAPS GPO: a new forest, a re-run, drift" {
    # The mocks once for the block (they read and write $script:D, made anew before each case; Should -Invoke counts each
    # case's calls only).
    BeforeEach { $script:D = @{ Schema = $false; Self = @{}; Readers = @{}; SchemaIds = 0 } }
    BeforeAll {
        Mock Import-Module {}
        Mock Get-ADRootDSE { [pscustomobject]@{ schemaNamingContext = 'CN=Schema,CN=Configuration,DC=billu,DC=remindme,DC=lan' } }
        Mock Get-ADObject {
            if ($SearchBase -ne 'CN=Schema,CN=Configuration,DC=billu,DC=remindme,DC=lan' -or $LDAPFilter -ne '(lDAPDisplayName=msLAPS-EncryptedPassword)') { throw "unexpected Get-ADObject $SearchBase $LDAPFilter" }
            if ($script:D.Schema) { [pscustomobject]@{ schemaIDGUID = $script:Attr.ToByteArray() } }
        }
        Mock Update-LapsADSchema { $script:D.Schema = $true }
        Mock Get-Acl {
            $dn = $Path -replace '^AD:', ''
            $rules = @(
                # Another principal's write on the attribute, and SELF's write on another: neither is LAPS' self permission.
                [pscustomobject]@{ IdentityReference = 'S-1-5-32-548'; AccessControlType = 'Allow'; ObjectType = $script:Attr; ActiveDirectoryRights = 'WriteProperty' }
                [pscustomobject]@{ IdentityReference = 'S-1-5-10'; AccessControlType = 'Allow'; ObjectType = [guid]'bf967950-0de6-11d0-a285-00aa003049e2'; ActiveDirectoryRights = 'WriteProperty' }
            )
            if ($script:D.Self[$dn]) { $rules += [pscustomobject]@{ IdentityReference = 'S-1-5-10'; AccessControlType = 'Allow'; ObjectType = $script:Attr; ActiveDirectoryRights = 'ReadProperty, WriteProperty' } }
            $acl = [pscustomobject]@{ Rules = $rules }
            $acl | Add-Member -MemberType ScriptMethod -Name GetAccessRules -Value { param($explicit, $inherited, $type) $this.Rules }
            $acl
        }
        Mock Set-LapsADComputerSelfPermission { $script:D.Self[$Identity] = $true; [pscustomobject]@{ DistinguishedName = $Identity } }
        Mock Find-LapsADExtendedRights { [pscustomobject]@{ ObjectDN = $Identity; ExtendedRightHolders = @('NT AUTHORITY\SYSTEM', 'BILLU\Domain Admins') + @($script:D.Readers[$Identity]) } }
        Mock Set-LapsADReadPasswordPermission { $script:D.Readers[$Identity] = @(@($script:D.Readers[$Identity]) + $AllowedPrincipals | Where-Object { $_ }); [pscustomobject]@{ DistinguishedName = $Identity } }
    }

    It 'a new forest: extends the schema once, then on each OU of the model the computers write and the readers read' {
        $script:Model.ous.Count | Should -BeGreaterThan 0
        $out = Invoke-Setup
        @(Compare-DomainToModel) -join "`n" | Should -Be ''
        Should -Invoke Update-LapsADSchema -Times 1 -Exactly -ParameterFilter { $Confirm -eq $false }
        Should -Invoke Set-LapsADComputerSelfPermission -Times $script:Model.ous.Count -Exactly
        Should -Invoke Set-LapsADReadPasswordPermission -Times ($script:Model.ous.Count * $script:Model.readers.Count) -Exactly
        $want = @('LAPS: schema extended (Update-LapsADSchema)')
        foreach ($ou in $script:Model.ous) {
            $want += "LAPS: ${ou}: the computers may write their own password"
            foreach ($r in $script:Model.readers) { $want += "LAPS: ${ou}: $($script:Model.netbiosName)\$r may read the passwords" }
        }
        $out | Should -Be $want
    }

    It 'a second run: no write, nothing said' {
        Invoke-Setup | Out-Null
        $out = Invoke-Setup
        $out.Count | Should -Be 0
        Should -Invoke Set-LapsADReadPasswordPermission -Times ($script:Model.ous.Count * $script:Model.readers.Count) -Exactly -Scope It
        Should -Invoke Update-LapsADSchema -Times 1 -Exactly -Scope It
        Should -Invoke Set-LapsADComputerSelfPermission -Times $script:Model.ous.Count -Exactly -Scope It
    }

    It 'drift (the write by SELF removed on the first OU, a reader on the last): repairs exactly that' {
        Invoke-Setup | Out-Null
        $first, $last = $script:Model.ous[0], $script:Model.ous[-1]
        $r = $script:Model.readers[0]
        $script:D.Self[$first] = $false
        $script:D.Readers[$last] = @($script:D.Readers[$last] | Where-Object { $_ -ne "$($script:Model.netbiosName)\$r" })
        @(Compare-DomainToModel) | Should -Be @("${first}: SELF may not write", "${last}: $r may not read")
        $out = Invoke-Setup
        $out | Should -Be @("LAPS: ${first}: the computers may write their own password", "LAPS: ${last}: $($script:Model.netbiosName)\$r may read the passwords")
        @(Compare-DomainToModel) -join "`n" | Should -Be ''
        Should -Invoke Update-LapsADSchema -Times 1 -Exactly -Scope It
    }

    It 'the schema still without the attribute after the update (not a Schema Admin): stops, saying so, before any OU' {
        Mock Update-LapsADSchema {}
        { Invoke-Setup } | Should -Throw 'gpo: LAPS: msLAPS-EncryptedPassword is still not in the schema after Update-LapsADSchema: run the step as a member of Schema Admins'
        Should -Invoke Set-LapsADComputerSelfPermission -Times 0 -Exactly -Scope It
        Should -Invoke Set-LapsADReadPasswordPermission -Times 0 -Exactly -Scope It
    }
}
