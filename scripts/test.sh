#!/usr/bin/env bash
# The README's second command: run the whole test suite (unit, integration, browser).
# Integration tests use real PostgreSQL and Redis: TEST_DATABASE_URL / TEST_REDIS_URL, defaulting
# to the local servers (postgresql://postgres@127.0.0.1:5432/test, redis://127.0.0.1:6379/15).
# With a URL unset and no server answering there (a laptop), the embedded defaults instead: a
# SQLite file and one embedded Redis; the tests marked `postgresql` are then left out, listed
# at the start with the command that runs them (tests/conftest.py). RELAY_TEST_EMBEDDED=1 forces
# the embedded defaults even where servers answer.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
set +e
.venv/bin/python -m pytest -p no:cacheprovider "$@"
status=$?
set -e
# pytest's 5 means "no tests collected": that is a failure for us, never a silent pass.
exit $status
