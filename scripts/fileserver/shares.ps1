# shares.ps1 of the Windows file server: one folder and SMB share per share of the plan, NTFS ACLs from its groups,
# access-based enumeration. Idempotent: a folder's ACL and a share's access are compared with the plan and rewritten
# only when they differ. Data (rendered before this text by components/fileserver): $ADMINS (the admin group, domain
# qualified), $SHARES_JSON (the shares: name, path, comment, groups).
$ErrorActionPreference = 'Stop'
$Shares = @($SHARES_JSON | ConvertFrom-Json)
function New-Rule([string]$Id, [string]$Rights) {
    New-Object System.Security.AccessControl.FileSystemAccessRule($Id, $Rights, 'ContainerInherit,ObjectInherit', 'None', 'Allow')
}
foreach ($s in $Shares) {
    $groups = @($s.Groups)
    if (-not (Test-Path -LiteralPath $s.Path)) { New-Item -ItemType Directory -Path $s.Path | Out-Null; Write-Output "created $($s.Path)" }
    # No inheritance from the volume: SYSTEM and the admins Full control, the share's groups Modify, nobody else.
    $acl = New-Object System.Security.AccessControl.DirectorySecurity
    $acl.SetAccessRuleProtection($true, $false)
    $acl.AddAccessRule((New-Rule 'NT AUTHORITY\SYSTEM' 'FullControl'))
    $acl.AddAccessRule((New-Rule $ADMINS 'FullControl'))
    foreach ($g in $groups) { $acl.AddAccessRule((New-Rule $g 'Modify')) }
    $current = Get-Acl -LiteralPath $s.Path
    if ($current.GetSecurityDescriptorSddlForm('Access') -ne $acl.GetSecurityDescriptorSddlForm('Access')) {
        Set-Acl -LiteralPath $s.Path -AclObject $acl
        Write-Output "ACL set on $($s.Path)"
    }
    $share = Get-SmbShare -Name $s.Name -ErrorAction SilentlyContinue
    if (-not $share) {
        New-SmbShare -Name $s.Name -Path $s.Path -Description $s.Comment -FullAccess $ADMINS -ChangeAccess $groups -FolderEnumerationMode AccessBased -EncryptData $true | Out-Null
        Write-Output "share $($s.Name) created"
        continue
    }
    $want = @("$ADMINS=Full") + @($groups | ForEach-Object { "$_=Change" }) | Sort-Object
    $have = @(Get-SmbShareAccess -Name $s.Name | ForEach-Object { "$($_.AccountName)=$($_.AccessRight)" }) | Sort-Object
    if (($want -join ';') -ne ($have -join ';')) {
        Get-SmbShareAccess -Name $s.Name | ForEach-Object { Revoke-SmbShareAccess -Name $s.Name -AccountName $_.AccountName -Force | Out-Null }
        Grant-SmbShareAccess -Name $s.Name -AccountName $ADMINS -AccessRight Full -Force | Out-Null
        foreach ($g in $groups) { Grant-SmbShareAccess -Name $s.Name -AccountName $g -AccessRight Change -Force | Out-Null }
        Write-Output "share $($s.Name): access reset to the plan"
    }
    if ($share.FolderEnumerationMode -ne 'AccessBased') { Set-SmbShare -Name $s.Name -FolderEnumerationMode AccessBased -Force; Write-Output "share $($s.Name): access-based enumeration on" }
}
