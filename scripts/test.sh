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
echo "exhub: tests (unit + e2e against RabbitMQ)" >&2
npm test -- --ci
