# The WSUS step's functions (scripts/wsus/wsus.ps1) run on prod's rendered plan ($env:BILLU_WSUS_PLAN, wsus.json as
# components/wsus renders it for PAR-WSUS01) against a WSUS server in memory; what it must leave there comes from the
# model ($env:BILLU_WSUS_MODEL, written from prod's WsusPlan, not from the renderer).
# Mocked: ServerManager's Get/Install-WindowsFeature; Storage's Get-Volume, Get-Disk, Initialize-Disk, New-Partition,
# Format-Volume; Get-ItemProperty (the setup key); wsusutil.exe (Invoke-BilluWsusUtil); UpdateServices' Get-WsusServer,
# Get/Set-WsusProduct, Get/Set-WsusClassification; the API's typed collections (New-BilluWsusCollection). The server,
# its configuration, subscription, groups and rules are PSCustomObjects with script methods.
# Over HTTPS (prod's plan): the certificate stores (Test-Path Cert:\..., Import-Certificate, the DC's PEM importer
# Import-BilluLdapsCert), WebAdministration's Get/New-WebBinding (the binding's Add/RemoveSslCertificate are script
# methods) and Get/Set-WebConfigurationProperty; the cleanup: ScheduledTasks (a task scheduler in memory that reads a
# weekly trigger back as Windows stores it: a days mask and a StartBoundary). The certificates are real (made here with
# .NET), so the thumbprints the step computes from the PEM are checked against .NET's own.

