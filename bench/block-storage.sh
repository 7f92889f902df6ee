#!/bin/bash
# Cinder volume figures: starts a fresh all-in-one stackgate on the embedded SQLite store (the file
# backend, STACKGATE_BLOCK_STORAGE_DELAY_MS=0), creates and attaches BENCH_VOLUMES volumes and times
# the detailed list (bench/block-storage.ts).
# No reference Cinder runs on these machines, so the figures stand alone.
#
# Usage: bench/block-storage.sh
#   BENCH_VOLUMES, BENCH_CONCURRENCY, BENCH_LIST_RUNS  see bench/block-storage.ts
#   BENCH_STACKGATE_DIR  the stackgate tree to run (default: this repo)
# Writes bench/out/block-storage-<timestamp>.json and prints it.
set -euo pipefail
export STACKGATE_BLOCK_STORAGE_DELAY_MS=0
exec "$(dirname "$(readlink -f "$0")")/lib/run-against-fresh-stackgate.sh" block-storage
