# Step `shares` of the Windows file server: the SMB shares and their NTFS ACLs (shares.ps1), after the `fileserver`
# step, the directory step (the departments' groups) and the trust step (the grants' groups), so every group it
# names exists on a first `pulumi up`. Data: $HOST_NAME, $DOMAIN_FQDN.
if (-not (Get-CimInstance Win32_ComputerSystem).PartOfDomain) {
    throw "$HOST_NAME is not a member of ${DOMAIN_FQDN}: join it first (the shares' ACLs name domain groups)"
}
& 'C:\ProgramData\billu\fileserver\shares.ps1'
