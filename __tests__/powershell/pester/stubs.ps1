# Stand-ins for the Windows-only modules (ActiveDirectory, DnsServer), cmdlets (Get-Acl) and programs (dsacls.exe), which do not exist
# on Linux: functions with the real cmdlets' parameter names (those the scripts use), so that Pester can Mock them
# and check the arguments each call binds. Every stub throws: a call that no test mocked is a failure, never a no-op.
function Stub([string]$Name) { throw "$Name was called but not mocked (stubs.ps1)" }

# ActiveDirectory
function global:Get-ADOrganizationalUnit { [CmdletBinding()] param($Filter, $SearchBase, $Properties, $Identity, $Server) Stub $MyInvocation.MyCommand.Name }
function global:New-ADOrganizationalUnit { [CmdletBinding()] param($Name, $Path, $Description, $ProtectedFromAccidentalDeletion) Stub $MyInvocation.MyCommand.Name }
function global:Set-ADOrganizationalUnit { [CmdletBinding()] param($Identity, $Description) Stub $MyInvocation.MyCommand.Name }
function global:Get-ADGroup { [CmdletBinding()] param($Filter, $SearchBase, $Properties, $Identity, $Server) Stub $MyInvocation.MyCommand.Name }
function global:New-ADGroup { [CmdletBinding()] param($Name, $SamAccountName, $GroupScope, $GroupCategory, $Path, $Description) Stub $MyInvocation.MyCommand.Name }
function global:Set-ADGroup { [CmdletBinding()] param($Identity, $Description) Stub $MyInvocation.MyCommand.Name }
function global:Get-ADUser { [CmdletBinding()] param($Filter, $SearchBase, $Properties, $Identity, $Server) Stub $MyInvocation.MyCommand.Name }
function global:New-ADUser {
    [CmdletBinding()] param($Name, $SamAccountName, $UserPrincipalName, $Path, $DisplayName, $GivenName, $Surname, $Description,
        $AccountPassword, $ChangePasswordAtLogon, $PasswordNeverExpires, $Enabled, $OtherAttributes)
    Stub $MyInvocation.MyCommand.Name
}
function global:Set-ADUser { [CmdletBinding()] param($Identity, $Replace, $Clear, $Manager) Stub $MyInvocation.MyCommand.Name }
function global:Get-ADComputer { [CmdletBinding()] param($Filter, $SearchBase, $Properties, $Identity, $Server) Stub $MyInvocation.MyCommand.Name }
function global:New-ADComputer { [CmdletBinding()] param($Name, $SamAccountName, $Path, $Enabled, $Description, $ManagedBy) Stub $MyInvocation.MyCommand.Name }
function global:Set-ADComputer { [CmdletBinding()] param($Identity, $Description, $Clear, $ManagedBy) Stub $MyInvocation.MyCommand.Name }
function global:Move-ADObject { [CmdletBinding()] param($Identity, $TargetPath) Stub $MyInvocation.MyCommand.Name }
function global:Rename-ADObject { [CmdletBinding()] param($Identity, $NewName) Stub $MyInvocation.MyCommand.Name }
function global:Enable-ADAccount { [CmdletBinding()] param($Identity) Stub $MyInvocation.MyCommand.Name }
function global:Disable-ADAccount { [CmdletBinding()] param($Identity) Stub $MyInvocation.MyCommand.Name }
function global:Add-ADGroupMember { [CmdletBinding()] param($Identity, $Members) Stub $MyInvocation.MyCommand.Name }
function global:Remove-ADGroupMember { [CmdletBinding(SupportsShouldProcess)] param($Identity, $Members) Stub $MyInvocation.MyCommand.Name }
function global:Get-ADReplicationSubnet { [CmdletBinding()] param($Filter, $Identity) Stub $MyInvocation.MyCommand.Name }
function global:New-ADReplicationSubnet { [CmdletBinding()] param($Name, $Site) Stub $MyInvocation.MyCommand.Name }

# DnsServer
function global:Get-DnsServerZone { [CmdletBinding()] param($Name) Stub $MyInvocation.MyCommand.Name }
function global:Add-DnsServerPrimaryZone { [CmdletBinding()] param($Name, $NetworkId, $ReplicationScope) Stub $MyInvocation.MyCommand.Name }
function global:Add-DnsServerConditionalForwarderZone { [CmdletBinding()] param($Name, $MasterServers, $ReplicationScope) Stub $MyInvocation.MyCommand.Name }
function global:Set-DnsServerConditionalForwarderZone { [CmdletBinding()] param($Name, $MasterServers) Stub $MyInvocation.MyCommand.Name }
function global:Get-DnsServerResourceRecord { [CmdletBinding()] param($ZoneName, $Name, $RRType) Stub $MyInvocation.MyCommand.Name }
function global:Add-DnsServerResourceRecordA { [CmdletBinding()] param($ZoneName, $Name, $IPv4Address) Stub $MyInvocation.MyCommand.Name }
function global:Add-DnsServerResourceRecordPtr { [CmdletBinding()] param($ZoneName, $Name, $PtrDomainName) Stub $MyInvocation.MyCommand.Name }
function global:Add-DnsServerResourceRecordMX { [CmdletBinding()] param($ZoneName, $Name, $MailExchange, $Preference) Stub $MyInvocation.MyCommand.Name }
function global:Remove-DnsServerResourceRecord {
    [CmdletBinding()] param($ZoneName, [Parameter(ValueFromPipeline = $true)]$InputObject, [switch]$Force)
    process { Stub $MyInvocation.MyCommand.Name }
}

# Microsoft.PowerShell.Security's Get-Acl, Windows-only in PowerShell 7 (the step reads an AD: drive path)
function global:Get-Acl { [CmdletBinding()] param($Path) Stub $MyInvocation.MyCommand.Name }

# Programs
function global:dsacls.exe { Stub $MyInvocation.MyCommand.Name }
