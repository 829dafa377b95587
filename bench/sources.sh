#!/usr/bin/env bash
# Compares the two change sources, pgoutput and Debezium, in one run on one throwaway PostgreSQL
# 15 (docs/BENCHMARKS.md): decoded row changes per second of each source alone on the same
# backlog, then commit-to-visible latency of a real pipeline at 1,000 transactions per second.
# Extra arguments are passed through, e.g. bench/sources.sh changes=20000 seconds=5 warmup=2 reps=1
set -euo pipefail
export JAVA_OPTS="${JAVA_OPTS:--Xmx1g}"
exec "$(dirname "$0")/java.sh" dev.trickle.bench.SourceComparisonBenchmark "$@"