BeforeAll {
    . (Join-Path $PSScriptRoot 'stubs.ps1')
    . (Join-Path $PSScriptRoot '../../../scripts/wsus/wsus.ps1')
    . (Join-Path $PSScriptRoot '../../../scripts/dc/windows-ldaps-cert.ps1')
    $ErrorActionPreference = 'Stop'
    # WebAdministration, the certificate module and ScheduledTasks (Windows-only): stand-ins that throw unless mocked.
    function global:Import-Certificate { [CmdletBinding()] param($FilePath, $CertStoreLocation) Stub $MyInvocation.MyCommand.Name }
    function global:Get-WebBinding { [CmdletBinding()] param($Name, $Protocol, $Port) Stub $MyInvocation.MyCommand.Name }
    function global:New-WebBinding { [CmdletBinding()] param($Name, $Protocol, $Port, $IPAddress) Stub $MyInvocation.MyCommand.Name }
    function global:Get-WebConfigurationProperty { [CmdletBinding()] param($PSPath, $Location, $Filter, $Name) Stub $MyInvocation.MyCommand.Name }
    function global:Set-WebConfigurationProperty { [CmdletBinding()] param($PSPath, $Location, $Filter, $Name, $Value) Stub $MyInvocation.MyCommand.Name }
    function global:Get-ScheduledTask { [CmdletBinding()] param($TaskName) Stub $MyInvocation.MyCommand.Name }
    function global:New-ScheduledTaskAction { [CmdletBinding()] param($Execute, $Argument) Stub $MyInvocation.MyCommand.Name }
    function global:New-ScheduledTaskTrigger { [CmdletBinding()] param([switch]$Once, [switch]$Weekly, $DaysOfWeek, $At, $RepetitionInterval, $RepetitionDuration) Stub $MyInvocation.MyCommand.Name }
    function global:New-ScheduledTaskPrincipal { [CmdletBinding()] param($UserId, $LogonType, $RunLevel) Stub $MyInvocation.MyCommand.Name }
    function global:New-ScheduledTaskSettingsSet { [CmdletBinding()] param([switch]$StartWhenAvailable, $MultipleInstances, $ExecutionTimeLimit) Stub $MyInvocation.MyCommand.Name }
    function global:Register-ScheduledTask {
        [CmdletBinding()] param($TaskName, $Action, $Trigger, $Principal, $Settings, $Description, [switch]$Force)
        Stub $MyInvocation.MyCommand.Name
    }
    $env:SystemRoot = 'C:\Windows'
    $script:Exe = 'C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe'
    # Task Scheduler's weekly days mask (MSFT_TaskWeeklyTrigger.DaysOfWeek).
    $script:DayMask = @{ Sunday = 1; Monday = 2; Tuesday = 4; Wednesday = 8; Thursday = 16; Friday = 32; Saturday = 64 }
    $script:SslServices = @('ApiRemoting30', 'ClientWebService', 'DSSAuthWebService', 'ServerSyncWebService', 'SimpleAuthWebService')

    # A real certificate (ECDSA P-384, self-signed), its PEM as the site CA's tls provider writes it, and .NET's thumbprint.
    function New-TestCert([string]$Subject) {
        $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP384)
        $req = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new($Subject, $key, [System.Security.Cryptography.HashAlgorithmName]::SHA384)
        $cert = $req.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(30))
        $b64 = [Convert]::ToBase64String($cert.RawData) -split '(.{64})' | Where-Object { $_ }
        [pscustomobject]@{ Pem = "-----BEGIN CERTIFICATE-----`n$($b64 -join "`n")`n-----END CERTIFICATE-----`n"; Thumbprint = $cert.Thumbprint }
    }
    $script:CaCert = New-TestCert 'CN=BillU Paris root CA'
    $script:ServerCert = New-TestCert "CN=$($Model.fqdn)"
    $script:Tls = @{ ca = $script:CaCert.Pem; cert = $script:ServerCert.Pem; key = 'the server key (PEM)' }
    $script:Plan = [IO.File]::ReadAllText($env:BILLU_WSUS_PLAN) | ConvertFrom-Json
    $script:Model = [IO.File]::ReadAllText($env:BILLU_WSUS_MODEL) | ConvertFrom-Json
    # What WSUS knows after its category synchronisation: the planned products and classifications, and others.
    $script:AllProducts = @($Model.products) + @('Windows 10', 'Office 2016', 'SQL Server 2019')
    $script:AllClasses = @('Applications', 'Critical Updates', 'Definition Updates', 'Drivers', 'Feature Packs', 'Security Updates', 'Service Packs', 'Tools',
        'Update Rollups', 'Updates', 'Upgrades')
    $script:Writes = @('Install-WindowsFeature', 'Initialize-Disk', 'New-Partition', 'Format-Volume', 'Invoke-BilluWsusUtil', 'Set-WsusProduct', 'Set-WsusClassification',
        'Import-Certificate', 'New-WebBinding', 'Set-WebConfigurationProperty', 'Register-ScheduledTask')

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
    # The WSUS site after postinstall: the https binding on 8531 without a certificate, no service requiring SSL.
    function New-FakeBinding {
        $b = [pscustomobject]@{ protocol = 'https'; bindingInformation = "*:$($Model.port):"; certificateHash = ''; certificateStoreName = ''; Adds = 0; Removes = 0 }
        $b | Add-Member ScriptMethod AddSslCertificate {
            param($h, $store)
            if ($this.certificateHash) { throw 'Cannot create a file when that file already exists' }
            $this.certificateHash = $h; $this.certificateStoreName = $store; $this.Adds++; $script:W.Calls.Add("AddSslCertificate $h $store")
        }
        $b | Add-Member ScriptMethod RemoveSslCertificate { $this.certificateHash = ''; $this.Removes++; $script:W.Calls.Add('RemoveSslCertificate') }
        return $b
    }
    function Reset-FakeHost {
        $script:W = @{ Features = @{}; Volume = $null; ContentDir = $null; Server = (New-FakeWsus)
            Root = [Collections.Generic.List[string]]::new(); My = [Collections.Generic.List[string]]::new(); Binding = (New-FakeBinding); SslFlags = @{}
            UsingSSL = $null; CertName = $null; Task = $null; Registered = [Collections.Generic.List[object]]::new()
            # The HTTPS and cleanup writes of a run, in order (cleared by Reset-Saves).
            Calls = [Collections.Generic.List[string]]::new() }
        foreach ($v in $script:SslServices) { $script:W.SslFlags[$v] = 'None' }
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
        Mock Get-ItemProperty { if ($script:W.ContentDir) { [pscustomobject]@{ ContentDir = $script:W.ContentDir; UsingSSL = $script:W.UsingSSL; ServerCertificateName = $script:W.CertName } } } -ParameterFilter { $Path -eq 'HKLM:\SOFTWARE\Microsoft\Update Services\Server\Setup' }
        Mock Invoke-BilluWsusUtil {
            if ($args[0] -eq 'postinstall' -and $args[1] -match '^CONTENT_DIR=(.+)$') { $script:W.ContentDir = $Matches[1] + '\'; 0 }
            elseif ($args[0] -eq 'configuressl' -and $args.Count -eq 2) { $script:W.UsingSSL = 1; $script:W.CertName = $args[1]; $script:W.Calls.Add("wsusutil configuressl $($args[1])"); 0 }
            else { 1 }
        }
        Mock Test-Path { $LiteralPath -like 'Cert:\LocalMachine\Root\*' -and $script:W.Root.Contains($LiteralPath.Split('\')[-1]) } -ParameterFilter { $LiteralPath -like 'Cert:*' }
        Mock Import-Certificate { $script:W.Calls.Add("Import-Certificate $CertStoreLocation"); $script:W.Root.Add([System.Security.Cryptography.X509Certificates.X509Certificate2]::new([byte[]][IO.File]::ReadAllBytes($FilePath)).Thumbprint) }
        Mock Import-BilluLdapsCert {
            $t = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem($CertPem).Thumbprint
            if ($script:W.My.Contains($t)) { $false } else { $script:W.My.Add($t); $script:W.Calls.Add("Import-BilluLdapsCert $t"); $true }
        }
        Mock Import-Module { } -ParameterFilter { $Name -eq 'WebAdministration' }
        Mock Get-WebBinding { if ($Name -eq 'WSUS Administration' -and $Protocol -eq 'https' -and $Port -eq $Model.port) { $script:W.Binding } }
        Mock New-WebBinding { $script:W.Calls.Add("New-WebBinding $Name $Protocol $Port $IPAddress"); $script:W.Binding = New-FakeBinding }
        Mock Get-WebConfigurationProperty { if ($PSPath -eq 'MACHINE/WEBROOT/APPHOST' -and $Filter -eq 'system.webServer/security/access' -and $Name -eq 'sslFlags' -and $Location -like 'WSUS Administration/*') { $script:W.SslFlags[$Location.Split('/')[1]] } }
        Mock Set-WebConfigurationProperty { $script:W.Calls.Add("Set-WebConfigurationProperty $Location $Name=$Value"); if ($Location -like 'WSUS Administration/*') { $script:W.SslFlags[$Location.Split('/')[1]] = $Value } }
        Mock Get-ScheduledTask { if ($TaskName -eq $Model.cleanup.task) { $script:W.Task } }
        Mock New-ScheduledTaskAction { [pscustomobject]@{ Execute = $Execute; Arguments = $Argument } }
        Mock New-ScheduledTaskTrigger { [pscustomobject]@{ Weekly = [bool]$Weekly; DaysOfWeek = $DaysOfWeek; At = $At } }
        Mock New-ScheduledTaskPrincipal { [pscustomobject]@{ UserId = $UserId; LogonType = $LogonType; RunLevel = $RunLevel } }
        Mock New-ScheduledTaskSettingsSet { [pscustomobject]@{ StartWhenAvailable = [bool]$StartWhenAvailable; MultipleInstances = $MultipleInstances; ExecutionTimeLimit = $ExecutionTimeLimit } }
        Mock Register-ScheduledTask {
            $script:W.Calls.Add("Register-ScheduledTask $TaskName")
            $script:W.Registered.Add([pscustomobject]@{ TaskName = $TaskName; Action = $Action; Trigger = $Trigger; Principal = $Principal; Settings = $Settings; Force = [bool]$Force })
            # Windows reads it back: SYSTEM by name, the weekly trigger as a days mask and a local StartBoundary.
            $script:W.Task = [pscustomobject]@{ Actions = @($Action); Principal = [pscustomobject]@{ UserId = 'SYSTEM' }
                Triggers = @([pscustomobject]@{ DaysOfWeek = $script:DayMask["$($Trigger.DaysOfWeek)"]; StartBoundary = $Trigger.At.ToString("yyyy-MM-dd'T'HH:mm:ss") }) }
        }
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
        $script:W.Binding.Adds = 0
        $script:W.Binding.Removes = 0
        $script:W.Calls.Clear()
    }
    function Assert-NothingWritten {
        foreach ($c in $script:Writes) { Should -Invoke $c -Times 0 -Exactly -Because "$c writes" }
        $script:W.Server.Config.Saves | Should -Be 0
        $script:W.Server.Sub.Saves | Should -Be 0
        foreach ($r in $script:W.Server.Rules) { $r.Saves | Should -Be 0 -Because "rule $($r.Name) is as planned" }
        @($script:W.Calls) | Should -Be @() -Because 'HTTPS and the cleanup task are as planned'
    }
    # The cleanup task's command line, from the model: the server as the step reaches it, every planned switch.
    function Get-CleanupArgs {
        $switches = @($Model.cleanup.switches | ForEach-Object { "-$_" }) -join ' '
        "-NoProfile -NonInteractive -ExecutionPolicy Bypass -Command `"Get-WsusServer -Name '$($Model.fqdn)' -PortNumber $($Model.port) -UseSsl | Invoke-WsusServerCleanup $switches`""
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
        # HTTPS: the site CA trusted, the server's certificate in My and bound on the plan's port, SSL on the five services.
        @($script:W.Root) | Should -Be @($script:CaCert.Thumbprint)
        @($script:W.My) | Should -Be @($script:ServerCert.Thumbprint)
        $script:W.Binding.certificateHash | Should -Be $script:ServerCert.Thumbprint
        $script:W.Binding.certificateStoreName | Should -Be 'My'
        foreach ($v in $script:SslServices) { $script:W.SslFlags[$v] | Should -Be 'Ssl' -Because "$v requires SSL" }
        "$($script:W.UsingSSL) $($script:W.CertName)" | Should -Be "1 $($Model.fqdn)"
        # The cleanup task as Windows holds it.
        $t = $script:W.Task
        @($t.Actions).Count | Should -Be 1
        $t.Actions[0].Execute | Should -Be $script:Exe
        $t.Actions[0].Arguments | Should -Be (Get-CleanupArgs)
        $t.Triggers[0].DaysOfWeek | Should -Be $script:DayMask[$Model.cleanup.day]
        $t.Triggers[0].StartBoundary | Should -Match "T$($Model.cleanup.time):00$"
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
            "site CA trusted (LocalMachine\Root): $($script:CaCert.Thumbprint)",
            "certificate installed (LocalMachine\My): $($Model.fqdn) $($script:ServerCert.Thumbprint)",
            "certificate bound: WSUS Administration port $($Model.port) $($script:ServerCert.Thumbprint)"
        ) + @($script:SslServices | ForEach-Object { "SSL required: $_" }) + @(
            "wsusutil configuressl $($Model.fqdn)",
            "languages: $($Model.languages -join ', ')",
            'targeting: client-side (the GPOs name the groups)'
        ) + @($Model.products | ForEach-Object { "product ticked: $_" }) +
            @($script:AllClasses | Where-Object { $Model.classifications -contains $_ } | ForEach-Object { "classification ticked: $_" }) +
            @($Model.targetGroups | ForEach-Object { "target group created: $_" }) +
            @($Model.rules | ForEach-Object { "approval rule created: $($_.name)" }) +
            @("sync: daily at $($Model.syncTime) UTC", "cleanup task registered: $($Model.cleanup.day) $($Model.cleanup.time), $($Model.cleanup.switches -join ', ')")
        Invoke-BilluWsus $Plan $Tls | Should -Be $expected
        Should -Invoke Install-WindowsFeature -Times 1 -Exactly -ParameterFilter { ($Name -join ',') -eq 'UpdateServices-WidDB,UpdateServices-Services,UpdateServices-UI' -and $IncludeManagementTools }
        Should -Invoke Initialize-Disk -Times 1 -Exactly -ParameterFilter { $Number -eq 1 -and $PartitionStyle -eq 'GPT' }
        Should -Invoke Format-Volume -Times 1 -Exactly -ParameterFilter { $FileSystem -eq 'NTFS' }
        Should -Invoke Invoke-BilluWsusUtil -Times 1 -Exactly -ParameterFilter { ($args -join ' ') -eq "postinstall CONTENT_DIR=$($Model.contentDir)" }
        Should -Invoke Invoke-BilluWsusUtil -Times 1 -Exactly -ParameterFilter { ($args -join ' ') -eq "configuressl $($Model.fqdn)" }
        Should -Invoke Invoke-BilluWsusUtil -Times 2 -Exactly
        # Over HTTPS the API is reached by the certificate's name, never localhost.
        Should -Invoke Get-WsusServer -Times 1 -Exactly -ParameterFilter { $Name -eq $Model.fqdn -and $PortNumber -eq 8531 -and $UseSsl }
        Should -Invoke Get-WsusServer -Times 1 -Exactly
        Should -Invoke Import-Certificate -Times 1 -Exactly -ParameterFilter { $CertStoreLocation -eq 'Cert:\LocalMachine\Root' }
        Should -Invoke Import-BilluLdapsCert -Times 1 -Exactly -ParameterFilter { $CertPem -eq $script:ServerCert.Pem -and $KeyPem -eq 'the server key (PEM)' }
        Should -Invoke New-WebBinding -Times 0 -Exactly -Because 'postinstall made the https binding'
        $script:W.Binding.Adds | Should -Be 1
        $script:W.Binding.Removes | Should -Be 0
        Should -Invoke Set-WebConfigurationProperty -Times 5 -Exactly -ParameterFilter { $PSPath -eq 'MACHINE/WEBROOT/APPHOST' -and $Filter -eq 'system.webServer/security/access' -and $Name -eq 'sslFlags' -and $Value -eq 'Ssl' }
        Should -Invoke Set-WebConfigurationProperty -Times 5 -Exactly
        $script:W.Registered.Count | Should -Be 1
        $r = $script:W.Registered[0]
        $r.TaskName | Should -Be 'BillU WSUS cleanup'
        $r.Force | Should -BeTrue
        $r.Trigger.Weekly | Should -BeTrue
        $r.Trigger.DaysOfWeek | Should -Be $Model.cleanup.day
        $r.Trigger.At.ToString('HH:mm') | Should -Be $Model.cleanup.time
        "$($r.Principal.UserId) $($r.Principal.LogonType) $($r.Principal.RunLevel)" | Should -Be 'S-1-5-18 ServiceAccount Highest'
        "$($r.Settings.StartWhenAvailable) $($r.Settings.MultipleInstances) $($r.Settings.ExecutionTimeLimit)" | Should -Be 'True IgnoreNew 08:00:00'
        $r.Action.Arguments | Should -BeExactly "-NoProfile -NonInteractive -ExecutionPolicy Bypass -Command `"Get-WsusServer -Name 'par-wsus01.billu.remindme.lan' -PortNumber 8531 -UseSsl | Invoke-WsusServerCleanup -DeclineSupersededUpdates -DeclineExpiredUpdates -CleanupObsoleteUpdates -CleanupObsoleteComputers -CleanupUnneededContentFiles -CompressUpdates`""
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
        Invoke-BilluWsus $Plan $Tls | Should -Be @('nothing to change: WSUS is as planned')
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
        Invoke-BilluWsus $Plan $Tls | Should -Be @(
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
        Invoke-BilluWsus $Plan $Tls | Should -Be @('nothing to change: WSUS is as planned')
        Assert-NothingWritten
    }
    It 'a rule whose target groups alone drifted: repaired, nothing else written' {
        Reset-Saves
        $rule = $script:W.Server.Rules | Where-Object Name -eq @($Model.rules)[0].name
        $rule.Groups = @($script:W.Server.Groups | Where-Object Name -eq 'Unassigned Computers')
        Invoke-BilluWsus $Plan $Tls | Should -Be @("approval rule repaired: $($rule.Name)")
        $rule.Saves | Should -Be 1
        Assert-AsPlanned
    }
}

Describe 'the WSUS step over HTTPS and its cleanup task: drift repaired exactly, nothing else written' {
    # Each case starts from a server the step set up; $script:W.Calls then lists exactly the run's HTTPS and task writes.
    # The mocks once for the block: they read and write $script:W, which Reset-FakeHost makes anew for each case, and
    # Should -Invoke counts each case's calls only (Pester 5); installing them before every case cost ~0.1 s of CPU each.
    BeforeAll { Use-FakeHost }
    BeforeEach {
        Reset-FakeHost
        $null = Invoke-BilluWsus $Plan $Tls
        Reset-Saves
    }
    It 'the cleanup task already registered, unchanged: not registered again, and the run says nothing to change' {
        $before = $script:W.Task
        Invoke-BilluWsus $Plan $Tls | Should -Be @('nothing to change: WSUS is as planned')
        [object]::ReferenceEquals($script:W.Task, $before) | Should -BeTrue
        @($script:W.Calls) | Should -Be @()
        $script:W.Registered.Count | Should -Be 1 -Because 'the set-up run registered it once'
        $script:W.Server.Config.Saves + $script:W.Server.Sub.Saves | Should -Be 0
    }
    It 'the cleanup task moved to another time by hand: replaced with the planned one, nothing else' {
        $script:W.Task.Triggers[0].StartBoundary = '2026-01-04T13:00:00'
        Invoke-BilluWsus $Plan $Tls | Should -Be @("cleanup task replaced: $($Model.cleanup.day) $($Model.cleanup.time), $($Model.cleanup.switches -join ', ')")
        @($script:W.Calls) | Should -Be @('Register-ScheduledTask BillU WSUS cleanup')
        $script:W.Registered[-1].Trigger.At.ToString('HH:mm') | Should -Be $Model.cleanup.time
        $script:W.Task.Triggers[0].StartBoundary | Should -Match "T$($Model.cleanup.time):00$"
    }
    It 'the cleanup task with one switch dropped by hand, or on another day: replaced' {
        $script:W.Task.Actions[0].Arguments = $script:W.Task.Actions[0].Arguments -replace ' -CompressUpdates', ''
        Invoke-BilluWsus $Plan $Tls | Should -Be @("cleanup task replaced: $($Model.cleanup.day) $($Model.cleanup.time), $($Model.cleanup.switches -join ', ')")
        $script:W.Task.Actions[0].Arguments | Should -Be (Get-CleanupArgs)
        $script:W.Task.Triggers[0].DaysOfWeek = $script:DayMask['Wednesday']
        Invoke-BilluWsus $Plan $Tls | Should -Be @("cleanup task replaced: $($Model.cleanup.day) $($Model.cleanup.time), $($Model.cleanup.switches -join ', ')")
        $script:W.Task.Triggers[0].DaysOfWeek | Should -Be $script:DayMask[$Model.cleanup.day]
        @($script:W.Calls) | Should -Be @('Register-ScheduledTask BillU WSUS cleanup', 'Register-ScheduledTask BillU WSUS cleanup')
    }
    It 'a renewed server certificate: imported and bound in place of the old one (removed first), nothing else' {
        $renewed = New-TestCert "CN=$($Model.fqdn)"
        $tls = @{ ca = $script:CaCert.Pem; cert = $renewed.Pem; key = 'the renewed key (PEM)' }
        Invoke-BilluWsus $Plan $tls | Should -Be @(
            "certificate installed (LocalMachine\My): $($Model.fqdn) $($renewed.Thumbprint)",
            "certificate bound: WSUS Administration port $($Model.port) $($renewed.Thumbprint)"
        )
        @($script:W.Calls) | Should -Be @("Import-BilluLdapsCert $($renewed.Thumbprint)", 'RemoveSslCertificate', "AddSslCertificate $($renewed.Thumbprint) My")
        Should -Invoke Import-BilluLdapsCert -Times 1 -Exactly -ParameterFilter { $CertPem -eq $renewed.Pem -and $KeyPem -eq 'the renewed key (PEM)' }
        $script:W.Binding.certificateHash | Should -Be $renewed.Thumbprint
    }
    It 'SSL no longer required on one service, and the https binding deleted: exactly those restored' {
        $script:W.SslFlags['ClientWebService'] = 'None'
        $script:W.Binding = $null
        Invoke-BilluWsus $Plan $Tls | Should -Be @(
            "https binding added: WSUS Administration port $($Model.port)",
            "certificate bound: WSUS Administration port $($Model.port) $($script:ServerCert.Thumbprint)",
            'SSL required: ClientWebService'
        )
        @($script:W.Calls) | Should -Be @(
            'New-WebBinding WSUS Administration https 8531 *',
            "AddSslCertificate $($script:ServerCert.Thumbprint) My",
            'Set-WebConfigurationProperty WSUS Administration/ClientWebService sslFlags=Ssl'
        )
        Assert-AsPlanned
    }
    It 'SSL flags kept with client certificates negotiated: Ssl is there, nothing written' {
        $script:W.SslFlags['SimpleAuthWebService'] = 'Ssl, SslNegotiateCert'
        Invoke-BilluWsus $Plan $Tls | Should -Be @('nothing to change: WSUS is as planned')
        @($script:W.Calls) | Should -Be @()
    }
    It 'wsusutil configuressl undone (the setup key names another host): run again with the FQDN, nothing else' {
        $script:W.CertName = 'par-wsus01'
        Invoke-BilluWsus $Plan $Tls | Should -Be @("wsusutil configuressl $($Model.fqdn)")
        @($script:W.Calls) | Should -Be @("wsusutil configuressl $($Model.fqdn)")
        $script:W.CertName | Should -Be $Model.fqdn
    }
}

Describe 'the PEM importer the WSUS step shares with the Windows DC (windows-ldaps-cert.ps1), on a real certificate and SEC1 key' {
    # Run for real (.NET parses the PEM and the key, joins them, exports and re-reads the PFX); only the machine's store
    # is mocked: Get-ChildItem Cert:\LocalMachine\My and the X509Store object (read-only on Linux).
    BeforeAll {
        $script:Key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP384)
        $req = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$($Model.fqdn)", $script:Key, [System.Security.Cryptography.HashAlgorithmName]::SHA384)
        $script:Real = $req.CreateSelfSigned([DateTimeOffset]::UtcNow.AddDays(-1), [DateTimeOffset]::UtcNow.AddDays(30))
        $pem = { param($label, $bytes) "-----BEGIN $label-----`n$(([Convert]::ToBase64String($bytes) -split '(.{64})' | Where-Object { $_ }) -join "`n")`n-----END $label-----`n" }
        $script:CertPem = & $pem 'CERTIFICATE' $script:Real.RawData
        # The tls provider's ECDSA key: SEC1 (RFC 5915), as .NET's ExportECPrivateKey writes it.
        $script:KeyPem = & $pem 'EC PRIVATE KEY' $script:Key.ExportECPrivateKey()
    }
    BeforeEach {
        $script:Store = [Collections.Generic.List[object]]::new()
        Mock Get-ChildItem { @($script:Store) } -ParameterFilter { $Path -eq 'Cert:\LocalMachine\My' }
        Mock New-Object {
            $s = [pscustomobject]@{ Name = $ArgumentList[0]; Location = $ArgumentList[1]; Mode = $null }
            $s | Add-Member ScriptMethod Open { param($m) $this.Mode = $m }
            $s | Add-Member ScriptMethod Add { param($c) $script:Store.Add($c) }
            $s | Add-Member ScriptMethod Close { }
            return $s
        } -ParameterFilter { $TypeName -eq 'System.Security.Cryptography.X509Certificates.X509Store' }
    }
    It 'imports the certificate with its private key into LocalMachine\My once; the second call finds it and adds nothing' {
        Import-BilluLdapsCert $script:CertPem $script:KeyPem | Should -BeTrue
        $script:Store.Count | Should -Be 1
        $c = $script:Store[0]
        $c.Thumbprint | Should -Be $script:Real.Thumbprint
        $c.HasPrivateKey | Should -BeTrue
        # The key it carries is the one given: what it signs, the original public key verifies.
        $data = [Text.Encoding]::UTF8.GetBytes('billu')
        $sig = [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::GetECDsaPrivateKey($c).SignData($data, [System.Security.Cryptography.HashAlgorithmName]::SHA384)
        $script:Key.VerifyData($data, $sig, [System.Security.Cryptography.HashAlgorithmName]::SHA384) | Should -BeTrue
        Should -Invoke New-Object -Times 1 -Exactly -ParameterFilter { $TypeName -eq 'System.Security.Cryptography.X509Certificates.X509Store' -and ($ArgumentList -join ' ') -eq 'My LocalMachine' }
        Import-BilluLdapsCert $script:CertPem $script:KeyPem | Should -BeFalse
        $script:Store.Count | Should -Be 1
    }
    It 'a key that is not SEC1 P-384 (an RSA key): refused, nothing stored' {
        $rsa = [System.Security.Cryptography.RSA]::Create(2048)
        $bad = "-----BEGIN RSA PRIVATE KEY-----`n$([Convert]::ToBase64String($rsa.ExportRSAPrivateKey()))`n-----END RSA PRIVATE KEY-----`n"
        { Import-BilluLdapsCert $script:CertPem $bad } | Should -Throw -ExpectedMessage 'the LDAPS key is not a SEC1 P-384 key'
        $script:Store.Count | Should -Be 0
    }
}

