#!/usr/bin/env bash
# What a release publishes, checked as a user of it would (issue 23). Run after `./mvnw verify` (or
# `./mvnw package`), which is the first build; with --fresh it makes that build itself, from clean
# (use it locally: a target/ left from older builds can hold stale files, e.g. old Javadoc pages).
#
#   1. Reproducible: a second build from clean gives every jar, -sources/-javadoc jar and distribution
#      archive byte for byte equal to the first.
#   2. BOM: lem-bom has lem-parent's version and lists every published module; a fresh project outside
#      the repository imports it, depends on lem-core without a version, compiles against
#      dev.lem.Experiment, and resolves lem-core's -sources and -javadoc jars.
#   3. Distribution: lem-VERSION.tar.gz unpacked into an empty folder runs `bin/lem --version` from
#      another directory and through a symlink, and `bin/lem run` on the quick-start config; the .zip
#      holds the same files; every third-party jar in lib/ is listed in THIRD-PARTY.md, and PyTorch's LICENSE and NOTICE are in licenses/.
#
# The second build installs into a throwaway local repository (Maven's head repository; the user's
# ~/.m2/repository is only read, as its tail), so nothing is installed into ~/.m2.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

fresh=false
[ "${1:-}" = --fresh ] && fresh=true

work="$(mktemp -d "${TMPDIR:-/tmp}/lem-release-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT
m2_tail="${LEM_M2_REPOSITORY:-$HOME/.m2/repository}"
repo_args=(-Dmaven.repo.local="$work/repo" -Dmaven.repo.local.tail="$m2_tail")

fail() {
  echo "release-check: FAILED: $*" >&2
  exit 1
}
step() {
  echo "== release-check: $*"
}

version="$(sed -n '/<artifactId>lem-parent<\/artifactId>/,/<\/version>/s:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -n 1)"
[ -n "$version" ] || fail "cannot read lem-parent's version from pom.xml"

artifacts() {
  # every published file of the build: each module's jars and archives in target/ (not target/lib/*)
  local f
  for f in */target/*.jar */target/*.tar.gz */target/*.zip; do
    [ -f "$f" ] && printf '%s\n' "$f"
  done
  return 0
}

# ---------------------------------------------------------------- 1. reproducible build
if $fresh || [ -z "$(artifacts)" ]; then
  step "first build (./mvnw clean package -DskipTests)"
  ./mvnw -B -q clean package -DskipTests -Djapicmp.skip
fi
mkdir -p "$work/first"
first_count=0
while IFS= read -r f; do
  mkdir -p "$work/first/$(dirname "$f")"
  cp -p "$f" "$work/first/$f"
  first_count=$((first_count + 1))
done < <(artifacts)
[ "$first_count" -gt 0 ] || fail "the first build left no artifacts in */target/"

step "second build from clean, installed into a throwaway repository"
./mvnw -B -q clean install -DskipTests -Djapicmp.skip "${repo_args[@]}"

differ=()
while IFS= read -r f; do
  if [ ! -f "$f" ]; then
    differ+=("$f (missing in the second build)")
  elif ! cmp -s "$f" "$work/first/$f"; then
    differ+=("$f")
  fi
done < <(cd "$work/first" && find . -type f | sed 's:^\./::' | sort)
if [ "${#differ[@]}" -gt 0 ]; then
  for f in "${differ[@]}"; do
    echo "  differs: $f" >&2
    case "$f" in
      *.jar | *.zip)
        if [ -f "$f" ]; then
          diff <(unzip -Z -T "$work/first/$f" | sort) <(unzip -Z -T "$f" | sort) | head -n 20 >&2 || true
        fi ;;
    esac
  done
  fail "${#differ[@]} of $first_count artifacts differ between two builds of the same sources"
fi
echo "   $first_count artifacts byte for byte equal in both builds"

# ---------------------------------------------------------------- 2. BOM
step "lem-bom: version and modules"
bom_version="$(sed -n '/<artifactId>lem-bom<\/artifactId>/,/<\/version>/s:.*<version>\(.*\)</version>.*:\1:p' lem-bom/pom.xml | head -n 1)"
[ "$bom_version" = "$version" ] || fail "lem-bom's version ($bom_version) is not lem-parent's ($version)"
while IFS= read -r m; do
  pom="$m/pom.xml"
  grep -q '<packaging>pom</packaging>' "$pom" && continue                          # no jar to depend on
  grep -q '<maven.deploy.skip>true</maven.deploy.skip>' "$pom" && continue         # not published
  grep -q "<artifactId>$m</artifactId>" lem-bom/pom.xml || fail "published module $m is missing from lem-bom/pom.xml"
done < <(sed -n 's:.*<module>\(.*\)</module>.*:\1:p' pom.xml)
echo "   lem-bom $bom_version lists every published module"

step "a fresh project outside the repository uses LEM through the BOM"
consumer="$work/consumer"
mkdir -p "$consumer/src/main/java/check"
cat > "$consumer/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>check</groupId>
  <artifactId>uses-lem</artifactId>
  <version>1</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>dev.lem</groupId>
        <artifactId>lem-bom</artifactId>
        <version>$version</version>
        <type>pom</type>
        <scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>dev.lem</groupId>
      <artifactId>lem-core</artifactId>
    </dependency>
  </dependencies>
  <build>
    <pluginManagement>
      <plugins>
        <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
        <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
        <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version></plugin>
      </plugins>
    </pluginManagement>
  </build>
