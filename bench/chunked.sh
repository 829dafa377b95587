#!/usr/bin/env bash
# Chunked against single MERGE (docs/BENCHMARKS.md): a 200,000-row delta on a KEYED stream table
# merged whole and in chunks of merge_batch_size rows; refresh time and the server process's peak
# private memory. Extra arguments are passed through, e.g. bench/chunked.sh reps=3 out=docs/BENCHMARKS.md
set -euo pipefail
exec "$(dirname "$0")/java.sh" dev.trickle.bench.ChunkedMergeBenchmark "$@"
