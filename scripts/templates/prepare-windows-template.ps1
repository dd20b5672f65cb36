<#
.SYNOPSIS
    Prepares a Windows Server 2022 VM (GUI or Core) or a Windows 11 Pro VM to become the template the program clones
    (billu:proxmox.templates.windows-2022-gui / windows-2022-core / windows-11-pro). Run it inside the VM as
    Administrator, then shut down with cloudbase-init's sysprep (the last line it prints) and run `qm template <vm id>`
    on the node. The Windows 11 VM is created with OVMF, q35, an EFI disk with pre-enrolled keys and a TPM 2.0 state
    (its clones keep them: docs/services/client.md, "The Windows flavor").

.DESCRIPTION
    What the template must hold, and why:
    - OpenSSH Server, automatic, PowerShell as its default shell: every guest step connects over SSH and runs
      PowerShell.
    - cloudbase-init with the ConfigDrive metadata service: Proxmox's cloud-init drive for Windows is configdrive2,
      and Proxmox passes no user name in it, so cloudbase-init's own configuration names the admin user
      (-AdminUser, the stack's billu:guest.adminUser) and its group (Administrators).
    - The keys where Windows' OpenSSH reads them for administrators: C:\ProgramData\ssh\administrators_authorized_keys,
      readable by Administrators and SYSTEM only (sshd ignores the file otherwise). cloudbase-init writes the keys
      to the user's profile; a LocalScripts script copies them there at first boot.
    - The QEMU guest agent (from the virtio-win ISO): the VM resource waits for it.
    - The OS disk on scsi0 (VirtIO SCSI), no larger than the smallest Windows OS disk of the model (60 GiB in prod).
      The program's cloud-init drive goes on ide2.

    On a domain controller, local accounts stop being usable at promotion (the first DC turns them into domain
    accounts, a joining DC discards them): after promotion the steps connect as the domain account of the same name,
    which the first DC's promotion keeps in the builtin Administrators group. This path is not proven on these
    machines (no Windows here).

.PARAMETER AdminUser
    The stack's billu:guest.adminUser.

.PARAMETER CloudbaseInitMsi
    Path to CloudbaseInitSetup_x64.msi (https://cloudbase.it/cloudbase-init/).

.PARAMETER GuestAgentMsi
    Path to qemu-ga-x86_64.msi on the virtio-win ISO (guest-agent folder).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [ValidatePattern('^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$')] [string] $AdminUser,
    [Parameter(Mandatory)] [ValidateScript({ Test-Path -LiteralPath $_ -PathType Leaf })] [string] $CloudbaseInitMsi,
    [Parameter(Mandatory)] [ValidateScript({ Test-Path -LiteralPath $_ -PathType Leaf })] [string] $GuestAgentMsi
)
$ErrorActionPreference = 'Stop'

function Install-Msi([string] $Path, [string[]] $Properties = @()) {
    $log = Join-Path $env:TEMP ("billu-" + [IO.Path]::GetFileNameWithoutExtension($Path) + ".log")
    $arguments = @('/i', "`"$Path`"", '/qn', '/norestart', '/l*v', "`"$log`"") + $Properties
    $p = Start-Process -FilePath msiexec.exe -ArgumentList $arguments -Wait -PassThru
    if ($p.ExitCode -notin 0, 3010) { throw "msiexec $Path failed with $($p.ExitCode) (log: $log)" }
}

# OpenSSH Server, automatic, PowerShell as the default shell.
if ((Get-WindowsCapability -Online -Name 'OpenSSH.Server~~~~0.0.1.0').State -ne 'Installed') {
    Add-WindowsCapability -Online -Name 'OpenSSH.Server~~~~0.0.1.0' | Out-Null
}
Set-Service -Name sshd -StartupType Automatic
New-Item -Path 'HKLM:\SOFTWARE\OpenSSH' -Force | Out-Null
New-ItemProperty -Path 'HKLM:\SOFTWARE\OpenSSH' -Name DefaultShell -PropertyType String -Force `
    -Value "$env:SystemRoot\System32\WindowsPowerShell\v1.0\powershell.exe" | Out-Null
if (-not (Get-NetFirewallRule -Name 'OpenSSH-Server-In-TCP' -ErrorAction SilentlyContinue)) {
    New-NetFirewallRule -Name 'OpenSSH-Server-In-TCP' -DisplayName 'OpenSSH Server (sshd)' -Enabled True -Direction Inbound `
        -Protocol TCP -Action Allow -LocalPort 22 | Out-Null
}

# The QEMU guest agent.
Install-Msi $GuestAgentMsi

# cloudbase-init, configured for Proxmox's config drive and the stack's admin user.
Install-Msi $CloudbaseInitMsi @("USERNAME=$AdminUser", 'USERGROUPS=Administrators', 'SERIALPORTNAME=COM1')
$root = Join-Path ${env:ProgramFiles} 'Cloudbase Solutions\Cloudbase-Init'
$plugins = @(
    'cloudbaseinit.plugins.common.mtu.MTUPlugin',
    'cloudbaseinit.plugins.windows.ntpclient.NTPClientPlugin',
    'cloudbaseinit.plugins.common.sethostname.SetHostNamePlugin',
    'cloudbaseinit.plugins.windows.createuser.CreateUserPlugin',
    'cloudbaseinit.plugins.common.networkconfig.NetworkConfigPlugin',
    'cloudbaseinit.plugins.common.sshpublickeys.SetUserSSHPublicKeysPlugin',
    'cloudbaseinit.plugins.windows.extendvolumes.ExtendVolumesPlugin',
    'cloudbaseinit.plugins.common.localscripts.LocalScriptsPlugin'
) -join ','
foreach ($name in 'cloudbase-init.conf', 'cloudbase-init-unattend.conf') {
    $conf = Join-Path $root "conf\$name"
    $lines = @(
        '[DEFAULT]',
        "username=$AdminUser",
        'groups=Administrators',
        'inject_user_password=false',
        'first_logon_behaviour=no',
        'metadata_services=cloudbaseinit.metadata.services.configdrive.ConfigDriveService',
        "plugins=$plugins",
        "local_scripts_path=$root\LocalScripts\",
        "logdir=$root\log\",
        "logfile=$($name -replace '\.conf$', '.log')",
        'allow_reboot=false',
        'stop_service_on_exit=false'
    )
    Set-Content -LiteralPath $conf -Value $lines -Encoding ascii
}

# At first boot, after cloudbase-init wrote the user's keys, copy them where sshd reads them for administrators,
# readable by Administrators and SYSTEM only.
$copyKeys = @'
$src = Join-Path $env:SystemDrive "Users\__USER__\.ssh\authorized_keys"
$dst = Join-Path $env:ProgramData 'ssh\administrators_authorized_keys'
if (Test-Path -LiteralPath $src) {
    Copy-Item -LiteralPath $src -Destination $dst -Force
    icacls.exe $dst /inheritance:r /grant 'Administrators:F' /grant 'SYSTEM:F' | Out-Null
    Restart-Service sshd
}
'@ -replace '__USER__', $AdminUser
Set-Content -LiteralPath (Join-Path $root 'LocalScripts\billu-ssh-keys.ps1') -Value $copyKeys -Encoding ascii

Write-Output "template prepared for $AdminUser. Now generalize and shut down:"
Write-Output "  & `"$env:SystemRoot\System32\Sysprep\sysprep.exe`" /generalize /oobe /shutdown /unattend:`"$root\conf\Unattend.xml`""
