#!/usr/bin/env bash
# The README's second command: run the whole test suite (unit, integration, browser).
# Integration tests use real PostgreSQL and Redis: TEST_DATABASE_URL / TEST_REDIS_URL, defaulting
# to the local servers (postgresql://postgres@127.0.0.1:5432/test, redis://127.0.0.1:6379/15).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
export TEST_REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
set +e
.venv/bin/python -m pytest -p no:cacheprovider "$@"
status=$?
set -e
# pytest's 5 means "no tests collected": that is a failure for us, never a silent pass.
exit $status
