# wsus.ps1: the WSUS server of the site (components/wsus), functions only so Pester can load them. The step
# (wsus-step.ps1) dot-sources this file and calls Invoke-BilluWsus with the plan (wsus.json, rendered from billu:wsus).
# Idempotent: every setting is read first and written only when it differs; a run with everything as planned
# writes nothing and says so. Every change is one output line.
# API: Microsoft.UpdateServices.Administration (IUpdateServer, IUpdateServerConfiguration, ISubscription,
# IAutomaticUpdateApprovalRule), https://learn.microsoft.com/previous-versions/windows/desktop/aa349325(v=vs.85)

$script:WsusFeatures = @('UpdateServices-WidDB', 'UpdateServices-Services', 'UpdateServices-UI')
$script:WsusSetupKey = 'HKLM:\SOFTWARE\Microsoft\Update Services\Server\Setup'
$script:WsusUtil = 'C:\Program Files\Update Services\Tools\wsusutil.exe'
$script:WsusSite = 'WSUS Administration'
# The web services clients and downstream servers call: SSL is required on these five, the rest of the site (the
# Content folder, the self-update) stays on HTTP 8530 as Microsoft documents ("Configure SSL on the WSUS server",
# https://learn.microsoft.com/windows-server/administration/windows-server-update-services/deploy/2-configure-wsus).
$script:WsusSslServices = @('ApiRemoting30', 'ClientWebService', 'DSSAuthWebService', 'ServerSyncWebService', 'SimpleAuthWebService')

# The roles: WID database, the WSUS services, the console; installed once (only those missing).
function Install-BilluWsusFeatures {
    $missing = @(Get-WindowsFeature -Name $script:WsusFeatures | Where-Object { -not $_.Installed } | ForEach-Object Name)
    if ($missing.Count -eq 0) { return @() }
    Install-WindowsFeature -Name $missing -IncludeManagementTools | Out-Null
    return @("features installed: $($missing -join ', ')")
}

# The content volume on the data disk: formatted once (the one blank disk of the planned size), never re-formatted.
function Initialize-BilluWsusVolume($Plan) {
    if (Get-Volume -DriveLetter $Plan.driveLetter -ErrorAction SilentlyContinue) { return @() }
    $bytes = [int64]$Plan.dataDiskBytes
    $disks = @(Get-Disk | Where-Object { $_.PartitionStyle -eq 'RAW' -and $_.Size -eq $bytes })
    if ($disks.Count -ne 1) {
        throw "$($Plan.host): expected 1 blank disk of $bytes bytes for $($Plan.driveLetter):, found $($disks.Count); nothing was changed (billu:hosts disks[1].sizeGiB)"
    }
    Initialize-Disk -Number $disks[0].Number -PartitionStyle GPT
    New-Partition -DiskNumber $disks[0].Number -UseMaximumSize -DriveLetter $Plan.driveLetter | Format-Volume -FileSystem NTFS -NewFileSystemLabel 'WSUS' -Confirm:$false | Out-Null
    return @("content volume $($Plan.driveLetter): formatted (NTFS)")
}

