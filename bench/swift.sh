#!/bin/bash
# Object storage figures for stackgate side by side with Debian's real Swift, from one run on one
# machine. Both sides have 3 replicas on 3 local devices with part power 10 (the reference's
# setup-swift.sh and stackgate's all-in-one defaults) and are measured by the same functions:
# wrk with the reference's lua scripts for PUT and GET of 1 KiB and 1 MiB objects at c=8, and a
# container of 100,000 objects (filled by bench/swift-fill.ts, the same parallel PUTs on both
# sides) listed with the default limit (10,000 names, JSON) and in full (marker paging).
#
# Usage: bench/swift.sh
#   BENCH_SECONDS   seconds per wrk figure (default 20, as the reference); BENCH_WARMUP (default 3)
#   BENCH_LIST_OBJECTS  objects in the listed container (default 100000)
#   BENCH_FILL_CONCURRENCY  parallel PUTs filling it (default 32)
#   BENCH_SIDES     "swift stackgate" (default) or one of them
#   BENCH_OPS       "put get" (default) or one of them: which wrk figures to take
#   BENCH_LIST=0    skip the filled-container listing figures (default 1)
#   BENCH_STACKGATE_WORKERS  API processes (default 2, as the reference proxy's 2 workers)
#   BENCH_NODE_ARGS extra node flags for stackgate, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
#   BENCH_STACKGATE_DIR  the stackgate tree to run (default: this repo), e.g. an export of a commit
#   BENCH_KEEP=1    keep the work directory (logs, data) after a successful run
# Writes bench/out/swift-<timestamp>.json and prints a Markdown table.
set -euo pipefail

repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
ref="$repo/../shared/reference"
node="$repo/node_modules/.bin/node"
sg_dir=$(readlink -f "${BENCH_STACKGATE_DIR:-$repo}")
seconds=${BENCH_SECONDS:-20}
warmup=${BENCH_WARMUP:-3}
list_objects=${BENCH_LIST_OBJECTS:-100000}
fill_concurrency=${BENCH_FILL_CONCURRENCY:-32}
sides=${BENCH_SIDES:-swift stackgate}
workers=${BENCH_STACKGATE_WORKERS:-2}
ops=${BENCH_OPS:-put get}
with_list=${BENCH_LIST:-1}

die() { echo "bench/swift.sh: $*" >&2; exit 1; }
[ -x "$ref/setup-swift.sh" ] || die "no reference scripts at $ref"
[ -x "$node" ] || die "no Node 24 at $node"
command -v wrk >/dev/null || apt-get install -y -o DPkg::Lock::Timeout=600 wrk >/dev/null || die "cannot install wrk"
command -v curl >/dev/null || die "curl is needed"
has_side() { [[ " $sides " == *" $1 "* ]]; }

