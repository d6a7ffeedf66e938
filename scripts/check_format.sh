#!/usr/bin/env bash
# Fails (listing the files) when a C++ file under src/, tests/ or bench/
# differs from what Debian's clang-format (scripts/setup.sh) makes of it
# with the repo's .clang-format. `clang-format -i FILE` fixes one.
set -euo pipefail
cd "$(dirname "$0")/.."
unformatted=()
while IFS= read -r file; do
  clang-format --dry-run -Werror "$file" >/dev/null 2>&1 || unformatted+=("$file")
done < <(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' 'bench/*.cc' 'bench/*.h')
if [ ${#unformatted[@]} -gt 0 ]; then
  echo "format: ${#unformatted[@]} file(s) differ from clang-format ($(clang-format --version)):"
  printf '  %s\n' "${unformatted[@]}"
  echo "format: fix with: clang-format -i FILE..."
  exit 1
fi
echo "format: all files match clang-format"
