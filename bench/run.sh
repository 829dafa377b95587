#!/usr/bin/env bash
# Runs the end-to-end benchmark (docs/BENCHMARKS.md). Extra arguments are passed through,
# e.g. bench/run.sh reps=1 changes=100000
set -euo pipefail
exec "$(dirname "$0")/java.sh" dev.trickle.bench.EndToEndBenchmark "$@"
