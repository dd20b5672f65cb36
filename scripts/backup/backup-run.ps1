# scripts/backup/backup-run.ps1: one backup of this Windows host (billu:backup), run by the scheduled task
# billu-backup at its staggered time; installed verbatim by the client's part of the base step (scripts/backup/
# client-step.ps1). The Windows counterpart of backup-run.sh: same steps, same exit statuses, same result file.
# Settings in C:\ProgramData\billu\backup\client.json (rendered from the model, no secret): what to back up (Paths,
# declared by the services of this host), the pre-hooks, the files holding the repository URL and its key (readable
# by SYSTEM and Administrators only, never on a command line).
#
# 1. Pre-hooks: the DC's system state (AD database, SYSVOL, registry), consistent:
#    `wbadmin start systemstatebackup -backupTarget:<volume> -quiet` writes <volume>\WindowsImageBackup\<host>.
# 2. restic backup of the paths (--use-fs-snapshot: a VSS snapshot, so open files are read consistently); the
#    repository created on the first run (the append-only server allows creating, never deleting).
# 3. The result (time, size, snapshot id, exit status) written to LastResult and sent as a snapshot of its own,
#    tagged billu-result, which the server's report turns into <results>/<client>.json for monitoring.
# Exits with restic's status (or the pre-hook's: 10; unknown hook 11; wrong key 12; repository not created 13).
#
# restic on Windows is the official build (restic_<version>_windows_amd64.exe from github.com/restic/restic/releases,
# checked against its SHA256SUMS), installed as Settings.Restic: client-step.ps1 refuses to register the task
# without it. Dot-sourced (tests), this file only defines its functions.
param([string]$SettingsPath = 'C:\ProgramData\billu\backup\client.json')

function Write-BackupLog([string]$Message) { [Console]::Error.WriteLine("billu-backup: $Message") }

# The native calls, one function each, so that the logic runs (and is tested) without them.
function Invoke-Wbadmin([string[]]$Arguments) {
    $out = & wbadmin.exe @Arguments 2>&1
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($out | ForEach-Object { "$_" }) }
}

function Invoke-Restic([object]$Settings, [string[]]$Arguments, [string]$InputText) {
    $all = @('--cacert', $Settings.Ca) + $Arguments
    $out = if ($PSBoundParameters.ContainsKey('InputText')) { $InputText | & $Settings.Restic @all 2>&1 } else { & $Settings.Restic @all 2>&1 }
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($out | ForEach-Object { "$_" }) }
}

function Invoke-BilluBackup([string]$Path) {
    $s = Get-Content -LiteralPath $Path -Raw | ConvertFrom-Json
    # The files, never the values, on the command line.
    $env:RESTIC_REPOSITORY_FILE = $s.RepositoryFile
    $env:RESTIC_PASSWORD_FILE = $s.PasswordFile
    $started = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $status = 0
    $snapshot = ''
    $bytes = 0

    foreach ($hook in @($s.PreHooks)) {
        if ($hook -eq 'wbadmin-system-state') {
            $r = Invoke-Wbadmin @('start', 'systemstatebackup', "-backupTarget:$($s.SystemStateTarget)", '-quiet')
            if ($r.ExitCode -ne 0) {
                $r.Output | ForEach-Object { Write-BackupLog "  $_" }
                Write-BackupLog 'wbadmin start systemstatebackup failed: the system state is not backed up'
                $status = 10
            }
        } else {
            Write-BackupLog "unknown pre-hook $hook"
            $status = 11
        }
    }

    if ($status -eq 0) {
        $r = Invoke-Restic $s @('cat', 'config')
        if ($r.ExitCode -ne 0) {
            if (($r.Output -join "`n") -match 'wrong password|no key found') {
                $r.Output | ForEach-Object { Write-BackupLog "  $_" }
                $status = 12
            } else {
                $init = Invoke-Restic $s @('init')
                if ($init.ExitCode -ne 0) {
                    $init.Output | ForEach-Object { Write-BackupLog "  $_" }
                    $status = 13
                }
            }
        }
    }
    if ($status -eq 0) {
        $r = Invoke-Restic $s (@('backup', '--host', $s.Host, '--tag', 'billu', '--json', '--use-fs-snapshot') + @($s.Paths))
        $status = $r.ExitCode
        if ($status -ne 0) { $r.Output | Where-Object { $_ -notmatch '^\{' } | ForEach-Object { Write-BackupLog "  $_" } }
        $summary = $r.Output | Where-Object { $_ -match '"message_type":"summary"' } | Select-Object -Last 1
        if ($summary) {
            $j = $summary | ConvertFrom-Json
            $snapshot = "$($j.snapshot_id)"
            $bytes = [long]$j.total_bytes_processed
        }
    }

    # The same fields, in the same order, as backup-run.sh writes (the server's report reads either).
    $result = [ordered]@{
        host       = $s.Host
        started    = $started
        seconds    = [int][math]::Floor($clock.Elapsed.TotalSeconds)
        bytes      = $bytes
        snapshot   = $snapshot
        classes    = (@($s.Classes) -join ' ')
        exitStatus = $status
    } | ConvertTo-Json -Compress
    $dir = Split-Path -Parent $s.LastResult
    if (-not (Test-Path -LiteralPath $dir)) { New-Item -ItemType Directory -Path $dir -Force | Out-Null }
    Set-Content -LiteralPath "$($s.LastResult).tmp" -Value $result -Encoding ascii
    Move-Item -LiteralPath "$($s.LastResult).tmp" -Destination $s.LastResult -Force
    if ($status -ne 12 -and $status -ne 13) {
        $sent = Invoke-Restic $s @('backup', '--host', $s.Host, '--tag', 'billu-result', '--stdin', '--stdin-filename', 'billu-result.json') -InputText $result
        if ($sent.ExitCode -ne 0) {
            $sent.Output | ForEach-Object { Write-BackupLog "  $_" }
            Write-BackupLog 'could not send the result to the server'
        }
    }
    Write-BackupLog $result
    return $status
}

if ($MyInvocation.InvocationName -ne '.') {
    exit (Invoke-BilluBackup $SettingsPath)
}
