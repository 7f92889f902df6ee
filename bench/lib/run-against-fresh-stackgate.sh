#!/bin/bash
# Runs bench/<name>.ts against a fresh all-in-one stackgate (temporary data directory, embedded
# SQLite store, a free port in 8810-8899), then writes bench/out/<name>-<timestamp>.json with the
# figures, the commit and the machine's load before and after, and prints it.
# The caller's STACKGATE_* variables reach the server (e.g. STACKGATE_COMPUTE_TIMING=instant).
#
# Usage: bench/lib/run-against-fresh-stackgate.sh <name>
#   BENCH_STACKGATE_DIR  the stackgate tree to run (default: this repo), e.g. an export of a commit
set -euo pipefail

name=${1:?usage: run-against-fresh-stackgate.sh <bench name>}
repo=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
node="$repo/node_modules/.bin/node"
sg_dir=$(readlink -f "${BENCH_STACKGATE_DIR:-$repo}")
me="bench/$name.sh"
[ -x "$node" ] || { echo "$me: no Node 24 at $node" >&2; exit 1; }

work=$(mktemp -d "/tmp/stackgate-bench-$name.XXXXXX")
sg_pid=''
cleanup() {
  local rc=$?
  if [ -n "$sg_pid" ] && kill -0 "$sg_pid" 2>/dev/null; then
    kill -TERM "$sg_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$sg_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$sg_pid" 2>/dev/null || true
  fi
  if [ "$rc" -ne 0 ]; then echo "$me: failed; logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=''
for _ in $(seq 1 50); do
  candidate=$((8810 + RANDOM % 90))
  if ! port_busy "$candidate"; then port=$candidate; break; fi
done
[ -n "$port" ] || { echo "$me: no free port in 8810-8899" >&2; exit 1; }

password=bench-secret
(cd "$sg_dir" && STACKGATE_DATA_DIR="$work/data" STACKGATE_PORT=$port STACKGATE_ADMIN_PASSWORD=$password \
  STACKGATE_CLOUDS_YAML="$work/clouds.yaml" exec "$node" src/cli.ts all-in-one >"$work/stackgate.log" 2>&1) &
sg_pid=$!
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$sg_pid" 2>/dev/null || { echo "$me: stackgate exited, see $work/stackgate.log" >&2; exit 1; }
  sleep 0.2
done

stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$repo/bench/out"
out="$repo/bench/out/$name-$stamp.json"
commit=$(cd "$sg_dir" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
load_before=$(cut -d' ' -f1 /proc/loadavg)
"$node" "$repo/bench/$name.ts" "http://127.0.0.1:$port" "$password" >"$work/figures.json"
load_after=$(cut -d' ' -f1 /proc/loadavg)
"$node" -e '
const [file, stamp, commit, before, after, dir] = process.argv.slice(1);
const figures = JSON.parse(require("node:fs").readFileSync(file, "utf8"));
console.log(JSON.stringify({ run: stamp, commit, stackgate_dir: dir, nproc: require("node:os").cpus().length, load_before: Number(before), load_after: Number(after), ...figures }, null, 2));
' "$work/figures.json" "$stamp" "$commit" "$load_before" "$load_after" "$sg_dir" >"$out"
cat "$out"
