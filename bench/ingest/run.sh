#!/usr/bin/env bash
# bench/ingest: floe's NFS client against nfs-cat on one large file, then the ingest engine on
# LARGE and SMALL beside nfs-cat and restic, and the BytesPerSecond limit; then ingest from an RGW
# bucket beside rclone and aws-cli. Needs root (nfs-ganesha), radosgw/ceph, rclone, awscli.
# Results: docs/benchmarks/ingest.md (latest on docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
tsx=node_modules/.bin/tsx
echo "-- NFS read: floe vs nfs-cat"; $tsx bench/ingest/nfs-read.ts
echo "-- ingest: LARGE, SMALL, BytesPerSecond"; $tsx bench/ingest/ingest-throughput.ts --shm
echo "-- ingest from an RGW bucket: floe vs rclone copy and aws s3 sync"; $tsx bench/ingest/s3-ingest-throughput.ts
