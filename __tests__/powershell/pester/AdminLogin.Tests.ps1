# scripts/dc/admin-login.ps1: the admin's key login across AD DS promotion (#16), against a domain in memory.
# Mocked: ActiveDirectory's Get-ADDomain, Get-ADGroup, Get-ADGroupMember, Get-ADUser, New-ADUser, Enable-ADAccount,
# Add-ADGroupMember; CimCmdlets' Get-CimInstance (DomainRole); ServerManager's Install-WindowsFeature; Get-Module.
# The keys file is a real file (Pester's TestDrive). Stand-ins are declared here with the parameters these functions
# bind (stubs.ps1's lack -Credential); each throws unless mocked.

BeforeAll {
    . (Join-Path $PSScriptRoot '../../../scripts/lib/billu-lib.ps1')
    function Stub([string]$Name) { throw "$Name was called but not mocked (AdminLogin.Tests.ps1)" }
    function global:Get-ADDomain { [CmdletBinding()] param($Identity, $Server, $Credential) Stub $MyInvocation.MyCommand.Name }
    function global:Get-ADGroup { [CmdletBinding()] param($Filter, $SearchBase, $Properties, $Identity, $Server, $Credential) Stub $MyInvocation.MyCommand.Name }
    function global:Get-ADGroupMember { [CmdletBinding()] param($Identity, [switch]$Recursive, $Server, $Credential) Stub $MyInvocation.MyCommand.Name }
    function global:Get-ADUser { [CmdletBinding()] param($Filter, $SearchBase, $Properties, $Identity, $Server, $Credential) Stub $MyInvocation.MyCommand.Name }
    function global:New-ADUser {
        [CmdletBinding()] param($Name, $SamAccountName, $Description, $AccountPassword, $PasswordNeverExpires, $Enabled)
        Stub $MyInvocation.MyCommand.Name
    }
    function global:Enable-ADAccount { [CmdletBinding()] param($Identity) Stub $MyInvocation.MyCommand.Name }
    function global:Add-ADGroupMember { [CmdletBinding()] param($Identity, $Members) Stub $MyInvocation.MyCommand.Name }
    function global:Get-CimInstance { [CmdletBinding()] param($ClassName) Stub $MyInvocation.MyCommand.Name }
    function global:Install-WindowsFeature { [CmdletBinding()] param($Name, [switch]$IncludeManagementTools) Stub $MyInvocation.MyCommand.Name }
    . (Join-Path $PSScriptRoot '../../../scripts/dc/admin-login.ps1')

    $script:DomainSid = 'S-1-5-21-1111-2222-3333'
    $script:Keys = Join-Path $TestDrive 'administrators_authorized_keys'
    $env:COMPUTERNAME = 'PAR-DC02'
    $script:Cred = [pscredential]::new('BILLU\Administrator', (ConvertTo-SecureString 'Adm1n-Pw-42!' -AsPlainText -Force))

    # A domain: its users by account name, the members of Domain Admins (by SID, nested groups already resolved), and
    # this server's role (2 standalone, 4 or 5 a DC). Users: @{ Sam = @{ Enabled; SID } }.
    function Use-FakeDomain([hashtable]$Users, [string[]]$Admins, [int]$DomainRole = 2) {
        $script:AD = @{ Users = $Users; Admins = [System.Collections.Generic.List[string]]::new([string[]]@($Admins)); Role = $DomainRole; NextRid = 2000 }
        Set-Content -LiteralPath $script:Keys -Value 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOaW0Ar6n3bG5sX0k5oJc2lJ1n6L0TQd7a0b1c2d3e4f admin@billu'
    }
    # The domain's mocks, once per block (BeforeAll): they read and write $script:AD, which Use-FakeDomain makes anew in
    # each case, and Should -Invoke counts each case's calls only; installing them in every case cost ~0.1 s of CPU each.
    function Use-FakeDomainMocks {
        Mock Get-CimInstance { [pscustomobject]@{ DomainRole = $script:AD.Role } } -ParameterFilter { $ClassName -eq 'Win32_ComputerSystem' }
        Mock Get-Module { [pscustomobject]@{ Name = 'ActiveDirectory' } } -ParameterFilter { $Name -eq 'ActiveDirectory' }
        Mock Install-WindowsFeature { }
        Mock Get-ADDomain { [pscustomobject]@{ DomainSID = [pscustomobject]@{ Value = $script:DomainSid } } }
        Mock Get-ADGroup { if ($Identity -ne "$($script:DomainSid)-512") { throw "unexpected group $Identity" }; [pscustomobject]@{ Name = 'Admins du domaine'; SID = $Identity } }
        Mock Get-ADGroupMember {
            if ("$($Identity.SID)" -ne "$($script:DomainSid)-512" -or -not $Recursive) { throw "unexpected member query $($Identity.SID) recursive=$Recursive" }
            @($script:AD.Admins | ForEach-Object { [pscustomobject]@{ SID = $_ } })
        }
        Mock Get-ADUser {
            if ($Filter -notmatch "^SamAccountName -eq '([^']+)'$") { throw "unexpected filter $Filter" }
            $u = $script:AD.Users[$Matches[1]]
            if ($u) { [pscustomobject]@{ SamAccountName = $Matches[1]; Enabled = $u.Enabled; SID = $u.SID } }
        }
        Mock New-ADUser {
            if ($AccountPassword -isnot [securestring]) { throw 'the password must arrive as a SecureString' }
            $script:AD.Users[$SamAccountName] = @{ Enabled = [bool]$Enabled; SID = "$($script:DomainSid)-$($script:AD.NextRid)" }
            $script:AD.NextRid++
        }
        Mock Enable-ADAccount { $script:AD.Users[$Identity.SamAccountName].Enabled = $true }
        Mock Add-ADGroupMember { $script:AD.Admins.Add("$($Members.SID)") }
    }
    $script:Writes = @('New-ADUser', 'Enable-ADAccount', 'Add-ADGroupMember', 'Install-WindowsFeature')
    function Assert-NoWrite { foreach ($c in $script:Writes) { Should -Invoke $c -Times 0 -Exactly -Because "$c changes the domain or the server" } }
}

