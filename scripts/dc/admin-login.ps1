# admin-login.ps1: the admin's key-based SSH login (billu:guest.adminUser) survives AD DS promotion (#16).
# Functions only; components/domain-controller/admin-login.ts adds them to the Windows DCs' steps and calls them.
#
# Why: a server's local accounts stop being usable when it becomes a DC. The first DC's promotion (a new forest)
# turns them into domain accounts; a joining DC's promotion discards them. After promotion Windows' OpenSSH resolves
# the admin's name to the DOMAIN account, and for any member of Administrators reads its keys from
# C:\ProgramData\ssh\administrators_authorized_keys, a file promotion keeps (the template's first boot wrote it:
# scripts/templates/prepare-windows-template.ps1). So the login survives only if that domain account exists and is
# an administrator of every DC. Hence:
# - Set-BilluDomainAdminLogin, on the first DC once AD answers (end of its `ready` step, before any other DC
#   promotes): the domain account exists (the forest's creation normally made it from the local one; created here
#   if not, with a random password nobody keeps: the login is by key), is enabled, and is a member of Domain Admins
#   (found by its well-known RID 512: its name is localized, "Admins du domaine" on a French Windows).
# - Assert-BilluAdminLoginBeforePromotion, on every other DC before Install-ADDSDomainController: refuses to
#   promote (throws, nothing changed, the local account still works) unless that domain account is enabled and in
#   Domain Admins and this server's keys file holds a key.
# Data ($BILLU_ADMIN_USER, $BILLU_KEYS_FILE, $BILLU_FIRST_DC) is set before these lines by the step renderer.

function Test-BilluKeysFile([string]$Path) {
    if (-not (Test-Path -LiteralPath $Path)) { return $false }
    return @(Get-Content -LiteralPath $Path | Where-Object { $_ -match '^\s*(ssh-|ecdsa-|sk-)' }).Count -gt 0
}

# The domain's Domain Admins group, by SID (<domain SID>-512). $On: -Server/-Credential, or nothing (this DC).
function Get-BilluDomainAdminsGroup([hashtable]$On = @{}) {
    $sid = (Get-ADDomain @On).DomainSID.Value
    return Get-ADGroup -Identity "$sid-512" @On
}

function Test-BilluDomainAdmin($Account, $Group, [hashtable]$On = @{}) {
    return [bool](@(Get-ADGroupMember -Identity $Group -Recursive @On) | Where-Object { "$($_.SID)" -eq "$($Account.SID)" })
}

# 24 random bytes in base64, then one character of each class AD's complexity rule counts: a password nobody knows.
function New-BilluUnknownPassword {
    $bytes = New-Object byte[] 24
    $rng = [System.Security.Cryptography.RandomNumberGenerator]::Create()
    $rng.GetBytes($bytes)
    $rng.Dispose()
    return ConvertTo-SecureString ([Convert]::ToBase64String($bytes) + 'a7#Q') -AsPlainText -Force
}

function Set-BilluDomainAdminLogin([string]$User, [string]$KeysFile) {
    if (-not (Test-BilluKeysFile $KeysFile)) {
        throw "$($env:COMPUTERNAME): $KeysFile holds no SSH key, so $User cannot log in by key on the DCs. Fix: rebuild the Windows template with scripts/templates/prepare-windows-template.ps1 (its first boot copies the keys there), or copy the keys there at the console"
    }
    $account = Get-ADUser -Filter "SamAccountName -eq '$User'"
    if (-not $account) {
        New-ADUser -Name $User -SamAccountName $User -Description 'billu: administrators, key-based SSH (billu:guest.adminUser)' `
            -AccountPassword (New-BilluUnknownPassword) -PasswordNeverExpires $true -Enabled $true
        $account = Get-ADUser -Filter "SamAccountName -eq '$User'"
        Write-BilluLog "domain account $User created (key login only)"
    }
    elseif (-not $account.Enabled) {
        Enable-ADAccount -Identity $account
        Write-BilluLog "domain account $User enabled"
    }
    $admins = Get-BilluDomainAdminsGroup
    if (-not (Test-BilluDomainAdmin $account $admins)) {
        Add-ADGroupMember -Identity $admins -Members $account
        Write-BilluLog "domain account $User added to $($admins.Name)"
    }
}

function Assert-BilluAdminLoginBeforePromotion([string]$User, [string]$KeysFile, [string]$Server, [pscredential]$Credential) {
    # Already a DC (DomainRole 4 or 5): the promotion is behind it, nothing left to protect.
    if ((Get-CimInstance Win32_ComputerSystem).DomainRole -ge 4) { return }
    if (-not (Test-BilluKeysFile $KeysFile)) {
        throw "$($env:COMPUTERNAME): not promoted: $KeysFile holds no SSH key, so after promotion $User could not log in by key. Fix: rebuild the Windows template with scripts/templates/prepare-windows-template.ps1, or copy the keys there, then run pulumi up again"
    }
    if (-not (Get-Module -ListAvailable -Name ActiveDirectory)) { Install-WindowsFeature -Name RSAT-AD-PowerShell | Out-Null }
    $on = @{ Server = $Server; Credential = $Credential }
    $account = Get-ADUser -Filter "SamAccountName -eq '$User'" @on
    $why = if (-not $account) { 'does not exist' }
    elseif (-not $account.Enabled) { 'is disabled' }
    elseif (-not (Test-BilluDomainAdmin $account (Get-BilluDomainAdminsGroup $on) $on)) { 'is not a member of Domain Admins' }
    if ($why) {
        throw "$($env:COMPUTERNAME): not promoted: the domain account $User $why on $Server, and promotion discards this server's local accounts: $User could no longer log in. Fix: run pulumi up again once the first DC's ready step has passed (it makes $User a domain admin), or fix the account on $Server"
    }
    Write-BilluLog "$User is a domain admin on ${Server}: its key login survives the promotion"
}
