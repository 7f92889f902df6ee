#!/bin/bash
# Token figures for stackgate side by side with Debian's real Keystone, from one run on one machine.
# Both endpoints are measured by the same function with the reference's own wrk scripts:
# token validation and token issue (token method) at c=8, password issue at c=4.
#
# Usage: bench/keystone.sh
#   BENCH_SECONDS  seconds per figure (default 20, as the reference; 5 for a quick run)
#   BENCH_WARMUP   seconds of unrecorded load before each figure (default 3; both sides alike)
#   BENCH_NODE_ARGS extra node flags for stackgate, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
#   BENCH_NO_RESULTS=1  write the JSON but leave bench/RESULTS.md alone
#   BENCH_STACKGATE_WORKERS  API worker processes (default 2, as the reference Keystone's 2 uwsgi processes)
#   BENCH_STACKGATE_DIR  the stackgate tree to run (default: this repo), e.g. an export of a commit
# Writes bench/out/keystone-<timestamp>.json, prints a table, updates bench/RESULTS.md.
set -euo pipefail

repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
ref="$repo/../shared/reference"
node="$repo/node_modules/.bin/node"
sg_dir=$(readlink -f "${BENCH_STACKGATE_DIR:-$repo}")
seconds=${BENCH_SECONDS:-20}
warmup=${BENCH_WARMUP:-3}
keystone_url=http://127.0.0.1:5000/v3

die() { echo "bench/keystone.sh: $*" >&2; exit 1; }
[ -x "$ref/setup-keystone.sh" ] || die "no reference scripts at $ref"
[ -x "$node" ] || die "no Node 24 at $node"
command -v wrk >/dev/null || apt-get install -y -o DPkg::Lock::Timeout=600 wrk >/dev/null || die "cannot install wrk"
command -v curl >/dev/null || die "curl is needed"

work=$(mktemp -d /tmp/stackgate-bench-keystone.XXXXXX)
sg_pid=''
cleanup() {
  local rc=$?
  if [ -n "$sg_pid" ] && kill -0 "$sg_pid" 2>/dev/null; then
    kill -TERM "$sg_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$sg_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$sg_pid" 2>/dev/null || true
  fi
  if [ -f "$work/keystone/uwsgi.pid" ]; then
    local ks_pid; ks_pid=$(cat "$work/keystone/uwsgi.pid")
    kill -TERM "$ks_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$ks_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$ks_pid" 2>/dev/null || true
  fi
  if [ "$rc" -ne 0 ]; then echo "bench/keystone.sh: failed; logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  "$node" -e 'const s=require("node:net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# --- the reference: Keystone on :5000, set up by the reference's own script ---
port_busy 5000 && die "127.0.0.1:5000 is already in use; the reference Keystone needs it"
echo "setting up Keystone (reference) in $work/keystone ..."
"$ref/setup-keystone.sh" "$work/keystone" >"$work/setup-keystone.log" 2>&1 || die "setup-keystone.sh failed; see $work/setup-keystone.log"

# --- stackgate, on a free port, fresh data dir ---
sg_port=$(free_port)
stackgate_url="http://127.0.0.1:$sg_port/identity/v3"
mkdir -p "$work/stackgate"
echo "starting stackgate on 127.0.0.1:$sg_port ..."
# shellcheck disable=SC2086 # BENCH_NODE_ARGS is a list of flags
env -u STACKGATE_CONFIG STACKGATE_DATA_DIR="$work/stackgate" STACKGATE_HOST=127.0.0.1 STACKGATE_PORT="$sg_port" \
  STACKGATE_ADMIN_PASSWORD=secret STACKGATE_CLOUDS_YAML=off STACKGATE_LOG_LEVEL=warn \
  STACKGATE_API_WORKERS="${BENCH_STACKGATE_WORKERS:-2}" \
  "$node" ${BENCH_NODE_ARGS:-} "$sg_dir/src/cli.ts" all-in-one >"$work/stackgate.log" 2>&1 &
sg_pid=$!
for _ in $(seq 1 120); do
  curl -sf -o /dev/null "$stackgate_url" && break
  kill -0 "$sg_pid" 2>/dev/null || die "stackgate exited at start; see $work/stackgate.log"
  sleep 0.25
done
curl -sf -o /dev/null "$stackgate_url" || die "stackgate did not answer at $stackgate_url"

# A project-scoped token for admin, as the reference's bench does.
issue_token() { # auth_url
  curl -si -H 'Content-Type: application/json' \
    -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"id":"default"},"password":"secret"}}},"scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}' \
    "$1/auth/tokens" | tr -d '\r' | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: //p'
}

# wrk's latency ("850.00us", "2.23ms", "1.31s", "1.02m") in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1;
    if (f < 0 || v == "") print "null"; else printf "%.3f\n", n * f }'
}

