# shares.ps1 of the Windows file server: one folder and SMB share per share of the plan, NTFS ACLs from its groups,
# access-based enumeration. Idempotent: a folder's ACL and a share's access are compared with the plan and rewritten
# only when they differ. Data (rendered before this text by components/fileserver): $ADMINS (the admin group, domain
# qualified), $SHARES_JSON (the shares: name, path, comment, groups), $TRUST_SHARES_JSON (the trust grants' shares:
# name, path, comment, group (the grant's domain-local group, whose one member is the partner's admin group), access
# Read or Modify).
$ErrorActionPreference = 'Stop'
$Shares = @($SHARES_JSON | ConvertFrom-Json)
$TrustShares = @($TRUST_SHARES_JSON | ConvertFrom-Json)
function New-Rule([string]$Id, [string]$Rights) {
    New-Object System.Security.AccessControl.FileSystemAccessRule($Id, $Rights, 'ContainerInherit,ObjectInherit', 'None', 'Allow')
}
# Each share as what its folder and its SMB share grant: Grants (account -> NTFS rights) and Access (account -> SMB right).
$Targets = @(
    foreach ($s in $Shares) {
        [pscustomobject]@{ Name = $s.Name; Path = $s.Path; Comment = $s.Comment; Grants = @($s.Groups | ForEach-Object { , @($_, 'Modify') }); Access = @($s.Groups | ForEach-Object { , @($_, 'Change') }) }
    }
    # A trust grant's share: its group gets ReadAndExecute (Read on the share) or Modify (Change); nobody else of the
    # partner gets anything. The group is made by the trust step on the first DC: a name that does not resolve stops here,
    # before anything is written, naming it.
    foreach ($t in $TrustShares) {
        if (-not $t.Name) { continue } # `[]`: no trust share
        try { $null = (New-Object System.Security.Principal.NTAccount($t.Group)).Translate([System.Security.Principal.SecurityIdentifier]) }
        catch { throw "trust share $($t.Name): group $($t.Group) is unknown here: the trust step on the first DC creates it (billu:trust.grants[].group); run it, then this step again" }
        if ($t.Access -notin 'Read', 'Modify') { throw "trust share $($t.Name): access '$($t.Access)' is not Read or Modify" }
        $rights = if ($t.Access -eq 'Read') { 'ReadAndExecute' } else { 'Modify' }
        $right = if ($t.Access -eq 'Read') { 'Read' } else { 'Change' }
        [pscustomobject]@{ Name = $t.Name; Path = $t.Path; Comment = $t.Comment; Grants = @(, @($t.Group, $rights)); Access = @(, @($t.Group, $right)) }
    }
)
foreach ($s in $Targets) {
    if (-not (Test-Path -LiteralPath $s.Path)) { New-Item -ItemType Directory -Path $s.Path | Out-Null; Write-Output "created $($s.Path)" }
    # No inheritance from the volume: SYSTEM and the admins Full control, the share's groups their rights, nobody else.
    $acl = New-Object System.Security.AccessControl.DirectorySecurity
    $acl.SetAccessRuleProtection($true, $false)
    $acl.AddAccessRule((New-Rule 'NT AUTHORITY\SYSTEM' 'FullControl'))
    $acl.AddAccessRule((New-Rule $ADMINS 'FullControl'))
    foreach ($g in $s.Grants) { $acl.AddAccessRule((New-Rule $g[0] $g[1])) }
    $current = Get-Acl -LiteralPath $s.Path
    if ($current.GetSecurityDescriptorSddlForm('Access') -ne $acl.GetSecurityDescriptorSddlForm('Access')) {
        Set-Acl -LiteralPath $s.Path -AclObject $acl
        Write-Output "ACL set on $($s.Path)"
    }
    $share = Get-SmbShare -Name $s.Name -ErrorAction SilentlyContinue
    if (-not $share) {
        $change = @($s.Access | Where-Object { $_[1] -eq 'Change' } | ForEach-Object { $_[0] })
        $read = @($s.Access | Where-Object { $_[1] -eq 'Read' } | ForEach-Object { $_[0] })
        $new = @{ Name = $s.Name; Path = $s.Path; Description = $s.Comment; FullAccess = $ADMINS; FolderEnumerationMode = 'AccessBased'; EncryptData = $true }
        if ($change.Count) { $new.ChangeAccess = $change }
        if ($read.Count) { $new.ReadAccess = $read }
        New-SmbShare @new | Out-Null
        Write-Output "share $($s.Name) created"
        continue
    }
    $want = @("$ADMINS=Full") + @($s.Access | ForEach-Object { "$($_[0])=$($_[1])" }) | Sort-Object
    $have = @(Get-SmbShareAccess -Name $s.Name | ForEach-Object { "$($_.AccountName)=$($_.AccessRight)" }) | Sort-Object
    if (($want -join ';') -ne ($have -join ';')) {
        Get-SmbShareAccess -Name $s.Name | ForEach-Object { Revoke-SmbShareAccess -Name $s.Name -AccountName $_.AccountName -Force | Out-Null }
        Grant-SmbShareAccess -Name $s.Name -AccountName $ADMINS -AccessRight Full -Force | Out-Null
        foreach ($a in $s.Access) { Grant-SmbShareAccess -Name $s.Name -AccountName $a[0] -AccessRight $a[1] -Force | Out-Null }
        Write-Output "share $($s.Name): access reset to the plan"
    }
    if ($share.FolderEnumerationMode -ne 'AccessBased') { Set-SmbShare -Name $s.Name -FolderEnumerationMode AccessBased -Force; Write-Output "share $($s.Name): access-based enumeration on" }
}
