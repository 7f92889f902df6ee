#!/bin/bash
# Nova figures: starts a fresh all-in-one stackgate (embedded SQLite, in-process bus, simulated hosts
# with instant timing), boots servers through the API and times server lists (bench/compute.ts).
# No reference Nova runs on these machines, so the figures stand alone.
#
# Usage: bench/compute.sh
#   BENCH_BOOT, BENCH_LIST_SERVERS, BENCH_BATCH, BENCH_CONCURRENCY, BENCH_LIST_RUNS  see bench/compute.ts
#   BENCH_HOSTS          simulated hosts (default 4, each 1024 vCPUs x4, 256 GiB, 20 TB)
#   BENCH_STACKGATE_DIR  the stackgate tree to run (default: this repo), e.g. an export of a commit
# Writes bench/out/compute-<timestamp>.json and prints it.
set -euo pipefail

repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
node="$repo/node_modules/.bin/node"
sg_dir=$(readlink -f "${BENCH_STACKGATE_DIR:-$repo}")
[ -x "$node" ] || { echo "bench/compute.sh: no Node 24 at $node" >&2; exit 1; }

work=$(mktemp -d /tmp/stackgate-bench-compute.XXXXXX)
sg_pid=''
cleanup() {
  local rc=$?
  if [ -n "$sg_pid" ] && kill -0 "$sg_pid" 2>/dev/null; then
    kill -TERM "$sg_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$sg_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$sg_pid" 2>/dev/null || true
  fi
  if [ "$rc" -ne 0 ]; then echo "bench/compute.sh: failed; logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=''
for _ in $(seq 1 50); do
  candidate=$((8810 + RANDOM % 90))
  if ! port_busy "$candidate"; then port=$candidate; break; fi
done
[ -n "$port" ] || { echo "bench/compute.sh: no free port in 8810-8899" >&2; exit 1; }

password=bench-secret
(cd "$sg_dir" && STACKGATE_DATA_DIR="$work/data" STACKGATE_PORT=$port STACKGATE_ADMIN_PASSWORD=$password \
  STACKGATE_CLOUDS_YAML="$work/clouds.yaml" STACKGATE_COMPUTE_TIMING=instant \
  STACKGATE_COMPUTE_HOSTS=${BENCH_HOSTS:-4} STACKGATE_COMPUTE_HOST_VCPUS=1024 STACKGATE_COMPUTE_HOST_RAM_MB=262144 STACKGATE_COMPUTE_HOST_DISK_GB=20000 exec "$node" src/cli.ts all-in-one >"$work/stackgate.log" 2>&1) &
sg_pid=$!
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$sg_pid" 2>/dev/null || { echo "bench/compute.sh: stackgate exited, see $work/stackgate.log" >&2; exit 1; }
  sleep 0.2
done

stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$repo/bench/out"
out="$repo/bench/out/compute-$stamp.json"
commit=$(cd "$sg_dir" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
load_before=$(cut -d' ' -f1 /proc/loadavg)
"$node" "$repo/bench/compute.ts" "http://127.0.0.1:$port" "$password" >"$work/figures.json"
load_after=$(cut -d' ' -f1 /proc/loadavg)
"$node" -e '
const [file, stamp, commit, before, after, dir] = process.argv.slice(1);
const figures = JSON.parse(require("node:fs").readFileSync(file, "utf8"));
console.log(JSON.stringify({ run: stamp, commit, stackgate_dir: dir, nproc: require("node:os").cpus().length, load_before: Number(before), load_after: Number(after), ...figures }, null, 2));
' "$work/figures.json" "$stamp" "$commit" "$load_before" "$load_after" "$sg_dir" >"$out"
cat "$out"
