#!/usr/bin/env bash
# Builds a throwaway server against src/ProtocolSdk and runs measure.py (issue #15's outside checks).
# Usage: tests/ProtocolSdk.Reliability/Outside/measure.sh      (from the repository root)
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
work=${TMPDIR:-/tmp}/psdk-outside
mkdir -p "$work"
cat > "$work/OutsideServer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable></PropertyGroup>
  <ItemGroup><ProjectReference Include="$root/src/ProtocolSdk/ProtocolSdk.csproj" /></ItemGroup>
</Project>
XML
cp "$root/tests/ProtocolSdk.Reliability/Outside/Program.cs.txt" "$work/Program.cs"
dotnet build "$work/OutsideServer.csproj" -c Release -o "$work/bin" >/dev/null
python3 "$root/tests/ProtocolSdk.Reliability/Outside/measure.py" "$work/bin/OutsideServer.dll"
