# Used by the Windows DC step `ready`: imports the DC's LDAPS certificate (PEM from the site CA) into
# LocalMachine\My, once. $true when it imported it, $false when the store already held it.
function Import-BilluLdapsCert([string]$CertPem, [string]$KeyPem) {
    $der = { param($pem) [Convert]::FromBase64String((($pem -split "`n") | Where-Object { $_ -and $_ -notmatch '-----' }) -join '') }
    # [byte[]]: the scriptblock's bytes come back unrolled (object[]), which the constructor takes for a file name.
    $cert = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new([byte[]](& $der $CertPem))
    if (Get-ChildItem Cert:\LocalMachine\My | Where-Object Thumbprint -eq $cert.Thumbprint) { return $false }
    # The key is SEC1 (RFC 5915) ECDSA P-384: the 48-byte private scalar after the version, the point's X|Y last.
    $k = & $der $KeyPem
    $at = -1; for ($i = 0; $i -lt $k.Length - 5; $i++) { if ($k[$i] -eq 2 -and $k[$i+1] -eq 1 -and $k[$i+2] -eq 1 -and $k[$i+3] -eq 4 -and $k[$i+4] -eq 48) { $at = $i + 5; break } }
    if ($at -lt 0) { throw 'the LDAPS key is not a SEC1 P-384 key' }
    $p = New-Object System.Security.Cryptography.ECParameters
    $p.Curve = [System.Security.Cryptography.ECCurve+NamedCurves]::nistP384
    $p.D = $k[$at..($at + 47)]
    $point = New-Object System.Security.Cryptography.ECPoint
    $point.X = $k[($k.Length - 96)..($k.Length - 49)]; $point.Y = $k[($k.Length - 48)..($k.Length - 1)]; $p.Q = $point
    $withKey = [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::CopyWithPrivateKey($cert, [System.Security.Cryptography.ECDsa]::Create($p))
    $transient = [Guid]::NewGuid().ToString()
    $flags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]'MachineKeySet,PersistKeySet'
    $stored = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new([byte[]]$withKey.Export('Pfx', $transient), $transient, $flags)
    $store = New-Object System.Security.Cryptography.X509Certificates.X509Store('My', 'LocalMachine'); $store.Open('ReadWrite'); $store.Add($stored); $store.Close()
    return $true
}
