# The Windows file server's storage.ps1 (components/fileserver/render.ts, renderStoragePs1, rendered for dev with
# PAR-FS01 on Windows: $env:BILLU_FS_STORAGE) run as rendered against Storage Spaces in memory; the disk size, pool,
# drive letter and label it must use come from the plan ($env:BILLU_FS_MODEL).
# Mocked: Storage's Get-StoragePool, Get-PhysicalDisk, Get-StorageSubSystem, New-StoragePool, Get-VirtualDisk,
# New-VirtualDisk, Get-Disk, Initialize-Disk, New-Partition, Format-Volume, Get-Volume.

BeforeAll {
    . (Join-Path $PSScriptRoot 'stubs.ps1')
    $ErrorActionPreference = 'Stop'
    $script:Plan = [IO.File]::ReadAllText($env:BILLU_FS_MODEL) | ConvertFrom-Json
    $script:Size = [int64]$Plan.diskBytes[0]
    $script:Writes = @('New-StoragePool', 'New-VirtualDisk', 'Initialize-Disk', 'New-Partition', 'Format-Volume')

    function New-FakeDisk([string]$Name, [int64]$Size, [bool]$CanPool = $true) { [pscustomobject]@{ FriendlyName = $Name; Size = $Size; CanPool = $CanPool } }
    # The machine: its system disk (never poolable) and the given data disks; no pool, no mirror, no data volume.
    function Reset-FakeStorage([object[]]$DataDisks) {
        $script:Storage = @{
            Disks = @(@(New-FakeDisk 'system' 64GB $false) + $DataDisks)
            Pool = $null; Mirror = $null; Volumes = @{}; Initialized = @{}
        }
    }

    function Use-FakeStorage {
        Mock Get-StoragePool { if ($script:Storage.Pool -and $script:Storage.Pool.FriendlyName -eq $FriendlyName) { $script:Storage.Pool } }
        Mock Get-PhysicalDisk { @($script:Storage.Disks | Where-Object { $null -eq $CanPool -or $_.CanPool -eq $CanPool }) }
        Mock Get-StorageSubSystem { [pscustomobject]@{ FriendlyName = 'Windows Storage on PAR-FS01' } }
        Mock New-StoragePool {
            if ($script:Storage.Pool) { throw 'a pool already exists' }
            foreach ($d in $PhysicalDisks) { if (-not $d.CanPool) { throw "$($d.FriendlyName) cannot be pooled" }; $d.CanPool = $false }
            $script:Storage.Pool = [pscustomobject]@{ FriendlyName = $FriendlyName; Disks = @($PhysicalDisks | ForEach-Object FriendlyName) }
            $script:Storage.Pool
        }
        Mock Get-VirtualDisk { if ($script:Storage.Mirror -and $script:Storage.Mirror.FriendlyName -eq $FriendlyName) { $script:Storage.Mirror } }
        Mock New-VirtualDisk {
            if (-not $script:Storage.Pool -or $script:Storage.Pool.FriendlyName -ne $StoragePoolFriendlyName) { throw "no pool $StoragePoolFriendlyName" }
            $script:Storage.Mirror = [pscustomobject]@{ FriendlyName = $FriendlyName; ResiliencySettingName = $ResiliencySettingName; NumberOfDataCopies = $NumberOfDataCopies
                HealthStatus = 'Healthy'; OperationalStatus = 'OK'; Number = 3 }
            $script:Storage.Mirror
        }
        Mock Get-Disk { [pscustomobject]@{ Number = $VirtualDisk.Number } }
        Mock Initialize-Disk { $script:Storage.Initialized[$Number] = $PartitionStyle }
        Mock New-Partition { [pscustomobject]@{ DiskNumber = $DiskNumber; DriveLetter = $DriveLetter } }
        Mock Format-Volume { $script:Storage.Volumes["$($Partition.DriveLetter)"] = [pscustomobject]@{ DriveLetter = $Partition.DriveLetter; FileSystem = $FileSystem; FileSystemLabel = $NewFileSystemLabel } }
        Mock Get-Volume { $script:Storage.Volumes["$DriveLetter"] }
    }

    # Runs storage.ps1 once, dot-sourced into this function (a script's own script: scope would hide the fake's):
    # its output and its warnings, as text.
    function Invoke-Storage { @(. $env:BILLU_FS_STORAGE 3>&1 | ForEach-Object { if ($_ -is [System.Management.Automation.WarningRecord]) { "WARNING: $($_.Message)" } else { "$_" } }) }
    function Assert-NothingCreated { foreach ($c in $script:Writes) { Should -Invoke $c -Times 0 -Exactly -Because "$c writes" } }
}

