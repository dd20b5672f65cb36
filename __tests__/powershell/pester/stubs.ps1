# Stand-ins for the Windows-only modules (ActiveDirectory, DnsServer, Storage, SmbShare, ADDSDeployment, ...), cmdlets
# (Get-Acl, Set-Acl, Get-CimInstance) and programs (dsacls.exe, shutdown.exe), which do not exist
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
function global:Set-ADAccountPassword { [CmdletBinding()] param($Identity, [switch]$Reset, $NewPassword) Stub $MyInvocation.MyCommand.Name }
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
function global:Get-ADGroupMember { [CmdletBinding()] param($Identity) Stub $MyInvocation.MyCommand.Name }
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
function global:Add-DnsServerResourceRecord { [CmdletBinding()] param($ZoneName, $Name, [switch]$Txt, $DescriptiveText) Stub $MyInvocation.MyCommand.Name }
function global:Remove-DnsServerResourceRecord {
    [CmdletBinding()] param($ZoneName, [Parameter(ValueFromPipeline = $true)]$InputObject, [switch]$Force)
    process { Stub $MyInvocation.MyCommand.Name }
}

# Microsoft.PowerShell.Security's Get-Acl, Windows-only in PowerShell 7 (the step reads an AD: drive path)
function global:Get-Acl { [CmdletBinding()] param($Path, $LiteralPath) Stub $MyInvocation.MyCommand.Name }
function global:Set-Acl { [CmdletBinding()] param($Path, $LiteralPath, $AclObject) Stub $MyInvocation.MyCommand.Name }

# Storage
function global:Get-StoragePool { [CmdletBinding()] param($FriendlyName) Stub $MyInvocation.MyCommand.Name }
function global:Get-PhysicalDisk { [CmdletBinding()] param($CanPool) Stub $MyInvocation.MyCommand.Name }
function global:Get-StorageSubSystem { [CmdletBinding()] param() Stub $MyInvocation.MyCommand.Name }
function global:New-StoragePool { [CmdletBinding()] param($FriendlyName, $StorageSubSystemFriendlyName, $PhysicalDisks) Stub $MyInvocation.MyCommand.Name }
function global:Get-VirtualDisk { [CmdletBinding()] param($FriendlyName) Stub $MyInvocation.MyCommand.Name }
function global:New-VirtualDisk {
    [CmdletBinding()] param($StoragePoolFriendlyName, $FriendlyName, $ResiliencySettingName, $NumberOfDataCopies, $ProvisioningType, [switch]$UseMaximumSize)
    Stub $MyInvocation.MyCommand.Name
}
function global:Get-Disk { [CmdletBinding()] param([Parameter(ValueFromPipeline = $true)]$VirtualDisk, $Number) process { Stub $MyInvocation.MyCommand.Name } }
function global:Initialize-Disk { [CmdletBinding()] param($Number, $PartitionStyle) Stub $MyInvocation.MyCommand.Name }
function global:New-Partition { [CmdletBinding()] param($DiskNumber, [switch]$UseMaximumSize, $DriveLetter) Stub $MyInvocation.MyCommand.Name }
function global:Format-Volume {
    [CmdletBinding(SupportsShouldProcess)] param([Parameter(ValueFromPipeline = $true)]$Partition, $FileSystem, $NewFileSystemLabel)
    process { Stub $MyInvocation.MyCommand.Name }
}
function global:Get-Volume { [CmdletBinding()] param($DriveLetter) Stub $MyInvocation.MyCommand.Name }

# SmbShare
function global:Get-SmbShare { [CmdletBinding()] param($Name) Stub $MyInvocation.MyCommand.Name }
function global:New-SmbShare {
    [CmdletBinding()] param($Name, $Path, $Description, $FullAccess, $ChangeAccess, $ReadAccess, $FolderEnumerationMode, $EncryptData)
    Stub $MyInvocation.MyCommand.Name
}
function global:Set-SmbShare { [CmdletBinding()] param($Name, $FolderEnumerationMode, [switch]$Force) Stub $MyInvocation.MyCommand.Name }
function global:Get-SmbShareAccess { [CmdletBinding()] param($Name) Stub $MyInvocation.MyCommand.Name }
function global:Grant-SmbShareAccess { [CmdletBinding()] param($Name, $AccountName, $AccessRight, [switch]$Force) Stub $MyInvocation.MyCommand.Name }
function global:Revoke-SmbShareAccess { [CmdletBinding()] param($Name, $AccountName, [switch]$Force) Stub $MyInvocation.MyCommand.Name }