# wsusutil postinstall once: its ContentDir in the registry says it ran. Another content folder is refused (moving
# content is wsusutil movecontent, by hand).
function Initialize-BilluWsusContent($Plan) {
    $setup = Get-ItemProperty -Path $script:WsusSetupKey -ErrorAction SilentlyContinue
    $current = if ($setup) { "$($setup.ContentDir)".TrimEnd('\') } else { '' }
    if ($current -ieq $Plan.contentDir) { return @() }
    if ($current -ne '') {
        throw "WSUS content is in $current, not $($Plan.contentDir): move it with wsusutil movecontent, or set billu:wsus.driveLetter/contentFolder to match"
    }
    $code = Invoke-BilluWsusUtil 'postinstall' "CONTENT_DIR=$($Plan.contentDir)"
    if ($code -ne 0) { throw "wsusutil postinstall CONTENT_DIR=$($Plan.contentDir) failed (exit $code): see %ProgramFiles%\Update Services\LogFiles" }
    return @("postinstall: content in $($Plan.contentDir), database WID")
}

# wsusutil.exe with its arguments: its exit code (its output goes to its own log).
function Invoke-BilluWsusUtil {
    & $script:WsusUtil @args | Out-Null
    return $LASTEXITCODE
}

# A PEM certificate's DER bytes, and its SHA-1 thumbprint (how the certificate stores and IIS name it).
# The leading comma keeps the byte[] whole: unrolled into object[], X509Certificate2's constructor takes it for a file name.
function ConvertFrom-BilluPem([string]$Pem) {
    return , [Convert]::FromBase64String((($Pem -split "`n") | ForEach-Object Trim | Where-Object { $_ -and $_ -notmatch '-----' }) -join '')
}
function Get-BilluCertThumbprint([string]$Pem) {
    [System.Security.Cryptography.X509Certificates.X509Certificate2]::new([byte[]](ConvertFrom-BilluPem $Pem)).Thumbprint
}

# The site CA in LocalMachine\Root: the step's own API calls over HTTPS (Get-WsusServer -UseSsl) check the chain.
function Install-BilluWsusTrust([string]$CaPem) {
    $thumb = Get-BilluCertThumbprint $CaPem
    if (Test-Path -LiteralPath "Cert:\LocalMachine\Root\$thumb") { return @() }
    $file = Join-Path ([IO.Path]::GetTempPath()) 'billu-wsus-site-ca.cer'
    [IO.File]::WriteAllBytes($file, (ConvertFrom-BilluPem $CaPem))
    try { Import-Certificate -FilePath $file -CertStoreLocation 'Cert:\LocalMachine\Root' | Out-Null } finally { Remove-Item -LiteralPath $file -Force }
    return @("site CA trusted (LocalMachine\Root): $thumb")
}

# HTTPS on the WSUS site (billu:wsus.ssl): the site CA trusted, the server's certificate (PEM from the site CA, for the
# FQDN) in LocalMachine\My, bound to the site's https binding on the plan's port, SSL required on the five web
# services, then `wsusutil configuressl <fqdn>` (which writes the setup key's UsingSSL and ServerCertificateName).
# Each part only when it differs. $Tls: @{ ca; cert; key } (PEM, from the step's secrets).
function Set-BilluWsusSsl($Plan, $Tls) {
    $out = @()
    $out += Install-BilluWsusTrust $Tls.ca
    $thumb = Get-BilluCertThumbprint $Tls.cert
    if (Import-BilluLdapsCert $Tls.cert $Tls.key) { $out += "certificate installed (LocalMachine\My): $($Plan.fqdn) $thumb" }
    Import-Module WebAdministration
    $binding = Get-WebBinding -Name $script:WsusSite -Protocol https -Port $Plan.port
    if (-not $binding) {
        New-WebBinding -Name $script:WsusSite -Protocol https -Port $Plan.port -IPAddress '*'
        $binding = Get-WebBinding -Name $script:WsusSite -Protocol https -Port $Plan.port
        $out += "https binding added: $($script:WsusSite) port $($Plan.port)"
    }
    if ("$($binding.certificateHash)" -ne $thumb) {
        # IIS keeps one certificate per ip:port: the old one goes first (AddSslCertificate refuses to overwrite).
        if ("$($binding.certificateHash)" -ne '') { $binding.RemoveSslCertificate() }
        $binding.AddSslCertificate($thumb, 'My')
        $out += "certificate bound: $($script:WsusSite) port $($Plan.port) $thumb"
    }
    foreach ($svc in $script:WsusSslServices) {
        # In applicationHost.config: the access section is locked for the sites' own web.config files.
        $where = @{ PSPath = 'MACHINE/WEBROOT/APPHOST'; Location = "$($script:WsusSite)/$svc"; Filter = 'system.webServer/security/access'; Name = 'sslFlags' }
        $flags = @("$(Get-WebConfigurationProperty @where)" -split ',' | ForEach-Object Trim)
        if ($flags -notcontains 'Ssl') {
            Set-WebConfigurationProperty @where -Value 'Ssl'
            $out += "SSL required: $svc"
        }
    }
    $setup = Get-ItemProperty -Path $script:WsusSetupKey -ErrorAction SilentlyContinue
    if (-not ($setup -and "$($setup.UsingSSL)" -eq '1' -and "$($setup.ServerCertificateName)" -eq $Plan.fqdn)) {
        $code = Invoke-BilluWsusUtil 'configuressl' $Plan.fqdn
        if ($code -ne 0) { throw "wsusutil configuressl $($Plan.fqdn) failed (exit $code): see %ProgramFiles%\Update Services\LogFiles" }
        $out += "wsusutil configuressl $($Plan.fqdn)"
    }
    return $out
}

# The command line of the cleanup task: this server through the API as the step reaches it, then
# Invoke-WsusServerCleanup with the plan's switches (billu:wsus.cleanup.options).
function Get-BilluWsusCleanupArguments($Plan) {
    $server = if ($Plan.ssl) { "-Name '$($Plan.fqdn)' -PortNumber $($Plan.port) -UseSsl" } else { "-Name 'localhost' -PortNumber $($Plan.port)" }
    $switches = @($Plan.cleanup.switches | ForEach-Object { "-$_" }) -join ' '
    "-NoProfile -NonInteractive -ExecutionPolicy Bypass -Command `"Get-WsusServer $server | Invoke-WsusServerCleanup $switches`""
}

# The weekly cleanup: a scheduled task run as SYSTEM on the plan's day and local time. A task that already has this
# action, day, time and account is left alone; anything else is replaced.
function Register-BilluWsusCleanup($Plan) {
    $c = $Plan.cleanup
    $exe = "$env:SystemRoot\System32\WindowsPowerShell\v1.0\powershell.exe"
    $arguments = Get-BilluWsusCleanupArguments $Plan
    # Task Scheduler's weekly trigger stores its days as a mask: Sunday 1, Monday 2, ... Saturday 64.
    $mask = 1 -shl [int][DayOfWeek]$c.day
    $have = Get-ScheduledTask -TaskName $c.task -ErrorAction SilentlyContinue
    if ($have) {
        $action = @($have.Actions)[0]
        $trigger = @($have.Triggers)[0]
        $same = @($have.Actions).Count -eq 1 -and $action.Execute -eq $exe -and $action.Arguments -eq $arguments -and
            @($have.Triggers).Count -eq 1 -and [int]$trigger.DaysOfWeek -eq $mask -and "$($trigger.StartBoundary)" -match "T$([regex]::Escape($c.time)):00" -and
            $have.Principal.UserId -in 'SYSTEM', 'NT AUTHORITY\SYSTEM', 'S-1-5-18'
        if ($same) { return @() }
    }
    $newAction = New-ScheduledTaskAction -Execute $exe -Argument $arguments
    $newTrigger = New-ScheduledTaskTrigger -Weekly -DaysOfWeek $c.day -At ([datetime]::ParseExact($c.time, 'HH:mm', [Globalization.CultureInfo]::InvariantCulture))
    $principal = New-ScheduledTaskPrincipal -UserId 'S-1-5-18' -LogonType ServiceAccount -RunLevel Highest
    # A cleanup still going a week later is not doubled; one missed while the server was off starts when it is back.
    $settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -MultipleInstances IgnoreNew -ExecutionTimeLimit ([Xml.XmlConvert]::ToTimeSpan('PT8H'))
    $null = Register-ScheduledTask -TaskName $c.task -Action $newAction -Trigger $newTrigger -Principal $principal -Settings $settings `
        -Description 'BillU: WSUS server cleanup (Invoke-WsusServerCleanup, billu:wsus.cleanup)' -Force
    return @("cleanup task $(if ($have) { 'replaced' } else { 'registered' }): $($c.day) $($c.time), $($c.switches -join ', ')")
}

# A typed collection of the UpdateServices API (a function so that Pester can stand in for the assembly's types).
function New-BilluWsusCollection([string]$Type, [object[]]$Items) {
    $c = New-Object "Microsoft.UpdateServices.Administration.$Type"
    foreach ($i in $Items) { [void]$c.Add($i) }
    return , $c
}

function Test-BilluSameSet([object[]]$A, [object[]]$B) {
    $a = @($A | ForEach-Object { "$_" } | Sort-Object -Unique)
    $b = @($B | ForEach-Object { "$_" } | Sort-Object -Unique)
    return ($a -join "`n") -ceq ($b -join "`n")
}

# Upstream, languages, client-side targeting: IUpdateServerConfiguration, saved once when something differs.
function Set-BilluWsusConfiguration($Wsus, $Plan) {
    $config = $Wsus.GetConfiguration()
    $out = @()
    $up = $Plan.upstream
    if ($up.kind -eq 'microsoft-update') {
        if (-not $config.SyncFromMicrosoftUpdate) { $config.SyncFromMicrosoftUpdate = $true; $out += 'upstream: Microsoft Update' }
    } elseif (-not (-not $config.SyncFromMicrosoftUpdate -and $config.UpstreamWsusServerName -eq $up.server -and $config.UpstreamWsusServerPortNumber -eq $up.port -and
            $config.UpstreamWsusServerUseSsl -eq $up.ssl)) {
        $config.SyncFromMicrosoftUpdate = $false
        $config.UpstreamWsusServerName = $up.server
        $config.UpstreamWsusServerPortNumber = $up.port
        $config.UpstreamWsusServerUseSsl = $up.ssl
        $out += "upstream: $($up.server):$($up.port)"
    }
    if ($config.AllUpdateLanguagesEnabled -or -not (Test-BilluSameSet @($config.GetEnabledUpdateLanguages()) @($Plan.languages))) {
        $config.AllUpdateLanguagesEnabled = $false
        $config.SetEnabledUpdateLanguages([string[]]@($Plan.languages))
        $out += "languages: $($Plan.languages -join ', ')"
    }
    if ("$($config.TargetingMode)" -ne 'Client') { $config.TargetingMode = 'Client'; $out += 'targeting: client-side (the GPOs name the groups)' }
    if ($out.Count -gt 0) { $config.Save() }
    return $out
}

# One synchronisation a day at the planned time (UTC, as ISubscription stores it).
function Set-BilluWsusSchedule($Wsus, $Plan) {
    $sub = $Wsus.GetSubscription()
    $at = [TimeSpan]::Parse($Plan.syncTime)
    if ($sub.SynchronizeAutomatically -and $sub.SynchronizeAutomaticallyTimeOfDay -eq $at -and $sub.NumberOfSynchronizationsPerDay -eq 1) { return @() }
    $sub.SynchronizeAutomatically = $true
    $sub.SynchronizeAutomaticallyTimeOfDay = $at
    $sub.NumberOfSynchronizationsPerDay = 1
    $sub.Save()
    return @("sync: daily at $($Plan.syncTime) UTC")
}

# Products and classifications: the planned ones ticked, every other one unticked. A planned name WSUS does not know
# stops the step before anything of the two lists is written.
function Set-BilluWsusCategories($Wsus, $Plan) {
    $sub = $Wsus.GetSubscription()
    $known = @(Get-WsusProduct)
    if ($known.Count -eq 0) {
        # A new server knows no product before its first category synchronisation.
        $sub.StartSynchronizationForCategoryOnly()
        for ($i = 0; $i -lt 120 -and "$($sub.GetSynchronizationStatus())" -ne 'NotProcessing'; $i++) { Start-Sleep -Seconds 15 }
        if ("$($sub.GetSynchronizationStatus())" -ne 'NotProcessing') { throw 'the category synchronisation did not finish within 30 minutes: run the step again' }
        $known = @(Get-WsusProduct)
    }
    $classes = @(Get-WsusClassification)
    $i = 0
    foreach ($p in $Plan.products) {
        if (-not ($known | Where-Object { $_.Product.Title -eq $p })) {
            throw "billu:wsus.products[$i] `"$p`" is not a product this WSUS knows: use a title as Get-WsusProduct shows it (Product.Title); nothing was changed"
        }
        $i++
    }
    $out = @()
    $enabled = @($sub.GetUpdateCategories() | ForEach-Object Title)
    foreach ($p in $known) {
        $want = $Plan.products -contains $p.Product.Title
        $has = $enabled -contains $p.Product.Title
        if ($want -and -not $has) { $p | Set-WsusProduct; $out += "product ticked: $($p.Product.Title)" }
        elseif ($has -and -not $want) { $p | Set-WsusProduct -Disable; $out += "product unticked: $($p.Product.Title)" }
    }
    $enabled = @($sub.GetUpdateClassifications() | ForEach-Object Title)
    foreach ($c in $classes) {
        $want = $Plan.classifications -contains $c.Classification.Title
        $has = $enabled -contains $c.Classification.Title
        if ($want -and -not $has) { $c | Set-WsusClassification; $out += "classification ticked: $($c.Classification.Title)" }
        elseif ($has -and -not $want) { $c | Set-WsusClassification -Disable; $out += "classification unticked: $($c.Classification.Title)" }
    }
    return $out
}

# The computer target groups (under All Computers), created when missing; others are left alone (they may hold
# computers an administrator placed).
function Set-BilluWsusGroups($Wsus, $Plan) {
    $have = @($Wsus.GetComputerTargetGroups() | ForEach-Object Name)
    $out = @()
    foreach ($g in $Plan.targetGroups) {
        if ($have -notcontains $g.name) { [void]$Wsus.CreateComputerTargetGroup($g.name); $out += "target group created: $($g.name)" }
    }
    return $out
}

# The automatic approval rules: created when missing, repaired when their classifications, products, groups or
# state differ from the plan.
function Set-BilluWsusRules($Wsus, $Plan) {
    $out = @()
    $groups = @($Wsus.GetComputerTargetGroups())
    $sub = $Wsus.GetSubscription()
    $classes = @(Get-WsusClassification | ForEach-Object Classification)
    $products = @(Get-WsusProduct | ForEach-Object Product)
    $rules = @($Wsus.GetInstallApprovalRules())
    foreach ($r in $Plan.rules) {
        $rule = $rules | Where-Object { $_.Name -eq $r.name } | Select-Object -First 1
        $created = $false
        if (-not $rule) { $rule = $Wsus.CreateInstallApprovalRule($r.name); $created = $true }
        $same = -not $created -and $rule.Enabled -eq $r.enabled -and
            (Test-BilluSameSet @($rule.GetUpdateClassifications() | ForEach-Object Title) @($r.classifications)) -and
            (Test-BilluSameSet @($rule.GetCategories() | ForEach-Object Title) @($r.products)) -and
            (Test-BilluSameSet @($rule.GetComputerTargetGroups() | ForEach-Object Name) @($r.targetGroups))
        if ($same) { continue }
        $rule.SetUpdateClassifications((New-BilluWsusCollection 'UpdateClassificationCollection' @($classes | Where-Object { $r.classifications -contains $_.Title })))
        $rule.SetCategories((New-BilluWsusCollection 'UpdateCategoryCollection' @($products | Where-Object { $r.products -contains $_.Title })))
        $rule.SetComputerTargetGroups((New-BilluWsusCollection 'ComputerTargetGroupCollection' @($groups | Where-Object { $r.targetGroups -contains $_.Name })))
        $rule.Enabled = [bool]$r.enabled
        $rule.Save()
        $out += "approval rule $(if ($created) { 'created' } else { 'repaired' }): $($r.name)"
    }
    return $out
}

# The whole step: features, volume, postinstall, HTTPS (when planned), the server's settings through the API, then
# the cleanup task. $Tls: @{ ca; cert; key } (PEM) when billu:wsus.ssl is true.
function Invoke-BilluWsus($Plan, $Tls = $null) {
    $out = @()
    $out += Install-BilluWsusFeatures
    $out += Initialize-BilluWsusVolume $Plan
    $out += Initialize-BilluWsusContent $Plan
    if ($Plan.ssl) {
        if (-not ($Tls -and $Tls.ca -and $Tls.cert -and $Tls.key)) {
            throw "$($Plan.host): billu:wsus.ssl is true but the step received no certificate (secrets wsus-site-ca, wsus-cert, wsus-key): run it from components/wsus"
        }
        $out += Set-BilluWsusSsl $Plan $Tls
    }
    # Over HTTPS the certificate names the FQDN, never localhost.
    $wsus = Get-WsusServer -Name $(if ($Plan.ssl) { $Plan.fqdn } else { 'localhost' }) -PortNumber $Plan.port -UseSsl:([bool]$Plan.ssl)
    $out += Set-BilluWsusConfiguration $wsus $Plan
    $out += Set-BilluWsusCategories $wsus $Plan
    $out += Set-BilluWsusGroups $wsus $Plan
    $out += Set-BilluWsusRules $wsus $Plan
    $out += Set-BilluWsusSchedule $wsus $Plan
    $out += Register-BilluWsusCleanup $Plan
    if ($out.Count -eq 0) { $out = @('nothing to change: WSUS is as planned') }
    return $out
}
