#!/usr/bin/env bash
# Makes sure what the hub and its tests need on this machine is there and running:
#   rabbitmq  the broker on AMQP_URL's host (localhost only: it starts or installs a local one)
#   promtool  Prometheus's checker, used by the metrics test and the alert-rule tests
#   postgres  PostgreSQL for the store contract suite (EXHUB_TEST_PG_URL; localhost only: starts or installs one)
#   compose   docker compose (or Debian's docker-compose) to check docker/compose.yml; no engine needed
#   chromium  Debian's chromium, which the web console's browser tests drive (EXHUB_CHROMIUM, default /usr/bin/chromium)
# Usage: scripts/ensure-services.sh [--no-install] rabbitmq [promtool]
# Installs only from Debian's packages, and only when run as root; otherwise says what to do.
set -euo pipefail

install=1
if [ "${1:-}" = "--no-install" ]; then install=0; shift; fi

say() { echo "exhub: $*" >&2; }
die() { say "$*"; exit 1; }

apt_updated=0
apt_install() {
  [ "$install" = 1 ] || die "$1 is missing; install the Debian package '$1' (apt-get install $1)"
  [ "$(id -u)" = 0 ] || die "$1 is missing and this is not root; run: sudo apt-get install -y $1"
  command -v apt-get >/dev/null || die "$1 is missing and there is no apt-get here; install $1 by hand"
  if [ "$apt_updated" = 0 ]; then
    say "installing $1 from Debian's packages…"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
}

amqp_url="${AMQP_URL:-amqp://guest:guest@localhost:5672}"
amqp_hostport="$(echo "$amqp_url" | sed -E 's#^[a-z]+://([^@/]*@)?([^/?]*).*#\2#')"
amqp_host="${amqp_hostport%%:*}"
amqp_port="${amqp_hostport##*:}"
[ "$amqp_port" = "$amqp_hostport" ] && amqp_port=5672

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

ensure_rabbitmq() {
  if port_open "$amqp_host" "$amqp_port"; then
    return 0
  fi
  case "$amqp_host" in
    localhost|127.0.0.1|::1) ;;
    *) die "RabbitMQ at $amqp_host:$amqp_port does not answer; start it, or point AMQP_URL at one that runs" ;;
  esac
  if ! command -v rabbitmq-server >/dev/null; then
    apt_install rabbitmq-server
  fi
  say "RabbitMQ is not running on $amqp_host:$amqp_port; starting it (rabbitmq-server -detached)…"
  if command -v rabbitmqctl >/dev/null && rabbitmqctl -q status >/dev/null 2>&1; then
    : # the node runs but the listener is not up yet
  else
    rabbitmq-server -detached >/dev/null 2>&1 || true
  fi
  for _ in $(seq 1 90); do
    if port_open "$amqp_host" "$amqp_port"; then
      rabbitmqctl -q await_startup >/dev/null 2>&1 || true
      say "RabbitMQ is up on $amqp_host:$amqp_port"
      return 0
    fi
    sleep 1
  done
  die "RabbitMQ did not start within 90 s; see its log (rabbitmq-diagnostics log_tail) and fix it, then run this again"
}

ensure_promtool() {
  command -v promtool >/dev/null || apt_install prometheus
  command -v promtool >/dev/null || die "promtool is still missing after installing 'prometheus'"
}

# PostgreSQL for the store's contract suite (EXHUB_TEST_PG_URL, default postgres@127.0.0.1:5432/test).
pg_url="${EXHUB_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
pg_hostport="$(echo "$pg_url" | sed -E 's#^[a-z]+://([^@/]*@)?([^/?]*).*#\2#')"
pg_host="${pg_hostport%%:*}"
pg_port="${pg_hostport##*:}"
[ "$pg_port" = "$pg_hostport" ] && pg_port=5432
pg_db="$(echo "$pg_url" | sed -E 's#^[a-z]+://[^/]*/([^?]*).*#\1#')"

ensure_postgres() {
  if ! port_open "$pg_host" "$pg_port"; then
    case "$pg_host" in
      localhost|127.0.0.1|::1) ;;
      *) die "PostgreSQL at $pg_host:$pg_port does not answer; start it, or point EXHUB_TEST_PG_URL at one that runs" ;;
    esac
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
      apt_install postgresql
    fi
    local version
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    say "PostgreSQL is not running on $pg_host:$pg_port; starting cluster $version/main…"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do
      port_open "$pg_host" "$pg_port" && break
      sleep 1
    done
    port_open "$pg_host" "$pg_port" || die "PostgreSQL did not start within 60 s; see /var/log/postgresql and fix it, then run this again"
    say "PostgreSQL is up on $pg_host:$pg_port"
  fi
  # The tests connect as the URL's user to its database (trust auth on this machine's loopback).
  if command -v psql >/dev/null && ! psql "$pg_url" -Atqc 'select 1' >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null; then
      runuser -u postgres -- createdb "$pg_db" >/dev/null 2>&1 || true
    fi
    psql "$pg_url" -Atqc 'select 1' >/dev/null 2>&1 ||
      die "cannot connect to $pg_url (authentication or database); create the database or set EXHUB_TEST_PG_URL"
  fi
}

ensure_compose() {
  if command -v docker >/dev/null && docker compose version >/dev/null 2>&1; then return 0; fi
  command -v docker-compose >/dev/null || apt_install docker-compose
  command -v docker-compose >/dev/null || die "docker-compose is still missing after installing it"
}

ensure_chromium() {
  local browser="${EXHUB_CHROMIUM:-/usr/bin/chromium}"
  [ -x "$browser" ] && return 0
  [ -n "${EXHUB_CHROMIUM:-}" ] && die "EXHUB_CHROMIUM=$browser is not an executable; point it at a chromium, or unset it to use Debian's"
  apt_install chromium
  [ -x "$browser" ] || die "chromium is still missing at $browser after installing it"
}

for want in "$@"; do
  case "$want" in
    rabbitmq) ensure_rabbitmq ;;
    promtool) ensure_promtool ;;
    compose) ensure_compose ;;
    postgres) ensure_postgres ;;
    chromium) ensure_chromium ;;
    *) die "unknown service '$want' (known: rabbitmq, postgres, promtool, compose, chromium)" ;;
  esac
done
