#!/usr/bin/env bash
# The start-up benchmark (org.agenthypervisor.bench.startup.StartupBenchmark) on the JDKs of this
# machine: builds the agent, the refund desk and the benchmarks, writes the refund desk's class
# path, then runs whole JVMs with and without the agent. Run from anywhere; nothing else should run
# on the machine meanwhile.
#
#   bench/startup.sh                      # 11 rounds, report in bench/target/startup.md
#   RUNS=5 bench/startup.sh               # fewer rounds
#   SKIP_BUILD=1 bench/startup.sh         # reuse what is built
#   MVN="mvn -B -q -o -Dmaven.repo.local=/some/repo" bench/startup.sh
#   JAVAS="/path/to/jdk17 /path/to/jdk25" bench/startup.sh
#
# The JDKs: `java` on PATH (17 on the project's machines) and Temurin 25 where it is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

MVN=${MVN:-mvn -B -q}
RUNS=${RUNS:-11}
WARMUP=${WARMUP:-1}
OUT=${OUT:-bench/target/startup.md}
CP_FILE=samples/refund-desk/target/startup-classpath.txt

if [ -z "${SKIP_BUILD:-}" ]; then
  $MVN -DskipTests install -f api/pom.xml
  $MVN -DskipTests install -f core/pom.xml
  $MVN -DskipTests clean install -f agent/pom.xml
  $MVN -DskipTests install -f bench/pom.xml
  # The sample's parent, then the sample; its runtime class path (the api jar and H2) beside it.
  $MVN -DskipTests -N install -f samples/pom.xml
  $MVN -DskipTests package -f samples/refund-desk/pom.xml
  $MVN dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile="$PWD/$CP_FILE" \
    -f samples/refund-desk/pom.xml
fi

if [ -z "${JAVAS:-}" ]; then
  JAVAS=$(readlink -f "$(command -v java)")
  if [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then
    JAVAS="$JAVAS /usr/lib/jvm/temurin-25-jdk-amd64/bin/java"
  fi
fi
java_args=()
for j in $JAVAS; do
  java_args+=(--java "$j")
done

mkdir -p "$(dirname "$OUT")"
exec java -cp bench/target/benchmarks.jar org.agenthypervisor.bench.startup.StartupBenchmark \
  --agent agent/target/agent-hypervisor.jar \
  "${java_args[@]}" \
  --refund-desk-cp "samples/refund-desk/target/classes:$(cat "$CP_FILE")" \
  --refund-desk-main org.agenthypervisor.samples.refund.RefundDesk \
  --refund-desk-policy policies/demo.yaml \
  --runs "$RUNS" --warmup "$WARMUP" --out "$OUT"
