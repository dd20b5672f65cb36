# Step `fsmo` of a Windows DC: moves to this DC each role the config gives it and it does not hold yet.
# Data: $DC_NAME, $DC_FQDN (how AD names a role's holder), $ROLES (the AD module's role names; space-separated).
$domain = Get-ADDomain; $forest = Get-ADForest
$holders = @{
    SchemaMaster = $forest.SchemaMaster; DomainNamingMaster = $forest.DomainNamingMaster
    PDCEmulator = $domain.PDCEmulator; RIDMaster = $domain.RIDMaster; InfrastructureMaster = $domain.InfrastructureMaster
}
foreach ($role in @($ROLES -split ' ' | Where-Object { $_ })) {
    if ($holders[$role] -ne $DC_FQDN) {
        Move-ADDirectoryServerOperationMasterRole -Identity $DC_NAME -OperationMasterRole $role -Confirm:$false
        Write-BilluLog "transferred $role to $DC_NAME"
    }
}
