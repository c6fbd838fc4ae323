#!/usr/bin/env bash
# Set up and run the whole suite: lint, then pytest on SQLite, then again on PostgreSQL.
# PostgreSQL is used when PORTAL_TEST_POSTGRES_URL is set, or started here from Debian's cluster
# when this runs as root on a machine that has it installed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

if [ -z "${PORTAL_TEST_POSTGRES_URL:-}" ] && command -v pg_ctlcluster >/dev/null && [ "$(id -u)" = 0 ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  pg_ctlcluster "$version" main start 2>/dev/null || true
  for _ in $(seq 1 30); do runuser -u postgres -- pg_isready -q && break; sleep 1; done
  runuser -u postgres -- psql -q -tc "SELECT 1 FROM pg_roles WHERE rolname='feedloop'" | grep -q 1 \
    || runuser -u postgres -- psql -q -c "CREATE ROLE feedloop LOGIN CREATEDB PASSWORD 'feedloop'"
  runuser -u postgres -- psql -q -tc "SELECT 1 FROM pg_database WHERE datname='feedloop_test'" | grep -q 1 \
    || runuser -u postgres -- psql -q -c "CREATE DATABASE feedloop_test OWNER feedloop"
  export PORTAL_TEST_POSTGRES_URL="postgresql+psycopg://feedloop:feedloop@127.0.0.1:5432/feedloop_test"
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== pytest on SQLite"
.venv/bin/pytest -p no:cacheprovider "$@"
if [ -n "${PORTAL_TEST_POSTGRES_URL:-}" ]; then
  echo "== pytest on PostgreSQL"
  PORTAL_TEST_DATABASE_URL="$PORTAL_TEST_POSTGRES_URL" .venv/bin/pytest -p no:cacheprovider "$@"
elif [ -n "${CI:-}" ]; then
  echo "PostgreSQL is required under CI but was not found" >&2
  exit 1
else
  echo "== PostgreSQL not available: the PostgreSQL run was skipped"
fi
