# Step `wsus` of the WSUS server: the functions, then the plan (rendered from billu:wsus). Data: $HOST_NAME, $PLAN_PATH.
# Over HTTPS (billu:wsus.ssl) the step's secrets carry the site CA and the server's certificate and key (PEM).
. 'C:\ProgramData\billu\wsus\wsus.ps1'
$plan = [IO.File]::ReadAllText($PLAN_PATH) | ConvertFrom-Json
$tls = if ($plan.ssl) { @{ ca = Get-BilluSecret 'wsus-site-ca'; cert = Get-BilluSecret 'wsus-cert'; key = Get-BilluSecret 'wsus-key' } } else { $null }
foreach ($line in (Invoke-BilluWsus $plan $tls)) { Write-BilluLog "${HOST_NAME}: $line" }