# One figure, measured the same way for either side; prints a JSON object.
figure() { # side auth_url lua concurrency
  local side=$1 url=$2 lua="$ref/$3" conc=$4 out rps p50 non2xx errors requests
  # wrk's default 2 s timeout would drop Keystone's slowest password issues from the latency figures.
  [ "$warmup" -gt 0 ] && wrk -t2 -c"$conc" -d"${warmup}s" --timeout 10s -s "$lua" "$url/auth/tokens" >/dev/null 2>&1
  out=$(wrk -t2 -c"$conc" -d"${seconds}s" --timeout 10s --latency -s "$lua" "$url/auth/tokens" 2>&1)
  echo "$out" >>"$work/wrk-$side.log"
  rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  errors=$(echo "$out" | awk '/Socket errors/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}')
  printf '{"requests_per_second":%s,"p50_ms":%s,"requests":%s,"non_2xx":%s,"socket_errors":%s}' \
    "${rps:-null}" "$(to_ms "${p50:-}")" "${requests:-0}" "${non2xx:-0}" "${errors:-0}"
}

# Each figure is taken on both sides back to back (Keystone, then stackgate), so that any other load
# on the machine drifts over both alike rather than over one side's whole series.
get_token() { # side auth_url -> a project-scoped admin token
  local t; t=$(issue_token "$2")
  [ -n "$t" ] || die "no token from $1 at $2"
  echo "$t"
}
keystone_token=$(get_token keystone "$keystone_url")
stackgate_token=$(get_token stackgate "$stackgate_url")
export KS_USER=admin KS_PASSWORD=secret
both() { # name lua concurrency -> $work/<name>.keystone and $work/<name>.stackgate (JSON)
  echo "  $1 (c=$3): Keystone ..." >&2
  KS_TOKEN=$keystone_token figure keystone "$keystone_url" "$2" "$3" >"$work/$1.keystone"
  echo "  $1 (c=$3): stackgate ..." >&2
  KS_TOKEN=$stackgate_token figure stackgate "$stackgate_url" "$2" "$3" >"$work/$1.stackgate"
}

echo "measuring, ${seconds}s a figure (after ${warmup}s warm-up), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
load_before=$(cut -d' ' -f1 /proc/loadavg)
both token_validate keystone-validate.lua 8
both token_issue_token_method keystone-issue-token.lua 8
both token_issue_password keystone-issue-password.lua 4
load_after=$(cut -d' ' -f1 /proc/loadavg)
side_json() { # side
  printf '{"token_validate":%s,"token_issue_token_method":%s,"token_issue_password":%s}' \
    "$(cat "$work/token_validate.$1")" "$(cat "$work/token_issue_token_method.$1")" "$(cat "$work/token_issue_password.$1")"
}
keystone_json=$(side_json keystone)
stackgate_json=$(side_json stackgate)
kill -0 "$sg_pid" 2>/dev/null || die "stackgate died during the run; see $work/stackgate.log"

# Which code was measured: the commit, marked +dirty when the tree had uncommitted changes.
sg_commit() {
  if git -C "$sg_dir" rev-parse --git-dir >/dev/null 2>&1; then
    echo "$(git -C "$sg_dir" rev-parse --short HEAD)$(git -C "$sg_dir" diff --quiet HEAD 2>/dev/null || echo +dirty)"
  else
    echo "${BENCH_STACKGATE_COMMIT:-unknown}"
  fi
}

mkdir -p "$repo/bench/out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
json="$repo/bench/out/keystone-$stamp.json"
cat >"$json" <<JSON
{
  "benchmark": "keystone-tokens",
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "machine": {"nproc": $(nproc), "model": "$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo | sed 's/"/\\"/g')"},
  "method": {"tool": "$(wrk -v 2>&1 | head -1 | awk '{print $1, $2}')", "threads": 2, "timeout_seconds": 10, "seconds": $seconds, "warmup_seconds": $warmup,
             "concurrency": {"token_validate": 8, "token_issue_token_method": 8, "token_issue_password": 4},
             "lua": "../shared/reference/keystone-*.lua",
             "order": "per figure: Keystone then stackgate", "loadavg_1m_before": $load_before, "loadavg_1m_after": $load_after},
  "keystone": {"url": "$keystone_url", "version": "$(dpkg-query -W -f='${Version}' python3-keystone 2>/dev/null)", "figures": $keystone_json},
  "stackgate": {"url": "$stackgate_url", "commit": "$(sg_commit)", "figures": $stackgate_json}
}
JSON
echo "wrote $json"

update=(--print)
[ "${BENCH_NO_RESULTS:-}" = 1 ] || update+=(--results "$repo/bench/RESULTS.md")
"$node" "$repo/bench/keystone-results.ts" "$json" "${update[@]}"
