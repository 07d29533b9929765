#!/usr/bin/env bash
# Hello world without the agent and under two agent jars, interleaved round by round, each jar on its
# own warm data directory (primed by five starts); prints median wall time (ms), user + system CPU (ms)
# and peak RSS (MB).
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
    /usr/bin/time -f "%M %U %S" -o rss $JAVA "${args[@]}" -cp . Hello > /dev/null 2>&1
    e=$(date +%s%N)
    echo "$j $(( (e - s) / 1000000 )) $(cat rss)"
  done
done > runs.txt
python3 - runs.txt <<'P'
import statistics as st, sys
d = {}
for l in open(sys.argv[1]):
    j, w, r, user, system = l.split()
    d.setdefault(j, []).append((int(w), int(r), (float(user) + float(system)) * 1000))
for j in ('none', 'old', 'new'):
    ws = [x[0] for x in d[j]]
    rs = [x[1] for x in d[j]]
    cs = [x[2] for x in d[j]]
    # CPU (user + system, GNU time's 10 ms resolution) moves less than wall time when other tenants share the cores.
    print(f"{j:5} wall median {st.median(ws):6.0f} ms (min {min(ws)}, max {max(ws)}), CPU median {st.median(cs):4.0f} ms,"
          f" peak RSS median {st.median(rs) / 1024:.1f} MB")
P
rm -rf "$work"
