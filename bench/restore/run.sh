#!/usr/bin/env bash
# bench/restore: a recovery point restored into a folder by floe beside restic restore and cp -a,
# LARGE and SMALL. Needs restic and /usr/bin/time; root to drop caches between runs.
# Results: docs/benchmarks/restore.md (latest on docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
node_modules/.bin/tsx bench/restore/restore-throughput.ts "$@"
