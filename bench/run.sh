#!/usr/bin/env bash
# Runs the end-to-end benchmark (docs/BENCHMARKS.md). Extra arguments are passed through,
# e.g. bench/run.sh reps=1 changes=100000
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
exec java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" \
  dev.trickle.bench.EndToEndBenchmark "$@"
