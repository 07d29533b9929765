#!/usr/bin/env bash
# Remakes agent/src/build/byte-buddy-keep.txt, the Byte Buddy classes the agent jar keeps (see the
# header of that file for why and how), e.g. after a Byte Buddy update:
#
#   agent/src/build/byte-buddy-keep.sh            # builds, runs the traced tests (~40 min), writes the list
#   agent/src/build/byte-buddy-keep.sh --from-traces DIR   # only writes the list from traces already in DIR
#
# It builds the agent with all of Byte Buddy, runs the agent's integration tests and the samples'
# on Java 17 and Java 25 (JAVA17, JAVA25) and `java -jar agent-hypervisor.jar <command> --help` for
# every command, each child JVM with -Xlog:class+load, then lists every Byte Buddy class they
# loaded, plus the families named in WHOLE below and every family of at most five classes one of
# whose classes was loaded. Review the diff, then run the agent's and the samples' tests on the jar
# the new list makes. MVN overrides the Maven command (e.g. MVN="mvn -B -o -Dmaven.repo.local=...").
set -euo pipefail
cd "$(dirname "$0")/../../.."

MVN=${MVN:-mvn -B}
JAVA17=${JAVA17:-$(readlink -f "$(command -v java)")}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
LIST=agent/src/build/byte-buddy-keep.txt
# Families kept whole whatever the traces show: what they run depends on the woven classes.
WHOLE="net/bytebuddy/asm/Advice net/bytebuddy/pool/TypePool net/bytebuddy/description/annotation/AnnotationValue net/bytebuddy/jar/asm/*"

if [ "${1:-}" = "--from-traces" ]; then
  traces=$2
  full_jar=${3:-agent/target/agent-hypervisor.jar}
else
  work=$(mktemp -d)
  traces=$work/traces
  mkdir -p "$traces"
  echo '**' > "$work/all.txt"
  for v in 17 25; do
    java=JAVA$v
    cat > "$work/java$v" <<EOF
#!/bin/sh
exec ${!java} -Xlog:class+load=info:file=$traces/java$v-%p.log "\$@"
EOF
    chmod +x "$work/java$v"
  done
  $MVN -q -DskipTests install -f api/pom.xml
  $MVN -q -DskipTests install -f core/pom.xml
  $MVN -q -DskipTests clean install -f agent/pom.xml -Dagent.byteBuddyKeep="$work/all.txt"
  full_jar=$work/agent-hypervisor-full.jar
  cp agent/target/agent-hypervisor.jar "$full_jar"
  for v in 17 25; do
    $MVN verify -f agent/pom.xml -DskipUTs=true -Dit.java="$work/java$v" -Dagent.byteBuddyKeep="$work/all.txt"
    $MVN verify -fae -f samples/pom.xml -Dit.java="$work/java$v"
    commands=$("${JAVA17}" -jar "$full_jar" --help | sed -n '/^Commands:/,$p' | awk '/^  [a-z]/ {print $1}')
    for c in "" $commands; do
      "$work/java$v" -jar "$full_jar" $c --help > /dev/null
      for s in $("${JAVA17}" -jar "$full_jar" $c --help | sed -n '/^Commands:/,$p' | awk '/^  [a-z]/ {print $1}'); do
        "$work/java$v" -jar "$full_jar" $c "$s" --help > /dev/null
      done
    done
  done
fi

python3 - "$traces" "$full_jar" "$LIST" "$WHOLE" <<'EOF'
import collections, glob, re, sys, zipfile
traces, jar, out, whole = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split()
prefix = 'org/agenthypervisor/internals/org/agenthypervisor/shaded/'
every = set()
# The internals' classes are packed into blocks; their names are in the index (PackInternals.java).
index = zipfile.ZipFile(jar).read('org/agenthypervisor/internals/META-INF/agent-hypervisor/classes')
count, pos = int.from_bytes(index[12:16], 'big'), 16
for _ in range(count):
    n = int.from_bytes(index[pos:pos + 2], 'big')
    name = 'org/agenthypervisor/internals/' + index[pos + 2:pos + 2 + n].decode()
    pos += 2 + n + 10
    if name.startswith(prefix + 'net/bytebuddy/'):
        every.add(name[len(prefix):])
if len(every) < 2500:
    sys.exit(jar + ' does not hold all of Byte Buddy (' + str(len(every)) + ' classes): build it with the list "**"')
loaded = set()
for log in glob.glob(traces + '/*.log'):
    for m in re.finditer(r'org\.agenthypervisor\.shaded\.(net\.bytebuddy\.[\w.$]+)', open(log, errors='replace').read()):
        loaded.add(m.group(1).replace('.', '/'))
family = collections.defaultdict(set)
for c in every:
    family[c.split('$')[0]].add(c)
def whole_family(f):
    return any(f == w or (w.endswith('/*') and f.rsplit('/', 1)[0] == w[:-2]) for w in whole)
keep = set(c for c in every if c in loaded)
for f, members in family.items():
    if whole_family(f) or (members & keep and len(members) <= 5):
        keep |= members
header = []
for line in open(out):
    if not line.startswith('#'):
        break
    header.append(line)
lines = []
for f in sorted(family):
    k = keep & family[f]
    if not k:
        continue
    if k == family[f]:
        lines.append(f + '.class')
        if len(family[f]) > 1:
            lines.append(f + '$*.class')
    else:
        lines += sorted(c + '.class' for c in k)
with open(out, 'w') as o:
    o.write(''.join(header) + '\n'.join(lines) + '\n')
print(out + ': ' + str(len(keep)) + ' of ' + str(len(every)) + ' Byte Buddy classes (' + str(len(loaded & every)) + ' seen loaded)')
EOF
