# Group Policy on the Windows PDC emulator: the plan's GPOs created by display name, their registry values, security
# template and drive maps, security filtering and links, through the GroupPolicy module; a re-run changes nothing.
. 'C:/ProgramData/billu/gpo/Apply-Gpo.ps1'
Invoke-BilluGpo -ManifestPath 'C:/ProgramData/billu/gpo/gpos.json'
