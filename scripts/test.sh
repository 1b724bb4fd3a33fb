#!/usr/bin/env bash
# `deno task test`: every tier (domain, Postgres, Kafka, browser). Starts the
# project's local Kafka broker when KAFKA_BROKERS is unset, stops it after.
# Extra arguments go to `deno test` (e.g. a folder: `deno task test domain/`).
set -uo pipefail
cd "$(dirname "$0")/.."

started_kafka=0
if [ -z "${KAFKA_BROKERS:-}" ]; then
  # A broker someone already runs is used and left running; one started here is stopped after.
  if ! bash scripts/kafka.sh status >/dev/null 2>&1; then
    bash scripts/kafka.sh start || exit 1
    started_kafka=1
  fi
  export KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT:-9092}"
fi
stop_kafka() { if [ "$started_kafka" = 1 ]; then bash scripts/kafka.sh stop; fi; }
trap stop_kafka EXIT

deno task build || exit 1 # manifest, island bundle and CSS the web tests serve
mkdir -p test-results
deno test --allow-all --junit-path=test-results/junit.xml "$@"
