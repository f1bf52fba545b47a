#!/usr/bin/env bash
# Sets up and starts the hub: Node 24 (installed into .tools/ if this machine's Node is older),
# npm dependencies, a local RabbitMQ if AMQP_URL points at this machine and none is running, a
# build, then the hub in the foreground. Stop it with Ctrl-C (it drains in-flight work first).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/node-env.sh
bash scripts/ensure-deps.sh
bash scripts/ensure-services.sh --no-install rabbitmq || true   # the hub itself says what is wrong
echo "exhub: building…" >&2
npm run --silent build
if [ -z "${STRIPE_WEBHOOK_SECRET:-}" ] && [ -z "${STRIPE_WEBHOOK_SECRET_FILE:-}" ]; then
  echo "exhub: STRIPE_WEBHOOK_SECRET is not set: POST /v1/ingest/stripe will answer 503 until it is (see README, Configuration)." >&2
fi
exec node dist/apps/hub/src/main.js
