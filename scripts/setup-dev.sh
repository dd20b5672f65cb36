#!/usr/bin/env bash
# setup-dev.sh (npm run setup): what `npm test` needs beyond Node.js, installed through the .NET SDK's NuGet client.
#   - PowerShell 7.6.10, the .NET global tool (pwsh in ~/.dotnet/tools): parses every shipped and rendered .ps1 and
#     runs the Windows appliers under Pester. 7.6.10, not the newer 7.7.0, whose global tool package fails to install.
#   - Pester 5.9.1, restored from NuGet into .tools/nuget (project-local, git-ignored). The newest 5.x: the tests use
#     Pester 5's syntax (BeforeAll, Mock, Should -Invoke), which 6.x changes; 5.9.1 carries the 5.x fixes since 5.7.1.
# Idempotent: what is already there at the right version is left alone. Writes .tools/powershell.json, where the
# tests find both (PATH may not hold ~/.dotnet/tools). Needs the .NET SDK (`dotnet`) and a reachable NuGet feed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PWSH_VERSION=7.6.10
PESTER_VERSION=5.9.1
TOOLS="$ROOT/.tools"
T0=$(date +%s%N)
say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }

command -v dotnet >/dev/null 2>&1 || die "the .NET SDK is missing (no dotnet on PATH): install it (https://learn.microsoft.com/dotnet/core/install/linux-debian), then run npm run setup again"
mkdir -p "$TOOLS"

# 1. PowerShell, as a .NET global tool. dotnet puts global tools in $DOTNET_CLI_HOME/.dotnet/tools ($HOME by default).
DOTNET_TOOLS="${DOTNET_CLI_HOME:-$HOME}/.dotnet/tools"
PWSH="$DOTNET_TOOLS/pwsh"
have="$("$PWSH" --version 2>/dev/null || true)"
t=$(date +%s%N)
if [ "$have" = "PowerShell $PWSH_VERSION" ]; then
    say "PowerShell $PWSH_VERSION already installed ($PWSH)"
else
    if [ -n "$have" ]; then
        say "replacing $have ($PWSH) with PowerShell $PWSH_VERSION"
        dotnet tool uninstall --global PowerShell >/dev/null
    fi
    dotnet tool install --global PowerShell --version "$PWSH_VERSION" >/dev/null ||
        die "dotnet tool install --global PowerShell --version $PWSH_VERSION failed (is NuGet reachable?)"
    have="$("$PWSH" --version 2>/dev/null || true)"
    [ "$have" = "PowerShell $PWSH_VERSION" ] || die "installed PowerShell $PWSH_VERSION, but $PWSH --version says '${have:-nothing}'"
    say "installed PowerShell $PWSH_VERSION ($PWSH) in $(ms "$t") ms"
fi

# 2. Pester, a PowerShell module shipped as a NuGet package: restored by a throwaway project into .tools/nuget.
PESTER="$TOOLS/nuget/pester/$PESTER_VERSION/tools/Pester.psd1"
t=$(date +%s%N)
if [ -f "$PESTER" ]; then
    say "Pester $PESTER_VERSION already restored ($PESTER)"
else
    mkdir -p "$TOOLS/pester-restore"
    cat >"$TOOLS/pester-restore/pester-restore.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <!-- Written by scripts/setup-dev.sh: restores the Pester module (a NuGet package), builds nothing. -->
  <PropertyGroup><TargetFramework>net$(dotnet --version | cut -d. -f1).0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Pester" Version="[$PESTER_VERSION]" /></ItemGroup>
</Project>
EOF
    dotnet restore "$TOOLS/pester-restore/pester-restore.csproj" --packages "$TOOLS/nuget" >"$TOOLS/pester-restore/restore.log" 2>&1 ||
        die "restoring Pester $PESTER_VERSION failed (is NuGet reachable?): see $TOOLS/pester-restore/restore.log"
    [ -f "$PESTER" ] || die "restored Pester $PESTER_VERSION, but $PESTER is missing"
    say "restored Pester $PESTER_VERSION ($PESTER) in $(ms "$t") ms"
fi

# 3. Where the tests find them; checked by loading Pester in that pwsh.
got="$("$PWSH" -NoProfile -NonInteractive -Command "Import-Module '$PESTER'; \"\$(\$PSVersionTable.PSVersion) \$((Get-Module Pester).Version)\"")"
[ "$got" = "$PWSH_VERSION $PESTER_VERSION" ] || die "pwsh and Pester do not load together (got '$got', want '$PWSH_VERSION $PESTER_VERSION')"
printf '{\n  "pwsh": "%s",\n  "pwshVersion": "%s",\n  "pester": "%s",\n  "pesterVersion": "%s"\n}\n' \
    "$PWSH" "$PWSH_VERSION" "$PESTER" "$PESTER_VERSION" >"$TOOLS/powershell.json"
say "wrote $TOOLS/powershell.json (PowerShell $PWSH_VERSION with Pester $PESTER_VERSION) in $(ms "$T0") ms"
