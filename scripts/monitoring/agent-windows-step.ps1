# scripts/monitoring/agent-windows-step.ps1: the call that follows agent-windows.ps1 in a Windows host's base step.
Update-ZbxWindowsAgent $ZBX_SETTINGS