# ADDSDeployment, ServerManager, CIM, NetAdapter, DnsClient, LocalAccounts (the `dc` step)
function global:Get-CimInstance { [CmdletBinding()] param($ClassName) Stub $MyInvocation.MyCommand.Name }
function global:Get-WindowsFeature { [CmdletBinding()] param($Name) Stub $MyInvocation.MyCommand.Name }
function global:Install-WindowsFeature { [CmdletBinding()] param($Name, [switch]$IncludeManagementTools) Stub $MyInvocation.MyCommand.Name }
function global:Get-NetAdapter { [CmdletBinding()] param() Stub $MyInvocation.MyCommand.Name }
function global:Get-DnsClientServerAddress { [CmdletBinding()] param($InterfaceIndex, $AddressFamily) Stub $MyInvocation.MyCommand.Name }
function global:Set-DnsClientServerAddress { [CmdletBinding()] param($InterfaceIndex, $ServerAddresses) Stub $MyInvocation.MyCommand.Name }
function global:Set-LocalUser { [CmdletBinding()] param($Name, $Password) Stub $MyInvocation.MyCommand.Name }
function global:Install-ADDSForest {
    [CmdletBinding()] param($DomainName, $DomainNetbiosName, $ForestMode, $DomainMode, [switch]$InstallDns, $SafeModeAdministratorPassword,
        [switch]$NoRebootOnCompletion, [switch]$Force)
    Stub $MyInvocation.MyCommand.Name
}
function global:Install-ADDSDomainController {
    [CmdletBinding()] param($DomainName, $Credential, $SiteName, $ReplicationSourceDC, [switch]$InstallDns, $SafeModeAdministratorPassword,
        [switch]$NoRebootOnCompletion, [switch]$Force)
    Stub $MyInvocation.MyCommand.Name
}

# ActiveDirectory (the `fsmo` step)
function global:Get-ADDomain { [CmdletBinding()] param($Server) Stub $MyInvocation.MyCommand.Name }
function global:Get-ADForest { [CmdletBinding()] param($Server) Stub $MyInvocation.MyCommand.Name }
function global:Move-ADDirectoryServerOperationMasterRole {
    [CmdletBinding(SupportsShouldProcess)] param($Identity, $OperationMasterRole)
    Stub $MyInvocation.MyCommand.Name
}

# Programs
function global:dsacls.exe { Stub $MyInvocation.MyCommand.Name }
function global:shutdown.exe { Stub $MyInvocation.MyCommand.Name }
function global:certutil.exe { Stub $MyInvocation.MyCommand.Name }
# The Windows client's `client-join` and `client-rsop` steps (Microsoft.PowerShell.Management's Add-Computer, Group Policy's programs)
function global:Add-Computer { [CmdletBinding()] param($DomainName, $OUPath, $Credential, $NewName, [switch]$Force, [switch]$Restart) Stub $MyInvocation.MyCommand.Name }
function global:gpupdate.exe { Stub $MyInvocation.MyCommand.Name }
function global:gpresult.exe { Stub $MyInvocation.MyCommand.Name }

# The `ready` step: service control (Windows-only in PowerShell 7), NetTCPIP's Test-NetConnection, DnsServer's
# forwarders, ActiveDirectory's replication sites, and w32tm.exe
function global:Get-Service { [CmdletBinding()] param($Name) Stub $MyInvocation.MyCommand.Name }
function global:Restart-Service { [CmdletBinding()] param($Name) Stub $MyInvocation.MyCommand.Name }
function global:Test-NetConnection { [CmdletBinding()] param($ComputerName, $Port, $InformationLevel) Stub $MyInvocation.MyCommand.Name }
function global:Get-DnsServerForwarder { [CmdletBinding()] param() Stub $MyInvocation.MyCommand.Name }
function global:Set-DnsServerForwarder { [CmdletBinding()] param($IPAddress) Stub $MyInvocation.MyCommand.Name }
function global:Get-ADReplicationSite { [CmdletBinding()] param($Filter, $Identity) Stub $MyInvocation.MyCommand.Name }
function global:w32tm { Stub $MyInvocation.MyCommand.Name }
# ActiveDirectory: the password policy (scripts/directory/Apply-PasswordPolicy.ps1)
function global:Get-ADDomain { [CmdletBinding()] param($Identity, $Server) Stub $MyInvocation.MyCommand.Name }
function global:Get-ADDefaultDomainPasswordPolicy { [CmdletBinding()] param($Identity, $Server) Stub $MyInvocation.MyCommand.Name }
function global:Set-ADDefaultDomainPasswordPolicy {
    [CmdletBinding()] param($Identity, $MinPasswordLength, $ComplexityEnabled, $PasswordHistoryCount, $MaxPasswordAge, $MinPasswordAge,
        $LockoutThreshold, $LockoutDuration, $LockoutObservationWindow)
    Stub $MyInvocation.MyCommand.Name
}
function global:Get-ADFineGrainedPasswordPolicy { [CmdletBinding()] param($Filter, $Identity, $Server) Stub $MyInvocation.MyCommand.Name }
function global:New-ADFineGrainedPasswordPolicy {
    [CmdletBinding()] param($Name, $Precedence, $MinPasswordLength, $ComplexityEnabled, $PasswordHistoryCount, $MaxPasswordAge, $MinPasswordAge,
        $LockoutThreshold, $LockoutDuration, $LockoutObservationWindow, $ReversibleEncryptionEnabled)
    Stub $MyInvocation.MyCommand.Name
}
function global:Set-ADFineGrainedPasswordPolicy {
    [CmdletBinding()] param($Identity, $Precedence, $MinPasswordLength, $ComplexityEnabled, $PasswordHistoryCount, $MaxPasswordAge, $MinPasswordAge,
        $LockoutThreshold, $LockoutDuration, $LockoutObservationWindow)
    Stub $MyInvocation.MyCommand.Name
}
function global:Remove-ADFineGrainedPasswordPolicy { [CmdletBinding(SupportsShouldProcess)] param($Identity) Stub $MyInvocation.MyCommand.Name }
function global:Get-ADFineGrainedPasswordPolicySubject { [CmdletBinding()] param($Identity) Stub $MyInvocation.MyCommand.Name }
function global:Add-ADFineGrainedPasswordPolicySubject { [CmdletBinding()] param($Identity, $Subjects) Stub $MyInvocation.MyCommand.Name }
function global:Remove-ADFineGrainedPasswordPolicySubject { [CmdletBinding(SupportsShouldProcess)] param($Identity, $Subjects) Stub $MyInvocation.MyCommand.Name }

