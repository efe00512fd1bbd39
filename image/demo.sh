#!/usr/bin/env bash
# make demo: the whole trip on sample data with the real binary (dist/floe), as a device and a
# facility would run it: provision, serve, unlock, ingest, lock, restart (shipping), unlock at
# the facility (seal check), import to S3 (an embedded s3rver) and to a folder, report.
# `make demo` first installs what it needs (npm ci, Debian packages); run alone, it needs
# node_modules. Results stay in .tmp/demo/; every process it starts is stopped on exit.
# FLOE_DEMO_NFS=0 ingests the local folder instead of nfs-ganesha; FLOE_DEMO_BINARY=0 runs the
# sources (tsx) instead of building dist/floe. Both happen by themselves when they must.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DEMO=$ROOT/.tmp/demo
STEP=start
DAEMON_PID=
SERVERS_PID=
START=$(date +%s)

step() { STEP=$1; printf '\n== %s\n' "$1"; }
die() { printf '\ndemo: FAILED at step "%s": %s\n' "$STEP" "$*" >&2; exit 1; }

stop_pid() { # pid: SIGTERM, wait up to 20 s, then SIGKILL
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local status=$?
  stop_pid "$DAEMON_PID"
  stop_pid "$SERVERS_PID"
  [ $status -eq 0 ] || printf 'demo: logs are in %s\n' "$DEMO" >&2
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x node_modules/.bin/tsx ] || die "node_modules is missing: run make demo (it runs npm ci), or make deps"
rm -rf "$DEMO"
mkdir -p "$DEMO"
chmod 700 "$DEMO"

step "build: make image (dist/floe, Node 22 inside, and the signed firmware bundle)"
if [ "${FLOE_DEMO_BINARY:-1}" != 0 ] && bash image/build.sh >"$DEMO/build.log" 2>&1; then
  FLOE=("$ROOT/dist/floe")
  cat "$DEMO/build.log"
else
  if [ "${FLOE_DEMO_BINARY:-1}" = 0 ]; then echo "FLOE_DEMO_BINARY=0: the demo runs the sources with tsx"
  else echo "the binary could not be built (see $DEMO/build.log); the demo runs the sources with tsx instead"; fi
  FLOE=(node --import tsx "$ROOT/appliance/cli/bin.ts") # one process, so signals reach the daemon
fi
floe() { "${FLOE[@]}" "$@"; }
# Where the binary unpacks LevelDB's native addon: inside the demo folder, not in ~/.cache.
export PKG_NATIVE_CACHE_PATH=$DEMO/pkg-cache
echo "floe $(floe --version)"

has_command() { floe --help | grep -qE "^  $1( |$)"; }
need_command() {
  has_command "$1" || die "this build of floe has no \`floe $1\` command yet (issue: the work that adds it has not landed)"
}

step "sample data"
SOURCE=$DEMO/source
mkdir -p "$SOURCE/projects/alpha" "$SOURCE/projects/beta/raw" "$SOURCE/home/tech"
for i in $(seq 1 60); do printf 'line %d of note %d\n' $(seq 1 $((i * 7))) "$i" >"$SOURCE/home/tech/note-$i.txt"; done
for i in $(seq 1 24); do head -c $((i * 4096 + 17)) /dev/urandom >"$SOURCE/projects/alpha/sample-$i.bin"; done
head -c $((6 * 1024 * 1024 + 5)) /dev/urandom >"$SOURCE/projects/beta/raw/scan-large.bin"
cp "$SOURCE/projects/alpha/sample-3.bin" "$SOURCE/projects/beta/duplicate-of-sample-3.bin"
: >"$SOURCE/projects/beta/empty.txt"
ln -s ../alpha/sample-1.bin "$SOURCE/projects/beta/link-to-sample-1"
echo "$(find "$SOURCE" -type f | wc -l) files, $(du -sh --apparent-size "$SOURCE" | cut -f1) in $SOURCE"

step "servers: s3rver (the facility's S3) and nfs-ganesha (the customer's share) where it can run"
node_modules/.bin/tsx image/demo-servers.ts "$DEMO/servers.json" "$SOURCE" floe-demo >"$DEMO/servers.log" 2>&1 &
SERVERS_PID=$!
for _ in $(seq 150); do [ -s "$DEMO/servers.json" ] && break; kill -0 $SERVERS_PID 2>/dev/null || break; sleep 0.2; done
[ -s "$DEMO/servers.json" ] || die "the test servers did not start: $(tail -5 "$DEMO/servers.log")"
json() { node -e 'const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const r = process.argv[2].split(".").reduce((o, k) => o?.[k], v); process.stdout.write(r === undefined ? "" : String(r));' "$1" "$2"; }
S3_ENDPOINT=$(json "$DEMO/servers.json" s3.endpoint)
NFS_URI=$(json "$DEMO/servers.json" nfsUri)
echo "S3:  $S3_ENDPOINT (bucket floe-demo)"
if [ -n "$NFS_URI" ]; then
  SOURCE_URI=$NFS_URI
  echo "NFS: $NFS_URI"
