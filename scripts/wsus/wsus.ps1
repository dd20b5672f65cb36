# wsus.ps1: the WSUS server of the site (components/wsus), functions only so Pester can load them. The step
# (wsus-step.ps1) dot-sources this file and calls Invoke-BilluWsus with the plan (wsus.json, rendered from billu:wsus).
# Idempotent: every setting is read first and written only when it differs; a run with everything as planned
# writes nothing and says so. Every change is one output line.
# API: Microsoft.UpdateServices.Administration (IUpdateServer, IUpdateServerConfiguration, ISubscription,
# IAutomaticUpdateApprovalRule), https://learn.microsoft.com/previous-versions/windows/desktop/aa349325(v=vs.85)

$script:WsusFeatures = @('UpdateServices-WidDB', 'UpdateServices-Services', 'UpdateServices-UI')
$script:WsusSetupKey = 'HKLM:\SOFTWARE\Microsoft\Update Services\Server\Setup'
$script:WsusUtil = 'C:\Program Files\Update Services\Tools\wsusutil.exe'

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

# The whole step: features, volume, postinstall, then the server's settings through the API.
function Invoke-BilluWsus($Plan) {
    $out = @()
    $out += Install-BilluWsusFeatures
    $out += Initialize-BilluWsusVolume $Plan
    $out += Initialize-BilluWsusContent $Plan
    # Over HTTPS the certificate names the FQDN, never localhost.
    $wsus = Get-WsusServer -Name $(if ($Plan.ssl) { $Plan.fqdn } else { 'localhost' }) -PortNumber $Plan.port -UseSsl:([bool]$Plan.ssl)
    $out += Set-BilluWsusConfiguration $wsus $Plan
    $out += Set-BilluWsusCategories $wsus $Plan
    $out += Set-BilluWsusGroups $wsus $Plan
    $out += Set-BilluWsusRules $wsus $Plan
    $out += Set-BilluWsusSchedule $wsus $Plan
    if ($out.Count -eq 0) { $out = @('nothing to change: WSUS is as planned') }
    return $out
}
