# Step `fileserver` of the Windows file server: membership first, then the mirror and the health task (registered
# once). The shares are the `shares` step's (shares-step.ps1), after the directory and the trust made their groups.
# Data: $HOST_NAME, $DOMAIN_FQDN.
if (-not (Get-CimInstance Win32_ComputerSystem).PartOfDomain) {
    throw "$HOST_NAME is not a member of ${DOMAIN_FQDN}: join it first (the shares' ACLs name domain groups)"
}
& 'C:\ProgramData\billu\fileserver\storage.ps1'
if (-not [System.Diagnostics.EventLog]::SourceExists('billu-storage')) { New-EventLog -LogName Application -Source 'billu-storage' }
if (-not (Get-ScheduledTask -TaskName 'billu-storage-health' -ErrorAction SilentlyContinue)) {
    $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument '-NoProfile -NonInteractive -ExecutionPolicy Bypass -File "C:\ProgramData\billu\fileserver\health.ps1"'
    $trigger = New-ScheduledTaskTrigger -Once -At (Get-Date) -RepetitionInterval (New-TimeSpan -Hours 1)
    Register-ScheduledTask -TaskName 'billu-storage-health' -Action $action -Trigger $trigger -User 'SYSTEM' -RunLevel Highest | Out-Null
    Write-BilluLog 'health task registered'
}
