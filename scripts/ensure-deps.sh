#!/usr/bin/env bash
# Installs the npm dependencies, at the versions package-lock.json records, when node_modules is
# missing or older than the lock file. `npm install` rather than `npm ci`: npm 11 leaves other
# platforms' optional binaries (SWC's, for instance) out of the lock file, and `npm ci` then
# refuses the lock as out of sync on every machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
stamp=node_modules/.exhub-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "exhub: installing npm dependencies…" >&2
  npm install --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
