# scripts/directory/drift-task.ps1: the drift check's scheduled task on a Windows first DC (issue #27), with the data
# prod's directory step gives it (pester.test.ts writes them: $env:BILLU_DRIFT_DATA, from windowsDriftData of prod's
# plan). The verdict's path is moved into TestDrive; everything else is as rendered.
# Mocked: ScheduledTasks' Get-ScheduledTask, New-ScheduledTaskAction, New-ScheduledTaskTrigger,
# New-ScheduledTaskPrincipal, New-ScheduledTaskSettingsSet and Register-ScheduledTask (a task scheduler in memory:
# what Register stores, Get returns, as Windows reads a SYSTEM task back). The files and the logic run for real.

BeforeAll {
    . (Join-Path $PSScriptRoot 'stubs.ps1')
    . (Join-Path $PSScriptRoot '../../../scripts/directory/drift-task.ps1')
    $ErrorActionPreference = 'Stop'
    # ScheduledTasks (Windows-only): stand-ins that throw unless mocked.
    function global:Get-ScheduledTask { [CmdletBinding()] param($TaskName) Stub $MyInvocation.MyCommand.Name }
    function global:New-ScheduledTaskAction { [CmdletBinding()] param($Execute, $Argument) Stub $MyInvocation.MyCommand.Name }
    function global:New-ScheduledTaskTrigger { [CmdletBinding()] param([switch]$Once, $At, $RepetitionInterval, $RepetitionDuration) Stub $MyInvocation.MyCommand.Name }
    function global:New-ScheduledTaskPrincipal { [CmdletBinding()] param($UserId, $LogonType, $RunLevel) Stub $MyInvocation.MyCommand.Name }
    function global:New-ScheduledTaskSettingsSet { [CmdletBinding()] param([switch]$StartWhenAvailable, $MultipleInstances, $ExecutionTimeLimit) Stub $MyInvocation.MyCommand.Name }
    function global:Register-ScheduledTask {
        [CmdletBinding()] param($TaskName, $Action, $Trigger, $Principal, $Settings, $Description, [switch]$Force)
        Stub $MyInvocation.MyCommand.Name
    }

    $script:Data = [IO.File]::ReadAllText($env:BILLU_DRIFT_DATA) | ConvertFrom-Json
    $env:SystemRoot = 'C:\Windows'
    $script:Exe = 'C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe'

    # A task scheduler in memory: $Task is what Get-ScheduledTask returns ($null: no such task).
    function Use-Scheduler($Task = $null) {
        $script:Task = $Task
        $script:Registered = [System.Collections.Generic.List[object]]::new()
        Mock Get-ScheduledTask { if ($TaskName -eq $script:Data.DRIFT_TASK) { $script:Task } }
        Mock New-ScheduledTaskAction { [pscustomobject]@{ Execute = $Execute; Arguments = $Argument } }
        Mock New-ScheduledTaskTrigger { [pscustomobject]@{ Once = [bool]$Once; Repetition = [pscustomobject]@{ Interval = [Xml.XmlConvert]::ToString($RepetitionInterval); Duration = $RepetitionDuration } } }
        Mock New-ScheduledTaskPrincipal { [pscustomobject]@{ UserId = $UserId; LogonType = $LogonType; RunLevel = $RunLevel } }
        Mock New-ScheduledTaskSettingsSet { [pscustomobject]@{ StartWhenAvailable = [bool]$StartWhenAvailable; MultipleInstances = $MultipleInstances; ExecutionTimeLimit = $ExecutionTimeLimit } }
        Mock Register-ScheduledTask {
            $script:Registered.Add([pscustomobject]@{ TaskName = $TaskName; Action = $Action; Trigger = $Trigger; Principal = $Principal; Settings = $Settings; Force = [bool]$Force })
            # Windows reads a task registered as S-1-5-18 back as SYSTEM.
            $script:Task = [pscustomobject]@{ Actions = @($Action); Triggers = @($Trigger); Principal = [pscustomobject]@{ UserId = 'SYSTEM' } }
        }
    }
    function Invoke-Step([string]$Interval = $script:Data.DRIFT_INTERVAL) {
        Register-BilluDriftTask -Name $script:Data.DRIFT_TASK -Applier $script:Data.DRIFT_APPLIER -Plan $script:Data.DRIFT_PLAN -Result $script:Result -Interval $Interval
    }
}

