#!/usr/bin/env bash
# Import throughput: floe vs aws s3 sync, rclone and the bare SDK into RGW (bluestore) and s3rver.
set -euo pipefail
cd "$(dirname "$0")/../.."
node_modules/.bin/tsx bench/import/import-throughput.ts "$@"
