#!/usr/bin/env bash
# Checks that every relative link in README.md and docs/*.md points at a file
# that exists, and that a #anchor into a .md file names one of its headings
# (GitHub's heading ids). Not part of CI: run it after editing the docs.
#   bash scripts/check_links.sh
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - . <<'PY'
"""Check relative links (and #anchors into .md files) in README.md and docs/*.md."""
import os, re, sys, glob
root = sys.argv[1] if len(sys.argv) > 1 else '.'
files = [os.path.join(root, 'README.md')] + sorted(glob.glob(os.path.join(root, 'docs', '*.md')))

def slugs(path):
    out, seen, code = set(), {}, False
    for line in open(path, encoding='utf-8'):
        if line.startswith('```'):
            code = not code
        if code or not line.startswith('#'):
            continue
        text = line.lstrip('#').strip().lower()
        text = re.sub(r'[^\w\- ]', '', text).replace(' ', '-')
        n = seen.get(text, 0); seen[text] = n + 1
        out.add(text if n == 0 else f'{text}-{n}')
    return out

bad = 0
for f in files:
    text = open(f, encoding='utf-8').read()
    text = re.sub(r'```.*?```', '', text, flags=re.S)
    for target in re.findall(r'\]\(([^)\s]+)\)', text):
        if re.match(r'[a-z]+:', target):
            continue
        path, _, anchor = target.partition('#')
        dest = os.path.normpath(os.path.join(os.path.dirname(f), path)) if path else f
        if not os.path.exists(dest):
            print(f'{f}: missing {target}'); bad += 1
        elif anchor and dest.endswith('.md') and anchor not in slugs(dest):
            print(f'{f}: no anchor {target}'); bad += 1
print(f'{len(files)} files, {bad} bad links')
sys.exit(1 if bad else 0)
PY
