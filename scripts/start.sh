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
# V8's young generation, per isolate (the main thread and the pipeline worker thread): 2 × 16 MiB
# instead of V8's default of up to 2 × 64 MiB on a machine with several GB of memory. Measured on
# the 10,000-event backlog drain: peak RSS ~290 -> ~215 MiB at the same CPU per event (README,
# Operations, Memory). A --max-semi-space-size of your own in NODE_OPTIONS comes later and wins.
export NODE_OPTIONS="--max-semi-space-size=16${NODE_OPTIONS:+ $NODE_OPTIONS}"
exec node dist/apps/hub/src/main.js
