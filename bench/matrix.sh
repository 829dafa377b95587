#!/usr/bin/env bash
# Runs the refresh benchmark matrix (docs/BENCHMARKS.md): FULL vs DIFFERENTIAL vs AUTO for the
# queries scan, filter, aggregate, join and join_agg. Extra arguments are passed through,
# e.g. bench/matrix.sh sizes=10000 rates=1,10 reps=3
set -euo pipefail
exec "$(dirname "$0")/java.sh" dev.trickle.bench.RefreshMatrixBenchmark "$@"
