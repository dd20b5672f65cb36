# storage.ps1 of the Windows file server: the two data disks as a Storage Spaces two-way mirror, NTFS, on the plan's
# drive letter. Idempotent: the pool and the mirror are created once, over exactly two blank poolable disks of the
# planned size; an unhealthy mirror is reported, never re-created.
# Data (rendered before this text by components/fileserver): $HOST_NAME, $POOL (the pool's and the mirror's name),
# $LETTER, $LABEL, $DISK_BYTES (each data disk's planned size).
$ErrorActionPreference = 'Stop'
if (-not (Get-StoragePool -FriendlyName $POOL -ErrorAction SilentlyContinue)) {
    $disks = @(Get-PhysicalDisk -CanPool $true | Where-Object { $_.Size -eq $DISK_BYTES })
    if ($disks.Count -ne 2) { throw "${HOST_NAME}: expected 2 blank poolable disks of $DISK_BYTES bytes, found $($disks.Count); nothing was changed" }
    $subsystem = (Get-StorageSubSystem | Where-Object { $_.FriendlyName -like 'Windows Storage*' } | Select-Object -First 1).FriendlyName
    New-StoragePool -FriendlyName $POOL -StorageSubSystemFriendlyName $subsystem -PhysicalDisks $disks | Out-Null
    Write-Output "storage pool $POOL created over $($disks.Count) disks"
}
if (-not (Get-VirtualDisk -FriendlyName $POOL -ErrorAction SilentlyContinue)) {
    New-VirtualDisk -StoragePoolFriendlyName $POOL -FriendlyName $POOL -ResiliencySettingName Mirror -NumberOfDataCopies 2 -ProvisioningType Fixed -UseMaximumSize | Out-Null
    $disk = Get-VirtualDisk -FriendlyName $POOL | Get-Disk
    Initialize-Disk -Number $disk.Number -PartitionStyle GPT
    New-Partition -DiskNumber $disk.Number -UseMaximumSize -DriveLetter $LETTER | Format-Volume -FileSystem NTFS -NewFileSystemLabel $LABEL -Confirm:$false | Out-Null
    Write-Output "two-way mirror $POOL created, NTFS on ${LETTER}:"
}
$vd = Get-VirtualDisk -FriendlyName $POOL
if ($vd.HealthStatus -ne 'Healthy') {
    Write-Warning "the mirror $POOL is $($vd.HealthStatus) ($($vd.OperationalStatus)): replace the failed disk, add it to the pool and run Repair-VirtualDisk; never re-create the mirror"
}
if (-not (Get-Volume -DriveLetter $LETTER -ErrorAction SilentlyContinue)) { throw "the mirror exists but ${LETTER}: is missing; nothing was changed" }