Describe 'the directory drift task (drift-task.ps1, prod''s first DC)' {
    BeforeEach {
        $script:Result = Join-Path $TestDrive 'drift/directory.json'
        $script:Args = "-NoProfile -NonInteractive -ExecutionPolicy Bypass -File `"$($script:Data.DRIFT_APPLIER)`" -Check -PlanPath `"$($script:Data.DRIFT_PLAN)`" -ResultPath `"$($script:Result)`""
    }

    It 'a new DC: registers the task as SYSTEM, running the installed check against the installed plan with the model''s verdict path and interval, and makes the verdict''s folder' {
        $script:Data.DRIFT_INTERVAL | Should -Be 'PT1H'
        $script:Data.DRIFT_APPLIER | Should -Be 'C:/ProgramData/billu/directory/Apply-Directory.ps1'
        Use-Scheduler
        $out = Invoke-Step
        $script:Registered.Count | Should -Be 1
        $r = $script:Registered[0]
        $r.TaskName | Should -Be 'BillU directory drift'
        $r.Action.Execute | Should -Be $script:Exe
        $r.Action.Arguments | Should -Be $script:Args
        $r.Trigger.Repetition.Interval | Should -Be 'PT1H'
        $r.Trigger.Repetition.Duration | Should -BeNullOrEmpty
        $r.Principal.UserId | Should -Be 'S-1-5-18'
        $r.Principal.LogonType | Should -Be 'ServiceAccount'
        $r.Settings.MultipleInstances | Should -Be 'IgnoreNew'
        $r.Settings.StartWhenAvailable | Should -BeTrue
        $r.Force | Should -BeTrue
        Test-Path -LiteralPath (Split-Path -Parent $script:Result) -PathType Container | Should -BeTrue
        $out | Should -Be "directory drift: task 'BillU directory drift' registered (every PT1H, as SYSTEM)"
    }

    It 'a second run (the task as registered): registers nothing, and says so' {
        Use-Scheduler
        $null = Invoke-Step
        $out = Invoke-Step
        $script:Registered.Count | Should -Be 1
        $out | Should -Be "directory drift: task 'BillU directory drift' unchanged (every PT1H)"
    }

    It 'a schedule changed in the model (every 15 minutes): the task is replaced with the new interval' {
        Use-Scheduler
        $null = Invoke-Step
        $out = Invoke-Step -Interval 'PT15M'
        $script:Registered.Count | Should -Be 2
        $script:Registered[1].Trigger.Repetition.Interval | Should -Be 'PT15M'
        $out | Should -Be "directory drift: task 'BillU directory drift' replaced (every PT15M, as SYSTEM)"
    }

    It 'a task someone changed by hand (another account, another command): replaced by the planned one' {
        Use-Scheduler ([pscustomobject]@{
                Actions = @([pscustomobject]@{ Execute = $script:Exe; Arguments = $script:Args })
                Triggers = @([pscustomobject]@{ Repetition = [pscustomobject]@{ Interval = 'PT1H' } })
                Principal = [pscustomobject]@{ UserId = 'BILLU\someone' }
            })
        $null = Invoke-Step
        $script:Registered.Count | Should -Be 1
        $script:Registered[0].Principal.UserId | Should -Be 'S-1-5-18'
        $script:Task.Actions[0].Arguments = '-File C:/elsewhere.ps1'
        $null = Invoke-Step
        $script:Registered.Count | Should -Be 2
        $script:Registered[1].Action.Arguments | Should -Be $script:Args
    }
}
