#!/usr/bin/env bash
# `npm run demo`: the month-end close in one command. Node 24 (scripts/node-env.sh), the npm
# dependencies and a build, RabbitMQ (scripts/ensure-services.sh), then scripts/demo.js: the
# simulators of the polled sources the scenario drives (month-end-close: SAP S/4HANA and NetSuite;
# support-surge: Salesforce and ServiceNow), a hub with a demo config (the Stripe, ISO 20022 and
# Zendesk webhooks and those polled instances, secrets generated for the run, a temporary SQLite
# store), a viewer key, the scenario, and the live worklist. Ctrl-C (or the scenario's end) stops
# everything it started and says where the logs are.
#
#   npm run demo -- --scenario support-surge   (or EXHUB_DEMO_SCENARIO=support-surge npm run demo)
#
#   EXHUB_DEMO_RATE [4] events/s · EXHUB_DEMO_DURATION [45s] · EXHUB_DEMO_SEED [random]
#   EXHUB_DEMO_SCENARIO [month-end-close|support-surge] · EXHUB_DEMO_LINGER [10s] worklist kept after the end
#   EXHUB_DEMO_CLOSE_DATE [tomorrow] the period end due dates cluster around
#   EXHUB_DEMO_DIST: use a build that already exists there instead of building into dist/
#   EXHUB_DEMO_PORT [any free port] the hub's port · SAP_S4_SIM_PORT, NETSUITE_SIM_PORT,
#   SALESFORCE_SIM_PORT, SERVICENOW_SIM_PORT [any free port] the simulators' ports
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/node-env.sh
if [ -n "${EXHUB_DEMO_DIST:-}" ]; then
  dist="$EXHUB_DEMO_DIST"
  echo "exhub demo: using the build in $dist" >&2
else
  bash scripts/ensure-deps.sh
  echo "exhub demo: building…" >&2
  npm run --silent build
  dist=dist
fi
[ -f "$dist/apps/hub/src/main.js" ] || { echo "exhub demo: no hub build in $dist (apps/hub/src/main.js)" >&2; exit 1; }
bash scripts/ensure-services.sh rabbitmq
exec node scripts/demo.js "$dist" "$@"