Describe 'the first DC''s ready step: the admin becomes a domain admin' {
    BeforeAll { Use-FakeDomainMocks }
    It 'the local account the forest turned into a domain account: added to Domain Admins (by RID 512, its name localized), once' {
        Use-FakeDomain -Users @{ 'billu-admin' = @{ Enabled = $true; SID = "$DomainSid-1000" } } -Admins @("$DomainSid-500") -DomainRole 5
        @(Set-BilluDomainAdminLogin -User 'billu-admin' -KeysFile $Keys) | Should -Be @('billu[]: domain account billu-admin added to Admins du domaine')
        @($AD.Admins) | Should -Be @("$DomainSid-500", "$DomainSid-1000")
        Should -Invoke New-ADUser -Times 0 -Exactly
        @(Set-BilluDomainAdminLogin -User 'billu-admin' -KeysFile $Keys) | Should -Be @()
        Should -Invoke Add-ADGroupMember -Times 1 -Exactly
    }
    It 'no such domain account: creates it enabled, with a password nobody is given (a SecureString), then makes it a domain admin' {
        Use-FakeDomain -Users @{} -Admins @("$DomainSid-500") -DomainRole 5
        @(Set-BilluDomainAdminLogin -User 'billu-admin' -KeysFile $Keys) | Should -Be @(
            'billu[]: domain account billu-admin created (key login only)', 'billu[]: domain account billu-admin added to Admins du domaine')
        Should -Invoke New-ADUser -Times 1 -Exactly -ParameterFilter { $SamAccountName -eq 'billu-admin' -and $Enabled -eq $true -and $PasswordNeverExpires -eq $true }
        $AD.Users['billu-admin'].Enabled | Should -BeTrue
        @($AD.Admins) | Should -Contain "$DomainSid-2000"
    }
    It 'a disabled domain account: enabled again' {
        Use-FakeDomain -Users @{ 'billu-admin' = @{ Enabled = $false; SID = "$DomainSid-1000" } } -Admins @("$DomainSid-1000") -DomainRole 5
        @(Set-BilluDomainAdminLogin -User 'billu-admin' -KeysFile $Keys) | Should -Be @('billu[]: domain account billu-admin enabled')
        Should -Invoke Add-ADGroupMember -Times 0 -Exactly
    }
    It 'a keys file with no key: stops before touching the domain, saying how to fix it' {
        Use-FakeDomain -Users @{} -Admins @() -DomainRole 5
        Set-Content -LiteralPath $Keys -Value '# nothing here'
        { Set-BilluDomainAdminLogin -User 'billu-admin' -KeysFile $Keys } | Should -Throw "PAR-DC02: $Keys holds no SSH key, so billu-admin cannot log in by key on the DCs. Fix: rebuild the Windows template with scripts/templates/prepare-windows-template.ps1 (its first boot copies the keys there), or copy the keys there at the console"
        Assert-NoWrite
        Should -Invoke Get-ADUser -Times 0 -Exactly
    }
}

