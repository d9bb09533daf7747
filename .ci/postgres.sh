#!/usr/bin/env bash
# Start a throw-away PostgreSQL 16 (with pgvector) from the `pgserver` wheel's binaries on
# 127.0.0.1 and print the DATABASE_URL. Usage: .ci/postgres.sh start|stop [PORT]
# Debian's PostgreSQL here has no pgvector, hence the wheel; it runs as a normal server.
set -euo pipefail
cmd=${1:-start}
PORT=${2:-${SAYSO_PG_PORT:-54329}}
ROOT=${SAYSO_PG_ROOT:-/tmp/sayso-pg-$PORT}
PY=${PYTHON:-.venv/bin/python}
PGBIN=$("$PY" -c 'import pathlib, pgserver; print(pathlib.Path(pgserver.__file__).parent / "pginstall" / "bin")')
RUN=()
if [ "$(id -u)" = 0 ]; then
  # PostgreSQL refuses to run as root: use an unprivileged system user.
  id sayso-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin sayso-pg
  RUN=(runuser -u sayso-pg --)
fi
case "$cmd" in
  start)
    if [ -f "$ROOT/data/postmaster.pid" ]; then "${RUN[@]}" "$PGBIN/pg_ctl" -D "$ROOT/data" -m fast stop >/dev/null 2>&1 || true; fi
    rm -rf "$ROOT"; mkdir -p "$ROOT"
    [ "$(id -u)" = 0 ] && chown sayso-pg "$ROOT"
    "${RUN[@]}" "$PGBIN/initdb" -D "$ROOT/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$ROOT/initdb.log" 2>&1 \
      || { cat "$ROOT/initdb.log"; exit 1; }
    "${RUN[@]}" "$PGBIN/pg_ctl" -D "$ROOT/data" -l "$ROOT/server.log" -w \
      -o "-h 127.0.0.1 -p $PORT -k $ROOT -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null \
      || { cat "$ROOT/server.log"; exit 1; }
    "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -q -c "CREATE DATABASE sayso" postgres
    "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -q -c "CREATE EXTENSION IF NOT EXISTS vector" sayso
    echo "postgres://postgres@127.0.0.1:$PORT/sayso"
    ;;
  stop)
    "${RUN[@]}" "$PGBIN/pg_ctl" -D "$ROOT/data" -m fast stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop [PORT]" >&2; exit 2 ;;
esac
