# Apply-Directory.ps1: applies BillU's directory plan on a Windows DC through the ActiveDirectory module
# (billu-infra, components/directory). The guest step's run.ps1 dot-sources it, then calls Invoke-BilluDirectory,
# so Get-BilluSecret (billu-lib.ps1) is in scope.
# Check mode (issue #27): `powershell -File Apply-Directory.ps1 -Check [-PlanPath <plan.json>] [-ResultPath <file>]`
# reads the same plan and directory, writes nothing, prints one line per difference as apply_samba.py --check does
# and exits 0 in sync, 1 drift, 2 bad input, 3 when the directory cannot be read.
#
# The same contract as apply_samba.py: the current state is read once, every difference is computed before the
# first write, and only differences are written, so the same plan twice writes nothing. A planned account, group
# or computer that exists outside the managed OU is never adopted: the run stops before writing anything. For a
# computer that includes CN=Computers, where a machine that joined the domain by itself lands: only the accounts
# this directory created (under the managed OU) are its own (the Samba applier has the same rule and message).
# The service accounts' initial passwords (acceptance, drift reader) come from the step's secrets; a new person's is
# generated here (issue #24: a CSPRNG, AD complexity), set with "change at next logon" and written to the onboarding
# sheet (the plan's `onboarding` key): one `;` CSV per run that creates people, in a folder whose protected NTFS ACL
# (set before any sheet exists, so every sheet inherits it from its creation) lets SYSTEM, Administrators and the
# readers' group in, nobody else, shared as the hidden onboarding$ with read access for the readers only. The sheet is
# opened before the first write and a row is flushed right after each account is created (this applier is not
# transactional: a failure midway still leaves the created accounts' passwords to IT). Sheets older than the plan's
# retentionDays are deleted by every run. Passwords are never printed. Nothing in the directory is ever deleted.
param([switch]$Check, [string]$PlanPath = 'C:/ProgramData/billu/directory/plan.json', [string]$ResultPath)

# --- DNs (RFC 4514) ---------------------------------------------------------------------------------------------
# A DN is compared by its parsed RDNs, never by its text: a value may end in an escaped backslash (`OU=Support\\,`),
# hold an escaped comma that makes the text end like another DN (`CN=x\,OU=BillU,DC=...` is not under OU=BillU),
# or be spelled with hex pairs (`\2C` is `\,`). AD compares DNs without regard to case.
$script:BilluDnToken = [regex]'\\([0-9A-Fa-f]{2})|\\([\\,+"<>;= #])|(\\)|([,+])|([^\\,+]+)'

function Get-BilluDnError([string]$Dn, [string]$Why) { "directory: cannot parse the DN `"$Dn`": $Why" }

# The RDNs of a DN, first (leftmost) first: each with its text (Raw), its attribute-value pairs (Avas: Type, Value
# unescaped; more than one in a multi-valued RDN; Type and Value are the first pair's) and a Key that two spellings
# of the same RDN share. Parsed once per DN text (plain loops: a run parses every DN of the directory).
$script:BilluDnCache = @{}
function ConvertFrom-BilluDn([string]$Dn) {
    if ($script:BilluDnCache.ContainsKey($Dn)) { return $script:BilluDnCache[$Dn] }
    $rdns = [System.Collections.Generic.List[object]]::new()
    $avas = [System.Collections.Generic.List[object]]::new()
    $text = [System.Text.StringBuilder]::new()
    $bytes = [System.Collections.Generic.List[byte]]::new()
    $typeEnd = -1 # where the first unescaped "=" of the current pair is in $text
    $rdnStart = 0
    $tokens = $script:BilluDnToken.Matches($Dn)
    for ($k = 0; $k -le $tokens.Count; $k++) {
        $m = if ($k -lt $tokens.Count) { $tokens[$k] } else { $null }
        if ($m -and $m.Groups[1].Success) { $bytes.Add([Convert]::ToByte($m.Groups[1].Value, 16)); continue }
        if ($bytes.Count -gt 0) { $null = $text.Append([Text.Encoding]::UTF8.GetString($bytes.ToArray())); $bytes.Clear() }
        if ($m -and $m.Groups[2].Success) { $null = $text.Append($m.Groups[2].Value); continue }
        if ($m -and $m.Groups[3].Success) {
            $why = if ($m.Index -eq $Dn.Length - 1) { 'a backslash at the end of a value must itself be escaped (\\)' }
            else { "\$($Dn[$m.Index + 1]) is not an escape (RFC 4514: \ before one of \ , + `" < > ; = # space, or two hex digits)" }
            throw (Get-BilluDnError $Dn $why)
        }
        if ($m -and $m.Groups[5].Success) {
            if ($typeEnd -lt 0) { $eq = $m.Value.IndexOf('='); if ($eq -ge 0) { $typeEnd = $text.Length + $eq } }
            $null = $text.Append($m.Value)
            continue
        }
        # A separator ("," between RDNs, "+" between the pairs of one RDN) or the end: the pair is complete.
        if ($typeEnd -lt 1) { throw (Get-BilluDnError $Dn "`"$($text.ToString())`" is not <type>=<value>") }
        $pair = $text.ToString()
        $avas.Add([pscustomobject]@{ Type = $pair.Substring(0, $typeEnd).Trim(); Value = $pair.Substring($typeEnd + 1) })
        $null = $text.Clear()
        $typeEnd = -1
        if ($m -and $m.Value -eq '+') { continue }
        $keys = [string[]]::new($avas.Count)
        for ($j = 0; $j -lt $avas.Count; $j++) {
            $keys[$j] = $avas[$j].Type.ToUpperInvariant() + '=' + [regex]::Replace($avas[$j].Value.ToLowerInvariant(), '[\\,+=]', '\$0')
        }
        [Array]::Sort($keys, [StringComparer]::Ordinal)
        $raw = if ($m) { $Dn.Substring($rdnStart, $m.Index - $rdnStart) } else { $Dn.Substring($rdnStart) }
        $rdns.Add([pscustomobject]@{ Raw = $raw; Avas = $avas.ToArray(); Type = $avas[0].Type; Value = $avas[0].Value; Key = $keys -join '+' })
        $avas.Clear()
        if ($m) { $rdnStart = $m.Index + 1 }
    }
    $script:BilluDnCache[$Dn] = $rdns.ToArray()
    return $script:BilluDnCache[$Dn]
}

# One string per DN that two spellings of the same DN share (hex pairs or not, any case): for lookups.
function ConvertTo-BilluDnKey([string]$Dn) {
    $rdns = @(ConvertFrom-BilluDn $Dn)
    $keys = [string[]]::new($rdns.Count)
    for ($i = 0; $i -lt $rdns.Count; $i++) { $keys[$i] = $rdns[$i].Key }
    return $keys -join ','
}

function Test-BilluSameDn([string]$A, [string]$B) { return (ConvertTo-BilluDnKey $A) -eq (ConvertTo-BilluDnKey $B) }

# (first RDN, parent DN), as text.
function Split-BilluDn([string]$Dn) {
    $first = @(ConvertFrom-BilluDn $Dn)[0].Raw
    return @($first, $Dn.Substring([math]::Min($first.Length + 1, $Dn.Length)))
}

# True when Dn lies (at any depth) under Parent.
function Test-BilluUnder([string]$Dn, [string]$Parent) {
    $d = @(ConvertFrom-BilluDn $Dn)
    $p = @(ConvertFrom-BilluDn $Parent)
    if ($d.Count -le $p.Count) { return $false }
    for ($i = 1; $i -le $p.Count; $i++) { if ($d[$d.Count - $i].Key -ne $p[$p.Count - $i].Key) { return $false } }
    return $true
}

# logonHours: 21 bytes in AD, 42 hex digits in the plan ("" = no attribute).
function ConvertTo-BilluHex($Bytes) { if ($null -eq $Bytes) { return '' } return (@($Bytes) | ForEach-Object { ([byte]$_).ToString('x2') }) -join '' }
function ConvertFrom-BilluHex([string]$Hex) {
    $out = New-Object byte[] ($Hex.Length / 2)
    for ($i = 0; $i -lt $out.Length; $i++) { $out[$i] = [Convert]::ToByte($Hex.Substring(2 * $i, 2), 16) }
    return , $out
}

# --- check mode (issue #27): the report, the same as apply_samba.py --check prints --------------------------------
# A value as Python's json.dumps(ensure_ascii=False) writes it: a string quoted, a list as ["a", "b"].
function ConvertTo-BilluDriftJson($Value) {
    if ($Value -is [bool]) { if ($Value) { return 'true' } else { return 'false' } }
    if ($Value -is [System.Collections.IEnumerable] -and $Value -isnot [string]) {
        return '[' + ((@($Value) | ForEach-Object { ConvertTo-BilluDriftJson $_ }) -join ', ') + ']'
    }
    $s = [string]$Value
    $sb = [Text.StringBuilder]::new('"')
    foreach ($ch in $s.ToCharArray()) {
        switch ($ch) {
            '"' { $null = $sb.Append('\"') }
            '\' { $null = $sb.Append('\\') }
            "`n" { $null = $sb.Append('\n') }
            "`r" { $null = $sb.Append('\r') }
            "`t" { $null = $sb.Append('\t') }
            default { if ([int]$ch -lt 0x20) { $null = $sb.Append(('\u{0:x4}' -f [int]$ch)) } else { $null = $sb.Append($ch) } }
        }
    }
    return $sb.Append('"').ToString()
}

