# Step `wsus` of the WSUS server: the functions, then the plan (rendered from billu:wsus). Data: $HOST_NAME, $PLAN_PATH.
. 'C:\ProgramData\billu\wsus\wsus.ps1'
$plan = [IO.File]::ReadAllText($PLAN_PATH) | ConvertFrom-Json
foreach ($line in (Invoke-BilluWsus $plan)) { Write-BilluLog "${HOST_NAME}: $line" }
