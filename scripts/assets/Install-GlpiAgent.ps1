# scripts/assets/Install-GlpiAgent.ps1: the GLPI agent on a Windows computer (billu:assets.windowsAgent, issue #21).
# A computer startup script of the GPO with the named policy glpiAgent (model/gpo.ts): the GPO copies it to the
# domain's SYSVOL (billu/glpi-agent/) and lists it in Machine/Scripts/psscripts.ini; Windows runs it as SYSTEM at boot.
# Its settings are the GPO's registry policy in HKLM\Software\Policies\BillU\GlpiAgent: Server (GLPI's inventory
# endpoint), MsiUrl, Version, Sha256 (absent while billu:assets.windowsAgent.sha256 is unset) and Tag.
#
# 1. No pinned hash: installs nothing and logs why (the computer boots on; GLPI simply gets no inventory from it).
# 2. Installed already with this MSI's hash and this server, and its service present: nothing to do (every boot).
# 3. Else downloads the MSI, installs it only when its SHA-256 is the pinned one (a different file is deleted), with
#    SERVER, TAG, only the inventory feature, no embedded web server (GLPI never calls the agent) and no firewall
#    exception; records what it installed.
# Log: C:\ProgramData\billu\glpi-agent\install.log. Functions first, so Pester can load and run them; the last line
# runs it when Windows starts the script (not when it is dot-sourced).

$script:GlpiPolicyKey = 'HKLM:\Software\Policies\BillU\GlpiAgent'
$script:GlpiService = 'glpi-agent'

function Write-GlpiLog([string]$Dir, [string]$Message) {
    $line = '{0} {1}' -f (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ'), $Message
    Add-Content -LiteralPath (Join-Path $Dir 'install.log') -Value $line
}

function Invoke-GlpiDownload([string]$Url, [string]$OutFile) {
    Invoke-WebRequest -Uri $Url -OutFile $OutFile -UseBasicParsing
}

# Start-Process joins its arguments with spaces, quoting none: an argument with a space arrives quoted already.
function Invoke-GlpiMsiexec([string[]]$Arguments) {
    (Start-Process -FilePath 'msiexec.exe' -ArgumentList ($Arguments -join ' ') -Wait -PassThru).ExitCode
}

# The GPO's settings, or $null when the policy key is missing (the GPO does not apply to this computer any more).
function Get-GlpiAgentSettings {
    $p = Get-ItemProperty -Path $script:GlpiPolicyKey -ErrorAction SilentlyContinue
    if (-not $p) { return $null }
    [pscustomobject]@{
        Server  = [string]$p.Server
        MsiUrl  = [string]$p.MsiUrl
        Version = [string]$p.Version
        Sha256  = ([string]$p.Sha256).ToUpperInvariant()
        Tag     = [string]$p.Tag
    }
}

# Returns what it did: 'no-settings', 'not-pinned', 'unchanged', 'installed', 'hash-mismatch', 'msiexec-failed'.
function Install-GlpiAgent([string]$Dir = (Join-Path $env:ProgramData 'billu\glpi-agent')) {
    $null = New-Item -ItemType Directory -Force -Path $Dir
    $s = Get-GlpiAgentSettings
    if (-not $s -or -not $s.Server -or -not $s.MsiUrl) {
        Write-GlpiLog $Dir "no GLPI agent settings in $script:GlpiPolicyKey: nothing to install"
        return 'no-settings'
    }
    if ($s.Sha256 -notmatch '^[0-9A-F]{64}$') {
        Write-GlpiLog $Dir "WARNING: the GLPI agent $($s.Version) is not installed: its MSI $($s.MsiUrl) has no pinned SHA-256. Set billu:assets.windowsAgent.sha256 (Get-FileHash -Algorithm SHA256 of a copy you trust), then run pulumi up again"
        return 'not-pinned'
    }
    $stamp = Join-Path $Dir 'installed'
    $want = "$($s.Sha256) $($s.Server) $($s.Tag)"
    $have = if (Test-Path -LiteralPath $stamp) { [IO.File]::ReadAllText($stamp).Trim() } else { '' }
    if ($have -eq $want -and (Get-Service -Name $script:GlpiService -ErrorAction SilentlyContinue)) { return 'unchanged' }

    $msi = Join-Path $Dir "GLPI-Agent-$($s.Version)-x64.msi"
    Invoke-GlpiDownload $s.MsiUrl $msi
    $got = (Get-FileHash -LiteralPath $msi -Algorithm SHA256).Hash.ToUpperInvariant()
    if ($got -ne $s.Sha256) {
        Remove-Item -LiteralPath $msi -Force
        Write-GlpiLog $Dir "the GLPI agent MSI from $($s.MsiUrl) has SHA-256 $got, not the pinned $($s.Sha256) (billu:assets.windowsAgent.sha256): it was deleted, not installed. Check the URL and the hash"
        return 'hash-mismatch'
    }
    $log = Join-Path $Dir 'msiexec.log'
    $code = Invoke-GlpiMsiexec @('/i', "`"$msi`"", '/quiet', '/norestart', '/l*v', "`"$log`"", "SERVER=$($s.Server)", "TAG=$($s.Tag)",
        'ADDLOCAL=feat_AGENT', 'EXECMODE=1', 'NO_HTTPD=1', 'ADD_FIREWALL_EXCEPTION=0', 'RUNNOW=1')
    Remove-Item -LiteralPath $msi -Force
    # 3010: installed, a reboot would complete it (the agent's service runs without one).
    if ($code -ne 0 -and $code -ne 3010) {
        Write-GlpiLog $Dir "msiexec could not install the GLPI agent $($s.Version) (exit $code): see $log"
        return 'msiexec-failed'
    }
    [IO.File]::WriteAllText($stamp, $want)
    Write-GlpiLog $Dir "installed the GLPI agent $($s.Version), reporting to $($s.Server)"
    return 'installed'
}

if ($MyInvocation.InvocationName -ne '.') { $null = Install-GlpiAgent }
