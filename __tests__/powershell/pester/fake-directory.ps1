# A directory in memory, behind mocks of the ActiveDirectory cmdlets Apply-Directory.ps1 calls. The mocks read and
# update $script:Dir the way AD would: an object's DN is its RDN (built here from -Name, escaped as RFC 4514 says)
# under the DN its -Path / -TargetPath names, and that parent must exist (AD: "Directory object not found"), so a
# DN the applier splits wrongly fails the write instead of passing unseen. Lookups by -Identity accept an
# ObjectGUID, a sAMAccountName or a DN, as the AD cmdlets do. Links (manager, managedBy, members) are kept by object
# and reported with the target's current DN, as AD's linked attributes follow a move or a rename.

function ConvertTo-FakeRdnValue([string]$Value) {
    # RFC 4514 section 2.4 (as AD writes it): \ , + " < > ; = escaped, a leading # or space, a trailing space.
    # A replacement string, not a script block: a script block as the MatchEvaluator cost ~5 ms a call (1.6 s for dev's plan).
    $v = $Value -replace '[\\,+"<>;=]', '\$0'
    if ($v -match '^[ #]') { $v = '\' + $v }
    if ($v -match '(?<!\\) $') { $v = $v.Substring(0, $v.Length - 1) + '\ ' }
    return $v
}

function New-FakeDirectory([string]$DomainDn) {
    # Objects, and indexes by GUID, sAMAccountName and DN (the DN index is checked on use: a move changes a DN).
    $script:Dir = @{ Domain = $DomainDn; Objects = [System.Collections.Generic.List[object]]::new(); ByKey = @{} }
    # The containers a new domain has: its root, CN=Users and CN=Computers; and its built-in Administrator, the only
    # member of Domain Admins, Enterprise Admins and Schema Admins (the plan's privilegedGroups, issue #27).
    Add-FakeEntry (New-FakeEntry -Class container -Rdn $DomainDn -Parent '')
    foreach ($c in 'Users', 'Computers') { Add-FakeEntry (New-FakeEntry -Class container -Rdn "CN=$c" -Parent $DomainDn -Name $c) }
    $admin = Add-FakeObject -Class user -Name Administrator -Parent "CN=Users,$DomainDn" -Sam Administrator
    foreach ($g in 'Domain Admins', 'Enterprise Admins', 'Schema Admins') {
        (Add-FakeObject -Class group -Name $g -Parent "CN=Users,$DomainDn" -Sam $g).Members.Add($admin.Guid)
    }
}

function Add-FakeEntry($o) {
    $script:Dir.Objects.Add($o)
    $script:Dir.ByKey['guid:' + $o.Guid] = $o
    if ($o.Sam) { $script:Dir.ByKey['sam:' + $o.Sam.ToLowerInvariant()] = $o }
    $script:Dir.ByKey['dn:' + $o.Dn.ToLowerInvariant()] = $o
}

# An object keeps its RDN and its parent's DN apart (so this fake never has to split a DN); Dn joins them.
function New-FakeEntry {
    param([string]$Class, [string]$Rdn, [string]$Parent, [string]$Name, [string]$Sam, [string]$Description, [bool]$Enabled = $true, [hashtable]$Attributes = @{})
    $o = [pscustomobject]@{
        Class = $Class; Guid = [guid]::NewGuid(); Rdn = $Rdn; Parent = $Parent; Name = $Name; Sam = $Sam; Description = $Description
        Enabled = $Enabled; Attributes = $Attributes; Manager = $null; ManagedBy = $null; Members = [System.Collections.Generic.List[guid]]::new()
    }
    $o | Add-Member -MemberType ScriptProperty -Name Dn -Value { if ($this.Parent) { "$($this.Rdn),$($this.Parent)" } else { $this.Rdn } }
    return $o
}

function Add-FakeObject {
    param([string]$Class, [string]$Name, [string]$Parent, [string]$Sam, [string]$Description, [bool]$Enabled = $true,
        [hashtable]$Attributes = @{}, [string]$Rdn)
    if (-not (Find-FakeObject $Parent)) { throw "Directory object not found: $Parent" }
    $type = @{ ou = 'OU' }[$Class]; if (-not $type) { $type = 'CN' }
    if (-not $Rdn) { $Rdn = "$type=$(ConvertTo-FakeRdnValue $Name)" }
    $o = New-FakeEntry -Class $Class -Rdn $Rdn -Parent $Parent -Name $Name -Sam $Sam -Description $Description -Enabled $Enabled -Attributes $Attributes
    Add-FakeEntry $o
    return $o
}

function Find-FakeObject($Identity) {
    $id = ([string]$Identity).ToLowerInvariant()
    foreach ($k in "guid:$id", "sam:$id") { if ($script:Dir.ByKey.ContainsKey($k)) { return $script:Dir.ByKey[$k] } }
    $o = $script:Dir.ByKey["dn:$id"]
    if ($o -and $o.Dn -eq $id) { return $o }
    foreach ($o in $script:Dir.Objects) { if ($o.Dn -eq $id) { return $o } }
}

function Get-FakeObject($Identity) {
    $o = Find-FakeObject $Identity
    if (-not $o) { throw "Cannot find an object with identity: '$Identity'" }
    return $o
}

# What each Get-AD* cmdlet returns: the properties the applier reads. $DnOf and $MemberOf are Get-FakeOfClass's.
function ConvertTo-FakeAdObject($o) {
    $r = [ordered]@{ DistinguishedName = $DnOf[$o.Guid]; Name = $o.Name; ObjectGUID = $o.Guid; description = $o.Description }
    if ($o.Class -in 'user', 'group', 'computer') { $r.SamAccountName = $o.Sam }
    if ($o.Class -in 'user', 'computer') { $r.Enabled = $o.Enabled }
    if ($o.Class -eq 'user') {
        foreach ($k in $o.Attributes.Keys) { $r[$k] = $o.Attributes[$k] }
        $r.manager = if ($o.Manager) { Get-FakeDn $o.Manager } else { $null }
        $r.memberOf = @(if ($MemberOf.ContainsKey($o.Guid)) { $MemberOf[$o.Guid] })
    }
    if ($o.Class -eq 'group') { $r.member = @(foreach ($m in $o.Members) { Get-FakeDn $m }) }
    if ($o.Class -eq 'computer') { $r.managedBy = if ($o.ManagedBy) { Get-FakeDn $o.ManagedBy } else { $null } }
    return [pscustomobject]$r
}

# A linked object's current DN, from Get-FakeOfClass's table; one outside it is looked up (and fails) as before.
function Get-FakeDn($Guid) { if ($DnOf.ContainsKey($Guid)) { $DnOf[$Guid] } else { (Get-FakeObject $Guid).Dn } }

function Get-FakeOfClass([string]$Class) {
    # Every object's DN computed once per call, as the Dn property does, instead of once per read through that
    # ScriptProperty (a script block run each time) and a Get-FakeObject per link: the applier's four Get-AD* calls per
    # run convert every object of dev's plan (~450): the suite's 72 calls took 1.26 s of pwsh's CPU, 0.67 s now.
    $DnOf = @{}
    foreach ($o in $script:Dir.Objects) { $DnOf[$o.Guid] = if ($o.Parent) { "$($o.Rdn),$($o.Parent)" } else { $o.Rdn } }
    $MemberOf = @{}
    foreach ($g in $script:Dir.Objects) {
        if ($g.Class -ne 'group') { continue }
        foreach ($m in $g.Members) { if (-not $MemberOf[$m]) { $MemberOf[$m] = [System.Collections.Generic.List[string]]::new() }; $MemberOf[$m].Add($DnOf[$g.Guid]) }
    }
    foreach ($o in $script:Dir.Objects) { if ($o.Class -eq $Class) { ConvertTo-FakeAdObject $o } }
}

# The write cmdlets: a run that must write nothing asserts that none of them was called.
$script:WriteCmdlets = @(
    'New-ADOrganizationalUnit', 'Set-ADOrganizationalUnit', 'New-ADGroup', 'Set-ADGroup', 'New-ADUser', 'Set-ADUser', 'New-ADComputer',
    'Set-ADComputer', 'Move-ADObject', 'Rename-ADObject', 'Enable-ADAccount', 'Disable-ADAccount', 'Add-ADGroupMember', 'Remove-ADGroupMember'
)

# The fake's AD cmdlets, one body each: installed as Pester mocks (Use-FakeDirectory) or, for a block's set-up that
# applies whole plans and counts no call, as plain functions with the stubs' parameters (Use-FakeDirectory -SetUp).
$script:FakeAd = [ordered]@{
    'Get-ADOrganizationalUnit' = { Get-FakeOfClass 'ou' }
    'Get-ADGroup' = { Get-FakeOfClass 'group' }
    'Get-ADUser' = { Get-FakeOfClass 'user' }
    'Get-ADComputer' = { Get-FakeOfClass 'computer' }
    'New-ADOrganizationalUnit' = { $null = Add-FakeObject -Class ou -Name $Name -Parent $Path -Description $Description }
    'Set-ADOrganizationalUnit' = { (Get-FakeObject $Identity).Description = $Description }
    'New-ADGroup' = { $null = Add-FakeObject -Class group -Name $Name -Parent $Path -Sam $SamAccountName -Description $Description }
    'Set-ADGroup' = { (Get-FakeObject $Identity).Description = $Description }
    'New-ADUser' = {
        $attrs = @{ userPrincipalName = $UserPrincipalName; displayName = $DisplayName; givenName = $GivenName; sn = $Surname }
        if ($OtherAttributes) { foreach ($k in $OtherAttributes.Keys) { $attrs[$k] = $OtherAttributes[$k] } }
        $null = Add-FakeObject -Class user -Name $Name -Parent $Path -Sam $SamAccountName -Enabled ([bool]$Enabled) -Attributes $attrs
    }
    'Set-ADUser' = {
        $o = Get-FakeObject $Identity
        if ($Replace) { foreach ($k in $Replace.Keys) { $o.Attributes[$k] = $Replace[$k] } }
        foreach ($k in @($Clear)) { if ($k -eq 'manager') { $o.Manager = $null } elseif ($k) { $o.Attributes.Remove($k) } }
        if ($Manager) { $o.Manager = (Get-FakeObject $Manager).Guid }
    }
    'New-ADComputer' = {
        $o = Add-FakeObject -Class computer -Name $Name -Parent $Path -Sam $SamAccountName -Description $Description -Enabled ([bool]$Enabled)
        if ($ManagedBy) { $o.ManagedBy = (Get-FakeObject $ManagedBy).Guid }
    }
    'Set-ADComputer' = {
        $o = Get-FakeObject $Identity
        if ($PSBoundParameters.ContainsKey('Description')) { $o.Description = $Description }
        if ($Clear -contains 'description') { $o.Description = $null }
        if ($ManagedBy) { $o.ManagedBy = (Get-FakeObject $ManagedBy).Guid }
    }
    'Move-ADObject' = {
        $o = Get-FakeObject $Identity
        if (-not (Find-FakeObject $TargetPath)) { throw "Directory object not found: $TargetPath" }
        $o.Parent = $TargetPath
    }
    'Rename-ADObject' = {
        $o = Get-FakeObject $Identity
        $o.Rdn = "CN=$(ConvertTo-FakeRdnValue $NewName)"
        $o.Name = $NewName
    }
    'Enable-ADAccount' = { (Get-FakeObject $Identity).Enabled = $true }
    'Disable-ADAccount' = { (Get-FakeObject $Identity).Enabled = $false }
    'Add-ADGroupMember' = { $g = Get-FakeObject $Identity; foreach ($m in $Members) { $g.Members.Add((Get-FakeObject $m).Guid) } }
    'Remove-ADGroupMember' = { $g = Get-FakeObject $Identity; foreach ($m in $Members) { $null = $g.Members.Remove((Get-FakeObject $m).Guid) } }
}

# Runs <SetUp> with the fake AD cmdlets as plain functions: each stub's own text (stubs.ps1: its parameters, as the
# mocks bind them) with the fake's body in place of the Stub call, <Override> taking the place of some bodies; the
# stubs are put back after. A Pester mock call costs ~10 ms of CPU (its call history, its filters), and applying dev's
# plan to an empty directory makes ~700 AD calls: a set-up that no Should -Invoke reads needs none of that.
function Invoke-WithFakeAdFunctions([scriptblock]$SetUp, [hashtable]$Override = @{}) {
    $saved = @{}
    try {
        foreach ($c in $script:FakeAd.Keys) {
            $stub = (Get-Command $c -CommandType Function).ScriptBlock
            $saved[$c] = $stub
            $body = if ($Override.ContainsKey($c)) { $Override[$c] } else { $script:FakeAd[$c] }
            $text = $stub.ToString()
            if (-not $text.Contains('Stub $MyInvocation.MyCommand.Name')) { throw "fake-directory: the stub of $c has no Stub call to replace" }
            Set-Item "function:global:$c" ([scriptblock]::Create($text.Replace('Stub $MyInvocation.MyCommand.Name', $body.ToString())))
        }
        & $SetUp
    } finally {
        foreach ($c in $saved.Keys) { Set-Item "function:global:$c" $saved[$c] }
    }
}

# Installs the mocks (call it in a BeforeAll, BeforeEach or It: Pester scopes mocks to the block that defines them).
# With -SetUp, that script first runs with the other mocks installed and the AD cmdlets as plain functions
# (Invoke-WithFakeAdFunctions, <Override> replacing some of their bodies), then the AD mocks are installed (the fake's
# bodies, never the overrides): Pester's mock of a command takes precedence over its function, so they come last.
function Use-FakeDirectory([scriptblock]$SetUp, [hashtable]$Override = @{}) {
    Mock Import-Module {} -ParameterFilter { $Name -eq 'ActiveDirectory' }
    # The onboarding sheet's Windows-only side (issue #24, Apply-Directory.ps1): the readers' SID, the folder's ACL, the
    # share. The sheet itself is written for real, in the folder the test's plan names.
    if (Get-Command Get-BilluReadersSid -ErrorAction SilentlyContinue) {
        Mock Get-BilluReadersSid { 'S-1-5-21-1-2-3-1104' }
        Mock Set-BilluFolderSddl {}
        Mock Get-SmbShare { $null }
        Mock New-SmbShare {}
        Mock Get-ADDomain { [pscustomobject]@{ NetBIOSName = 'BILLU' } }
    }
    # An <Override> of a command outside the fake's AD cmdlets is a mock of its own, installed after those above.
    foreach ($c in $Override.Keys) { if (-not $script:FakeAd.Contains($c)) { Mock $c $Override[$c] } }
    if ($SetUp) { Invoke-WithFakeAdFunctions $SetUp $Override }
    foreach ($c in $script:FakeAd.Keys) { Mock $c $script:FakeAd[$c] }
}