# GroupPolicy and ActiveDirectory's generic objects (scripts/gpo/Apply-Gpo.ps1)
function global:Get-GPO { [CmdletBinding()] param($Name, $Guid, $Domain, [switch]$All) Stub $MyInvocation.MyCommand.Name }
function global:New-GPO { [CmdletBinding()] param($Name, $Domain, $Comment) Stub $MyInvocation.MyCommand.Name }
function global:Set-GPRegistryValue { [CmdletBinding()] param($Name, $Domain, $Key, $ValueName, $Type, $Value) Stub $MyInvocation.MyCommand.Name }
function global:Remove-GPRegistryValue { [CmdletBinding()] param($Name, $Domain, $Key, $ValueName) Stub $MyInvocation.MyCommand.Name }
function global:Get-GPPermission { [CmdletBinding()] param($Name, $Domain, $TargetName, $TargetType, [switch]$All) Stub $MyInvocation.MyCommand.Name }
function global:Set-GPPermission {
    [CmdletBinding()] param($Name, $Domain, $TargetName, $TargetType, $PermissionLevel, [switch]$Replace)
    Stub $MyInvocation.MyCommand.Name
}
function global:Get-GPInheritance { [CmdletBinding()] param($Target, $Domain) Stub $MyInvocation.MyCommand.Name }
function global:New-GPLink { [CmdletBinding()] param($Name, $Target, $Domain, $LinkEnabled, $Enforced, $Order) Stub $MyInvocation.MyCommand.Name }
function global:Set-GPLink { [CmdletBinding()] param($Name, $Target, $Domain, $LinkEnabled, $Enforced, $Order) Stub $MyInvocation.MyCommand.Name }
function global:Remove-GPLink { [CmdletBinding()] param($Name, $Target, $Domain) Stub $MyInvocation.MyCommand.Name }
function global:Get-ADObject { [CmdletBinding()] param($Identity, $Properties, $Filter, $SearchBase, $SearchScope, $LDAPFilter) Stub $MyInvocation.MyCommand.Name }
function global:Set-ADObject { [CmdletBinding()] param($Identity, $Replace, $Clear, $Add, $Remove) Stub $MyInvocation.MyCommand.Name }

# UpdateServices (the WSUS module; the server's API objects themselves are PSCustomObjects in WsusServer.Tests.ps1)
function global:Get-WsusServer { [CmdletBinding()] param($Name, $PortNumber, [switch]$UseSsl) Stub $MyInvocation.MyCommand.Name }
function global:Get-WsusProduct { [CmdletBinding()] param($UpdateServer, $TitleIncludes) Stub $MyInvocation.MyCommand.Name }
function global:Set-WsusProduct { [CmdletBinding()] param([Parameter(ValueFromPipeline = $true)]$Product, [switch]$Disable) process { Stub $MyInvocation.MyCommand.Name } }
function global:Get-WsusClassification { [CmdletBinding()] param($UpdateServer) Stub $MyInvocation.MyCommand.Name }
function global:Set-WsusClassification {
    [CmdletBinding()] param([Parameter(ValueFromPipeline = $true)]$Classification, [switch]$Disable)
    process { Stub $MyInvocation.MyCommand.Name }
}

# ActiveDirectory's rootDSE, and LAPS (Windows LAPS' module, Windows Server 2022 since the April 2023 update)
function global:Get-ADRootDSE { [CmdletBinding()] param($Server) Stub $MyInvocation.MyCommand.Name }
function global:Update-LapsADSchema { [CmdletBinding(SupportsShouldProcess)] param($Credential, $Domain, $DomainController) Stub $MyInvocation.MyCommand.Name }
function global:Set-LapsADComputerSelfPermission { [CmdletBinding()] param($Identity, $Credential, $Domain, $DomainController) Stub $MyInvocation.MyCommand.Name }
function global:Set-LapsADReadPasswordPermission { [CmdletBinding()] param($Identity, $AllowedPrincipals, $Credential, $Domain, $DomainController) Stub $MyInvocation.MyCommand.Name }
function global:Find-LapsADExtendedRights { [CmdletBinding()] param($Identity, $Credential, $Domain, $DomainController, [switch]$IncludeComputers) Stub $MyInvocation.MyCommand.Name }
