# shares.ps1 of the Windows file server: one folder and SMB share per share of the plan, NTFS ACLs from its groups,
# access-based enumeration; the trust grants' shares; then the home share when the plan has one. Idempotent: a folder's
# ACL and a share's access are compared with the plan and rewritten only when they differ. Data (rendered before this
# text by components/fileserver): $ADMINS (the admin group, domain qualified), $SHARES_JSON (the shares: name, path,
# comment, groups), $TRUST_SHARES_JSON (the trust grants' shares: name, path, comment, group (the grant's domain-local
# group, whose one member is the partner's admin group), access Read or Modify), $HOME_JSON (the home share: name, path,
# comment, group, domain, users; empty when there is none).
$ErrorActionPreference = 'Stop'
$Shares = @($SHARES_JSON | ConvertFrom-Json)
$TrustShares = @($TRUST_SHARES_JSON | ConvertFrom-Json)
function New-Rule([string]$Id, [string]$Rights, [string]$Inheritance = 'ContainerInherit,ObjectInherit') {
    New-Object System.Security.AccessControl.FileSystemAccessRule($Id, $Rights, $Inheritance, 'None', 'Allow')
}
# A folder with exactly these allow rules and no inheritance from above: created when missing, its ACL written only
# when it differs. Its output: what it changed.
function Set-BilluFolder([string]$Path, [object[]]$Rules) {
    if (-not (Test-Path -LiteralPath $Path)) { New-Item -ItemType Directory -Path $Path | Out-Null; Write-Output "created $Path" }
    $acl = New-Object System.Security.AccessControl.DirectorySecurity
    $acl.SetAccessRuleProtection($true, $false)
    foreach ($r in $Rules) { $acl.AddAccessRule($r) }
    $current = Get-Acl -LiteralPath $Path
    if ($current.GetSecurityDescriptorSddlForm('Access') -ne $acl.GetSecurityDescriptorSddlForm('Access')) {
        Set-Acl -LiteralPath $Path -AclObject $acl
        Write-Output "ACL set on $Path"
    }
}
# The SMB share: the admins Full, each (account, right) of $Access (Change or Read), access-based enumeration, encrypted.
function Set-BilluShare([string]$Name, [string]$Path, [string]$Comment, [object[]]$Access) {
    $share = Get-SmbShare -Name $Name -ErrorAction SilentlyContinue
    if (-not $share) {
        $change = @($Access | Where-Object { $_[1] -eq 'Change' } | ForEach-Object { $_[0] })
        $read = @($Access | Where-Object { $_[1] -eq 'Read' } | ForEach-Object { $_[0] })
        $new = @{ Name = $Name; Path = $Path; Description = $Comment; FullAccess = $ADMINS; FolderEnumerationMode = 'AccessBased'; EncryptData = $true }
        if ($change.Count) { $new.ChangeAccess = $change }
        if ($read.Count) { $new.ReadAccess = $read }
        New-SmbShare @new | Out-Null
        Write-Output "share $Name created"
        return
    }
    $want = @("$ADMINS=Full") + @($Access | ForEach-Object { "$($_[0])=$($_[1])" }) | Sort-Object
    $have = @(Get-SmbShareAccess -Name $Name | ForEach-Object { "$($_.AccountName)=$($_.AccessRight)" }) | Sort-Object
    if (($want -join ';') -ne ($have -join ';')) {
        Get-SmbShareAccess -Name $Name | ForEach-Object { Revoke-SmbShareAccess -Name $Name -AccountName $_.AccountName -Force | Out-Null }
        Grant-SmbShareAccess -Name $Name -AccountName $ADMINS -AccessRight Full -Force | Out-Null
        foreach ($a in $Access) { Grant-SmbShareAccess -Name $Name -AccountName $a[0] -AccessRight $a[1] -Force | Out-Null }
        Write-Output "share ${Name}: access reset to the plan"
    }
    if ($share.FolderEnumerationMode -ne 'AccessBased') { Set-SmbShare -Name $Name -FolderEnumerationMode AccessBased -Force; Write-Output "share ${Name}: access-based enumeration on" }
}
# A trust grant's share: its group gets ReadAndExecute (Read on the share) or Modify (Change); nobody else of the
# partner gets anything. The group is made by the trust step on the first DC: a name that does not resolve stops here,
# before anything is written, naming it.
$Trusts = @(
    foreach ($t in $TrustShares) {
        if (-not $t.Name) { continue } # `[]`: no trust share
        try { $null = (New-Object System.Security.Principal.NTAccount($t.Group)).Translate([System.Security.Principal.SecurityIdentifier]) }
        catch { throw "trust share $($t.Name): group $($t.Group) is unknown here: the trust step on the first DC creates it (billu:trust.grants[].group); run it, then this step again" }
        if ($t.Access -notin 'Read', 'Modify') { throw "trust share $($t.Name): access '$($t.Access)' is not Read or Modify" }
        $rights = if ($t.Access -eq 'Read') { 'ReadAndExecute' } else { 'Modify' }
        $right = if ($t.Access -eq 'Read') { 'Read' } else { 'Change' }
        [pscustomobject]@{ Name = $t.Name; Path = $t.Path; Comment = $t.Comment; Group = $t.Group; Rights = $rights; Right = $right }
    }
)
$systemRule = New-Rule 'NT AUTHORITY\SYSTEM' 'FullControl'
$adminsRule = New-Rule $ADMINS 'FullControl'
foreach ($s in $Shares) {
    $groups = @($s.Groups)
    # No inheritance from the volume: SYSTEM and the admins Full control, the share's groups Modify, nobody else.
    Set-BilluFolder $s.Path (@($systemRule, $adminsRule) + @($groups | ForEach-Object { New-Rule $_ 'Modify' }))
    Set-BilluShare $s.Name $s.Path $s.Comment @($groups | ForEach-Object { , @($_, 'Change') })
}
foreach ($t in $Trusts) {
    Set-BilluFolder $t.Path @($systemRule, $adminsRule, (New-Rule $t.Group $t.Rights))
    Set-BilluShare $t.Name $t.Path $t.Comment @(, @($t.Group, $t.Right))
}
# The home share, as the linux flavor builds it (billu-shares.sh): its root for the admins, and for the staff group
# traverse only (this folder, no listing: nobody finds another's folder by browsing); one folder per planned account,
# for that account (Modify: it cannot open its folder to others) and the admins only. A folder no planned account has
# (a leaver's) is kept as it is and reported, never deleted.
if ($HOME_JSON) {
    $h = $HOME_JSON | ConvertFrom-Json
    Set-BilluFolder $h.Path @($systemRule, $adminsRule, (New-Rule $h.Group 'Traverse' 'None'))
    $users = @($h.Users)
    foreach ($u in $users) { Set-BilluFolder "$($h.Path)\$u" @($systemRule, $adminsRule, (New-Rule "$($h.Domain)\$u" 'Modify')) }
    foreach ($d in @(Get-ChildItem -LiteralPath $h.Path | Where-Object PSIsContainer)) {
        if ($users -notcontains $d.Name) { Write-Output "home share $($h.Name): kept $($d.Name) (no planned account: a leaver's folder is never deleted)" }
    }
    Set-BilluShare $h.Name $h.Path $h.Comment @(, @($h.Group, 'Change'))
}