function Format-BilluDrift($D) {
    $line = "drift: $($D.object) | $($D.attribute) | planned $(ConvertTo-BilluDriftJson $D.planned) | live $(ConvertTo-BilluDriftJson $D.live)"
    if ($D.privileged) { $line += ' | privileged' }
    return $line
}

# Sorted as the Samba applier sorts: by object (case-insensitive, then as written), then attribute, ordinal.
function Get-BilluSortedDrift($Drift) {
    $list = [System.Collections.Generic.List[object]]::new()
    foreach ($d in $Drift) { $list.Add($d) }
    $list.Sort([Comparison[object]] {
            param($a, $b)
            $c = [string]::CompareOrdinal($a.object.ToLowerInvariant(), $b.object.ToLowerInvariant())
            if ($c -eq 0) { $c = [string]::CompareOrdinal($a.object, $b.object) }
            if ($c -eq 0) { $c = [string]::CompareOrdinal($a.attribute, $b.attribute) }
            return $c
        })
    return , $list
}

# Names sorted as Python's sorted(key=str.lower).
function Get-BilluSortedNames($Names) {
    $list = [System.Collections.Generic.List[string]]::new()
    foreach ($n in @($Names)) { if ($null -ne $n) { $list.Add([string]$n) } }
    $list.Sort([Comparison[string]] { param($a, $b) [string]::CompareOrdinal($a.ToLowerInvariant(), $b.ToLowerInvariant()) })
    return , $list.ToArray()
}

