#!/usr/bin/env bash
# The demo: builds the project, runs the refund desk under the agent from a fresh data directory,
# then verifies the audit log the run wrote, shows the trust scores and sagas it left behind, and
# writes the run's audit report (audit-report.html).
# Every command is printed before it runs, so you can run them yourself.
set -euo pipefail
cd "$(dirname "$0")"

step() {
  printf '\n$ %s\n' "$*"
  "$@"
}

step mvn -B -q -DskipTests package
# The trust ledger persists across runs (a slashed agent stays slashed): start the story afresh.
rm -rf .agent-hypervisor
step java -javaagent:agent/target/agent-hypervisor.jar=policy=policies/demo.yaml -jar samples/refund-desk/target/refund-desk.jar
step java -jar agent/target/agent-hypervisor.jar audit verify
step java -jar agent/target/agent-hypervisor.jar trust list
step java -jar agent/target/agent-hypervisor.jar saga list
step java -jar agent/target/agent-hypervisor.jar audit report --html audit-report.html
echo
echo "The run's audit report: $(pwd)/audit-report.html (one self-contained page; open it in a browser)"
