# The first Windows DC's `site-ca` step (components/domain-controller/site-ca.ts, windowsSiteCaStep, rendered for prod:
# $env:BILLU_SITE_CA_STEP; the domain's DN from the model: $env:BILLU_SITE_CA_DN) against a configuration partition in
# memory. Mocked: ActiveDirectory's Get-ADObject (the Certification Authorities container's children by cn),
# certutil.exe (what `-dspublish -f <file> RootCA` does: the object named after the file's CN holds exactly its DER),
# billu-lib's Get-BilluSecret (Write-BilluLog is billu-lib's own). The CAs are made here with .NET.

BeforeAll {
    . (Join-Path $PSScriptRoot 'stubs.ps1')
    . (Join-Path $PSScriptRoot '../../../scripts/lib/billu-lib.ps1')
    $ErrorActionPreference = 'Stop'
    $script:StepWas = $env:BILLU_STEP
    $script:Container = "CN=Certification Authorities,CN=Public Key Services,CN=Services,CN=Configuration,$env:BILLU_SITE_CA_DN"
    function New-Ca([string]$Cn) {
        $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP384)
        $req = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$Cn, O=BillU", $key, [System.Security.Cryptography.HashAlgorithmName]::SHA384)
        $req.CreateSelfSigned([DateTimeOffset]::UtcNow.AddMinutes(-1), [DateTimeOffset]::UtcNow.AddDays(1))
    }
    function ConvertTo-Pem($Cert) { "-----BEGIN CERTIFICATE-----`n$([Convert]::ToBase64String($Cert.RawData, 'InsertLineBreaks'))`n-----END CERTIFICATE-----`n" }
    function Use-FakeDirectory {
        $script:Objects = @{}
        $script:Files = @()
        Mock Get-BilluSecret { if ($Name -ne 'site-ca-cert') { throw "secret $Name was not provided" }; $script:Pem }
        Mock Get-ADObject {
            if ($SearchBase -ne $script:Container -or $SearchScope -ne 'OneLevel' -or $Properties -ne 'cACertificate') { throw "unexpected search: $SearchBase $SearchScope $Properties" }
            if ($Filter -notmatch "^cn -eq '(.*)'$") { throw "unexpected filter $Filter" }
            $cn = $Matches[1] -replace "''", "'"
            if ($script:Objects.ContainsKey($cn)) { [pscustomobject]@{ DistinguishedName = "CN=$cn,$script:Container"; cACertificate = $script:Objects[$cn] } }
        }
        Mock certutil.exe {
            $c = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new([IO.File]::ReadAllBytes($args[2]))
            $script:Files += $args[2]
            $script:Objects[$c.GetNameInfo('SimpleName', $false)] = [object[]]@(, [byte[]]$c.RawData)
            $global:LASTEXITCODE = 0
        }
    }
    # Runs the step dot-sourced into this function (the fakes stay visible): its output.
    function Invoke-Step { @(. $env:BILLU_SITE_CA_STEP) }
    function Assert-Published($Cert, [string]$Cn) {
        @($script:Objects.Keys) | Should -Be @($Cn)
        @($script:Objects[$Cn]).Count | Should -Be 1
        [Convert]::ToBase64String([byte[]]$script:Objects[$Cn][0]) | Should -Be ([Convert]::ToBase64String($Cert.RawData))
    }
}

AfterAll { $env:BILLU_STEP = $script:StepWas }

Describe 'the first Windows DC''s site-ca step (prod)' {
    BeforeEach {
        $env:BILLU_STEP = 'site-ca'
        Use-FakeDirectory
        $script:Ca = New-Ca 'BillU Paris root CA'
        $script:Pem = ConvertTo-Pem $script:Ca
    }

    It 'publishes the CA with certutil -dspublish -f (its DER file) RootCA, once, then a second run changes nothing' {
        $out = Invoke-Step
        Should -Invoke certutil.exe -Times 1 -Exactly -ParameterFilter { $args.Count -eq 4 -and $args[0] -eq '-dspublish' -and $args[1] -eq '-f' -and $args[3] -eq 'RootCA' }
        Should -Invoke certutil.exe -Times 1 -Exactly
        Assert-Published $script:Ca 'BillU Paris root CA'
        $out | Should -Be @("billu[site-ca]: published the site CA 'BillU Paris root CA' in $script:Container")
        # The DER file certutil read is removed after it.
        Test-Path -LiteralPath $script:Files[0] | Should -BeFalse
        $again = Invoke-Step
        Should -Invoke certutil.exe -Times 1 -Exactly
        $again | Should -Be @()
    }

    It 'a new CA of the same name: certutil publishes it again, the object holds only the new certificate' {
        $null = Invoke-Step
        $script:Ca = New-Ca 'BillU Paris root CA'
        $script:Pem = ConvertTo-Pem $script:Ca
        $out = Invoke-Step
        Should -Invoke certutil.exe -Times 2 -Exactly
        Assert-Published $script:Ca 'BillU Paris root CA'
        $out | Should -Be @("billu[site-ca]: published the site CA 'BillU Paris root CA' in $script:Container")
    }

    It 'an object holding two certificates (ours and another) is published again' {
        $other = New-Ca 'BillU Paris root CA'
        $script:Objects['BillU Paris root CA'] = [object[]]@([byte[]]$script:Ca.RawData, [byte[]]$other.RawData)
        $null = Invoke-Step
        Should -Invoke certutil.exe -Times 1 -Exactly
        Assert-Published $script:Ca 'BillU Paris root CA'
    }

    It 'certutil failing stops the step with its exit code' {
        Mock certutil.exe { $global:LASTEXITCODE = 5; 'CertUtil: -dspublish command FAILED: 0x80070005 (WIN32: 5 ERROR_ACCESS_DENIED)' }
        { Invoke-Step } | Should -Throw '*certutil -dspublish -f * RootCA failed (exit 5): CertUtil: -dspublish command FAILED*'
    }
}
