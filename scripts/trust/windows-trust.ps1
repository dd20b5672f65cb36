# Step `trust` on the domain's first DC (Windows): this domain's half of the forest trust with the partner, its
# validation, selective authentication and SID filtering as the model says, then the domain-local groups of the
# partner's grants. Idempotent: the trust is read first (.NET's Forest API: each side creates its own half with the
# shared password, so neither side needs the other's administrator).
# Data: $PARTNER_DOMAIN, $PARTNER_NETBIOS, $PARTNER_ADMIN_GROUP, $DIRECTION (Inbound, Outbound or Bidirectional: .NET's
# TrustDirection, seen from this forest), $SELECTIVE_AUTH and $SID_FILTERING ('true' or 'false'), $REQUIRE_VALID
# ('yes': an invalid trust fails the step), $GRANTS (file: `group<TAB>purpose` per line).
# Secret: trust-password.

# The trust with the partner, or $null when there is none (GetTrustRelationship throws ActiveDirectoryObjectNotFoundException,
# wrapped by PowerShell in a MethodInvocationException: the chain is searched by type name). Any other error stops the step.
function Get-BilluTrust([object]$Forest, [string]$Partner) {
    try { return $Forest.GetTrustRelationship($Partner) }
    catch {
        for ($e = $_.Exception; $e; $e = $e.InnerException) {
            if ($e.GetType().Name -eq 'ActiveDirectoryObjectNotFoundException') { return $null }
        }
        throw
    }
}

function Set-BilluTrust([object]$Forest, [string]$Partner, [string]$Direction, [string]$Password) {
    if (Get-BilluTrust $Forest $Partner) {
        Write-BilluLog "this half of the trust with $Partner exists"
        return
    }
    $Forest.CreateLocalSideOfTrustRelationship($Partner, [System.DirectoryServices.ActiveDirectory.TrustDirection]$Direction, $Password)
    Write-BilluLog "created this half of the trust with $Partner ($Direction)"
}

# Selective authentication and SID filtering on the trust, as the model says (set every run: a change in the config
# or by hand is put back).
function Set-BilluTrustOptions([object]$Forest, [string]$Partner, [bool]$Selective, [bool]$SidFiltering) {
    if ($Forest.GetSelectiveAuthenticationStatus($Partner) -ne $Selective) {
        $Forest.SetSelectiveAuthenticationStatus($Partner, $Selective)
        Write-BilluLog "selective authentication with $Partner set to $Selective"
    }
    if ($Forest.GetSidFilteringStatus($Partner) -ne $SidFiltering) {
        $Forest.SetSidFilteringStatus($Partner, $SidFiltering)
        Write-BilluLog "SID filtering with $Partner set to $SidFiltering"
    }
}

# Validation from this side (the outgoing half: this forest's secure channel to the partner's DC).
function Test-BilluTrust([object]$Forest, [string]$Partner) {
    try { $Forest.VerifyOutboundTrustRelationship($Partner); return $true }
    catch { Write-Warning "the trust with ${Partner} does not validate from this side: $($_.Exception.Message)"; return $false }
}

# A domain-local group per grant, whose one member is the partner's admin group.
function Set-BilluTrustGrants([string]$GrantsFile, [string]$Partner, [string]$AdminGroup, [bool]$Valid) {
    $member = $null
    if ($Valid) { $member = Get-ADGroup -Identity $AdminGroup -Server $Partner }
    foreach ($line in [IO.File]::ReadAllLines($GrantsFile)) {
        if ($line -eq '') { continue }
        $group, $purpose = $line -split "`t", 2
        if (-not (Get-ADGroup -Filter "Name -eq '$group'")) {
            New-ADGroup -Name $group -GroupScope DomainLocal -GroupCategory Security -Description $purpose
            Write-BilluLog "created the domain-local group $group"
        }
        if ($member -and -not (Get-ADGroupMember -Identity $group | Where-Object { $_.SID -eq $member.SID })) {
            Add-ADGroupMember -Identity $group -Members $member
            Write-BilluLog "added $Partner\$AdminGroup to $group"
        }
    }
}

if ($env:BILLU_TRUST_NO_MAIN -ne '1') {
    $forest = [System.DirectoryServices.ActiveDirectory.Forest]::GetCurrentForest()
    Set-BilluTrust $forest $PARTNER_DOMAIN $DIRECTION (Get-BilluSecret 'trust-password')
    Set-BilluTrustOptions $forest $PARTNER_DOMAIN ($SELECTIVE_AUTH -eq 'true') ($SID_FILTERING -eq 'true')
    $valid = Test-BilluTrust $forest $PARTNER_DOMAIN
    if (-not $valid -and $REQUIRE_VALID -eq 'yes') { throw "the trust with $PARTNER_DOMAIN does not validate from this side" }
    Set-BilluTrustGrants $GRANTS $PARTNER_DOMAIN $PARTNER_ADMIN_GROUP $valid
}