</project>
EOF
cat > "$consumer/src/main/java/check/UsesLem.java" <<'EOF'
package check;

import dev.lem.Experiment;

public final class UsesLem {
    private UsesLem() {
    }

    public static void main(String[] args) {
        Experiment.Builder builder = Experiment.builder();
        System.out.println(builder.getClass().getName());
    }
}
EOF
for classifier in sources javadoc; do
  (cd "$consumer" && "$root/mvnw" -B -q "${repo_args[@]}" compile dependency:copy-dependencies \
      -DincludeGroupIds=dev.lem -Dclassifier="$classifier" -DfailOnMissingClassifierArtifact=true \
      -DoutputDirectory="$consumer/target/$classifier") ||
    fail "the consumer project does not build or cannot resolve lem-core's -$classifier jar"
  [ -f "$consumer/target/$classifier/lem-core-$version-$classifier.jar" ] ||
    fail "lem-core-$version-$classifier.jar was not resolved through the BOM"
done
[ -f "$consumer/target/classes/check/UsesLem.class" ] || fail "the consumer class was not compiled"
# (listings go to files: grep -q would close a pipe early, and pipefail would count that as a failure)
unzip -Z1 "$consumer/target/javadoc/lem-core-$version-javadoc.jar" > "$work/javadoc.txt"
unzip -Z1 "$consumer/target/sources/lem-core-$version-sources.jar" > "$work/sources.txt"
grep -qx 'dev/lem/Experiment.html' "$work/javadoc.txt" || fail "lem-core's -javadoc jar has no page for dev.lem.Experiment"
grep -qx 'dev/lem/Experiment.java' "$work/sources.txt" || fail "lem-core's -sources jar has no dev/lem/Experiment.java"
if grep -q '/internal/' "$work/javadoc.txt"; then
  fail "lem-core's -javadoc jar documents internal packages, which are not API"
fi
echo "   compiled against dev.lem.Experiment with lem-core from the BOM; -sources and -javadoc jars resolved"

# ---------------------------------------------------------------- 3. distribution
step "distribution: unpacked into an empty folder, run from elsewhere"
tarball="lem-distribution/target/lem-$version.tar.gz"
zipfile="lem-distribution/target/lem-$version.zip"
if [ ! -f "$tarball" ] || [ ! -f "$zipfile" ]; then
  fail "$tarball or $zipfile was not built"
fi
mkdir -p "$work/install" "$work/elsewhere" "$work/bin" "$work/run" "$work/cache"
tar -xzf "$tarball" -C "$work/install"
home="$work/install/lem-$version"
diff <(tar -tzf "$tarball" | grep -v '/$' | sort) <(unzip -Z1 "$zipfile" | grep -v '/$' | sort) ||
  fail "the .zip and the .tar.gz hold different files"
for f in bin/lem bin/lem.cmd README.md LICENSE NOTICE CHANGELOG.md THIRD-PARTY.md licenses/PyTorch-LICENSE.txt licenses/PyTorch-NOTICE.txt configs/quickstart.yaml; do
  [ -f "$home/$f" ] || fail "the distribution has no $f"
done
[ -x "$home/bin/lem" ] || fail "bin/lem is not executable"

missing=()
for jar in "$home"/lib/*.jar; do
  name="$(basename "$jar")"
  case "$name" in lem-*) continue ;; esac                                   # LEM's own: LICENSE
  grep -qF "\`$name\`" "$home/THIRD-PARTY.md" || missing+=("$name")
done
[ "${#missing[@]}" -eq 0 ] || fail "lib/ holds jars that THIRD-PARTY.md does not list: ${missing[*]}"

export XDG_CACHE_HOME="$work/cache"                                          # the AppCDS archive goes here
out="$(cd "$work/elsewhere" && "$home/bin/lem" --version)"
case "$out" in "lem $version ("*) ;; *) fail "bin/lem --version printed '$out', not 'lem $version (...)'" ;; esac
ln -s "$home/bin/lem" "$work/bin/lem"
out="$(cd / && "$work/bin/lem" --version)"
case "$out" in "lem $version ("*) ;; *) fail "bin/lem through a symlink printed '$out'" ;; esac
echo "   $out"
start="$(date +%s%N)"
for _ in 1 2 3 4 5; do (cd "$work/elsewhere" && "$home/bin/lem" --version > /dev/null); done
echo "   bin/lem --version: $(( ($(date +%s%N) - start) / 5000000 )) ms per start (mean of 5, not a benchmark)"

cp configs/quickstart.yaml "$work/run/"
(cd "$work/run" && "$home/bin/lem" run quickstart.yaml > "$work/run.log" 2>&1) || {
  tail -n 40 "$work/run.log" >&2
  fail "bin/lem run quickstart.yaml failed"
}
ls "$work/run/results/aggregated/"*.json > /dev/null 2>&1 || {
  tail -n 40 "$work/run.log" >&2
  fail "bin/lem run wrote no aggregated result under results/aggregated/"
}
grep -q 'energy_per_output_token_j' "$work/run.log" || fail "the run's summary has no energy per token"
echo "   bin/lem run quickstart.yaml: $(grep -m1 '^Results:' "$work/run.log")"
echo "== release-check: all passed"
