# scripts/backup/backup-run.ps1: one backup of a Windows client, with the settings the model renders for prod's first
# Windows DC (pester.test.ts writes them: $env:BILLU_BACKUP_WIN_SETTINGS) and its result file in TestDrive.
# Mocked: Write-BackupLog (recorded) and the two native calls, Invoke-Wbadmin (wbadmin.exe) and Invoke-Restic (restic.exe), each recording its
# arguments; the logic around them (order, exit statuses, the result file and its sending) runs for real.

BeforeAll {
    . (Join-Path $PSScriptRoot '../../../scripts/backup/backup-run.ps1')
    $script:Rendered = Get-Content -LiteralPath $env:BILLU_BACKUP_WIN_SETTINGS -Raw | ConvertFrom-Json
    $script:Settings = Join-Path $TestDrive 'client.json'
    $script:Result = Join-Path $TestDrive 'result\last-result.json'
    $s = Get-Content -LiteralPath $env:BILLU_BACKUP_WIN_SETTINGS -Raw | ConvertFrom-Json
    $s.LastResult = $script:Result
    $s | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $script:Settings

    # restic's answers, by its first argument (and --stdin): exit code and output lines.
    function Use-Restic([hashtable]$Answers) {
        $script:Calls = [System.Collections.Generic.List[string]]::new()
        $script:Sent = $null
        $script:Answers = $Answers
        $script:Log = [System.Collections.Generic.List[string]]::new()
        Mock Write-BackupLog { $script:Log.Add($Message) }
        Mock Invoke-Wbadmin { $script:Calls.Add("wbadmin $($Arguments -join ' ')"); $script:Answers['wbadmin'] }
        Mock Invoke-Restic {
            $script:Calls.Add("restic $($Arguments -join ' ')")
            if ($Arguments -contains '--stdin') { $script:Sent = $InputText; return $script:Answers['send'] }
            $key = if ($Arguments[0] -eq 'cat') { 'cat' } else { $Arguments[0] }
            $script:Answers[$key]
        }
    }
    function Answer([int]$Code, [string[]]$Output = @()) { [pscustomobject]@{ ExitCode = $Code; Output = $Output } }
    $script:Summary = '{"message_type":"summary","files_new":3,"snapshot_id":"5f1c0de9a1b2","total_bytes_processed":734003200}'
}

Describe 'backup-run.ps1 on a Windows DC' {
    It 'the rendered settings: the DC, its system state pre-hook, restic over WindowsImageBackup' {
        $script:Rendered.Host | Should -Be 'PAR-DC01'
        @($script:Rendered.PreHooks) | Should -Be @('wbadmin-system-state')
        @($script:Rendered.Paths) | Should -Be @('C:\WindowsImageBackup')
        $script:Rendered.SystemStateTarget | Should -Be 'C:'
    }

    It 'system state first, then restic over its paths with a VSS snapshot, then the result sent; exit 0' {
        Use-Restic @{ wbadmin = (Answer 0); cat = (Answer 0); backup = (Answer 0 @('{"message_type":"status"}', $script:Summary)); send = (Answer 0) }
        Invoke-BilluBackup $script:Settings | Should -Be 0
        @($script:Calls) | Should -Be @(
            'wbadmin start systemstatebackup -backupTarget:C: -quiet'
            'restic cat config'
            'restic backup --host PAR-DC01 --tag billu --json --use-fs-snapshot C:\WindowsImageBackup'
            'restic backup --host PAR-DC01 --tag billu-result --stdin --stdin-filename billu-result.json'
        )
        $env:RESTIC_REPOSITORY_FILE | Should -Be $script:Rendered.RepositoryFile
        $env:RESTIC_PASSWORD_FILE | Should -Be $script:Rendered.PasswordFile
    }

    It 'the result file has the Linux client''s fields in its order, and is what was sent' {
        $text = (Get-Content -LiteralPath $script:Result -Raw).Trim()
        $text | Should -Match '^\{"host":"PAR-DC01","started":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ","seconds":\d+,"bytes":734003200,"snapshot":"5f1c0de9a1b2","classes":"directory","exitStatus":0\}$'
        $script:Sent | Should -Be $text
    }

    It 'wbadmin fails: exit 10, restic backs nothing up, the failed result is still written and sent' {
        Use-Restic @{ wbadmin = (Answer 5 @('ERROR - The backup storage location is invalid.')); send = (Answer 0) }
        Invoke-BilluBackup $script:Settings | Should -Be 10
        @($script:Calls) | Should -Be @(
            'wbadmin start systemstatebackup -backupTarget:C: -quiet'
            'restic backup --host PAR-DC01 --tag billu-result --stdin --stdin-filename billu-result.json'
        )
        (Get-Content -LiteralPath $script:Result -Raw | ConvertFrom-Json).exitStatus | Should -Be 10
        @($script:Log)[0..1] | Should -Be @('  ERROR - The backup storage location is invalid.', 'wbadmin start systemstatebackup failed: the system state is not backed up')
    }

    It 'a wrong repository key: exit 12, no repository created, nothing sent' {
        Use-Restic @{ wbadmin = (Answer 0); cat = (Answer 1 @('Fatal: wrong password or no key found')) }
        Invoke-BilluBackup $script:Settings | Should -Be 12
        @($script:Calls) | Should -Be @('wbadmin start systemstatebackup -backupTarget:C: -quiet', 'restic cat config')
        (Get-Content -LiteralPath $script:Result -Raw | ConvertFrom-Json).exitStatus | Should -Be 12
        $script:Sent | Should -BeNullOrEmpty
    }

    It 'the first run creates the repository, then backs up' {
        Use-Restic @{ wbadmin = (Answer 0); cat = (Answer 1 @('Fatal: repository does not exist')); init = (Answer 0); backup = (Answer 0 @($script:Summary)); send = (Answer 0) }
        Invoke-BilluBackup $script:Settings | Should -Be 0
        @($script:Calls)[1..3] | Should -Be @('restic cat config', 'restic init', 'restic backup --host PAR-DC01 --tag billu --json --use-fs-snapshot C:\WindowsImageBackup')
    }

    It 'restic fails during the backup: its exit status, no snapshot in the result' {
        Use-Restic @{ wbadmin = (Answer 0); cat = (Answer 0); backup = (Answer 3 @('error: at least one source file could not be read')); send = (Answer 0) }
        Invoke-BilluBackup $script:Settings | Should -Be 3
        $r = Get-Content -LiteralPath $script:Result -Raw | ConvertFrom-Json
        @($r.exitStatus, $r.snapshot, $r.bytes) | Should -Be @(3, '', 0)
    }
}
