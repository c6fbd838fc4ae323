#!/usr/bin/env bash
# Set up, migrate, load demo data on first run, then serve the portal with its outbox worker.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export FLASK_APP=wsgi
# Links in email lead to the port the portal serves on, unless BASE_URL says otherwise.
export BASE_URL="${BASE_URL:-http://${HOST:-127.0.0.1}:${PORT:-5000}}"
.venv/bin/flask db upgrade
.venv/bin/flask demo
.venv/bin/flask outbox-worker &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo "Feedloop is at ${BASE_URL} (email is printed here and kept in instance/mail.log)"
.venv/bin/flask run --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