work=$(mktemp -d /tmp/stackgate-bench-swift.XXXXXX)
# Swift's workers drop to user swift: mktemp's 0700 would keep them out of their own devices and
# configuration, and they die before answering ("worker did not start normally")
chmod 755 "$work"
sg_pid=''
stop_pid() { # pid: TERM its process group (setsid'd servers fork workers), then KILL
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  [ -n "$sg_pid" ] && stop_pid "$sg_pid"
  for f in "$work"/swift/*.pid; do [ -f "$f" ] && stop_pid "$(cat "$f")"; done
  if [ "$rc" -ne 0 ] || [ "${BENCH_KEEP:-}" = 1 ]; then echo "bench/swift.sh: work directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  "$node" -e 'const s=require("node:net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
to_ms() { # wrk's "850.00us", "2.23ms", "1.31s" in milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1;
    if (f < 0 || v == "") print "null"; else printf "%.3f\n", n * f }'
}

declare -A surl stoken
# --- the reference: Swift on :8080 (tempauth), set up by the reference's own script ---
if has_side swift; then
  for p in 8080 6200 6201 6202 11211; do port_busy $p && die "127.0.0.1:$p is already in use; the reference Swift needs it"; done
  echo "setting up Swift (reference) in $work/swift ..."
  "$ref/setup-swift.sh" "$work/swift" >"$work/setup-swift.log" 2>&1 || die "setup-swift.sh failed; see $work/setup-swift.log"
  auth=$(curl -si -H 'X-Auth-User: admin:admin' -H 'X-Auth-Key: testing' http://127.0.0.1:8080/auth/v1.0 | tr -d '\r')
  surl[swift]=$(echo "$auth" | sed -n 's/^[Xx]-[Ss]torage-[Uu]rl: //p')
  stoken[swift]=$(echo "$auth" | sed -n 's/^[Xx]-[Aa]uth-[Tt]oken: //p')
  [ -n "${stoken[swift]}" ] || die "no tempauth token from Swift"
fi

# --- stackgate all-in-one, on a free port, fresh data dir, its default 3 devices / 3 replicas ---
if has_side stackgate; then
  sg_port=$(free_port)
  mkdir -p "$work/stackgate"
  echo "starting stackgate on 127.0.0.1:$sg_port ($workers API workers) ..."
  # shellcheck disable=SC2086 # BENCH_NODE_ARGS is a list of flags
  (env -u STACKGATE_CONFIG STACKGATE_DATA_DIR="$work/stackgate" STACKGATE_HOST=127.0.0.1 STACKGATE_PORT="$sg_port" \
    STACKGATE_ADMIN_PASSWORD=secret STACKGATE_CLOUDS_YAML=off STACKGATE_LOG_LEVEL=warn STACKGATE_API_WORKERS="$workers" \
    setsid "$node" ${BENCH_NODE_ARGS:-} "$sg_dir/src/cli.ts" all-in-one >"$work/stackgate.log" 2>&1 & echo $! >"$work/stackgate.pid")
  sg_pid=$(cat "$work/stackgate.pid")
  ks="http://127.0.0.1:$sg_port/identity/v3"
  for _ in $(seq 1 120); do
    curl -sf -o /dev/null "$ks" && break
    kill -0 "$sg_pid" 2>/dev/null || die "stackgate exited at start; see $work/stackgate.log"
    sleep 0.25
  done
  resp=$(curl -si -H 'Content-Type: application/json' \
    -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"id":"default"},"password":"secret"}}},"scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}' \
    "$ks/auth/tokens" | tr -d '\r')
  stoken[stackgate]=$(echo "$resp" | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: //p')
  project=$(echo "$resp" | sed -n '/^{/p' | "$node" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).token.project.id))')
  [ -n "${stoken[stackgate]}" ] && [ -n "$project" ] || die "no token from stackgate"
  surl[stackgate]="http://127.0.0.1:$sg_port/object-store/v1/AUTH_$project"
  # the object servers start with the API; wait until the account answers
  for _ in $(seq 1 60); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: ${stoken[stackgate]}" "${surl[stackgate]}")" = 204 ] && break
    sleep 0.5
  done
fi

# One wrk figure, the same for either side; prints a JSON object.
wrk_figure() { # side op size
  local side=$1 op=$2 size=$3 out rps p50 requests non2xx errors
  export SW_TOKEN=${stoken[$side]} SIZE=$size
  [ "$warmup" -gt 0 ] && wrk -t2 -c8 -d"${warmup}s" --timeout 10s -s "$ref/swift-$op.lua" "${surl[$side]}" >/dev/null 2>&1
  out=$(wrk -t2 -c8 -d"${seconds}s" --timeout 10s --latency -s "$ref/swift-$op.lua" "${surl[$side]}" 2>&1)
  echo "$out" >>"$work/wrk-$side.log"
  rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  errors=$(echo "$out" | awk '/Socket errors/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}')
  printf '{"requests_per_second":%s,"p50_ms":%s,"requests":%s,"non_2xx":%s,"socket_errors":%s}' \
    "${rps:-null}" "$(to_ms "${p50:-}")" "${requests:-0}" "${non2xx:-0}" "${errors:-0}"
}

prepare() { # side: the bench container and the objects the GET figures read
  local side=$1
  curl -sf -X PUT -H "X-Auth-Token: ${stoken[$side]}" "${surl[$side]}/bench" -o /dev/null || die "$side: cannot create container bench"
  for size in 1024 1048576; do
    head -c $size /dev/zero | curl -sf -X PUT -H "X-Auth-Token: ${stoken[$side]}" --data-binary @- "${surl[$side]}/bench/fixed-$size" -o /dev/null ||
      die "$side: cannot PUT bench/fixed-$size"
  done
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# The listing figures of a filled container: JSON with the default limit, and the whole listing.
list_figures() { # side
  local side=$1 url="${surl[$1]}/list" tok=${stoken[$1]} fill n t full
  echo "  $side: filling a container with $list_objects objects ($fill_concurrency parallel PUTs) ..." >&2
  fill=$("$node" "$repo/bench/swift-fill.ts" "${surl[$side]}" "$tok" list "$list_objects" "$fill_concurrency")
  n=$(curl -s -H "X-Auth-Token: $tok" -H 'Accept: application/json' "$url?format=json" |
    "$node" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).length))')
  [ "$n" = 10000 ] || [ "$list_objects" -lt 10000 ] || die "$side: the default listing held $n names, not 10000"
  t=$(for _ in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}\n' -H "X-Auth-Token: $tok" "$url?format=json"; done | median)
  full=$(for _ in 1 2 3; do
    local start marker='' page count=0 names
    start=$(date +%s.%N)
    while :; do
      page=$(curl -s -H "X-Auth-Token: $tok" "$url?format=plain&marker=$marker")
      [ -z "$page" ] && break
      names=$(echo "$page" | wc -l); count=$((count + names))
      marker=$(echo "$page" | tail -1)
      [ "$names" -lt 10000 ] && break
    done
    [ "$count" = "$list_objects" ] || die "$side: the full listing held $count names"
    awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", b - a }' 
  done | median)
  printf '{"fill":%s,"listing_default_limit_json_seconds":%s,"listing_full_plain_seconds":%s}' "$fill" "$t" "$full"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
uptime_before=$(uptime)
echo "measuring, ${seconds}s a figure (after ${warmup}s warm-up); $uptime_before"
declare -A result
for side in $sides; do prepare "$side"; done
# Each figure is taken on both sides back to back, so that other load drifts over both alike.
for size in 1024 1048576; do
  for op in $ops; do
    for side in $sides; do
      echo "  object-$op size=$size c=8: $side ..." >&2
      result[$side.$op.$size]=$(wrk_figure "$side" "$op" "$size")
    done
  done
done
for side in $sides; do
  if [ "$with_list" = 1 ]; then result[$side.list]=$(list_figures "$side"); else result[$side.list]=null; fi
done
uptime_after=$(uptime)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
for side in $sides; do
  [ "$side" = stackgate ] && { kill -0 "$sg_pid" 2>/dev/null || die "stackgate died during the run; see $work/stackgate.log"; }
done

side_json() { # side
  printf '{"url":"%s","put_1k":%s,"get_1k":%s,"put_1m":%s,"get_1m":%s,"listing":%s}' "${surl[$1]}" \
    "${result[$1.put.1024]:-null}" "${result[$1.get.1024]:-null}" "${result[$1.put.1048576]:-null}" "${result[$1.get.1048576]:-null}" "${result[$1.list]}"
}
sg_commit() { # the commit measured, +dirty when the tree had uncommitted changes
  if git -C "$sg_dir" rev-parse --git-dir >/dev/null 2>&1; then
    echo "$(git -C "$sg_dir" rev-parse --short HEAD)$(git -C "$sg_dir" diff --quiet HEAD 2>/dev/null || echo +dirty)"
  else
    echo "${BENCH_STACKGATE_COMMIT:-unknown}"
  fi
}
mkdir -p "$repo/bench/out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
json="$repo/bench/out/swift-$stamp.json"
{
  echo "{"
  echo "  \"benchmark\": \"swift-objects\", \"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
  echo "  \"machine\": {\"nproc\": $(nproc), \"model\": \"$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)\", \"uptime_before\": \"$uptime_before\", \"uptime_after\": \"$uptime_after\"},"
  echo "  \"method\": {\"tool\": \"$(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')\", \"threads\": 2, \"concurrency\": 8, \"seconds\": $seconds, \"warmup_seconds\": $warmup,"
  echo "             \"lua\": \"../shared/reference/swift-{put,get}.lua\", \"list_objects\": $list_objects, \"fill_concurrency\": $fill_concurrency,"
  echo "             \"replicas\": 3, \"devices\": 3, \"part_power\": 10, \"stackgate_api_workers\": $workers, \"swift_proxy_workers\": 2, \"ops\": \"$ops\", \"listing\": $with_list},"
  sep=''
  for side in $sides; do
    extra=''
    [ "$side" = swift ] && extra="\"version\": \"$(dpkg-query -W -f='${Version}' swift 2>/dev/null)\", "
    [ "$side" = stackgate ] && extra="\"commit\": \"$(sg_commit)\", "
    echo "  $sep\"$side\": {$extra\"figures\": $(side_json "$side")}"
    sep=','
  done
  echo "}"
} >"$json"
echo "wrote $json"
"$node" -e '
const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
const sides = ["stackgate", "swift"].filter((s) => r[s]);
const f = (s, k) => r[s]?.figures[k];
const rows = [["PUT 1 KiB, c=8", "put_1k"], ["GET 1 KiB, c=8", "get_1k"], ["PUT 1 MiB, c=8", "put_1m"], ["GET 1 MiB, c=8", "get_1m"]];
console.log("| figure | " + sides.map((s) => `${s} req/s | ${s} p50`).join(" | ") + (sides.length === 2 ? " | ratio (req/s) |" : " |"));
console.log("| --- |" + sides.map(() => " ---: | ---: |").join("") + (sides.length === 2 ? " ---: |" : ""));
for (const [label, k] of rows) {
  if (sides.some((s) => !f(s, k))) continue; // not taken in this run (BENCH_OPS)
  const cells = sides.map((s) => `${f(s, k).requests_per_second} | ${f(s, k).p50_ms} ms`);
  const ratio = sides.length === 2 ? ` | ${(f("stackgate", k).requests_per_second / f("swift", k).requests_per_second).toFixed(2)}x` : "";
  console.log(`| ${label} | ${cells.join(" | ")}${ratio} |`);
}
const l = (s) => f(s, "listing");
if (sides.some((s) => !l(s))) process.exit(0); // BENCH_LIST=0
// a rate is better higher, a time lower: the ratio is always the advantage of stackgate
const lrow = (label, pick, unit, higherBetter) => {
  const cells = sides.map((s) => `${pick(l(s))}${unit} | `);
  const [a, b] = sides.length === 2 ? [pick(l("stackgate")), pick(l("swift"))] : [0, 0];
  const ratio = sides.length === 2 ? ` | ${(higherBetter ? a / b : b / a).toFixed(2)}x` : "";
  console.log(`| ${label} | ${cells.join(" | ")}${ratio} |`);
};
lrow(`fill ${r.method.list_objects} objects (${r.method.fill_concurrency} parallel PUTs), objects/s`, (x) => x.fill.per_second, "", true);
lrow("listing, default limit (10,000), JSON, median of 5", (x) => x.listing_default_limit_json_seconds, " s", false);
lrow(`full listing (${r.method.list_objects / 10000} pages), median of 3`, (x) => x.listing_full_plain_seconds, " s", false);
' "$json"