Describe 'a joining DC''s dc step: no promotion that would lock the admin out' {
    BeforeAll { Use-FakeDomainMocks }
    It 'the admin is a domain admin on the first DC: goes on, asking the first DC with the given credential' {
        Use-FakeDomain -Users @{ 'billu-admin' = @{ Enabled = $true; SID = "$DomainSid-1000" } } -Admins @("$DomainSid-500", "$DomainSid-1000")
        @(Assert-BilluAdminLoginBeforePromotion -User 'billu-admin' -KeysFile $Keys -Server 'par-dc01.billu.remindme.lan' -Credential $Cred) |
            Should -Be @('billu[]: billu-admin is a domain admin on par-dc01.billu.remindme.lan: its key login survives the promotion')
        Should -Invoke Get-ADUser -Times 1 -Exactly -ParameterFilter { $Server -eq 'par-dc01.billu.remindme.lan' -and $Credential -eq $Cred }
        Should -Invoke Get-ADGroupMember -Times 1 -Exactly -ParameterFilter { $Server -eq 'par-dc01.billu.remindme.lan' -and $Credential -eq $Cred }
        Assert-NoWrite
    }
    It 'refuses, naming why, when the domain account <why>' -ForEach @(
        @{ why = 'does not exist'; users = @{}; admins = @() }
        @{ why = 'is disabled'; users = @{ 'billu-admin' = @{ Enabled = $false; SID = 'S-1-5-21-1111-2222-3333-1000' } }; admins = @('S-1-5-21-1111-2222-3333-1000') }
        @{ why = 'is not a member of Domain Admins'; users = @{ 'billu-admin' = @{ Enabled = $true; SID = 'S-1-5-21-1111-2222-3333-1000' } }; admins = @('S-1-5-21-1111-2222-3333-500') }
    ) {
        Use-FakeDomain -Users $users -Admins $admins
        { Assert-BilluAdminLoginBeforePromotion -User 'billu-admin' -KeysFile $Keys -Server 'par-dc01.billu.remindme.lan' -Credential $Cred } |
            Should -Throw "PAR-DC02: not promoted: the domain account billu-admin $why on par-dc01.billu.remindme.lan, and promotion discards this server's local accounts: billu-admin could no longer log in. Fix: run pulumi up again once the first DC's ready step has passed (it makes billu-admin a domain admin), or fix the account on par-dc01.billu.remindme.lan"
        Assert-NoWrite
    }
    It 'refuses when its own keys file holds no key, before asking the domain' {
        Use-FakeDomain -Users @{ 'billu-admin' = @{ Enabled = $true; SID = "$DomainSid-1000" } } -Admins @("$DomainSid-1000")
        Remove-Item -LiteralPath $Keys
        { Assert-BilluAdminLoginBeforePromotion -User 'billu-admin' -KeysFile $Keys -Server 'par-dc01.billu.remindme.lan' -Credential $Cred } |
            Should -Throw "PAR-DC02: not promoted: $Keys holds no SSH key, so after promotion billu-admin could not log in by key. Fix: rebuild the Windows template with scripts/templates/prepare-windows-template.ps1, or copy the keys there, then run pulumi up again"
        Should -Invoke Get-ADUser -Times 0 -Exactly
    }
    It 'installs the AD module first when the server lacks it' {
        Use-FakeDomain -Users @{ 'billu-admin' = @{ Enabled = $true; SID = "$DomainSid-1000" } } -Admins @("$DomainSid-1000")
        Mock Get-Module { } -ParameterFilter { $Name -eq 'ActiveDirectory' }
        $null = Assert-BilluAdminLoginBeforePromotion -User 'billu-admin' -KeysFile $Keys -Server 'par-dc01.billu.remindme.lan' -Credential $Cred
        Should -Invoke Install-WindowsFeature -Times 1 -Exactly -ParameterFilter { $Name -eq 'RSAT-AD-PowerShell' }
    }
    It 'already a DC (a re-run after promotion): nothing to check' {
        Use-FakeDomain -Users @{} -Admins @() -DomainRole 4
        @(Assert-BilluAdminLoginBeforePromotion -User 'billu-admin' -KeysFile $Keys -Server 'par-dc01.billu.remindme.lan' -Credential $Cred) | Should -Be @()
        Should -Invoke Get-ADUser -Times 0 -Exactly
        Assert-NoWrite
    }
}
