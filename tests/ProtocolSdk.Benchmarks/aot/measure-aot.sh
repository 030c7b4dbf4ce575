#!/usr/bin/env bash
# Native AOT against JIT for the Echo sample: binary size, start-up time to the "listening" line, idle RSS.
# Usage: bash tests/ProtocolSdk.Benchmarks/aot/measure-aot.sh [RUNS]   (from the repository root; default 5 runs)
set -euo pipefail
runs=${1:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet build samples/Echo -c Release -nologo -v q >/dev/null
dotnet publish samples/Echo -c Release -r linux-x64 -o "$out/aot" -nologo -v q >/dev/null
jit_dll=samples/Echo/bin/Release/net10.0/Echo.dll

# Starts the server, returns ms until its "listening" line, then its RSS (KiB) 1 s later; stops it by PID.
measure() {
  local log="$out/log" start pid ms rss
  start=$(date +%s%N)
  "$@" --port 0 >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 500); do grep -q ' listening on ' "$log" && break; sleep 0.01; done
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  sleep 1
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$ms $rss"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

for kind in jit aot; do
  : >"$out/$kind.txt"
  for _ in $(seq 1 "$runs"); do
    if [ "$kind" = jit ]; then measure dotnet "$jit_dll" >>"$out/$kind.txt"; else measure "$out/aot/Echo" >>"$out/$kind.txt"; fi
  done
done
jit_size=$(du -cb samples/Echo/bin/Release/net10.0/*.dll | tail -1 | cut -f1)
aot_size=$(stat -c %s "$out/aot/Echo")
echo "| build | size | start-up to listening, ms (median of $runs) | idle RSS, KiB (median of $runs) |"
echo "|---|---:|---:|---:|"
echo "| JIT (dotnet Echo.dll) | $jit_size B of app assemblies, plus the shared runtime | $(cut -d' ' -f1 "$out/jit.txt" | median) | $(cut -d' ' -f2 "$out/jit.txt" | median) |"
echo "| Native AOT | $aot_size B, self-contained | $(cut -d' ' -f1 "$out/aot.txt" | median) | $(cut -d' ' -f2 "$out/aot.txt" | median) |"
