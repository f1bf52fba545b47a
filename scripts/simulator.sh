#!/usr/bin/env bash
# `npm run simulator -- <connector>`: one polled source's simulator on its demo port, for the demo
# instances in exhub.config.yaml and `exhub simulate` (sap-s4 4010, servicenow 4020, zendesk 4030,
# netsuite 4040, salesforce 4050; *_SIM_PORT to change). Simulators are test code
# (connectors/<connector>/testing/simulator.ts): never in the build, so this runs the source,
# compiled in memory by SWC (bench/swc-register.js, a dev dependency).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/node-env.sh
usage="usage: npm run simulator -- <connector> ($(cd connectors && ls -d */testing/simulator.ts 2>/dev/null | cut -d/ -f1 | paste -sd' ' -))"
name="${1:?$usage}"
file="connectors/$name/testing/simulator.ts"
[ -f "$file" ] || { echo "exhub simulator: no simulator for '$name' ($file); $usage" >&2; exit 2; }
exec node -r ./bench/swc-register.js "$file"
