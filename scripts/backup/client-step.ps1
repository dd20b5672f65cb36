# scripts/backup/client-step.ps1: the Windows backup client's part of a host's base step (billu:backup,
# components/backup), the counterpart of client-step.sh. Read verbatim; runs after billu-lib.ps1 installed the files
# without secrets (client.json, backup-run.ps1). Data: $BACKUP_SETTINGS (client.json's path).
#
# 1. restic must be installed at Settings.Restic (the official Windows build, restic_<version>_windows_amd64.exe from
#    https://github.com/restic/restic/releases, checked against its SHA256SUMS): this step does not download it.
# 2. The folder: SYSTEM and Administrators only, then the files that hold secrets written into it (the site CA,
#    the repository URL with its login, the repository key), from the step's stdin, never from a staged file.
# 3. A DC: Windows Server Backup installed, and wbadmin allowed to write the system state to the system volume
#    (AllowSSBToAnyVolume, https://learn.microsoft.com/troubleshoot/windows-server/backup-and-storage/backup-system-state-to-critical-volume).
# 4. The scheduled task billu-backup (SYSTEM, highest privileges) at the client's staggered time, registered again
#    when missing or when its trigger differs. It runs no backup itself. Idempotent.
$bk = Get-Content -LiteralPath $BACKUP_SETTINGS -Raw | ConvertFrom-Json
if (-not (Test-Path -LiteralPath $bk.Restic)) {
    throw "restic is not installed at $($bk.Restic): install the official Windows build there (restic_<version>_windows_amd64.exe from https://github.com/restic/restic/releases, checked against its SHA256SUMS), then run pulumi up again"
}
$bkDir = Split-Path -Parent $BACKUP_SETTINGS
Set-BilluPrivateFolder $bkDir
$bkSecrets = [ordered]@{
    $bk.Ca             = (Get-BilluSecret 'backup-ca')
    $bk.RepositoryFile = "rest:https://$($bk.Repository):$(Get-BilluSecret 'backup-http')@$($bk.Server)/$($bk.Repository)/"
    $bk.PasswordFile   = (Get-BilluSecret 'backup-password')
}
foreach ($f in $bkSecrets.Keys) {
    if ((Test-Path -LiteralPath $f) -and ([IO.File]::ReadAllText($f) -ceq $bkSecrets[$f])) { continue }
    [IO.File]::WriteAllText($f, $bkSecrets[$f])
    Write-BilluLog "updated $f"
}
if (@($bk.PreHooks) -contains 'wbadmin-system-state') {
    if (-not (Get-WindowsFeature -Name Windows-Server-Backup).Installed) {
        Install-WindowsFeature -Name Windows-Server-Backup | Out-Null
        Write-BilluLog 'Windows Server Backup installed'
    }
    $key = 'HKLM:\SYSTEM\CurrentControlSet\Services\wbengine\SystemStateBackup'
    if (-not (Test-Path -LiteralPath $key)) { New-Item -Path $key -Force | Out-Null }
    if ((Get-ItemProperty -LiteralPath $key -Name AllowSSBToAnyVolume -ErrorAction SilentlyContinue).AllowSSBToAnyVolume -ne 1) {
        New-ItemProperty -LiteralPath $key -Name AllowSSBToAnyVolume -PropertyType DWord -Value 1 -Force | Out-Null
        Write-BilluLog 'wbadmin may write the system state to the system volume'
    }
}
$bkAt = [datetime]::ParseExact($bk.Task.At, 'HH:mm', [Globalization.CultureInfo]::InvariantCulture)
$bkTrigger = if (@($bk.Task.Days).Count -eq 0) { New-ScheduledTaskTrigger -Daily -At $bkAt } else { New-ScheduledTaskTrigger -Weekly -DaysOfWeek @($bk.Task.Days) -At $bkAt }
$bkTask = Get-ScheduledTask -TaskName $bk.Task.Name -ErrorAction SilentlyContinue
$bkWanted = "$($bkTrigger.StartBoundary)|$(@($bk.Task.Days) -join ',')"
if (-not $bkTask -or $bkTask.Description -ne $bkWanted) {
    $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument "-NoProfile -NonInteractive -ExecutionPolicy Bypass -File `"$($bk.Run)`""
    Register-ScheduledTask -TaskName $bk.Task.Name -Description $bkWanted -Action $action -Trigger $bkTrigger -User 'SYSTEM' -RunLevel Highest -Force | Out-Null
    Write-BilluLog "task $($bk.Task.Name) registered at $($bk.Task.At)$(if (@($bk.Task.Days).Count -gt 0) { ' on ' + (@($bk.Task.Days) -join ', ') })"
}
