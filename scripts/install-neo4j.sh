#!/usr/bin/env bash
# Installs a real Neo4j Community (server, neo4j-admin and cypher-shell) from
# Maven Central, outside the repository, for the real-Neo4j tests and
# benchmarks, and prints its NEO4J_HOME on stdout. Skips the work when that
# version is already installed.
#
#   scripts/install-neo4j.sh              # the pinned 5.26 LTS (runs on Java 17)
#   scripts/install-neo4j.sh 2025.12.1    # a calendar release (needs Java 21+)
#
# Nothing but Maven Central is downloaded: the Community assembly's POM
# (org.neo4j.assembly:neo4j-community-standalone) lists every jar of the
# distribution's lib/, and `mvn dependency:copy-dependencies` fetches them.
# The script then lays out NEO4J_HOME:
#   lib/             the distribution's jars
#   shell-lib/       cypher-shell's jars (of this version, else of the LTS:
#                    some calendar releases publish no cypher-shell jar)
#   bin/neo4j-admin  launchers for the distribution's own entry classes
#   bin/neo4j        (Neo4jAdminBoot, Neo4jBoot, cypher-shell's Main), with
#   bin/cypher-shell the JDK this version needs baked in
#   conf/neo4j.conf  127.0.0.1 only, fixed ports (bolt 7697, http 7484),
#                    a small heap, authentication on
#   data/ logs/ run/ import/ plugins/
# and sets the initial password of the `neo4j` user (NEO4J_TEST_PASSWORD,
# default cmdbgen-test) for that data folder. Tests make their own instances
# (their own conf/, data and ports) and point NEO4J_CONF at them.
#
# Environment: TOOLS (default $HOME/.cache/cmdbgen-tools), MVN (mvn),
# JAVA_HOME (tried first), NEO4J_TEST_PASSWORD.
# Exit codes: 0 installed (the path is printed), 1 Maven or the install
# failed, 3 no JDK of the version this Neo4j needs.
set -euo pipefail

DEFAULT_VERSION=5.26.30
VERSION="${1:-$DEFAULT_VERSION}"
TOOLS="${TOOLS:-$HOME/.cache/cmdbgen-tools}"
MVN="${MVN:-mvn}"
PASSWORD="${NEO4J_TEST_PASSWORD:-cmdbgen-test}"
DEST="$TOOLS/neo4j-community-$VERSION"

say() { printf 'install-neo4j.sh: %s\n' "$*" >&2; }
die() { local code="$1"; shift; printf 'install-neo4j.sh: error: %s\n' "$*" >&2; exit "$code"; }

[[ "$VERSION" =~ ^[0-9]{1,4}\.[0-9]{1,2}\.[0-9]{1,3}$ ]] \
  || die 1 "'$VERSION' is not a Neo4j version (like 5.26.30 or 2025.12.1)"
MAJOR="${VERSION%%.*}"
# 5.x runs on Java 17 or 21; the calendar releases (2025.01 on) need 21+.
if [ "$MAJOR" -ge 2025 ]; then NEED=21; else NEED=17; fi

# The major version of the JDK under $1 (a JAVA_HOME), or nothing.
jdk_major() {
  local java="$1/bin/java" v
  [ -x "$java" ] || return 0
  v="$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -1)"
  printf '%s' "$v"
}

