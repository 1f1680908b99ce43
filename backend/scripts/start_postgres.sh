#!/usr/bin/env bash
# Start a throw-away PostgreSQL cluster for the test suite and print its URL.
#
#   scripts/start_postgres.sh [DIR]        (default DIR: /tmp/drillwatch-pg)
#   eval "$(scripts/start_postgres.sh | grep ^TEST_DATABASE_URL=)"; export TEST_DATABASE_URL
#
# Uses Debian's PostgreSQL server binaries; runs the server as the `postgres` OS user
# (PostgreSQL refuses to run as root). Idempotent: a running cluster is reused.
# Env: PG_PORT (55432), PG_BIN (newest /usr/lib/postgresql/*/bin), PG_USER/PG_PASSWORD/PG_DB.
set -euo pipefail

DIR="${1:-/tmp/drillwatch-pg}"
PORT="${PG_PORT:-55432}"
DB_USER="${PG_USER:-drillwatch}"
DB_PASSWORD="${PG_PASSWORD:-drillwatch}"
DB_NAME="${PG_DB:-drillwatch}"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
DATA="$DIR/data"
SOCKET="$DIR/socket"

if [[ -z "$PG_BIN" || ! -x "$PG_BIN/initdb" ]]; then
    echo "PostgreSQL server binaries not found; install them: apt-get install postgresql" >&2
    exit 1
fi

as_postgres() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

mkdir -p "$DIR" "$SOCKET"
if [[ "$(id -u)" == 0 ]]; then
    chown -R postgres:postgres "$DIR"
fi

if [[ ! -s "$DATA/PG_VERSION" ]]; then
    as_postgres "$PG_BIN/initdb" -D "$DATA" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
        || { cat "$DIR/initdb.log" >&2; exit 1; }
fi

if ! as_postgres "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_postgres "$PG_BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 30 \
        -o "-p $PORT -k $SOCKET -c listen_addresses=127.0.0.1 -c fsync=off -c autovacuum=off" start >/dev/null \
        || { tail -n 20 "$DIR/server.log" >&2; exit 1; }
fi

psql_admin() {
    as_postgres "$PG_BIN/psql" -h "$SOCKET" -p "$PORT" -U postgres -d postgres \
        -v ON_ERROR_STOP=1 -qtA "$@"
}

# CREATEDB: the test suite creates a fresh database per test.
if [[ -z "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" ]]; then
    psql_admin -c "CREATE ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$DB_PASSWORD'"
fi
if [[ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" ]]; then
    psql_admin -c "CREATE DATABASE \"$DB_NAME\" OWNER \"$DB_USER\""
fi

echo "PostgreSQL running on 127.0.0.1:$PORT (data: $DATA; stop: runuser -u postgres -- $PG_BIN/pg_ctl -D $DATA stop)"
echo "TEST_DATABASE_URL=postgresql+psycopg://$DB_USER:$DB_PASSWORD@127.0.0.1:$PORT/$DB_NAME"