# --- onboarding (issue #24) -----------------------------------------------------------------------------------------
# A new person's initial password: the alphabet of apply_samba.py and of the service accounts' RandomPassword
# (consonants only: AD refuses a 3-letter run of the user's name), 20 characters, at least 3 digits and 2 each of upper,
# lower and symbol, the rest from all, shuffled; every draw from RandomNumberGenerator, without modulo bias (rejection).
$script:BilluPwPools = @('0123456789', 'BCDFGHJKLMNPQRSTVWXZ', 'bcdfghjkmnpqrstvwxz', '!#%+-=?@_')
function New-BilluInitialPassword {
    $p = $script:BilluPwPools
    # Each character's pool: 3 digits, 2 each of upper, lower and symbol, then 11 from all.
    $pools = @($p[0], $p[0], $p[0], $p[1], $p[1], $p[2], $p[2], $p[3], $p[3]) + @(, ($p -join '') * 11)
    $chars = [char[]]::new(20)
    # The 39 draws in one loop with one generator (a function call and a generator per draw made a dev plan's 167 new
    # people cost ~0.5 s): k < 20 an index into character k's pool, then for the Fisher-Yates shuffle an index in
    # [0, i] for i = 19 .. 1. Rejection keeps each draw uniform: values from $limit up would favour the low indexes.
    $rng = [System.Security.Cryptography.RandomNumberGenerator]::Create()
    try {
        $bytes = [byte[]]::new(4)
        for ($k = 0; $k -lt 39; $k++) {
            $count = if ($k -lt 20) { $pools[$k].Length } else { 40 - $k }
            $limit = [uint32]::MaxValue - ([uint32]::MaxValue % [uint32]$count)
            do { $rng.GetBytes($bytes); $v = [BitConverter]::ToUInt32($bytes, 0) } while ($v -ge $limit)
            $j = [int]($v % [uint32]$count)
            if ($k -lt 20) { $chars[$k] = $pools[$k][$j] }
            else { $i = $count - 1; $t = $chars[$i]; $chars[$i] = $chars[$j]; $chars[$j] = $t }
        }
    } finally { $rng.Dispose() }
    return -join $chars
}
# The onboarding folder's NTFS ACL (SDDL), the one apply_samba.py sets: owner Administrators, SYSTEM and Administrators
# full control, the readers' group (its SID) read and traverse, inherited by every file; protected (P), so nothing from
# C:\ProgramData (whose Users may read) comes in.
function Get-BilluOnboardingSddl([string]$ReadersSid) { 'O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;{0})' -f $ReadersSid }
function Get-BilluReadersSid([string]$Readers) { (Get-ADGroup -Identity $Readers -Properties objectSid).SID.Value }
function Set-BilluFolderSddl([string]$Path, [string]$Sddl) {
    $acl = Get-Acl -LiteralPath $Path
    $acl.SetSecurityDescriptorSddlForm($Sddl)
    Set-Acl -LiteralPath $Path -AclObject $acl
}
# The folder (its ACL set before any sheet is written in it) and the hidden share, read access for the readers only.
function Initialize-BilluOnboarding($Onboarding, [string]$ReadersSid) {
    if (-not (Test-Path -LiteralPath $Onboarding.path)) { $null = New-Item -ItemType Directory -Path $Onboarding.path }
    Set-BilluFolderSddl $Onboarding.path (Get-BilluOnboardingSddl $ReadersSid)
    if (-not (Get-SmbShare -Name $Onboarding.share -ErrorAction SilentlyContinue)) {
        $netbios = (Get-ADDomain).NetBIOSName
        $null = New-SmbShare -Name $Onboarding.share -Path $Onboarding.path -ReadAccess "$netbios\$($Onboarding.readers)" -FullAccess 'BUILTIN\Administrators' `
            -FolderEnumerationMode AccessBased -EncryptData $true
    }
}
function ConvertTo-BilluCsvField([string]$Value) { if ($Value -match '[;"\r\n]') { '"' + $Value.Replace('"', '""') + '"' } else { $Value } }
# A new sheet (never an existing one: CreateNew), its header written; the caller adds a row per created account.
function Open-BilluOnboardingSheet([string]$Folder, [datetime]$Now) {
    $stamp = $Now.ToUniversalTime().ToString('yyyyMMddTHHmmssZ', [Globalization.CultureInfo]::InvariantCulture)
    $name = "onboarding-$stamp.csv"; $n = 1
    while (Test-Path -LiteralPath (Join-Path $Folder $name)) { $n++; $name = "onboarding-$stamp-$n.csv" }
    $path = Join-Path $Folder $name
    $fs = [IO.FileStream]::new($path, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write, [IO.FileShare]::None)
    $w = [IO.StreamWriter]::new($fs, [Text.UTF8Encoding]::new($true))
    $w.NewLine = "`r`n"
    $w.WriteLine('sam;upn;displayName;department;initialPassword;createdAt')
    $w.Flush()
    return [pscustomobject]@{ Path = $path; Writer = $w; Rows = 0; CreatedAt = $Now.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', [Globalization.CultureInfo]::InvariantCulture) }
}
function Add-BilluOnboardingRow($Sheet, $User, [string]$Password) {
    $fields = @($User.sam, $User.upn, $User.displayName, $User.department, $Password, $Sheet.CreatedAt) | ForEach-Object { ConvertTo-BilluCsvField $_ }
    $Sheet.Writer.WriteLine($fields -join ';')
    $Sheet.Writer.Flush()
    $Sheet.Rows++
}
# Deletes the sheets older than the retention (by the time in their name); returns how many.
function Remove-BilluExpiredSheets([string]$Folder, [int]$Days, [datetime]$Now) {
    if (-not (Test-Path -LiteralPath $Folder)) { return 0 }
    $limit = $Now.ToUniversalTime().AddDays(-$Days)
    $gone = 0
    foreach ($f in @(Get-ChildItem -LiteralPath $Folder -File | Sort-Object Name)) {
        if ($f.Name -notmatch '^onboarding-(\d{8}T\d{6}Z)(-\d+)?\.csv$') { continue }
        $made = [datetime]::ParseExact($Matches[1], 'yyyyMMddTHHmmssZ', [Globalization.CultureInfo]::InvariantCulture,
            [Globalization.DateTimeStyles]::AssumeUniversal -bor [Globalization.DateTimeStyles]::AdjustToUniversal)
        if ($made -lt $limit) { Remove-Item -LiteralPath $f.FullName -Force; $gone++ }
    }
    return $gone
}

function Invoke-BilluDirectory {
    # -Check: the same read and diff, nothing written; each difference printed (Format-BilluDrift), then the verdict;
    # returns 0 in sync, 1 drift, and writes -ResultPath (JSON for monitoring) when given.
    param([Parameter(Mandatory = $true)][string]$PlanPath, [switch]$Check, [string]$ResultPath)
    $ErrorActionPreference = 'Stop'
    Import-Module ActiveDirectory
    $started = Get-Date
    $plan = [IO.File]::ReadAllText($PlanPath, [Text.Encoding]::UTF8) | ConvertFrom-Json
    $root = $plan.rootDn
    # The attributes the plan owns on a present person's account: LDAP name -> plan key. Empty means absent.
    $userAttrs = [ordered]@{
        userPrincipalName = 'upn'; mail = 'mail'; displayName = 'displayName'; givenName = 'givenName'; sn = 'sn'
        title = 'title'; department = 'department'; company = 'company'; telephoneNumber = 'telephoneNumber'; mobile = 'mobile'
        ipPhone = 'ipPhone'; homeDirectory = 'homeDirectory'; homeDrive = 'homeDrive'
    }
    # Owned only when the plan carries the key: ipPhone (the extension, issue #26) on a site with a PBX, else left as it
    # is. A leaver's planned ipPhone is '' (their quarantined extension rings nobody): cleared when disabled.
    # homeDirectory and homeDrive (the account's folder on the home share, billu:fileserver.homeShare/homeDrive) only with
    # a home share, and only for present people: a leaver's are kept, as their folder is.
    $optionalAttrs = @('ipPhone', 'homeDirectory', 'homeDrive')
    $privilegedGroups = @(if ($plan.PSObject.Properties['privilegedGroups']) { $plan.privilegedGroups })

    # The differences (check mode reports them; apply mode writes them). Phone numbers are secret inputs: named, not shown.
    $drift = [System.Collections.Generic.List[object]]::new()
    function Add-Drift($Object, [string]$Attribute, $Planned, $Live, [switch]$Privileged) {
        if ($Attribute -in 'telephoneNumber', 'mobile') {
            $Planned = if ($Planned) { '[secret]' } else { '' }
            $Live = if ($Live) { '[secret]' } else { '' }
        }
        $drift.Add([pscustomobject]@{ object = [string]$Object; attribute = $Attribute; planned = $Planned; live = $Live; privileged = [bool]$Privileged })
    }
    # A write, skipped in check mode.
    function Invoke-Write([scriptblock]$Do) { if (-not $Check) { . $Do } }

    # --- the current state, read once --------------------------------------------------------------------------
    $ous = @{}
    Get-ADOrganizationalUnit -Filter * -SearchBase $plan.domainDn -Properties description |
        ForEach-Object { $ous[(ConvertTo-BilluDnKey $_.DistinguishedName)] = $_ }
    $groups = @{}
    Get-ADGroup -Filter * -Properties description, member | ForEach-Object { $groups[$_.SamAccountName.ToLowerInvariant()] = $_ }
    $users = @{}
    Get-ADUser -Filter * -Properties (@($userAttrs.Keys) + @('manager', 'memberOf', 'Enabled', 'logonHours')) |
        ForEach-Object { $users[$_.SamAccountName.ToLowerInvariant()] = $_ }
    $computers = @{}
    Get-ADComputer -Filter * -Properties description, managedBy, Enabled | ForEach-Object { $computers[$_.SamAccountName.ToLowerInvariant()] = $_ }
    # Who a DN names, so links and memberships compare by account, not by DN text.
    $samOfDn = @{}
    $nameOfDn = @{}
    foreach ($table in @($users, $groups, $computers)) {
        foreach ($o in $table.Values) {
            $samOfDn[(ConvertTo-BilluDnKey $o.DistinguishedName)] = $o.SamAccountName.ToLowerInvariant()
            $nameOfDn[(ConvertTo-BilluDnKey $o.DistinguishedName)] = $o.SamAccountName
        }
    }
    function Get-LinkedName([string]$Dn) { if (-not $Dn) { return '' }; $n = $nameOfDn[(ConvertTo-BilluDnKey $Dn)]; if ($n) { $n } else { $Dn } }

    # --- refusals: checked before anything is written -----------------------------------------------------------
    $refusals = New-Object System.Collections.Generic.List[string]
    foreach ($g in $plan.groups) {
        $cur = $groups[$g.sam.ToLowerInvariant()]
        if ($cur -and -not (Test-BilluUnder $cur.DistinguishedName $root)) { $refusals.Add("group $($g.sam) exists outside $root ($($cur.DistinguishedName))") }
    }
    foreach ($u in $plan.users) {
        $cur = $users[$u.sam.ToLowerInvariant()]
        if ($cur -and -not (Test-BilluUnder $cur.DistinguishedName $root)) { $refusals.Add("account $($u.sam) exists outside $root ($($cur.DistinguishedName))") }
        if (-not $cur -and $u.enabled -and -not $Check -and $u.PSObject.Properties['password']) {
            try { $null = Get-BilluSecret $u.password } catch { $refusals.Add("no initial password (secret $($u.password)) for the new account $($u.sam)") }
        }
        foreach ($g in @($u.extraGroups | Where-Object { $_ })) {
            if (-not $groups[$g.ToLowerInvariant()]) { $refusals.Add("the group $g of $($u.sam) does not exist (the DC's domain step creates it: run it first)") }
        }
    }
    foreach ($c in $plan.computers) {
        $cur = $computers[$c.sam.ToLowerInvariant()]
        if ($cur -and -not (Test-BilluUnder $cur.DistinguishedName $root)) {
            $refusals.Add("computer $($c.sam) exists at $($cur.DistinguishedName), outside ${root}: the directory adopts only computer accounts it created " +
                "(a machine that joined the domain by itself is never taken over); rename the export's `"Nom de PC`", or move the account into $root by hand if it really is this person's")
        }
    }
    # A privileged group or a planned member not found by name (a DC installed in another language names them
    # otherwise: "Admins du domaine", "Administrateur") is reported, never repaired: removing "extra" members of a group
    # whose planned members cannot be named could lock every admin out. It blocks nothing else.
    $unresolved = @{}
    foreach ($pg in $privilegedGroups) {
        foreach ($m in @($pg.members)) {
            if (-not ($users[$m.ToLowerInvariant()] -or $groups[$m.ToLowerInvariant()])) { $unresolved[$pg.sam.ToLowerInvariant()] = $true }
        }
    }
    # New people (no password in the plan): their passwords are generated here and reach IT only through the sheet.
    $onboarding = if ($plan.PSObject.Properties['onboarding']) { $plan.onboarding } else { $null }
    $newPeople = @($plan.users | Where-Object { $_.enabled -and -not $users[$_.sam.ToLowerInvariant()] -and -not $_.PSObject.Properties['password'] })
    if ($newPeople.Count -gt 0 -and -not $onboarding) {
        $refusals.Add("$($newPeople.Count) new account(s) but the plan has no onboarding key: their initial passwords would reach no one " +
            '(the plan is rendered by synth with billu:directory.onboarding: re-run the directory step)')
    }
    if ($refusals.Count -gt 0 -and -not $Check) {
        foreach ($r in $refusals) { [Console]::Error.WriteLine("directory: refused: $r") }
        throw "directory: nothing written ($($refusals.Count) refusal(s))"
    }
    # Opened before the first person is created (the groups, the readers' among them, exist by then): if the folder, its
    # ACL, the share or the sheet fail, no person gets a password nobody will read.
    $sheet = $null

    $script:BilluDirectoryChanges = 0
    function Write-Change([string]$What) { $script:BilluDirectoryChanges++; Write-Output "directory: $What" }

    # --- OUs, parents first ------------------------------------------------------------------------------------
    foreach ($ou in $plan.ous) {
        $cur = $ous[(ConvertTo-BilluDnKey $ou.dn)]
        if (-not $cur) {
            Add-Drift $ou.dn 'exists' 'present' 'absent'
            Invoke-Write {
                New-ADOrganizationalUnit -Name $ou.name -Path (Split-BilluDn $ou.dn)[1] -Description $ou.description -ProtectedFromAccidentalDeletion $true
                Write-Change "add $($ou.dn)"
            }
        } elseif ([string]$cur.description -cne $ou.description) {
            Add-Drift $ou.dn 'description' $ou.description ([string]$cur.description)
            Invoke-Write {
                Set-ADOrganizationalUnit -Identity $cur.ObjectGUID -Description $ou.description
                Write-Change "modify $($ou.dn) description"
            }
        }
    }

    # --- groups ------------------------------------------------------------------------------------------------
    foreach ($g in $plan.groups) {
        $cur = $groups[$g.sam.ToLowerInvariant()]
        $parent = (Split-BilluDn $g.dn)[1]
        if (-not $cur) {
            Add-Drift $g.sam 'exists' 'present' 'absent'
            Invoke-Write {
                New-ADGroup -Name $g.sam -SamAccountName $g.sam -GroupScope Global -GroupCategory Security -Path $parent -Description $g.description
                Write-Change "add $($g.dn)"
            }
            continue
        }
        if (-not (Test-BilluSameDn $cur.DistinguishedName $g.dn)) {
            Add-Drift $g.sam 'dn' $g.dn $cur.DistinguishedName
            Invoke-Write {
                Move-ADObject -Identity $cur.ObjectGUID -TargetPath $parent
                Write-Change "move $($g.sam) to $parent"
            }
        }
        if ([string]$cur.description -cne $g.description) {
            Add-Drift $g.sam 'description' $g.description ([string]$cur.description)
            Invoke-Write {
                Set-ADGroup -Identity $cur.ObjectGUID -Description $g.description
                Write-Change "modify $($g.sam) description"
            }
        }
    }

    # --- accounts ----------------------------------------------------------------------------------------------
    $userDn = @{}
    foreach ($u in $plan.users) {
        $sam = $u.sam.ToLowerInvariant()
        $cur = $users[$sam]
        $rdnParent = Split-BilluDn $u.dn
        if (-not $cur) {
            if (-not $u.enabled) { continue } # left before it was ever created: nothing to keep
            Add-Drift $u.sam 'exists' 'present' 'absent'
            $userDn[$sam] = $u.dn
            if ($Check) { continue }
            $other = @{}
            foreach ($a in @('mail', 'title', 'department', 'company', 'telephoneNumber', 'mobile', 'ipPhone', 'homeDirectory', 'homeDrive')) {
                if ($u.PSObject.Properties[$userAttrs[$a]] -and $u.($userAttrs[$a])) { $other[$a] = $u.($userAttrs[$a]) }
            }
            # A service account: the stack's generated password; a person: generated here, for the sheet (issue #24).
            $generated = -not $u.PSObject.Properties['password']
            $initial = if ($generated) { New-BilluInitialPassword } else { Get-BilluSecret $u.password }
            if ($generated -and -not $sheet) {
                Initialize-BilluOnboarding $onboarding (Get-BilluReadersSid $onboarding.readers)
                $sheet = Open-BilluOnboardingSheet $onboarding.path (Get-Date)
            }
            $new = @{
                Name = $u.cn; SamAccountName = $u.sam; UserPrincipalName = $u.upn; Path = $rdnParent[1]
                DisplayName = $u.displayName; GivenName = $u.givenName; Surname = $u.sn
                AccountPassword = (ConvertTo-SecureString $initial -AsPlainText -Force)
                # The acceptance account (mustChangePassword false) keeps its generated password.
                ChangePasswordAtLogon = ($u.mustChangePassword -ne $false); Enabled = $true
            }
            # With the plan's logon hours (billu:directory.accountPolicy.logonHours): set at creation.
            if ($u.PSObject.Properties['logonHours'] -and $u.logonHours) { $other['logonHours'] = ConvertFrom-BilluHex $u.logonHours }
            if ($other.Count -gt 0) { $new.OtherAttributes = $other }
            New-ADUser @new
            Write-Change "add $($u.dn)"
            if ($generated) { Add-BilluOnboardingRow $sheet $u $initial }
            continue
        }
        $userDn[$sam] = $u.dn
        $curParent = (Split-BilluDn $cur.DistinguishedName)[1]
        $moved = -not (Test-BilluSameDn $curParent $rdnParent[1])
        if ($moved -or $cur.Name -cne $u.cn) { Add-Drift $u.sam 'dn' $u.dn $cur.DistinguishedName }
        if ($moved) {
            Invoke-Write {
                Move-ADObject -Identity $cur.ObjectGUID -TargetPath $rdnParent[1]
                Write-Change "move $($u.sam) to $($rdnParent[1])"
            }
        }
        if ($cur.Name -cne $u.cn) {
            Invoke-Write {
                Rename-ADObject -Identity $cur.ObjectGUID -NewName $u.cn
                Write-Change "rename $($u.sam) to $($u.cn)"
            }
        }
        if ($u.enabled) {
            $replace = @{}
            $clear = @()
            foreach ($a in $userAttrs.Keys) {
                if ($a -in $optionalAttrs -and -not $u.PSObject.Properties[$userAttrs[$a]]) { continue }
                $want = [string]$u.($userAttrs[$a])
                if ($want -cne [string]$cur.$a) {
                    Add-Drift $u.sam $a $want ([string]$cur.$a)
                    if ($want -ne '') { $replace[$a] = $want } else { $clear += $a }
                }
            }
            # logonHours only when the plan has the key (a plan without logon hours leaves the attribute alone).
            if ($u.PSObject.Properties['logonHours'] -and (ConvertTo-BilluHex $cur.logonHours) -ne $u.logonHours) {
                Add-Drift $u.sam 'logonHours' $u.logonHours (ConvertTo-BilluHex $cur.logonHours)
                if ($u.logonHours) { $replace['logonHours'] = ConvertFrom-BilluHex $u.logonHours } else { $clear += 'logonHours' }
            }
            $set = @{ Identity = $cur.ObjectGUID }
            if ($replace.Count -gt 0) { $set.Replace = $replace }
            if ($clear.Count -gt 0) { $set.Clear = $clear }
            if ($set.Count -gt 1) {
                Invoke-Write {
                    Set-ADUser @set
                    Write-Change "modify $($u.sam): $((@($replace.Keys) + $clear) -join ', ')"
                }
            }
            if (-not $cur.Enabled) {
                Add-Drift $u.sam 'enabled' $true $false
                Invoke-Write {
                    Enable-ADAccount -Identity $cur.ObjectGUID
                    Write-Change "enable $($u.sam)"
                }
            }
        } else {
            # A leaver: only the optional attributes the plan carries ('' for ipPhone) are written, then the account disabled.
            $clear = @(foreach ($a in $optionalAttrs) {
                if ($u.PSObject.Properties[$userAttrs[$a]] -and [string]$u.($userAttrs[$a]) -cne [string]$cur.$a) {
                    Add-Drift $u.sam $a ([string]$u.($userAttrs[$a])) ([string]$cur.$a)
                    $a
                }
            })
            if ($clear.Count -gt 0) {
                Invoke-Write {
                    Set-ADUser -Identity $cur.ObjectGUID -Clear $clear
                    Write-Change "modify $($u.sam): $($clear -join ', ')"
                }
            }
        }
        if (-not $u.enabled -and $cur.Enabled) {
            Add-Drift $u.sam 'enabled' $false $true
            Invoke-Write {
                Disable-ADAccount -Identity $cur.ObjectGUID
                Write-Change "disable $($u.sam)"
            }
        }
    }

    # --- computers ---------------------------------------------------------------------------------------------
    foreach ($c in $plan.computers) {
        $cur = $computers[$c.sam.ToLowerInvariant()]
        $parent = (Split-BilluDn $c.dn)[1]
        $owner = $userDn[$c.owner.ToLowerInvariant()]
        if (-not $cur) {
            if (-not $c.enabled) { continue } # retired before it was ever created: nothing to keep
            Add-Drift $c.sam 'exists' 'present' 'absent'
            $new = @{ Name = $c.name; SamAccountName = $c.sam; Path = $parent; Enabled = $true }
            if ($c.description) { $new.Description = $c.description }
            if ($owner) { $new.ManagedBy = $owner }
            Invoke-Write {
                New-ADComputer @new
                Write-Change "add $($c.dn)"
            }
            continue
        }
        if (-not (Test-BilluSameDn $cur.DistinguishedName $c.dn)) {
            Add-Drift $c.sam 'dn' $c.dn $cur.DistinguishedName
            Invoke-Write {
                Move-ADObject -Identity $cur.ObjectGUID -TargetPath $parent
                Write-Change "move $($c.sam) to $parent"
            }
        }
        if ($c.enabled -and [string]$cur.description -cne $c.description) {
            Add-Drift $c.sam 'description' $c.description ([string]$cur.description)
            Invoke-Write {
                if ($c.description) { Set-ADComputer -Identity $cur.ObjectGUID -Description $c.description } else { Set-ADComputer -Identity $cur.ObjectGUID -Clear description }
                Write-Change "modify $($c.sam) description"
            }
        }
        if ($c.enabled -and -not $cur.Enabled) {
            Add-Drift $c.sam 'enabled' $true $false
            Invoke-Write {
                Enable-ADAccount -Identity $cur.ObjectGUID
                Write-Change "enable $($c.sam)"
            }
        } elseif (-not $c.enabled -and $cur.Enabled) {
            Add-Drift $c.sam 'enabled' $false $true
            Invoke-Write {
                Disable-ADAccount -Identity $cur.ObjectGUID
                Write-Change "disable $($c.sam)"
            }
        }
        $have = if ($cur.managedBy) { $samOfDn[(ConvertTo-BilluDnKey $cur.managedBy)] } else { '' }
        if ($owner -and $have -ne $c.owner.ToLowerInvariant()) {
            Add-Drift $c.sam 'managedBy' $c.owner (Get-LinkedName $cur.managedBy)
            Invoke-Write {
                Set-ADComputer -Identity $cur.ObjectGUID -ManagedBy $owner
                Write-Change "modify $($c.sam) managedBy"
            }
        }
    }

    # --- managers, by account ------------------------------------------------------------------------------------
    foreach ($u in $plan.users) {
        $sam = $u.sam.ToLowerInvariant()
        if (-not $u.enabled -or -not $userDn.ContainsKey($sam)) { continue }
        $cur = $users[$sam]
        $have = if ($cur -and $cur.manager) { $samOfDn[(ConvertTo-BilluDnKey $cur.manager)] } else { '' }
        $want = $u.manager.ToLowerInvariant()
        if ($want -ne $have) {
            if ($cur) { Add-Drift $u.sam 'manager' $u.manager (Get-LinkedName $cur.manager) }
            Invoke-Write {
                if ($want) { Set-ADUser -Identity $u.sam -Manager $userDn[$want] } else { Set-ADUser -Identity $u.sam -Clear manager }
                Write-Change "modify $($u.sam) manager"
            }
        }
    }

    # --- memberships: each account in exactly its planned staff groups; other members are left alone -----------
    $managed = @{}
    $spelled = @{}
    foreach ($g in $plan.groups) { $managed[(ConvertTo-BilluDnKey $g.dn)] = $g.sam.ToLowerInvariant(); $spelled[$g.sam.ToLowerInvariant()] = $g.sam }
    foreach ($g in $plan.groups) {
        $cur = $groups[$g.sam.ToLowerInvariant()]
        if ($cur) { $managed[(ConvertTo-BilluDnKey $cur.DistinguishedName)] = $g.sam.ToLowerInvariant() }
    }
    $adds = @{}
    $removes = @{}
    foreach ($u in $plan.users) {
        $sam = $u.sam.ToLowerInvariant()
        if (-not $userDn.ContainsKey($sam)) { continue }
        $want = @($u.groups | ForEach-Object { $_.ToLowerInvariant() })
        $have = @()
        if ($users[$sam]) { $have = @($users[$sam].memberOf | Where-Object { $_ } | ForEach-Object { $managed[(ConvertTo-BilluDnKey $_)] } | Where-Object { $_ }) }
        $missing = @($want | Where-Object { $have -notcontains $_ })
        $extra = @($have | Where-Object { $want -notcontains $_ })
        if ($users[$sam] -and ($missing.Count -gt 0 -or $extra.Count -gt 0)) {
            $byOrdinal = { param($list) $l = [System.Collections.Generic.List[string]]::new(); foreach ($x in $list) { $l.Add($spelled[$x]) }; $l.Sort([StringComparer]::Ordinal); , $l.ToArray() }
            Add-Drift $u.sam 'memberOf' (& $byOrdinal $want) (& $byOrdinal $have)
        }
        foreach ($g in $missing) { if (-not $adds[$g]) { $adds[$g] = @() }; $adds[$g] += $u.sam }
        foreach ($g in $extra) { if (-not $removes[$g]) { $removes[$g] = @() }; $removes[$g] += $u.sam }
    }
    foreach ($g in $plan.groups) {
        $key = $g.sam.ToLowerInvariant()
        if ($adds[$key]) {
            Invoke-Write {
                Add-ADGroupMember -Identity $g.sam -Members $adds[$key]
                Write-Change "add $($adds[$key].Count) member(s) to $($g.sam)"
            }
        }
        if ($removes[$key]) {
            Invoke-Write {
                Remove-ADGroupMember -Identity $g.sam -Members $removes[$key] -Confirm:$false
                Write-Change "remove $($removes[$key].Count) member(s) from $($g.sam)"
            }
        }
    }

    # Groups the plan does not manage (the domain step's SSH group): joined by name, never left.
    foreach ($u in $plan.users) {
        $sam = $u.sam.ToLowerInvariant()
        if (-not $userDn.ContainsKey($sam)) { continue }
        foreach ($g in @($u.extraGroups | Where-Object { $_ })) {
            if (-not $groups[$g.ToLowerInvariant()]) { Add-Drift $g 'exists' 'present' 'absent'; continue }
            $gdn = ConvertTo-BilluDnKey $groups[$g.ToLowerInvariant()].DistinguishedName
            $in = $users[$sam] -and @($users[$sam].memberOf | Where-Object { $_ -and (ConvertTo-BilluDnKey $_) -eq $gdn }).Count -gt 0
            if (-not $in) {
                Add-Drift $u.sam "memberOf $g" 'member' 'not a member'
                Invoke-Write {
                    Add-ADGroupMember -Identity $g -Members $u.sam
                    Write-Change "add $($u.sam) to $g"
                }
            }
        }
    }

    # --- privileged groups (Domain Admins, ...): exactly their planned members, no tolerance (issue #27) ---------
    foreach ($pg in $privilegedGroups) {
        $cur = $groups[$pg.sam.ToLowerInvariant()]
        if (-not $cur) { Add-Drift $pg.sam 'exists' 'present' 'absent' -Privileged; continue }
        $live = [ordered]@{}
        foreach ($dn in @($cur.member | Where-Object { $_ })) {
            $k = ConvertTo-BilluDnKey $dn
            $s = $samOfDn[$k]; if (-not $s) { $s = $k }
            $live[$s] = $dn
        }
        $want = @{}
        foreach ($m in @($pg.members)) { $want[$m.ToLowerInvariant()] = $m }
        $missing = @($want.Keys | Where-Object { -not $live.Contains($_) })
        $extra = @($live.Keys | Where-Object { -not $want.ContainsKey($_) })
        if ($missing.Count -eq 0 -and $extra.Count -eq 0) { continue }
        Add-Drift $pg.sam 'member' (Get-BilluSortedNames $want.Values) (Get-BilluSortedNames @($live.Values | ForEach-Object { Get-LinkedName $_ })) -Privileged
        if ($unresolved[$pg.sam.ToLowerInvariant()]) {
            if (-not $Check) { Write-Output "directory: $($pg.sam) not changed: a planned member has no account by that name (a DC in another language?); its members are only reported" }
            continue
        }
        if ($missing.Count -gt 0) {
            Invoke-Write {
                Add-ADGroupMember -Identity $cur.ObjectGUID -Members @($missing | ForEach-Object { $want[$_] })
                Write-Change "add $($missing.Count) member(s) to $($pg.sam)"
            }
        }
        if ($extra.Count -gt 0) {
            Invoke-Write {
                Remove-ADGroupMember -Identity $cur.ObjectGUID -Members @($extra | ForEach-Object { $live[$_] }) -Confirm:$false
                Write-Change "remove $($extra.Count) member(s) from $($pg.sam)"
            }
        }
    }

    $seconds = [math]::Round(((Get-Date) - $started).TotalSeconds, 2)
    $planned = "$(@($plan.ous).Count) OUs, $(@($plan.groups).Count) groups, $(@($plan.users).Count) accounts, $(@($plan.computers).Count) computers"
    if ($Check) {
        $sorted = Get-BilluSortedDrift $drift
        foreach ($d in $sorted) { Write-Output (Format-BilluDrift $d) }
        $privileged = @($sorted | Where-Object { $_.privileged }).Count
        if ($ResultPath) { Write-BilluDriftResult -Path $ResultPath -Drift $sorted }
        $verdict = if ($sorted.Count -eq 0) { 'in sync' } else { "$($sorted.Count) difference(s), $privileged in privileged groups" }
        Write-Output "directory check: $verdict (planned: $planned, $(@($privilegedGroups).Count) privileged groups) in $seconds s, nothing written"
        $script:BilluDriftExit = if ($sorted.Count -eq 0) { 0 } else { 1 }
        return
    }
    if ($sheet) {
        $sheet.Writer.Dispose()
        # Never a password: the sheet's name, how many rows, who reads it.
        Write-Output "onboarding: $($sheet.Path) written for $($sheet.Rows) new account(s), readable by $($onboarding.readers) only (share $($onboarding.share))"
    }
    if ($onboarding) {
        $gone = Remove-BilluExpiredSheets $onboarding.path $onboarding.retentionDays (Get-Date)
        if ($gone -gt 0) { Write-Output "onboarding: $gone sheet(s) older than $($onboarding.retentionDays) days deleted" }
    }
    if ($script:BilluDirectoryChanges -eq 0) {
        Write-Output "directory: nothing to write (planned: $planned) in $seconds s"
    } else {
        Write-Output "directory: $($script:BilluDirectoryChanges) change(s) written in $seconds s"
    }
}