Describe 'the WSUS step: bad input stops it with the fix, before the lists are written' {
    # The mocks once for the block, as above; a case that needs another behaviour mocks that command in its own It.
    BeforeAll { Use-FakeHost }
    BeforeEach { Reset-FakeHost }
    It 'a product WSUS does not know by that name: names the key and where to read the right title' {
        $bad = $Plan | ConvertTo-Json -Depth 5 | ConvertFrom-Json
        $bad.products = @(@($Plan.products)[0], 'Windows Server 2022 Datacenter')
        { Invoke-BilluWsus $bad $Tls } | Should -Throw -ExpectedMessage ([WildcardPattern]::Escape('billu:wsus.products[1] "Windows Server 2022 Datacenter" is not a product this WSUS knows: use a title as Get-WsusProduct shows it (Product.Title); nothing was changed'))
        Should -Invoke Set-WsusProduct -Times 0 -Exactly
        Should -Invoke Set-WsusClassification -Times 0 -Exactly
        $script:W.Server.Groups.Count | Should -Be 2
        $script:W.Server.Rules.Count | Should -Be 0
    }
    It 'content already elsewhere: refuses to run postinstall again, naming wsusutil movecontent' {
        $script:W.ContentDir = 'E:\Updates\'
        { Invoke-BilluWsus $Plan $Tls } | Should -Throw -ExpectedMessage ([WildcardPattern]::Escape("WSUS content is in E:\Updates, not $($Model.contentDir): move it with wsusutil movecontent, or set billu:wsus.driveLetter/contentFolder to match"))
        Should -Invoke Invoke-BilluWsusUtil -Times 0 -Exactly
        Should -Invoke Get-WsusServer -Times 0 -Exactly
    }
    It 'ssl planned but no certificate given: stops after postinstall, naming the secrets, before any HTTPS or API call' {
        { Invoke-BilluWsus $Plan $null } | Should -Throw -ExpectedMessage ([WildcardPattern]::Escape("PAR-WSUS01: billu:wsus.ssl is true but the step received no certificate (secrets wsus-site-ca, wsus-cert, wsus-key): run it from components/wsus"))
        { Invoke-BilluWsus $Plan @{ ca = $script:CaCert.Pem; cert = $script:ServerCert.Pem; key = '' } } | Should -Throw -ExpectedMessage '*received no certificate*'
        foreach ($c in 'Import-Certificate', 'Import-BilluLdapsCert', 'Get-WebBinding', 'Get-WsusServer', 'Register-ScheduledTask') { Should -Invoke $c -Times 0 -Exactly }
    }
    It 'wsusutil configuressl failing: stops with its exit code, before the API' {
        Mock Invoke-BilluWsusUtil { if ($args[0] -eq 'postinstall' -and $args[1] -match '^CONTENT_DIR=(.+)$') { $script:W.ContentDir = $Matches[1] + '\'; 0 } else { 5 } }
        { Invoke-BilluWsus $Plan $Tls } | Should -Throw -ExpectedMessage ([WildcardPattern]::Escape("wsusutil configuressl $($Model.fqdn) failed (exit 5): see %ProgramFiles%\Update Services\LogFiles"))
        Should -Invoke Get-WsusServer -Times 0 -Exactly
    }
}
