#!/usr/bin/env bash
# Runs every check and test: type check, lint, unit tests, and the end-to-end tests against the
# real RabbitMQ on AMQP_URL and PostgreSQL (started, or installed from Debian's packages, when
# missing), and the web console's tests in Debian's chromium (installed when missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/node-env.sh
bash scripts/ensure-deps.sh
bash scripts/ensure-services.sh rabbitmq postgres promtool compose chromium
echo "exhub: type check" >&2
npm run --silent typecheck
echo "exhub: lint" >&2
npm run --silent lint
# The AsyncAPI document here; the OpenAPI document the hub serves is linted by
# test/e2e/api/openapi.e2e-spec.ts (it needs the running app). Offline: @redocly/cli, redocly.yaml.
echo "exhub: contracts (redocly lint)" >&2
npm run --silent lint:contracts
echo "exhub: deployment files (promtool, compose)" >&2
promtool check config docker/prometheus.yml >/dev/null
promtool check rules docker/alerts.yml >/dev/null
promtool test rules docker/alerts.test.yml
# The compose file is checked with `docker compose config` (the CLI plugin) or, where the plugin
# is missing, Debian's docker-compose; neither needs an engine. ensure-services installs the
# latter when neither is there, and fails loudly if it cannot.
if docker compose version >/dev/null 2>&1; then
  docker compose -f docker/compose.yml config -q
else
  docker-compose -f docker/compose.yml config -q
fi
echo "exhub: compose file: ok" >&2
echo "exhub: build (e2e tests run the built hub and CLI as separate processes)" >&2
npm run --silent build
echo "exhub: tests (unit + e2e against RabbitMQ)" >&2
results=.jest-results.json
status=0
npm test -- --ci --json --outputFile="$results" || status=$?
# One plain closing line, whatever the runner printed above it.
node -e 'const r = require(process.argv[1]); console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "./$results" || true
exit "$status"
