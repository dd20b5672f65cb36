/**
 * The `windows` flavor: Windows Server 2022 AD DS (GUI or Core, reached over OpenSSH), rendered from the domain
 * model as PowerShell guest-step bodies. Every step is guarded so a second run on a healthy DC changes nothing;
 * passwords come from the step's stdin (`Get-BilluSecret`) into SecureStrings, never into an argument.
 *
 * Promotion cannot finish inside one SSH session (it needs a reboot), so it is split: `dc` promotes with
 * `-NoRebootOnCompletion` and schedules a detached reboot (printing REBOOT_MARK), the component waits for the
 * reboot from outside (SSH port down, then up; bounded), and `ready` waits, bounded, for real readiness: the AD
 * web services answering and `Get-ADDomain` succeeding. Pure: no Pulumi here.
 */
import { DomainController, DomainModel, FSMO_ROLES, FsmoRole } from "../../model/domain";
import { SECRET } from "./common";
import { StepSpec } from "../guest-step/render";

/** What the `dc` step prints when it scheduled a reboot (the component's reboot wait reads it). */
export const REBOOT_MARK = "BILLU-REBOOT-SCHEDULED";

/** Seconds between the promotion step's end and the reboot: the SSH session must close cleanly first. */
export const REBOOT_DELAY_SECONDS = 15;

/** The AD module's names of the roles. */
const PS_ROLE: Record<FsmoRole, string> = {
    schemaMaster: "SchemaMaster",
    domainNamingMaster: "DomainNamingMaster",
    pdcEmulator: "PDCEmulator",
    ridMaster: "RIDMaster",
    infrastructureMaster: "InfrastructureMaster",
};

