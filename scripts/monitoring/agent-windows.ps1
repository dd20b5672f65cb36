# scripts/monitoring/agent-windows.ps1: the Zabbix agent's part of a Windows host's base step (billu:monitoring,
# components/monitoring), the counterpart of agent-step.sh. Read verbatim, then agent-windows-step.ps1 calls
# Update-ZbxWindowsAgent; runs after billu-lib.ps1 installed the files without secrets (agent.json, the staged
# zabbix_agent2.conf). Data: $ZBX_SETTINGS (agent.json's path). Functions only, so Pester can load and run them.
#
# 1. The folder: SYSTEM (the agent's service account) and Administrators only, before the key is written into it from
#    the step's stdin (never from a staged file: C:\ProgramData is readable by Users).
# 2. The MSI (agent 2, 64-bit, OpenSSL), downloaded from the model's URL and installed only when its SHA-256 is the
#    pinned one; its own firewall exception (any remote address) skipped (SKIP=fw). Installed again only when the pinned
#    hash changes (an upgrade) or the service is gone. No secret on msiexec's command line (SERVER, which the MSI wants
#    for a silent install, is the server's address): the configuration is ours, written over the MSI's next.
# 3. The configuration over the MSI's own, and the key; the service restarted only when either changed (or the MSI ran).
# 4. The inbound rule: tcp/10050 from the Zabbix server's address only, set back when it drifted.
# Idempotent: an unchanged run downloads nothing, writes nothing and restarts nothing.

function Invoke-ZbxDownload([string]$Url, [string]$OutFile) {
    Invoke-WebRequest -Uri $Url -OutFile $OutFile -UseBasicParsing
}

# Start-Process joins its arguments with spaces, quoting none: an argument with a space arrives quoted already.
function Invoke-ZbxMsiexec([string[]]$Arguments) {
    (Start-Process -FilePath 'msiexec.exe' -ArgumentList ($Arguments -join ' ') -Wait -PassThru).ExitCode
}

# Writes a file when its text differs; true when it wrote.
function Set-ZbxText([string]$Path, [string]$Text) {
    if ((Test-Path -LiteralPath $Path) -and ([IO.File]::ReadAllText($Path) -ceq $Text)) { return $false }
    [IO.File]::WriteAllText($Path, $Text)
    return $true
}

function Install-ZbxMsi($Zbx) {
    if ($Zbx.Sha256 -notmatch '^[0-9A-F]{64}$') {
        throw "the Zabbix agent MSI $($Zbx.MsiUrl) has no pinned SHA-256, so it is not installed: set billu:monitoring.windowsAgent.sha256 to the SHA256 Zabbix publishes for it (or Get-FileHash -Algorithm SHA256 of a copy you trust), then run pulumi up again"
    }
    Invoke-ZbxDownload $Zbx.MsiUrl $Zbx.Msi
    $got = (Get-FileHash -LiteralPath $Zbx.Msi -Algorithm SHA256).Hash.ToUpperInvariant()
    if ($got -ne $Zbx.Sha256) {
        Remove-Item -LiteralPath $Zbx.Msi -Force
        throw "the Zabbix agent MSI from $($Zbx.MsiUrl) has SHA-256 $got, not the pinned $($Zbx.Sha256) (billu:monitoring.windowsAgent.sha256): it was deleted, not installed. Check the URL and the hash"
    }
    $code = Invoke-ZbxMsiexec @('/i', "`"$($Zbx.Msi)`"", '/qn', '/norestart', '/l*v', "`"$($Zbx.MsiLog)`"", 'SKIP=fw', "INSTALLFOLDER=`"$($Zbx.InstallDir)`"", "SERVER=$($Zbx.Server)")
    # 3010: installed, a reboot would complete it (the agent's service runs without one).
    if ($code -ne 0 -and $code -ne 3010) { throw "msiexec could not install the Zabbix agent MSI (exit $code): see $($Zbx.MsiLog)" }
    Remove-Item -LiteralPath $Zbx.Msi -Force
    [IO.File]::WriteAllText($Zbx.Installed, $Zbx.Sha256)
    Write-BilluLog "installed Zabbix agent 2 $($Zbx.Version)"
}

function Set-ZbxFirewallRule($Zbx) {
    $port = [string]$Zbx.ListenPort
    $rule = Get-NetFirewallRule -Name $Zbx.FirewallRule -ErrorAction SilentlyContinue
    if ($rule) {
        $ports = $rule | Get-NetFirewallPortFilter
        $addresses = $rule | Get-NetFirewallAddressFilter
        $same = "$($rule.Enabled)" -eq 'True' -and "$($rule.Direction)" -eq 'Inbound' -and "$($rule.Action)" -eq 'Allow' -and "$($rule.Profile)" -eq 'Any' -and
            "$($ports.Protocol)" -eq 'TCP' -and (@($ports.LocalPort) -join ',') -eq $port -and (@($addresses.RemoteAddress) -join ',') -eq $Zbx.Server
        if ($same) { return }
        Remove-NetFirewallRule -Name $Zbx.FirewallRule
    }
    New-NetFirewallRule -Name $Zbx.FirewallRule -DisplayName "Zabbix agent from $($Zbx.Server) (billu:monitoring)" -Direction Inbound -Action Allow `
        -Protocol TCP -LocalPort $port -RemoteAddress $Zbx.Server -Profile Any -Enabled True | Out-Null
    Write-BilluLog "firewall: tcp/$port from $($Zbx.Server) only"
}

function Update-ZbxWindowsAgent([string]$Settings) {
    $zbx = Get-Content -LiteralPath $Settings -Raw | ConvertFrom-Json
    # No pinned hash (prod as committed: no copy of the MSI could be checked where the project is built): the rest of the
    # host's base step must not fail for it, so the agent is left out, loudly; Zabbix shows the host's agent unreachable.
    if ($zbx.Sha256 -notmatch '^[0-9A-F]{64}$') {
        Write-BilluLog "WARNING: Zabbix agent 2 is not installed on this host: the MSI $($zbx.MsiUrl) has no pinned SHA-256. Set billu:monitoring.windowsAgent.sha256 to the SHA256 Zabbix publishes for it (or Get-FileHash -Algorithm SHA256 of a copy you trust), then run pulumi up again"
        return
    }
    Set-BilluPrivateFolder $zbx.Dir
    $changed = $false
    $installed = if (Test-Path -LiteralPath $zbx.Installed) { [IO.File]::ReadAllText($zbx.Installed).Trim() } else { '' }
    if ($installed -ne $zbx.Sha256 -or -not (Get-Service -Name $zbx.Service -ErrorAction SilentlyContinue)) {
        Install-ZbxMsi $zbx
        $changed = $true
    }
    if (Set-ZbxText $zbx.Psk (Get-BilluSecret 'zabbix-agent-psk')) { $changed = $true; Write-BilluLog "updated $($zbx.Psk)" }
    if (Set-ZbxText $zbx.Conf ([IO.File]::ReadAllText($zbx.StagedConf))) { $changed = $true; Write-BilluLog "updated $($zbx.Conf)" }
    Set-ZbxFirewallRule $zbx
    $service = Get-Service -Name $zbx.Service
    if ("$($service.StartType)" -ne 'Automatic') { Set-Service -Name $zbx.Service -StartupType Automatic }
    if ($changed) {
        Restart-Service -Name $zbx.Service
        Write-BilluLog "restarted $($zbx.Service) (its MSI, configuration or key changed)"
    } elseif ("$($service.Status)" -ne 'Running') {
        Start-Service -Name $zbx.Service
        Write-BilluLog "started $($zbx.Service)"
    }
}
