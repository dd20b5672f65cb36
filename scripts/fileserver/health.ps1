# health.ps1 of the Windows file server, run hourly by the scheduled task billu-storage-health: while the mirror is
# not healthy, an error in the Application log and (with a mail server in the site) a mail to the admin address.
# Data (rendered before this text by components/fileserver): $HOST_NAME, $POOL (the mirror's name), $SMTP_SERVER
# (none without a mail server), $MAIL_FROM, $MAIL_TO.
$ErrorActionPreference = 'Stop'
$vd = Get-VirtualDisk -FriendlyName $POOL
if ($vd.HealthStatus -eq 'Healthy') { exit 0 }
$body = "The mirror $POOL on $HOST_NAME is $($vd.HealthStatus) ($($vd.OperationalStatus)).`r`n" + (Get-PhysicalDisk | Format-Table FriendlyName, SerialNumber, HealthStatus, OperationalStatus, Size | Out-String)
Write-EventLog -LogName Application -Source 'billu-storage' -EventId 4201 -EntryType Error -Message $body
# Without a mail server in the site model, the event log entry is the alert.
if ($SMTP_SERVER) { Send-MailMessage -SmtpServer $SMTP_SERVER -From $MAIL_FROM -To $MAIL_TO -Subject "DegradedArray event on $HOST_NAME" -Body $body }