# A JDK whose major version is NEED or more: JAVA_HOME first, then the java
# on PATH, then every JDK under /usr/lib/jvm; the lowest version that fits
# wins, so 5.x keeps the machine's Java 17.
pick_jdk() {
  local cand m best="" bestm=999
  local cands=()
  [ -n "${JAVA_HOME:-}" ] && cands+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    cands+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for cand in /usr/lib/jvm/*; do [ -d "$cand" ] && cands+=("$cand"); done
  for cand in "${cands[@]}"; do
    m="$(jdk_major "$cand")"
    [ -n "$m" ] || continue
    if [ "$m" -ge "$NEED" ] && [ "$m" -lt "$bestm" ]; then best="$cand"; bestm="$m"; fi
  done
  printf '%s' "$best"
}

JDK="$(pick_jdk)"
[ -n "$JDK" ] || die 3 "Neo4j $VERSION needs Java $NEED or newer; none found (JAVA_HOME, PATH, /usr/lib/jvm)"

# Bump LAYOUT when what this script writes changes, so caches are redone.
LAYOUT=2
if [ -f "$DEST/.installed" ] && [ "$(cat "$DEST/.installed")" = "$VERSION $JDK $LAYOUT" ]; then
  echo "$DEST"
  exit 0
fi
command -v "$MVN" >/dev/null 2>&1 || die 1 "Maven ($MVN) is not on PATH"

say "installing Neo4j Community $VERSION from Maven Central into $DEST (Java: $JDK)"
mkdir -p "$TOOLS"
WORK="$(mktemp -d "$TOOLS/.neo4j-$VERSION.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
# A POM whose dependency is $1 (group:artifact:version[:type]), less the
# artifacts after $2 (group:artifact), copied with its dependencies into
# $WORK/$2; with EXTRA (dependency XML) beside it, versioned by Neo4j's parent.
EXTRA=""
resolve() {
  local gav="$1" dir="$2"; shift 2
  local g a v t x excl=""
  IFS=: read -r g a v t <<<"$gav"
  for x in "$@"; do
    excl+="<exclusion><groupId>${x%%:*}</groupId><artifactId>${x#*:}</artifactId></exclusion>"
  done
  mkdir -p "$WORK/$dir.pom"
  cat >"$WORK/$dir.pom/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.cmdbgen</groupId>
  <artifactId>neo4j-home</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>org.neo4j</groupId><artifactId>parent</artifactId><version>$VERSION</version>
        <type>pom</type><scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>$EXTRA
    <dependency>
      <groupId>$g</groupId><artifactId>$a</artifactId><version>$v</version><type>${t:-jar}</type>
      <exclusions>$excl</exclusions>
    </dependency>
  </dependencies>
</project>
EOF
  (cd "$WORK/$dir.pom" && "$MVN" -B -q dependency:copy-dependencies \
      -DoutputDirectory="$WORK/$dir" -DincludeScope=runtime >"$WORK/$dir.pom/mvn.log" 2>&1)
}

# The server and neo4j-admin. Left out: the cloud-upload tool and the GenAI
# plugin (not needed here, and some calendar releases publish neither jar),
# and cypher-shell, which gets a class path of its own below. Added: the
# three libraries Hadoop needs to open a Parquet file. The assembly declares
# hadoop-common with every dependency excluded, and neo4j-import-util lists
# these only for its tests, so Maven alone gives a neo4j-admin whose Parquet
# import fails (NoClassDefFoundError com/ctc/wstx/io/InputBootstrapper).
# The calendar releases read Parquet without Hadoop and need none of them.
EXTRA=""
[ "$MAJOR" -ge 2025 ] || for x in com.fasterxml.woodstox:woodstox-core org.apache.commons:commons-collections4 \
         org.apache.hadoop.thirdparty:hadoop-shaded-guava; do
  EXTRA+="<dependency><groupId>${x%%:*}</groupId><artifactId>${x#*:}</artifactId></dependency>"
done
if ! resolve "org.neo4j.assembly:neo4j-community-standalone:$VERSION:pom" home/lib \
     org.neo4j:neo4j-push-to-cloud org.neo4j:neo4j-genai-plugin org.neo4j:cypher-shell; then
  tail -20 "$WORK/home/lib.pom/mvn.log" >&2
  die 1 "Maven could not resolve org.neo4j.assembly:neo4j-community-standalone:$VERSION"
fi
# The assembly's POM came along; keep it aside to read its entry classes.
mv "$WORK/home/lib/neo4j-community-standalone-$VERSION.pom" "$WORK/assembly.pom" \
  || die 1 "the assembly POM of $VERSION did not arrive"
rm -f "$WORK"/home/lib/*.pom
for jar in neo4j-server neo4j-command-line neo4j-import-tool; do
  ls "$WORK/home/lib/$jar-"*.jar >/dev/null 2>&1 \
    || die 1 "the assembly of $VERSION has no $jar jar; cannot lay out NEO4J_HOME"
done
# cypher-shell of the same version, else the LTS's (it speaks Bolt to both).
EXTRA=""
SHELL_VERSION="$VERSION"
if ! resolve "org.neo4j:cypher-shell:$SHELL_VERSION" home/shell-lib; then
  SHELL_VERSION="$DEFAULT_VERSION"
  rm -rf "$WORK/home/shell-lib"
  resolve "org.neo4j:cypher-shell:$SHELL_VERSION" home/shell-lib \
    || { tail -20 "$WORK/home/shell-lib.pom/mvn.log" >&2; die 1 "Maven could not resolve org.neo4j:cypher-shell"; }
fi
rm -rf "$WORK/home/lib.pom" "$WORK/home/shell-lib.pom"

H="$WORK/home"
mkdir -p "$H/bin" "$H/conf" "$H/data" "$H/logs" "$H/run" "$H/import" "$H/plugins"

# One launcher per program. NEO4J_HOME is always this folder (its lib/ is the
# class path); NEO4J_CONF may point at another instance's conf/.
launcher() {
  local name="$1" lib="$2" class="$3"
  cat >"$H/bin/$name" <<EOF
#!/usr/bin/env bash
# $name of Neo4j Community $VERSION, laid out by cmdbgen's scripts/install-neo4j.sh.
set -euo pipefail
HERE="\$(cd "\$(dirname "\${BASH_SOURCE[0]}")/.." && pwd)"
export NEO4J_HOME="\$HERE"
export JAVA_HOME="$JDK"
exec "\$JAVA_HOME/bin/java" \${CMDBGEN_NEO4J_JAVA_OPTS:-} -cp "\$HERE/$lib/*" $class "\$@"
EOF
  chmod +x "$H/bin/$name"
}
# The entry classes are the assembly's own (its appassembler <program>s):
# 5.x names them Neo4jBoot/Neo4jAdminBoot, the calendar releases NeoBoot/NeoAdminBoot.
POM="$WORK/assembly.pom"
program_class() {
  python3 - "$POM" "$1" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
for cls, pid in re.findall(r"<program>\s*<mainClass>([^<]+)</mainClass>\s*<id>([^<]+)</id>", text):
    if pid == sys.argv[2]:
        print(cls)
        break
EOF
}
ADMIN_CLASS="$(program_class neo4j-admin)"
SERVER_CLASS="$(program_class neo4j)"
[ -n "$ADMIN_CLASS" ] && [ -n "$SERVER_CLASS" ] \
  || die 1 "the assembly POM of $VERSION names no neo4j/neo4j-admin program ($POM)"
launcher neo4j-admin lib "$ADMIN_CLASS"
launcher neo4j lib "$SERVER_CLASS"
# cypher-shell's own main class: its boot class would start a second JVM.
launcher cypher-shell shell-lib org.neo4j.shell.Main

cat >"$H/conf/neo4j.conf" <<'EOF'
# Written by cmdbgen's scripts/install-neo4j.sh: a test server, loopback only.
server.default_listen_address=127.0.0.1
server.default_advertised_address=127.0.0.1
server.bolt.listen_address=127.0.0.1:7697
server.http.listen_address=127.0.0.1:7484
server.https.enabled=false
server.memory.heap.initial_size=256m
server.memory.heap.max_size=768m
server.memory.pagecache.size=256m
dbms.security.auth_enabled=true
dbms.usage_report.enabled=false
server.jvm.additional=-XX:+UseSerialGC
# The module openings the distribution's own neo4j.conf carries: Java 21+
# refuses Neo4j's direct-buffer access without them (neo4j-admin reads these
# lines too).
server.jvm.additional=--add-opens=java.base/java.nio=ALL-UNNAMED
server.jvm.additional=--add-opens=java.base/java.io=ALL-UNNAMED
server.jvm.additional=--add-opens=java.base/java.lang=ALL-UNNAMED
server.jvm.additional=--add-opens=java.base/sun.nio.ch=ALL-UNNAMED
server.jvm.additional=--enable-native-access=ALL-UNNAMED
EOF

got="$("$H/bin/neo4j-admin" --version 2>&1 | tail -1 || true)"
[ "$got" = "$VERSION" ] || die 1 "the installed neo4j-admin says '$got', not $VERSION"
"$H/bin/neo4j-admin" dbms set-initial-password "$PASSWORD" >"$WORK/pw.log" 2>&1 \
  || { cat "$WORK/pw.log" >&2; die 1 "setting the initial password failed"; }
echo "cypher-shell $SHELL_VERSION" >"$H/shell-lib/VERSION"
echo "$VERSION $JDK $LAYOUT" >"$H/.installed"

rm -rf "$DEST"
mv "$H" "$DEST"
say "Neo4j Community $VERSION ready: $DEST/bin/{neo4j,neo4j-admin,cypher-shell}"
echo "$DEST"
