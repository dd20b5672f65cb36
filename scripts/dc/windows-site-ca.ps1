# Step `site-ca` of the first Windows DC: publishes the site CA's certificate (secret site-ca-cert, PEM) in the
# configuration partition's Certification Authorities container with `certutil -dspublish -f <file> RootCA`; Windows
# domain members copy that container into their Trusted Root store at Group Policy refresh. certutil runs only when
# the CA's object there does not hold exactly this certificate (a second run changes nothing; a new CA replaces it).
# Data: $CA_CONTAINER (CN=Certification Authorities,CN=Public Key Services,CN=Services,CN=Configuration,<domain DN>).
$pem = Get-BilluSecret 'site-ca-cert'
$cert = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new([Text.Encoding]::ASCII.GetBytes($pem))
$cn = $cert.GetNameInfo([System.Security.Cryptography.X509Certificates.X509NameType]::SimpleName, $false)
if (-not $cn) { throw "the site CA's certificate has no common name: its object in $CA_CONTAINER is named after it" }
$published = @(Get-ADObject -SearchBase $CA_CONTAINER -SearchScope OneLevel -Filter "cn -eq '$($cn -replace "'", "''")'" -Properties cACertificate)
$values = @(if ($published.Count -eq 1) { $published[0].cACertificate })
$same = $values.Count -eq 1 -and [Convert]::ToBase64String([byte[]]$values[0]) -eq [Convert]::ToBase64String($cert.RawData)
if (-not $same) {
    $file = Join-Path ([IO.Path]::GetTempPath()) 'billu-site-ca.cer'
    [IO.File]::WriteAllBytes($file, $cert.RawData)
    try {
        $out = & certutil.exe -dspublish -f $file RootCA
        if ($LASTEXITCODE -ne 0) { throw "certutil -dspublish -f $file RootCA failed (exit $LASTEXITCODE): $($out -join ' ')" }
    } finally { Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue }
    Write-BilluLog "published the site CA '$cn' in $CA_CONTAINER"
}
