# scripts/directory/drift-task.ps1: the drift check on a schedule on a Windows first DC (issue #27,
# billu:directory.drift, components/directory/drift.ts): a scheduled task that runs `Apply-Directory.ps1 -Check
# -ResultPath <verdict>` as SYSTEM every interval of the model. Installed by the directory step, which dot-sources this
# file and calls Register-BilluDriftTask (scripts/directory/drift-task-step.ps1). Functions only, so Pester can load
# and run them.
#
# SYSTEM: the check reads the whole directory (the privileged groups too) and writes the verdict under ProgramData,
# where the Zabbix agent (LocalSystem) reads it; no password is stored with the task. The task runs Windows PowerShell
# 5.1 (the ActiveDirectory module's host). Exit 1 (drift) is a result the verdict carries, not a failure to act on.
# Idempotent: a task that already has this action, interval and account is left alone; anything else is replaced.

# The command line the task runs: the installed applier's check against the installed plan, writing the verdict.
function Get-BilluDriftArguments([string]$Applier, [string]$Plan, [string]$Result) {
    "-NoProfile -NonInteractive -ExecutionPolicy Bypass -File `"$Applier`" -Check -PlanPath `"$Plan`" -ResultPath `"$Result`""
}

function Register-BilluDriftTask {
    param(
        [Parameter(Mandatory = $true)][string]$Name,
        [Parameter(Mandatory = $true)][string]$Applier,
        [Parameter(Mandatory = $true)][string]$Plan,
        [Parameter(Mandatory = $true)][string]$Result,
        # ISO 8601 duration (PT1H, PT15M), the model's interval.
        [Parameter(Mandatory = $true)][string]$Interval
    )
    $exe = "$env:SystemRoot\System32\WindowsPowerShell\v1.0\powershell.exe"
    $arguments = Get-BilluDriftArguments $Applier $Plan $Result
    $folder = Split-Path -Parent $Result
    if (-not (Test-Path -LiteralPath $folder)) { $null = New-Item -ItemType Directory -Force -Path $folder }

    $have = Get-ScheduledTask -TaskName $Name -ErrorAction SilentlyContinue
    if ($have) {
        $action = @($have.Actions)[0]
        $trigger = @($have.Triggers)[0]
        $same = @($have.Actions).Count -eq 1 -and $action.Execute -eq $exe -and $action.Arguments -eq $arguments -and
            @($have.Triggers).Count -eq 1 -and $trigger.Repetition.Interval -eq $Interval -and
            $have.Principal.UserId -in 'SYSTEM', 'NT AUTHORITY\SYSTEM', 'S-1-5-18'
        if ($same) {
            Write-Output "directory drift: task '$Name' unchanged (every $Interval)"
            return
        }
    }
    $newAction = New-ScheduledTaskAction -Execute $exe -Argument $arguments
    # From the next whole minute, repeated every interval with no end (no -RepetitionDuration: Server 2016 and later
    # repeat indefinitely, and refuse TimeSpan.MaxValue).
    $at = (Get-Date).Date.AddHours((Get-Date).Hour).AddMinutes((Get-Date).Minute + 1)
    $newTrigger = New-ScheduledTaskTrigger -Once -At $at -RepetitionInterval ([Xml.XmlConvert]::ToTimeSpan($Interval))
    $principal = New-ScheduledTaskPrincipal -UserId 'S-1-5-18' -LogonType ServiceAccount -RunLevel Highest
    # A run still going when the next is due is not doubled; a run missed while the DC was off starts when it is back.
    $settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -MultipleInstances IgnoreNew -ExecutionTimeLimit ([Xml.XmlConvert]::ToTimeSpan('PT30M'))
    $null = Register-ScheduledTask -TaskName $Name -Action $newAction -Trigger $newTrigger -Principal $principal -Settings $settings `
        -Description 'BillU: the directory checked against the plan (Apply-Directory.ps1 -Check), the verdict written for monitoring' -Force
    Write-Output "directory drift: task '$Name' $(if ($have) { 'replaced' } else { 'registered' }) (every $Interval, as SYSTEM)"
}
