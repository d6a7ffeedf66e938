#!/usr/bin/env bash
# Fails (naming the file and the include) when a file under src/ includes a
# folder above its own layer (src/README.md): each folder may include only
# itself and the folders listed for it here.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A allowed=(
  [trace]="trace"
  [io]="io trace"
  [results]="results io"
  [engine]="engine results io trace"
  [stats]="stats engine results io trace"
  [states]="states stats engine results io trace"
  [analyses]="analyses states stats engine results io trace"
  [gen]="gen engine io trace"
  [stream]="stream engine io trace"
  [report]="report engine results io trace"
  [run]="run report analyses states stats engine results io trace"
  [cli]="cli run report analyses states stats gen stream engine results io trace"
)
bad=0
while IFS= read -r file; do
  folder=$(echo "$file" | cut -d/ -f2)
  [ -n "${allowed[$folder]:-}" ] || { echo "layers: $file: folder $folder has no layer"; bad=1; continue; }
  while IFS= read -r included; do
    if [[ " ${allowed[$folder]} " != *" $included "* ]]; then
      echo "layers: $file includes $included/ (allowed: ${allowed[$folder]})"
      bad=1
    fi
  done < <(grep -oE '^#include "[a-z_]+/' "$file" | sed 's/#include "//; s|/$||' | sort -u)
done < <(git ls-files 'src/*/*.cc' 'src/*/*.h')
[ "$bad" = 0 ] || exit 1
echo "layers: every include points down"
