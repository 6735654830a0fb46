#!/usr/bin/env bash
# Start (or reuse) a throwaway PostgreSQL server on loopback for the test suite; print its URL.
#
# `make test` calls this so the real-server tests run everywhere without a hand-installed
# database: it installs Debian's postgresql package when no server binaries exist (as root, as
# on CI), keeps the cluster under /tmp, listens on 127.0.0.1 only, and trusts local logins
# (test data only). Stop it with: scripts/test-postgres.sh stop
set -euo pipefail

PORT=${RECTOPLAN_PG_PORT:-55432}
DIR=${RECTOPLAN_PG_DIR:-/tmp/rectoplan-pg-$PORT}
DB=rectoplan_test
USER_NAME=rectoplan

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

BIN=$(find_bin)
if [ -z "$BIN" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "PostgreSQL is not installed and this user cannot apt-get install it" >&2
    exit 1
  fi
  echo "installing Debian's postgresql package..." >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  BIN=$(find_bin)
fi

if [ "${1:-}" = stop ]; then
  as_owner "$BIN/pg_ctl" -D "$DIR" -m fast stop >&2 || true
  exit 0
fi

if ! as_owner "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
  if [ ! -f "$DIR/PG_VERSION" ]; then
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
    as_owner "$BIN/initdb" -D "$DIR" -U "$USER_NAME" --auth=trust -E UTF8 >/dev/null
  fi
  as_owner "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 start \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
    >/dev/null
fi

PSQL=("$BIN/psql" -h 127.0.0.1 -p "$PORT" -U "$USER_NAME" -d postgres -qtA)
if [ "$("${PSQL[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
  "${PSQL[@]}" -c "CREATE DATABASE $DB" >/dev/null
fi
echo "postgresql+psycopg://$USER_NAME@127.0.0.1:$PORT/$DB"
