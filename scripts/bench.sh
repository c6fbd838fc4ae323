#!/usr/bin/env bash
# The benchmark (not part of the tests): builds datasets at 1,000 and 100,000 ideas, serves the
# portal and a bare-Flask ceiling page under gunicorn, loads each page and prints the table.
#   bash scripts/bench.sh                 # 1,000 and 100,000 ideas, 10 s per page
#   bash scripts/bench.sh --scale small   # 1,000 ideas only: a quick run
#   bash scripts/bench.sh --database-url postgresql+psycopg://user:pw@127.0.0.1/bench
#   bash scripts/bench.sh --only "worker emails,release to subscribers"   # the email lines only
# The email lines ("worker emails": --emails N follower emails, default 10,000, sent by the worker
# to a counting local SMTP server; "release to subscribers": a note to --subscribers N, default
# 50,000: enqueue time and peak memory) run after the pages, on a database of their own.
# wrk drives the load when installed (as root, it is installed with apt); else a Python generator.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v wrk >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y -q wrk >/dev/null || echo "wrk could not be installed: using the Python load generator"
fi
exec .venv/bin/python -m portal.bench "$@"
