#!/usr/bin/env bash
# A fleet of stream tables on one slot under a steady write load (docs/BENCHMARKS.md): 100 stream
# tables (scans, filters, aggregates, joins, aggregates over joins) at 1,000 source row changes/s;
# the service's CPU and heap, refreshes, commit-to-visible latency and lag, then every stream
# table is compared with its query. Extra arguments are passed through, e.g.
# bench/fleet.sh tables=20 seconds=10 warmup=3, or bench/fleet.sh out=docs/BENCHMARKS.md
set -euo pipefail
export JAVA_OPTS="${JAVA_OPTS:--Xmx1g}"
exec "$(dirname "$0")/java.sh" dev.trickle.bench.FleetBenchmark "$@"
