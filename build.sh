#!/usr/bin/env bash
# Thin wrapper: restores the PowerShell pinned in .config/dotnet-tools.json and runs build.ps1
# with it. Needs only the .NET SDK. Usage: ./build.sh [build|test|demo|package|clean] [options]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if ! command -v dotnet >/dev/null 2>&1; then
    echo "build.sh: the .NET SDK (dotnet) is not on PATH." >&2
    exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT="${DOTNET_CLI_TELEMETRY_OPTOUT:-1}"
export DOTNET_NOLOGO="${DOTNET_NOLOGO:-1}"
export POWERSHELL_TELEMETRY_OPTOUT="${POWERSHELL_TELEMETRY_OPTOUT:-1}"
export POWERSHELL_UPDATECHECK="${POWERSHELL_UPDATECHECK:-Off}"

if ! restore_log="$(dotnet tool restore 2>&1)"; then
    echo "$restore_log" >&2
    echo "build.sh: 'dotnet tool restore' failed (PowerShell from .config/dotnet-tools.json)." >&2
    exit 1
fi

exec dotnet tool run pwsh -NoLogo -NoProfile -NonInteractive -File ./build.ps1 "$@"
