# The WSUS step's functions (scripts/wsus/wsus.ps1) run on prod's rendered plan ($env:BILLU_WSUS_PLAN, wsus.json as
# components/wsus renders it for PAR-WSUS01) against a WSUS server in memory; what it must leave there comes from the
# model ($env:BILLU_WSUS_MODEL, written from prod's WsusPlan, not from the renderer).
# Mocked: ServerManager's Get/Install-WindowsFeature; Storage's Get-Volume, Get-Disk, Initialize-Disk, New-Partition,
# Format-Volume; Get-ItemProperty (the setup key); wsusutil.exe (Invoke-BilluWsusUtil); UpdateServices' Get-WsusServer,
# Get/Set-WsusProduct, Get/Set-WsusClassification; the API's typed collections (New-BilluWsusCollection). The server,
# its configuration, subscription, groups and rules are PSCustomObjects with script methods.

BeforeAll {
    . (Join-Path $PSScriptRoot 'stubs.ps1')
    . (Join-Path $PSScriptRoot '../../../scripts/wsus/wsus.ps1')
    $ErrorActionPreference = 'Stop'
    $script:Plan = [IO.File]::ReadAllText($env:BILLU_WSUS_PLAN) | ConvertFrom-Json
    $script:Model = [IO.File]::ReadAllText($env:BILLU_WSUS_MODEL) | ConvertFrom-Json
    # What WSUS knows after its category synchronisation: the planned products and classifications, and others.
    $script:AllProducts = @($Model.products) + @('Windows 10', 'Office 2016', 'SQL Server 2019')
    $script:AllClasses = @('Applications', 'Critical Updates', 'Definition Updates', 'Drivers', 'Feature Packs', 'Security Updates', 'Service Packs', 'Tools',
        'Update Rollups', 'Updates', 'Upgrades')
    $script:Writes = @('Install-WindowsFeature', 'Initialize-Disk', 'New-Partition', 'Format-Volume', 'Invoke-BilluWsusUtil', 'Set-WsusProduct', 'Set-WsusClassification')

    function New-Titled([string]$Title) { [pscustomobject]@{ Title = $Title } }
    function New-FakeRule([string]$Name) {
        $r = [pscustomobject]@{ Name = $Name; Enabled = $false; Classes = @(); Cats = @(); Groups = @(); Saves = 0 }
        $r | Add-Member ScriptMethod GetUpdateClassifications { $this.Classes }
        $r | Add-Member ScriptMethod GetCategories { $this.Cats }
        $r | Add-Member ScriptMethod GetComputerTargetGroups { $this.Groups }
        $r | Add-Member ScriptMethod SetUpdateClassifications { param($c) $this.Classes = @($c) }
        $r | Add-Member ScriptMethod SetCategories { param($c) $this.Cats = @($c) }
        $r | Add-Member ScriptMethod SetComputerTargetGroups { param($c) $this.Groups = @($c) }
        $r | Add-Member ScriptMethod Save { $this.Saves++ }
        return $r
    }
    # A server straight after its features and postinstall: no product known yet, nothing ticked, the two built-in
    # groups, no rule, every language, server-side targeting, manual synchronisation.
    function New-FakeWsus {
        $config = [pscustomobject]@{ SyncFromMicrosoftUpdate = $true; UpstreamWsusServerName = ''; UpstreamWsusServerPortNumber = 8530; UpstreamWsusServerUseSsl = $false
            AllUpdateLanguagesEnabled = $true; Languages = @(); TargetingMode = 'Server'; Saves = 0 }
        $config | Add-Member ScriptMethod GetEnabledUpdateLanguages { $this.Languages }
        $config | Add-Member ScriptMethod SetEnabledUpdateLanguages { param($l) $this.Languages = @($l) }
        $config | Add-Member ScriptMethod Save { $this.Saves++ }
        $sub = [pscustomobject]@{ SynchronizeAutomatically = $false; SynchronizeAutomaticallyTimeOfDay = [TimeSpan]::Zero; NumberOfSynchronizationsPerDay = 1
            Products = [Collections.Generic.List[string]]::new(); Classes = [Collections.Generic.List[string]]::new(); Known = $false; CategorySyncs = 0; Saves = 0 }
        $sub | Add-Member ScriptMethod GetUpdateCategories { @($this.Products | ForEach-Object { New-Titled $_ }) }
        $sub | Add-Member ScriptMethod GetUpdateClassifications { @($this.Classes | ForEach-Object { New-Titled $_ }) }
        $sub | Add-Member ScriptMethod StartSynchronizationForCategoryOnly { $this.CategorySyncs++; $this.Known = $true }
        $sub | Add-Member ScriptMethod GetSynchronizationStatus { 'NotProcessing' }
        $sub | Add-Member ScriptMethod Save { $this.Saves++ }
        $server = [pscustomobject]@{ Config = $config; Sub = $sub; Groups = [Collections.Generic.List[object]]::new(); Rules = [Collections.Generic.List[object]]::new() }
        foreach ($g in 'All Computers', 'Unassigned Computers') { $server.Groups.Add([pscustomobject]@{ Name = $g }) }
        $server | Add-Member ScriptMethod GetConfiguration { $this.Config }
        $server | Add-Member ScriptMethod GetSubscription { $this.Sub }
        $server | Add-Member ScriptMethod GetComputerTargetGroups { @($this.Groups) }
        $server | Add-Member ScriptMethod CreateComputerTargetGroup { param($n) $g = [pscustomobject]@{ Name = $n }; $this.Groups.Add($g); $g }
        $server | Add-Member ScriptMethod GetInstallApprovalRules { @($this.Rules) }
        $server | Add-Member ScriptMethod CreateInstallApprovalRule { param($n) $r = New-FakeRule $n; $this.Rules.Add($r); $r }
        return $server
    }
    # The machine: features absent, the data disk blank, no content folder; the WSUS server above.
    function Reset-FakeHost {
        $script:W = @{ Features = @{}; Volume = $null; ContentDir = $null; Server = (New-FakeWsus) }
        foreach ($f in 'UpdateServices-WidDB', 'UpdateServices-Services', 'UpdateServices-UI') { $script:W.Features[$f] = $false }
    }
    function Use-FakeHost {
        Mock Get-WindowsFeature { @($Name | ForEach-Object { [pscustomobject]@{ Name = $_; Installed = $script:W.Features[$_] } }) }
        Mock Install-WindowsFeature { foreach ($n in $Name) { $script:W.Features[$n] = $true } }
        Mock Get-Volume { if ($script:W.Volume -and $DriveLetter -eq $script:W.Volume.DriveLetter) { $script:W.Volume } }
        Mock Get-Disk { [pscustomobject]@{ Number = 0; PartitionStyle = 'GPT'; Size = 60GB }; [pscustomobject]@{ Number = 1; PartitionStyle = $(if ($script:W.Volume) { 'GPT' } else { 'RAW' }); Size = [int64]$Model.dataDiskBytes } }
        Mock Initialize-Disk { }
        Mock New-Partition { [pscustomobject]@{ DiskNumber = $DiskNumber; DriveLetter = $DriveLetter } }
        Mock Format-Volume { $script:W.Volume = [pscustomobject]@{ DriveLetter = $Partition.DriveLetter; FileSystem = $FileSystem; FileSystemLabel = $NewFileSystemLabel } }
        Mock Get-ItemProperty { if ($script:W.ContentDir) { [pscustomobject]@{ ContentDir = $script:W.ContentDir } } } -ParameterFilter { $Path -eq 'HKLM:\SOFTWARE\Microsoft\Update Services\Server\Setup' }
        Mock Invoke-BilluWsusUtil { if ($args[0] -eq 'postinstall' -and $args[1] -match '^CONTENT_DIR=(.+)$') { $script:W.ContentDir = $Matches[1] + '\'; 0 } else { 1 } }
        Mock Get-WsusServer { $script:W.Server }
        Mock Get-WsusProduct { if ($script:W.Server.Sub.Known) { @($script:AllProducts | ForEach-Object { [pscustomobject]@{ Product = (New-Titled $_) } }) } }
        Mock Set-WsusProduct { $l = $script:W.Server.Sub.Products; if ($Disable) { [void]$l.Remove($Product.Product.Title) } else { $l.Add($Product.Product.Title) } }
        Mock Get-WsusClassification { @($script:AllClasses | ForEach-Object { [pscustomobject]@{ Classification = (New-Titled $_) } }) }
        Mock Set-WsusClassification { $l = $script:W.Server.Sub.Classes; if ($Disable) { [void]$l.Remove($Classification.Classification.Title) } else { $l.Add($Classification.Classification.Title) } }
        Mock New-BilluWsusCollection { , @($Items) }
        Mock Start-Sleep { }
    }
    # The API objects count their saves across runs: a run's own writes are counted from zero.
    function Reset-Saves {
        $script:W.Server.Config.Saves = 0
        $script:W.Server.Sub.Saves = 0
        foreach ($r in $script:W.Server.Rules) { $r.Saves = 0 }
    }
    function Assert-NothingWritten {
        foreach ($c in $script:Writes) { Should -Invoke $c -Times 0 -Exactly -Because "$c writes" }
        $script:W.Server.Config.Saves | Should -Be 0
        $script:W.Server.Sub.Saves | Should -Be 0
        foreach ($r in $script:W.Server.Rules) { $r.Saves | Should -Be 0 -Because "rule $($r.Name) is as planned" }
    }
    function Get-Titles($Objects, [string]$Property = 'Title') { @($Objects | ForEach-Object $Property | Sort-Object) -join ', ' }
    # The server as the model plans it (compared as text, sorted).
    function Assert-AsPlanned {
        $s = $script:W.Server
        Get-Titles $s.Sub.GetUpdateCategories() | Should -Be (@($Model.products | Sort-Object) -join ', ')
        Get-Titles $s.Sub.GetUpdateClassifications() | Should -Be (@($Model.classifications | Sort-Object) -join ', ')
        @($s.Config.GetEnabledUpdateLanguages()) -join ',' | Should -Be (@($Model.languages) -join ',')
        $s.Config.AllUpdateLanguagesEnabled | Should -BeFalse
        $s.Config.TargetingMode | Should -Be 'Client'
        $s.Config.SyncFromMicrosoftUpdate | Should -Be ($Model.upstream.kind -eq 'microsoft-update')
        $s.Sub.SynchronizeAutomatically | Should -BeTrue
        $s.Sub.SynchronizeAutomaticallyTimeOfDay | Should -Be ([TimeSpan]::Parse($Model.syncTime))
        $s.Sub.NumberOfSynchronizationsPerDay | Should -Be 1
        Get-Titles $s.Groups 'Name' | Should -Be (@(@('All Computers', 'Unassigned Computers') + @($Model.targetGroups) | Sort-Object) -join ', ')
        Get-Titles $s.Rules 'Name' | Should -Be (@($Model.rules.name | Sort-Object) -join ', ')
        foreach ($r in $Model.rules) {
            $rule = $s.Rules | Where-Object Name -eq $r.name
            $rule.Enabled | Should -Be $r.enabled
            Get-Titles $rule.Classes | Should -Be (@($r.classifications | Sort-Object) -join ', ')
            Get-Titles $rule.Cats | Should -Be (@($r.products | Sort-Object) -join ', ')
            Get-Titles $rule.Groups 'Name' | Should -Be (@($r.targetGroups | Sort-Object) -join ', ')
        }
        $script:W.ContentDir | Should -Be "$($Model.contentDir)\"
        $script:W.Volume.DriveLetter | Should -Be $Model.driveLetter
    }
}

Describe 'the WSUS step (wsus.ps1, prod''s PAR-WSUS01)' {
    BeforeAll {
        Reset-FakeHost
        Use-FakeHost
    }

    It 'a new server: features, the content volume, postinstall, then upstream, languages, targeting, products, classifications, groups, rules and schedule, exactly once each' {
        $expected = @(
            'features installed: UpdateServices-WidDB, UpdateServices-Services, UpdateServices-UI',
            "content volume $($Model.driveLetter): formatted (NTFS)",
            "postinstall: content in $($Model.contentDir), database WID",
            "languages: $($Model.languages -join ', ')",
            'targeting: client-side (the GPOs name the groups)'
        ) + @($Model.products | ForEach-Object { "product ticked: $_" }) +
            @($script:AllClasses | Where-Object { $Model.classifications -contains $_ } | ForEach-Object { "classification ticked: $_" }) +
            @($Model.targetGroups | ForEach-Object { "target group created: $_" }) +
            @($Model.rules | ForEach-Object { "approval rule created: $($_.name)" }) +
            @("sync: daily at $($Model.syncTime) UTC")
        Invoke-BilluWsus $Plan | Should -Be $expected
        Should -Invoke Install-WindowsFeature -Times 1 -Exactly -ParameterFilter { ($Name -join ',') -eq 'UpdateServices-WidDB,UpdateServices-Services,UpdateServices-UI' -and $IncludeManagementTools }
        Should -Invoke Initialize-Disk -Times 1 -Exactly -ParameterFilter { $Number -eq 1 -and $PartitionStyle -eq 'GPT' }
        Should -Invoke Format-Volume -Times 1 -Exactly -ParameterFilter { $FileSystem -eq 'NTFS' }
        Should -Invoke Invoke-BilluWsusUtil -Times 1 -Exactly -ParameterFilter { ($args -join ' ') -eq "postinstall CONTENT_DIR=$($Model.contentDir)" }
        Should -Invoke Get-WsusServer -Times 1 -Exactly -ParameterFilter { $Name -eq 'localhost' -and $PortNumber -eq $Model.port -and -not $UseSsl }
        Should -Invoke Set-WsusProduct -Times @($Model.products).Count -Exactly -ParameterFilter { -not $Disable }
        Should -Invoke Set-WsusClassification -Times @($Model.classifications).Count -Exactly -ParameterFilter { -not $Disable }
        $script:W.Server.Sub.CategorySyncs | Should -Be 1
        $script:W.Server.Config.Saves | Should -Be 1
        $script:W.Server.Sub.Saves | Should -Be 1
        foreach ($r in $script:W.Server.Rules) { $r.Saves | Should -Be 1 }
        Assert-AsPlanned
    }
    It 'a second run: writes nothing, and says so' {
        Reset-Saves
        Invoke-BilluWsus $Plan | Should -Be @('nothing to change: WSUS is as planned')
        Assert-NothingWritten
        $script:W.Server.Sub.CategorySyncs | Should -Be 1
    }
    It 'drift (a planned product unticked, another ticked, a rule changed, a group deleted): repairs exactly those' {
        $s = $script:W.Server
        $lost = @($Model.products)[0]
        [void]$s.Sub.Products.Remove($lost)
        $s.Sub.Products.Add('Office 2016')
        $rule = $s.Rules | Where-Object Name -eq @($Model.rules)[0].name
        $rule.Enabled = $false
        $rule.Classes = @($rule.Classes | Select-Object -First 1)
        $group = @($Model.targetGroups)[0]
        $s.Groups.Remove(($s.Groups | Where-Object Name -eq $group)) | Should -BeTrue
        $rule.Groups = @()
        Reset-Saves
        Invoke-BilluWsus $Plan | Should -Be @(
            "product ticked: $lost",
            'product unticked: Office 2016',
            "target group created: $group",
            "approval rule repaired: $($rule.Name)"
        )
        Should -Invoke Set-WsusProduct -Times 1 -Exactly -ParameterFilter { -not $Disable -and $Product.Product.Title -eq $lost }
        Should -Invoke Set-WsusProduct -Times 1 -Exactly -ParameterFilter { $Disable -and $Product.Product.Title -eq 'Office 2016' }
        Should -Invoke Set-WsusClassification -Times 0 -Exactly
        foreach ($c in 'Install-WindowsFeature', 'Format-Volume', 'Invoke-BilluWsusUtil') { Should -Invoke $c -Times 0 -Exactly }
        $s.Config.Saves | Should -Be 0 -Because 'upstream, languages and targeting did not drift'
        $s.Sub.Saves | Should -Be 0 -Because 'the schedule did not drift'
        $rule.Saves | Should -Be 1
        Assert-AsPlanned
    }
    It 'after the repair, a run writes nothing' {
        Reset-Saves
        Invoke-BilluWsus $Plan | Should -Be @('nothing to change: WSUS is as planned')
        Assert-NothingWritten
    }
    It 'a rule whose target groups alone drifted: repaired, nothing else written' {
        Reset-Saves
        $rule = $script:W.Server.Rules | Where-Object Name -eq @($Model.rules)[0].name
        $rule.Groups = @($script:W.Server.Groups | Where-Object Name -eq 'Unassigned Computers')
        Invoke-BilluWsus $Plan | Should -Be @("approval rule repaired: $($rule.Name)")
        $rule.Saves | Should -Be 1
        Assert-AsPlanned
    }
}

Describe 'the WSUS step: bad input stops it with the fix, before the lists are written' {
    BeforeEach {
        Reset-FakeHost
        Use-FakeHost
    }
    It 'a product WSUS does not know by that name: names the key and where to read the right title' {
        $bad = $Plan | ConvertTo-Json -Depth 5 | ConvertFrom-Json
        $bad.products = @(@($Plan.products)[0], 'Windows Server 2022 Datacenter')
        { Invoke-BilluWsus $bad } | Should -Throw -ExpectedMessage ([WildcardPattern]::Escape('billu:wsus.products[1] "Windows Server 2022 Datacenter" is not a product this WSUS knows: use a title as Get-WsusProduct shows it (Product.Title); nothing was changed'))
        Should -Invoke Set-WsusProduct -Times 0 -Exactly
        Should -Invoke Set-WsusClassification -Times 0 -Exactly
        $script:W.Server.Groups.Count | Should -Be 2
        $script:W.Server.Rules.Count | Should -Be 0
    }
    It 'content already elsewhere: refuses to run postinstall again, naming wsusutil movecontent' {
        $script:W.ContentDir = 'E:\Updates\'
        { Invoke-BilluWsus $Plan } | Should -Throw -ExpectedMessage ([WildcardPattern]::Escape("WSUS content is in E:\Updates, not $($Model.contentDir): move it with wsusutil movecontent, or set billu:wsus.driveLetter/contentFolder to match"))
        Should -Invoke Invoke-BilluWsusUtil -Times 0 -Exactly
        Should -Invoke Get-WsusServer -Times 0 -Exactly
    }
}