Describe 'the Windows file server''s storage.ps1 (dev, PAR-FS01 on Windows): the Storage Spaces mirror' {
    # The mocks once for the block: Should -Invoke in an It counts that It's calls only (Pester 5), and installing
    # them again before every It cost ~0.15 s of CPU each.
    BeforeAll {
        Reset-FakeStorage @((New-FakeDisk 'scsi1' $Size), (New-FakeDisk 'scsi2' $Size))
        Use-FakeStorage
    }

    It 'the plan wants two data disks of one size' {
        @($Plan.diskBytes).Count | Should -Be 2
        $Plan.diskBytes[1] | Should -Be $Plan.diskBytes[0]
    }
    It 'over exactly two blank poolable disks of the planned size: creates the pool and the two-way mirror once, NTFS on the planned letter' {
        Invoke-Storage | Should -Be @(
            "storage pool $($Plan.pool) created over 2 disks",
            "two-way mirror $($Plan.pool) created, NTFS on $($Plan.letter):"
        )
        Should -Invoke New-StoragePool -Times 1 -Exactly -ParameterFilter {
            $FriendlyName -eq $Plan.pool -and $StorageSubSystemFriendlyName -eq 'Windows Storage on PAR-FS01' -and (@($PhysicalDisks.FriendlyName) -join ',') -eq 'scsi1,scsi2'
        }
        Should -Invoke New-VirtualDisk -Times 1 -Exactly -ParameterFilter {
            $StoragePoolFriendlyName -eq $Plan.pool -and $FriendlyName -eq $Plan.pool -and $ResiliencySettingName -eq 'Mirror' -and $NumberOfDataCopies -eq 2 -and
            $ProvisioningType -eq 'Fixed' -and $UseMaximumSize
        }
        Should -Invoke Initialize-Disk -Times 1 -Exactly -ParameterFilter { $Number -eq 3 -and $PartitionStyle -eq 'GPT' }
        Should -Invoke New-Partition -Times 1 -Exactly -ParameterFilter { $DiskNumber -eq 3 -and $UseMaximumSize -and $DriveLetter -eq $Plan.letter }
        Should -Invoke Format-Volume -Times 1 -Exactly
        $script:Storage.Volumes[$Plan.letter] | Should -BeLike "@{DriveLetter=$($Plan.letter); FileSystem=NTFS; FileSystemLabel=$($Plan.label)}"
    }
    It 'a second run, with the mirror present: creates nothing' {
        Invoke-Storage | Should -Be @()
        Assert-NothingCreated
    }
    It 'an unhealthy mirror: reported, never re-created' {
        $script:Storage.Mirror.HealthStatus = 'Warning'
        $script:Storage.Mirror.OperationalStatus = 'Degraded'
        Invoke-Storage | Should -Be @(
            "WARNING: the mirror $($Plan.pool) is Warning (Degraded): replace the failed disk, add it to the pool and run Repair-VirtualDisk; never re-create the mirror"
        )
        Assert-NothingCreated
    }
}

Describe 'the Windows file server''s storage.ps1: disks that do not match the plan are refused, nothing created' {
    BeforeAll {
        function Assert-Refused([object[]]$Disks, [int]$Found) {
            Reset-FakeStorage $Disks
            { Invoke-Storage } | Should -Throw -ExpectedMessage "$($Plan.host): expected 2 blank poolable disks of $Size bytes, found $Found; nothing was changed"
            Assert-NothingCreated
            $script:Storage.Pool | Should -BeNullOrEmpty
            $script:Storage.Mirror | Should -BeNullOrEmpty
        }
        Use-FakeStorage # once for the block, as above
    }

    # One It per case (not -ForEach): the names pester.test.ts pins are the expanded ones.
    It 'refuses two disks one GiB smaller than planned' { Assert-Refused @((New-FakeDisk 'scsi1' ($Size - 1GB)), (New-FakeDisk 'scsi2' ($Size - 1GB))) 0 }
    It 'refuses one disk of the planned size and one larger' { Assert-Refused @((New-FakeDisk 'scsi1' $Size), (New-FakeDisk 'scsi2' ($Size + 1GB))) 1 }
    It 'refuses a single disk of the planned size' { Assert-Refused @(New-FakeDisk 'scsi1' $Size) 1 }
    It 'refuses three disks of the planned size' { Assert-Refused @((New-FakeDisk 'scsi1' $Size), (New-FakeDisk 'scsi2' $Size), (New-FakeDisk 'scsi3' $Size)) 3 }
    It 'refuses two disks of the planned size when one cannot be pooled (a pool elsewhere holds it)' { Assert-Refused @((New-FakeDisk 'scsi1' $Size), (New-FakeDisk 'scsi2' $Size $false)) 1 }
}