function q(s: string): string {
    return "'" + s.replace(/'/g, "''") + "'";
}

function list(items: readonly string[]): string {
    return `@(${items.map(q).join(", ")})`;
}

/** Sets the DNS client of the DC's NIC: the other DCs first (a joining DC must find the forest), then itself. */
function dnsClient(domain: DomainModel, dc: DomainController): string[] {
    const servers = [...domain.dcs.filter((d) => d.name !== dc.name).map((d) => d.address), "127.0.0.1"];
    return [
        `$dnsServers = ${list(servers)}`,
        "$nic = Get-NetAdapter | Where-Object Status -eq 'Up' | Select-Object -First 1",
        "if ((@(Get-DnsClientServerAddress -InterfaceIndex $nic.ifIndex -AddressFamily IPv4).ServerAddresses -join ',') -ne ($dnsServers -join ',')) {",
        "    Set-DnsClientServerAddress -InterfaceIndex $nic.ifIndex -ServerAddresses $dnsServers",
        "    Write-BilluLog \"DNS client: $($dnsServers -join ', ')\"",
        "}",
    ];
}

/** Step `dc`: install AD DS and DNS, then create the forest (first DC) or join it, with no reboot inside. */
export function windowsDcStep(domain: DomainModel, dc: DomainController): StepSpec {
    const first = domain.dcs[0];
    const promote = dc.first
        ? [
              "# The local Administrator becomes the forest's Administrator: it gets the generated password first.",
              `Set-LocalUser -Name 'Administrator' -Password (ConvertTo-SecureString (Get-BilluSecret '${SECRET.admin}') -AsPlainText -Force)`,
              `Install-ADDSForest -DomainName ${q(domain.fqdn)} -DomainNetbiosName ${q(domain.netbiosName)} -ForestMode 'WinThreshold' -DomainMode 'WinThreshold' \``,
              "    -InstallDns -SafeModeAdministratorPassword $dsrm -NoRebootOnCompletion -Force -WarningAction SilentlyContinue | Out-Null",
              `Write-BilluLog ${q(`created the forest ${domain.fqdn}`)}`,
          ]
        : [
              `$cred = New-Object System.Management.Automation.PSCredential(${q(`${domain.netbiosName}\\Administrator`)}, (ConvertTo-SecureString (Get-BilluSecret '${SECRET.admin}') -AsPlainText -Force))`,
              `Install-ADDSDomainController -DomainName ${q(domain.fqdn)} -Credential $cred -SiteName ${q(domain.adSite)} -ReplicationSourceDC ${q(first.fqdn)} \``,
              "    -InstallDns -SafeModeAdministratorPassword $dsrm -NoRebootOnCompletion -Force -WarningAction SilentlyContinue | Out-Null",
              `Write-BilluLog ${q(`joined ${domain.fqdn} as a DC`)}`,
          ];
    const script = [
        "# Idempotence guard: DomainRole 4 or 5 means this machine already is a domain controller.",
        "if ((Get-CimInstance Win32_ComputerSystem).DomainRole -ge 4) { Write-BilluLog 'already a domain controller'; return }",
        "foreach ($feature in 'AD-Domain-Services', 'DNS') {",
        '    if (-not (Get-WindowsFeature $feature).Installed) { Install-WindowsFeature $feature -IncludeManagementTools | Out-Null; Write-BilluLog "installed $feature" }',
        "}",
        ...dnsClient(domain, dc),
        `$dsrm = ConvertTo-SecureString (Get-BilluSecret '${SECRET.dsrm}') -AsPlainText -Force`,
        ...promote,
        "# A detached reboot: this SSH session ends cleanly first; the component waits for the reboot from outside.",
        "New-Item -ItemType Directory -Force -Path 'C:/ProgramData/billu/dc' | Out-Null",
        "Set-Content -Path 'C:/ProgramData/billu/dc/promoted-at' -Value ((Get-Date).ToUniversalTime().ToString('o'))",
        `shutdown.exe /r /t ${REBOOT_DELAY_SECONDS} /d p:4:2 /c 'billu: AD DS promotion'`,
        `Write-Output '${REBOOT_MARK}'`,
    ].join("\r\n");
    return { files: [], script, secrets: [SECRET.admin, SECRET.dsrm] };
}

/** Imports the DC's LDAPS certificate (PEM from the site CA) into LocalMachine\My, once. */
const IMPORT_CERT = [
    "function Import-BilluLdapsCert([string]$CertPem, [string]$KeyPem) {",
    "    $der = { param($pem) [Convert]::FromBase64String((($pem -split \"`n\") | Where-Object { $_ -and $_ -notmatch '-----' }) -join '') }",
    "    $cert = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2(,(& $der $CertPem))",
    "    if (Get-ChildItem Cert:\\LocalMachine\\My | Where-Object Thumbprint -eq $cert.Thumbprint) { return $false }",
    "    # The key is SEC1 (RFC 5915) ECDSA P-384: the 48-byte private scalar after the version, the point's X|Y last.",
    "    $k = & $der $KeyPem",
    "    $at = -1; for ($i = 0; $i -lt $k.Length - 5; $i++) { if ($k[$i] -eq 2 -and $k[$i+1] -eq 1 -and $k[$i+2] -eq 1 -and $k[$i+3] -eq 4 -and $k[$i+4] -eq 48) { $at = $i + 5; break } }",
    "    if ($at -lt 0) { throw 'the LDAPS key is not a SEC1 P-384 key' }",
    "    $p = New-Object System.Security.Cryptography.ECParameters",
    "    $p.Curve = [System.Security.Cryptography.ECCurve+NamedCurves]::nistP384",
    "    $p.D = $k[$at..($at + 47)]",
    "    $point = New-Object System.Security.Cryptography.ECPoint",
    "    $point.X = $k[($k.Length - 96)..($k.Length - 49)]; $point.Y = $k[($k.Length - 48)..($k.Length - 1)]; $p.Q = $point",
    "    $withKey = [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::CopyWithPrivateKey($cert, [System.Security.Cryptography.ECDsa]::Create($p))",
    "    $transient = [Guid]::NewGuid().ToString()",
    "    $flags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]'MachineKeySet,PersistKeySet'",
    "    $stored = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2(,$withKey.Export('Pfx', $transient), $transient, $flags)",
    "    $store = New-Object System.Security.Cryptography.X509Certificates.X509Store('My', 'LocalMachine'); $store.Open('ReadWrite'); $store.Add($stored); $store.Close()",
    "    return $true",
    "}",
];

/** Step `ready`: bounded wait for AD DS, then LDAPS, DNS forwarders, the DNS client, time and (first DC) the site name. */
export function windowsReadyStep(domain: DomainModel, dc: DomainController): StepSpec {
    const isPdc = dc.name === domain.pdcEmulator.name;
    const ntp = isPdc ? domain.ntpServers.map((s) => `${s},0x8`).join(" ") : "";
    const script = [
        "# Bounded wait for real readiness, never a fixed sleep: ADWS answering on 9389 and Get-ADDomain succeeding.",
        "$deadline = (Get-Date).AddMinutes(20)",
        "while ($true) {",
        "    $ok = $false",
        "    try {",
        "        if ((Get-Service ADWS -ErrorAction Stop).Status -eq 'Running' -and (Test-NetConnection -ComputerName 'localhost' -Port 9389 -InformationLevel Quiet -WarningAction SilentlyContinue)) {",
        `            $ok = ((Get-ADDomain -Server 'localhost' -ErrorAction Stop).DNSRoot -eq ${q(domain.fqdn)})`,
        "        }",
        "    } catch { $ok = $false }",
        "    if ($ok) { break }",
        `    if ((Get-Date) -gt $deadline) { throw ${q(`${dc.name}: AD DS not ready within 20 minutes (ADWS or Get-ADDomain failing)`)} }`,
        "    Start-Sleep -Seconds 5",
        "}",
        ...dnsClient(domain, dc),
        ...IMPORT_CERT,
        `if (Import-BilluLdapsCert (Get-BilluSecret '${SECRET.ldapsCert}') (Get-BilluSecret '${SECRET.ldapsKey}')) {`,
        "    # AD DS picks the new certificate up without a restart when asked through the rootDSE.",
        "    $root = [ADSI]'LDAP://localhost/RootDSE'; $root.Put('renewServerCertificate', 1); $root.SetInfo()",
        "    Write-BilluLog 'LDAPS certificate installed'",
        "}",
        `$forwarders = ${list(domain.forwarders)}`,
        "if ((@((Get-DnsServerForwarder).IPAddress | ForEach-Object { $_.IPAddressToString }) -join ',') -ne ($forwarders -join ',')) {",
        "    Set-DnsServerForwarder -IPAddress $forwarders",
        "    Write-BilluLog \"DNS forwarders: $($forwarders -join ', ')\"",
        "}",
        isPdc
            ? "# The PDC emulator is the domain's time source: it follows the outside NTP servers."
            : `# Every other DC follows the domain hierarchy (the PDC emulator ${domain.pdcEmulator.name}).`,
        "$w32 = Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters'",
        isPdc
            ? `if ($w32.Type -ne 'NTP' -or $w32.NtpServer -ne ${q(ntp)}) { w32tm /config /manualpeerlist:${q(ntp)} /syncfromflags:manual /reliable:yes /update | Out-Null; Restart-Service w32time; Write-BilluLog 'time: outside NTP servers' }`
            : "if ($w32.Type -ne 'NT5DS') { w32tm /config /syncfromflags:domhier /reliable:no /update | Out-Null; Restart-Service w32time; Write-BilluLog 'time: domain hierarchy' }",
        ...(dc.first
            ? [
                  "# The forest's first site takes the site's name (the other DCs join it by that name).",
                  `if (-not (Get-ADReplicationSite -Filter ${q(`Name -eq '${domain.adSite}'`)})) {`,
                  `    Rename-ADObject -Identity (Get-ADReplicationSite -Identity 'Default-First-Site-Name').DistinguishedName -NewName ${q(domain.adSite)}`,
                  `    Write-BilluLog ${q(`site renamed to ${domain.adSite}`)}`,
                  "}",
              ]
            : []),
    ].join("\r\n");
    return { files: [], script, secrets: [SECRET.ldapsCert, SECRET.ldapsKey] };
}

/** Step `fsmo`: moves to this DC each role the config gives it and it does not hold yet. */
export function windowsFsmoStep(_domain: DomainModel, dc: DomainController): StepSpec {
    const script = [
        "$domain = Get-ADDomain; $forest = Get-ADForest",
        "$holders = @{",
        "    SchemaMaster = $forest.SchemaMaster; DomainNamingMaster = $forest.DomainNamingMaster",
        "    PDCEmulator = $domain.PDCEmulator; RIDMaster = $domain.RIDMaster; InfrastructureMaster = $domain.InfrastructureMaster",
        "}",
        `foreach ($role in ${list(dc.roles.map((r) => PS_ROLE[r]))}) {`,
        `    if ($holders[$role] -ne ${q(dc.fqdn)}) {`,
        `        Move-ADDirectoryServerOperationMasterRole -Identity ${q(dc.name)} -OperationMasterRole $role -Confirm:$false`,
        `        Write-BilluLog "transferred $role to ${dc.name}"`,
        "    }",
        "}",
    ].join("\r\n");
    return { files: [], script, secrets: [] };
}

/**
 * Step `domain` on the first DC: reverse zones, A/PTR records, the zones and records services ask for
 * (model.domain.extraRecords), conditional forwarders, subnets, groups, join account.
 */
export function windowsDomainStep(
    domain: DomainModel,
    forwarders: readonly { readonly domain: string; readonly servers: readonly string[] }[] = domain.conditionalForwarders,
): StepSpec {
    const records = domain.records.map(
        (r) => `    @{ Name = ${q(r.name)}; Address = ${q(r.address)}; Zone = ${q(r.reverseZone)}; Ptr = ${q(r.ptrName)}; A = $${r.a ? "true" : "false"} }`,
    );
    const script = [
        `$zone = ${q(domain.fqdn)}`,
        "# One reverse zone per internal network (names from the model, AD-integrated, replicated in the domain).",
        ...domain.subnets.map(
            (s) =>
                `if (-not (Get-DnsServerZone -Name ${q(s.reverseZone)} -ErrorAction SilentlyContinue)) { Add-DnsServerPrimaryZone -NetworkId ${q(s.cidr)} -ReplicationScope 'Domain'; Write-BilluLog ${q(`zone ${s.reverseZone}`)} }`,
        ),
        "$records = @(",
        records.join(",\r\n"),
        ")",
        "foreach ($r in $records) {",
        "    if ($r.A) {",
        "        $cur = Get-DnsServerResourceRecord -ZoneName $zone -Name $r.Name -RRType A -ErrorAction SilentlyContinue",
        '        if (-not $cur) { Add-DnsServerResourceRecordA -ZoneName $zone -Name $r.Name -IPv4Address $r.Address; Write-BilluLog "A $($r.Name) $($r.Address)" }',
        "        elseif (-not ($cur | Where-Object { $_.RecordData.IPv4Address.IPAddressToString -eq $r.Address })) {",
        "            $cur | Remove-DnsServerResourceRecord -ZoneName $zone -Force; Add-DnsServerResourceRecordA -ZoneName $zone -Name $r.Name -IPv4Address $r.Address",
        '            Write-BilluLog "A $($r.Name) -> $($r.Address)"',
        "        }",
        "    }",
        '    $target = "$($r.Name).$zone."',
        "    $cur = Get-DnsServerResourceRecord -ZoneName $r.Zone -Name $r.Ptr -RRType Ptr -ErrorAction SilentlyContinue",
        "    if (-not $cur -or $cur.RecordData.PtrDomainName -ne $target) {",
        "        if ($cur) { $cur | Remove-DnsServerResourceRecord -ZoneName $r.Zone -Force }",
        '        Add-DnsServerResourceRecordPtr -ZoneName $r.Zone -Name $r.Ptr -PtrDomainName $target; Write-BilluLog "PTR $($r.Address) $target"',
        "    }",
        "}",
        ...(domain.extraZones.length > 0
            ? [
                  "# Zones of names outside the AD domain that services need (the public site's), AD-integrated like the AD zone.",
                  ...domain.extraZones.map(
                      (z) =>
                          `if (-not (Get-DnsServerZone -Name ${q(z)} -ErrorAction SilentlyContinue)) { Add-DnsServerPrimaryZone -Name ${q(z)} -ReplicationScope 'Domain'; Write-BilluLog ${q(`zone ${z}`)} }`,
                  ),
              ]
            : []),
        ...(domain.extraRecords.length > 0
            ? [
                  "# Records services ask for: added when missing, every other value of the same name and type removed (a changed",
                  "# address replaces the old one), nothing written when right. An MX at the apex is added with the name '.'.",
                  "$extra = @(",
                  domain.extraRecords
                      .map(
                          (r) =>
                              `    @{ Zone = ${q(r.zone)}; Name = ${q(r.name)}; Type = ${q(r.type)}; Value = ${q(r.value)}; Preference = ${r.preference ?? 0} }`,
                      )
                      .join(",\r\n"),
                  ")",
                  "foreach ($r in $extra) {",
                  "    $fq = if ($r.Name -eq '@') { $r.Zone } else { \"$($r.Name).$($r.Zone)\" }",
                  "    $wanted = { param($d) if ($r.Type -eq 'A') { $d.IPv4Address.IPAddressToString -eq $r.Value } else { $d.MailExchange -eq \"$($r.Value).\" -and $d.Preference -eq $r.Preference } }",
                  "    $cur = @(Get-DnsServerResourceRecord -ZoneName $r.Zone -Name $r.Name -RRType $r.Type -ErrorAction SilentlyContinue)",
                  "    if (-not ($cur | Where-Object { & $wanted $_.RecordData })) {",
                  "        if ($r.Type -eq 'A') { Add-DnsServerResourceRecordA -ZoneName $r.Zone -Name $r.Name -IPv4Address $r.Value }",
                  "        else { Add-DnsServerResourceRecordMX -ZoneName $r.Zone -Name $(if ($r.Name -eq '@') { '.' } else { $r.Name }) -MailExchange $r.Value -Preference $r.Preference }",
                  '        Write-BilluLog "$($r.Type) $fq $($r.Value)"',
                  "    }",
                  "    foreach ($stale in @($cur | Where-Object { -not (& $wanted $_.RecordData) })) {",
                  '        $stale | Remove-DnsServerResourceRecord -ZoneName $r.Zone -Force; Write-BilluLog "$($r.Type) ${fq}: removed a stale value"',
                  "    }",
                  "}",
              ]
            : []),
        ...forwarders.flatMap((f) => [
            `$cf = Get-DnsServerZone -Name ${q(f.domain)} -ErrorAction SilentlyContinue`,
            `if (-not $cf) { Add-DnsServerConditionalForwarderZone -Name ${q(f.domain)} -MasterServers ${list(f.servers)} -ReplicationScope 'Forest'; Write-BilluLog ${q(`conditional forwarder ${f.domain}`)} }`,
            `elseif ((@($cf.MasterServers | ForEach-Object { $_.IPAddressToString }) -join ',') -ne ${q(f.servers.join(","))}) { Set-DnsServerConditionalForwarderZone -Name ${q(f.domain)} -MasterServers ${list(f.servers)}; Write-BilluLog ${q(`conditional forwarder ${f.domain} updated`)} }`,
        ]),
        `foreach ($subnet in ${list(domain.subnets.map((s) => s.cidr))}) {`,
        `    if (-not (Get-ADReplicationSubnet -Filter "Name -eq '$subnet'")) { New-ADReplicationSubnet -Name $subnet -Site ${q(domain.adSite)}; Write-BilluLog "subnet $subnet" }`,
        "}",
        ...(domain.linuxLogin
            ? [
                  `foreach ($group in ${list([domain.linuxLogin.sshGroup, domain.linuxLogin.sudoGroup])}) {`,
                  '    if (-not (Get-ADGroup -Filter "SamAccountName -eq \'$group\'")) { New-ADGroup -Name $group -SamAccountName $group -GroupScope Global -GroupCategory Security; Write-BilluLog "group $group" }',
                  "}",
              ]
            : []),
        ...(domain.members.length > 0
            ? [
                  `if (-not (Get-ADUser -Filter "SamAccountName -eq '${domain.joinAccount}'")) {`,
                  `    New-ADUser -Name ${q(domain.joinAccount)} -SamAccountName ${q(domain.joinAccount)} -Description 'joins Debian servers to the domain' \``,
                  `        -AccountPassword (ConvertTo-SecureString (Get-BilluSecret '${SECRET.join}') -AsPlainText -Force) -Enabled $true -PasswordNeverExpires $true`,
                  `    Write-BilluLog ${q(`user ${domain.joinAccount}`)}`,
                  "}",
                  "# The join account may create computer objects in CN=Computers and manage those below it, nothing else.",
                  `$computers = ${q(`CN=Computers,${domain.dn}`)}; $trustee = ${q(`${domain.netbiosName}\\${domain.joinAccount}`)}`,
                  'if (-not ((Get-Acl "AD:$computers").Access | Where-Object { $_.IdentityReference -eq $trustee })) {',
                  '    dsacls.exe $computers /G "${trustee}:CCDC;computer" | Out-Null',
                  '    dsacls.exe $computers /I:S /G "${trustee}:GA;;computer" | Out-Null',
                  '    Write-BilluLog "delegated computer objects in $computers to $trustee"',
                  "}",
              ]
            : []),
    ].join("\r\n");
    return { files: [], script, secrets: domain.members.length > 0 ? [SECRET.join] : [] };
}

/** Every FSMO role's PowerShell name (tests and docs). */
export const WINDOWS_FSMO_ROLES = FSMO_ROLES.map((r) => PS_ROLE[r]);
