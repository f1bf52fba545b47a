#!/usr/bin/env bash
# Runs every check and test: type check, lint, unit tests, and the end-to-end tests against the
# real RabbitMQ on AMQP_URL (started, or installed from Debian's packages, when it is missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/node-env.sh
bash scripts/ensure-deps.sh
bash scripts/ensure-services.sh rabbitmq promtool
echo "exhub: type check" >&2
npm run --silent typecheck
echo "exhub: lint" >&2
npm run --silent lint
echo "exhub: build (e2e tests run the built hub and CLI as separate processes)" >&2
npm run --silent build
echo "exhub: tests (unit + e2e against RabbitMQ)" >&2
results=.jest-results.json
status=0
npm test -- --ci --json --outputFile="$results" || status=$?
# One plain closing line, whatever the runner printed above it.
node -e 'const r = require(process.argv[1]); console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "./$results" || true
exit "$status"
