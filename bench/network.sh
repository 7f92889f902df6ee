#!/bin/bash
# Neutron port figures: starts a fresh all-in-one stackgate on the embedded SQLite store, creates
# BENCH_PORTS ports (5,000 by default) and times port lists with filters (bench/network.ts).
# No reference Neutron runs on these machines, so the figures stand alone.
#
# Usage: bench/network.sh
#   BENCH_PORTS, BENCH_CONCURRENCY, BENCH_LIST_RUNS  see bench/network.ts
#   BENCH_STACKGATE_DIR  the stackgate tree to run (default: this repo)
# Writes bench/out/network-<timestamp>.json and prints it.
set -euo pipefail
exec "$(dirname "$(readlink -f "$0")")/lib/run-against-fresh-stackgate.sh" network
