#!/usr/bin/env bash
# Runs a benchmark main class from the test sources: bench/java.sh CLASS [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
class=$1
shift
mvn -q -B test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
exec java ${JAVA_OPTS:-} -cp "target/test-classes:target/classes:$(cat target/cp.txt)" "$class" "$@"
