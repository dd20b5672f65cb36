# Step `client-rsop` of a Windows 11 client, after the join's reboot: the computer's Group Policy applied now
# (gpupdate), then its resultant set of policy (gpresult /scope computer /x) printed between $RSOP_BEGIN and $RSOP_END
# lines: the step's output, which the acceptance run's `gpo` scenario reads (docs/services/client.md).
# Computer scope only: this session is the local admin's, whose user policy is no domain user's; a user's RSoP is the
# gpo scenario's, as that user. Data: $HOST_NAME, $DOMAIN_FQDN, $RSOP_BEGIN, $RSOP_END, $GPUPDATE_WAIT_SECONDS.
$computer = Get-CimInstance Win32_ComputerSystem
if (-not $computer.PartOfDomain -or $computer.Domain -ne $DOMAIN_FQDN) {
    throw "$HOST_NAME is not a member of ${DOMAIN_FQDN}: its client-join step must run first"
}
# gpupdate asks (Y/N) when a policy needs a restart; 'N' answers it, so a bounded /wait never hangs on a prompt.
'N' | gpupdate.exe /target:computer /force /wait:$GPUPDATE_WAIT_SECONDS | Out-Null
if ($LASTEXITCODE -ne 0) { throw "gpupdate /target:computer /force failed on $HOST_NAME (exit $LASTEXITCODE): see the GroupPolicy operational event log" }
Write-BilluLog 'computer policy applied (gpupdate /force)'
$report = Join-Path $env:BILLU_STAGE 'rsop-computer.xml'
gpresult.exe /scope computer /x $report /f | Out-Null
if ($LASTEXITCODE -ne 0 -or -not (Test-Path -LiteralPath $report)) { throw "gpresult /scope computer /x failed on $HOST_NAME (exit $LASTEXITCODE)" }
Write-Output $RSOP_BEGIN
# gpresult writes UTF-16 with a byte order mark; ReadAllText follows it.
Write-Output ([IO.File]::ReadAllText($report).TrimEnd())
Write-Output $RSOP_END