# The check's verdict for monitoring, the same document as apply_samba.py --result, replaced atomically.
function Write-BilluDriftResult([string]$Path, $Drift) {
    $doc = [ordered]@{
        checkedAt = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', [Globalization.CultureInfo]::InvariantCulture)
        differences = @($Drift | ForEach-Object { [ordered]@{ attribute = $_.attribute; live = $_.live; object = $_.object; planned = $_.planned; privileged = $_.privileged } })
        drift = @($Drift).Count
        inSync = (@($Drift).Count -eq 0)
        privilegedDrift = @($Drift | Where-Object { $_.privileged }).Count
        version = 1
    }
    $tmp = "$Path.tmp"
    [IO.File]::WriteAllText($tmp, (ConvertTo-Json $doc -Depth 5), [Text.UTF8Encoding]::new($false))
    Move-Item -LiteralPath $tmp -Destination $Path -Force
}

# The check as a command (the scheduled task's): exit 0 in sync, 1 drift, 2 bad input (a plan it cannot read), 3 the
# directory could not be read. Dot-sourced without -Check (the guest step), this file only defines its functions.
function Invoke-BilluDirectoryCheck {
    param([Parameter(Mandatory = $true)][string]$PlanPath, [string]$ResultPath)
    $fix = 'the plan is rendered by synth (components/directory): re-run the directory step, or restore the file'
    try {
        $text = [IO.File]::ReadAllText($PlanPath, [Text.Encoding]::UTF8)
    } catch {
        $why = if ($_.Exception.InnerException) { $_.Exception.InnerException.Message } else { $_.Exception.Message }
        [Console]::Error.WriteLine("directory check: bad input: ${PlanPath}: cannot be read (${why}): $fix")
        return 2
    }
    try { $plan = $text | ConvertFrom-Json -ErrorAction Stop } catch {
        [Console]::Error.WriteLine("directory check: bad input: ${PlanPath}: not JSON ($($_.Exception.Message)): $fix")
        return 2
    }
    $problems = [System.Collections.Generic.List[string]]::new()
    foreach ($key in 'domainDn', 'rootDn') { if ($plan.$key -isnot [string]) { $problems.Add("$key is $(ConvertTo-Json $plan.$key -Compress), not a DN") } }
    $shape = [ordered]@{
        ous = @('dn', 'description'); groups = @('sam', 'dn', 'description'); users = @('sam', 'dn', 'enabled', 'groups')
        computers = @('sam', 'dn', 'enabled', 'owner'); privilegedGroups = @('sam', 'members')
    }
    foreach ($key in $shape.Keys) {
        if (-not $plan.PSObject.Properties[$key]) { if ($key -ne 'privilegedGroups') { $problems.Add("$key is null, not a list") }; continue }
        $items = $plan.$key
        if ($null -ne $items -and $items -isnot [array]) { $problems.Add("$key is $(ConvertTo-Json $items -Compress), not a list"); continue }
        $n = 0
        foreach ($item in @($items)) {
            foreach ($k in $shape[$key]) {
                $v = $item.$k
                $ok = switch ($k) { 'enabled' { $v -is [bool] } { $_ -in 'groups', 'members' } { $v -is [array] } default { $v -is [string] } }
                $type = @{ enabled = 'bool'; groups = 'list'; members = 'list' }[$k]
                if (-not $type) { $type = 'str' }
                if (-not $ok) { $problems.Add("$key[$n].$k is $(if ($null -eq $v) { 'null' } else { ConvertTo-Json $v -Compress }), not a $type") }
            }
            $n++
        }
    }
    if ($problems.Count -gt 0) {
        [Console]::Error.WriteLine("directory check: bad input: ${PlanPath}: $(@($problems | Select-Object -First 10) -join '; '): $fix")
        return 2
    }
    try {
        $lines = @(Invoke-BilluDirectory -PlanPath $PlanPath -Check -ResultPath $ResultPath)
    } catch {
        [Console]::Error.WriteLine("directory check: failed to read the directory: $($_.Exception.Message)")
        return 3
    }
    foreach ($l in $lines) { [Console]::Out.WriteLine($l) }
    return $script:BilluDriftExit
}

if ($Check) { exit (Invoke-BilluDirectoryCheck -PlanPath $PlanPath -ResultPath $ResultPath) }