else
  SOURCE_URI="file://$SOURCE"
  echo "NFS: not here ($(json "$DEMO/servers.json" nfsSkipped)); the source is the local folder"
fi
# The daemon reaches S3 with the SDK's usual credential chain.
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION
AWS_ACCESS_KEY_ID=$(json "$DEMO/servers.json" s3.accessKeyId)
AWS_SECRET_ACCESS_KEY=$(json "$DEMO/servers.json" s3.secretAccessKey)
AWS_REGION=$(json "$DEMO/servers.json" s3.region)

step "provision (station side): job spec, manifest, unlock code"
EFS=$DEMO/facility-efs
mkdir -p "$EFS"
cat >"$DEMO/job.json" <<JOB
{
  "jobType": "IMPORT",
  "description": "floe demo: sample share to S3 and a file system",
  "deviceType": "SNC1_SSD",
  "destinations": [
    { "uri": "s3://floe-demo/imports", "endpoint": "$S3_ENDPOINT", "region": "$AWS_REGION", "forcePathStyle": true },
    { "uri": "efs://$EFS" }
  ],
  "returnAddress": { "name": "Data Intake Team", "street1": "410 Terry Ave N", "city": "Seattle", "stateOrProvince": "WA", "postalCode": "98109", "country": "US" }
}
JOB
export FLOE_DATA=$DEMO/device
floe provision --job "$DEMO/job.json" --data "$FLOE_DATA" --out "$DEMO/station" --json >"$DEMO/provision.json"
MANIFEST=$(json "$DEMO/provision.json" manifestPath)
CODE=$(json "$DEMO/provision.json" unlockCode)
echo "job $(json "$DEMO/provision.json" jobId), manifest $MANIFEST (the unlock code travels separately)"

start_daemon() {
  # Not through the floe() function: $! must be the daemon itself, not a subshell.
  "${FLOE[@]}" serve --listen 127.0.0.1:0 >>"$DEMO/daemon.log" 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 150); do
    floe status >/dev/null 2>&1 && return 0
    kill -0 "$DAEMON_PID" 2>/dev/null || break
    sleep 0.2
  done
  die "the daemon did not start: $(tail -5 "$DEMO/daemon.log")"
}

step "serve: the device boots"
start_daemon
floe status

step "unlock on site (manifest + code)"
floe unlock --manifest "$MANIFEST" --code "$CODE"

step "ingest: $SOURCE_URI into the encrypted journal"
need_command task
need_command execution
floe task create --name demo-share --source "$SOURCE_URI" --option VerifyMode=ONLY_FILES_TRANSFERRED
floe task start demo-share --json >"$DEMO/execution.json"
EXECUTION=$(json "$DEMO/execution.json" TaskExecutionId)
floe execution wait "$EXECUTION" >/dev/null || { floe execution describe "$EXECUTION" || true; die "the ingest execution did not succeed"; }
floe execution describe "$EXECUTION"
floe journal stats

step "lock for shipping: seal the journal, drop the keys"
floe lock
floe label >"$DEMO/shipping-label.txt"

step "ship: the device powers off and on again (daemon restart)"
stop_pid "$DAEMON_PID"
DAEMON_PID=
start_daemon
floe status

step "unlock at the facility: manifest + code, seal checked"
floe unlock --manifest "$MANIFEST" --code "$CODE"

step "import into S3 (s3rver) and the file system, verifying every byte"
need_command import
floe import

step "job completion report"
need_command report
floe report --out "$DEMO/report" >/dev/null
cat "$DEMO/report/summary.txt"

step "check: the file-system import holds the source's bytes"
if diff -r --no-dereference "$SOURCE" "$EFS" >"$DEMO/diff.txt"; then
  echo "$EFS matches $SOURCE byte for byte ($(find "$EFS" -type f | wc -l) files)"
else
  head -20 "$DEMO/diff.txt"
  die "the imported folder differs from the source"
fi

step "check: the S3 import holds the source's bytes (copied out of s3rver into $DEMO/s3-copy)"
NODE_NO_WARNINGS=1 node_modules/.bin/tsx image/demo-s3-copy.ts "$DEMO/servers.json" s3://floe-demo/imports "$DEMO/s3-copy"
(cd "$SOURCE" && find . -type f) | sort | while read -r f; do
  cmp -s "$SOURCE/$f" "$DEMO/s3-copy/$f" || die "s3://floe-demo/imports/${f#./} differs from the source"
done
echo "every regular file of the source is in S3 with the same bytes (symlinks are objects holding their target)"

STEP=done
printf '
== demo complete in %d s
' $(( $(date +%s) - START ))
cat <<WHERE
  source share:      $SOURCE ($SOURCE_URI)
  device data:       $FLOE_DATA (journal, encrypted)
  manifest:          $MANIFEST
  imported (S3):     s3://floe-demo/imports on the demo's s3rver (stopped now); a copy in $DEMO/s3-copy
  imported (folder): $EFS
  report:            $DEMO/report (summary.txt, summary.json, success-log.csv, failure-log.csv)
  binary:            ${FLOE[*]}
WHERE
