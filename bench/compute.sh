#!/bin/bash
# Nova figures: starts a fresh all-in-one stackgate (embedded SQLite, in-process bus, simulated hosts
# with instant timing), boots servers through the API and times server lists (bench/compute.ts).
# No reference Nova runs on these machines, so the figures stand alone.
#
# Usage: bench/compute.sh
#   BENCH_BOOT=0         only the list part (no single-server boots; the fill makes all BENCH_LIST_SERVERS)
#   BENCH_BOOT, BENCH_LIST_SERVERS, BENCH_BATCH, BENCH_CONCURRENCY, BENCH_LIST_RUNS  see bench/compute.ts
#   BENCH_HOSTS          simulated hosts (default 4, each 1024 vCPUs x4, 256 GiB, 20 TB)
#   BENCH_STACKGATE_DIR  the stackgate tree to run (default: this repo)
# Writes bench/out/compute-<timestamp>.json and prints it.
set -euo pipefail
export STACKGATE_COMPUTE_TIMING=instant STACKGATE_COMPUTE_HOSTS=${BENCH_HOSTS:-4} STACKGATE_COMPUTE_HOST_VCPUS=1024 \
  STACKGATE_COMPUTE_HOST_RAM_MB=262144 STACKGATE_COMPUTE_HOST_DISK_GB=20000
exec "$(dirname "$(readlink -f "$0")")/lib/run-against-fresh-stackgate.sh" compute
