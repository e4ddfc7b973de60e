#!/usr/bin/env bash
# Installs the reference implementations used by bench/catchup.ts:
#   - ktables==2.0.0 (Python) into <repo>/.cache/bench-venv
#   - checks that kcat is on PATH (Debian package `kcat`)
# Idempotent: does nothing when already installed.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.cache/bench-venv"
version="2.0.0"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(0 if m.version('ktables') == '$version' else 1)" 2>/dev/null; then
  "$venv/bin/pip" install --disable-pip-version-check --quiet "ktables==$version"
fi
"$venv/bin/python" -c "import importlib.metadata as m; print('ktables', m.version('ktables'))"

if ! command -v kcat >/dev/null 2>&1; then
  echo "kcat not found: install the Debian package 'kcat' (apt-get install -y kcat)" >&2
fi
