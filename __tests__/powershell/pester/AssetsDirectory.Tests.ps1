# scripts/directory/assets-directory.ps1 as the model renders it for a Windows first DC (pester.test.ts writes it:
# $env:BILLU_ASSETS_DIR_STEP, the data assignments first; $env:BILLU_ASSETS_DIR_MODEL says what it must do, from the
# plan): GLPI's read-only service account, its password the secret, its mail the helpdesk address. Mocked: the
# ActiveDirectory module's Get-ADUser, New-ADUser, Set-ADUser, Set-ADAccountPassword, and New-Object for the LDAP bind
# probe (System.DirectoryServices). A directory in memory records what the step wrote.

BeforeAll {
    # Test passwords are made per run (never a literal in a committed file).
    $script:OldSecret = 'T-' + [guid]::NewGuid().ToString('N')
    . (Join-Path $PSScriptRoot '../../../scripts/lib/billu-lib.ps1')
    function Stub([string]$Name) { throw "$Name was called but not mocked (AssetsDirectory.Tests.ps1)" }
    function global:Get-ADUser { [CmdletBinding()] param($Filter, $Identity, $Properties) Stub $MyInvocation.MyCommand.Name }
    function global:New-ADUser {
        [CmdletBinding()] param($Name, $SamAccountName, $UserPrincipalName, $Description, $AccountPassword, $Enabled, $PasswordNeverExpires, $EmailAddress)
        Stub $MyInvocation.MyCommand.Name
    }
    function global:Set-ADUser { [CmdletBinding()] param($Identity, $EmailAddress) Stub $MyInvocation.MyCommand.Name }
    function global:Set-ADAccountPassword { [CmdletBinding()] param($Identity, [switch]$Reset, $NewPassword) Stub $MyInvocation.MyCommand.Name }
    if (-not ('BilluFakeEntry' -as [type])) {
        Add-Type -TypeDefinition 'public class BilluFakeEntry { private readonly bool works; public BilluFakeEntry(bool works) { this.works = works; } public object NativeObject { get { if (!works) throw new System.UnauthorizedAccessException("The user name or password is incorrect."); return "bound"; } } }'
    }
    $script:Step = $env:BILLU_ASSETS_DIR_STEP
    $script:Model = [IO.File]::ReadAllText($env:BILLU_ASSETS_DIR_MODEL) | ConvertFrom-Json
    $script:Secret = 'T-' + [guid]::NewGuid().ToString('N')
    $script:BilluSecrets = @{ 'glpi-ldap-password' = $script:Secret }
    $script:plain = { param($s) [System.Net.NetworkCredential]::new('', $s).Password }

    # The directory: the service account when present (@{ Mail; Password }), and whether a bind with the secret works.
    function Use-FakeDirectory($Account) {
        $script:AD = @{ Account = $Account }
        Mock Get-ADUser {
            if ($Filter) {
                if ($Filter -ne "SamAccountName -eq '$($script:Model.account)'") { throw "unexpected filter $Filter" }
                if ($script:AD.Account) { [pscustomobject]@{ SamAccountName = $script:Model.account } }
            } else {
                [pscustomobject]@{ SamAccountName = $Identity; mail = $script:AD.Account.Mail }
            }
        }
        Mock New-ADUser {
            if ($AccountPassword -isnot [securestring]) { throw 'the password must arrive as a SecureString' }
            $script:AD.Account = @{ Mail = $EmailAddress; Password = (& $script:plain $AccountPassword); Upn = $UserPrincipalName; Enabled = $Enabled; NeverExpires = $PasswordNeverExpires }
        }
        Mock Set-ADUser { $script:AD.Account.Mail = $EmailAddress }
        Mock Set-ADAccountPassword { $script:AD.Account.Password = (& $script:plain $NewPassword) }
        Mock New-Object {
            # A .NET property that throws, as DirectoryEntry.NativeObject does on a failed bind (a ScriptProperty's error
            # would be swallowed by PowerShell).
            [BilluFakeEntry]::new($ArgumentList[1] -eq $script:Model.bindDn -and $ArgumentList[2] -eq $script:AD.Account.Password)
        } -ParameterFilter { $TypeName -eq 'System.DirectoryServices.DirectoryEntry' }
    }
    function Invoke-Step { $null = . ([scriptblock]::Create([IO.File]::ReadAllText($script:Step))) }
}

Describe 'the assets-directory step on a Windows DC: GLPI''s service account' {
    It 'no account: creates it enabled, never expiring, with the secret as its password and the helpdesk address as its mail' {
        Use-FakeDirectory $null
        Invoke-Step
        $script:AD.Account.Password | Should -BeExactly $script:Secret
        $script:AD.Account.Mail | Should -BeExactly $script:Model.helpdesk
        $script:AD.Account.Upn | Should -BeExactly $script:Model.bindDn
        @($script:AD.Account.Enabled, $script:AD.Account.NeverExpires) | Should -Be @($true, $true)
        Should -Invoke Set-ADAccountPassword -Times 0 -Exactly
    }
    It 'the account as wanted (the bind works, its mail is the helpdesk address): writes nothing' {
        Use-FakeDirectory @{ Mail = $script:Model.helpdesk; Password = $script:Secret }
        Invoke-Step
        Should -Invoke New-ADUser -Times 0 -Exactly
        Should -Invoke Set-ADAccountPassword -Times 0 -Exactly
        Should -Invoke Set-ADUser -Times 0 -Exactly
    }
    It 'a password that no longer binds (the secret changed): reset to the secret' {
        Use-FakeDirectory @{ Mail = $script:Model.helpdesk; Password = $script:OldSecret }
        Invoke-Step
        $script:AD.Account.Password | Should -BeExactly $script:Secret
        Should -Invoke New-ADUser -Times 0 -Exactly
    }
    It 'another mail on the account: set back to the helpdesk address' {
        Use-FakeDirectory @{ Mail = 'someone@example.org'; Password = $script:Secret }
        Invoke-Step
        $script:AD.Account.Mail | Should -BeExactly $script:Model.helpdesk
        Should -Invoke Set-ADAccountPassword -Times 0 -Exactly
    }
}
