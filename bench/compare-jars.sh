#!/usr/bin/env bash
# Hello world without the agent and under two agent jars, interleaved round by round, each jar on its
# own warm data directory (primed by five starts); prints median wall time (ms) and peak RSS (MB).
#
#   bench/compare-jars.sh OLD.jar NEW.jar            # N=11 rounds; JAVA=... for another JDK
#
# For a quick before/after of a change that should not move start-up; bench/startup.sh is the full run.
set -euo pipefail
old=$(readlink -f "$1"); new=$(readlink -f "$2")
JAVA=${JAVA:-java}
N=${N:-11}
work=$(mktemp -d)
cd "$work"
printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' > Hello.java
javac Hello.java
echo "version: 1" > p.yaml
agent() { echo "-javaagent:$1=policy=p.yaml,dataDir=d-$2"; }
for j in old new; do
  jar=$([ $j = old ] && echo "$old" || echo "$new")
  for i in 1 2 3 4 5; do $JAVA "$(agent "$jar" $j)" -cp . Hello > /dev/null 2>&1; done
done
for i in $(seq 1 "$N"); do
  for j in none old new; do
    case $j in
      none) args=() ;;
      old) args=("$(agent "$old" old)") ;;
      new) args=("$(agent "$new" new)") ;;
    esac
    s=$(date +%s%N)
    /usr/bin/time -f "%M" -o rss $JAVA "${args[@]}" -cp . Hello > /dev/null 2>&1
    e=$(date +%s%N)
    echo "$j $(( (e - s) / 1000000 )) $(cat rss)"
  done
done > runs.txt
python3 - runs.txt <<'P'
import statistics as st, sys
d = {}
for l in open(sys.argv[1]):
    j, w, r = l.split()
    d.setdefault(j, []).append((int(w), int(r)))
for j in ('none', 'old', 'new'):
    ws = [w for w, r in d[j]]
    rs = [r for w, r in d[j]]
    print(f"{j:5} wall median {st.median(ws):6.0f} ms (min {min(ws)}, max {max(ws)}), peak RSS median {st.median(rs) / 1024:.1f} MB")
P
rm -rf "$work"
