#!/usr/bin/env bash
# Peer comparison of in-process decode: LEM's djl backend against Jlama 0.8.4, same weights, same machine, taking
# turns round by round. See README.md in this folder. Usage: benchmarks/jlama/compare.sh
#   PRESET (SmolLM2-135M) WORDS (64 prompt tokens) NEW (128 new tokens) ROUNDS (3) RUNS (3 per round and engine)
#   LEM_SETTINGS ("options.threads=2") JAVA25_HOME (a JDK 21+ for Jlama; default /usr/lib/jvm/temurin-25-jdk-amd64)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-target/jlama-comparison}
PRESET=${PRESET:-SmolLM2-135M}
WORDS=${WORDS:-64}
NEW=${NEW:-128}
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-3}
LEM_SETTINGS=${LEM_SETTINGS:-options.threads=2}
JAVA25_HOME=${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
mkdir -p "$OUT"

echo "building LEM's benchmark classes and fetching Jlama 0.8.4 ..." >&2
./mvnw -q -pl lem-backend-djl -am process-test-classes dependency:build-classpath -DskipTests \
  -Dmaven.javadoc.skip=true -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
./mvnw -q -f benchmarks/jlama/pom.xml dependency:copy-dependencies -DoutputDirectory="$PWD/$OUT/jlama-lib"
LEM_CP="lem-backend-djl/target/test-classes:lem-backend-djl/target/classes:$(cat lem-backend-djl/target/cp.txt)"

if [[ ! -f "$OUT/$PRESET/model.safetensors" ]]; then
  echo "writing the synthetic $PRESET checkpoint (LEM's seeded weights) to $OUT/$PRESET ..." >&2
  java -cp "$LEM_CP" dev.lem.backend.djl.internal.PeerCheckpoint "$PRESET" "$OUT/$PRESET"
fi

JLAMA_ARGS=(-server -Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0 --add-modules=jdk.incubator.vector
  --enable-native-access=ALL-UNNAMED -XX:+UnlockDiagnosticVMOptions
  -XX:CompilerDirectivesFile=benchmarks/jlama/inlinerules.json -XX:+AlignVector -Xmx8g)
RESULTS="$OUT/results-$(date -u +%Y%m%dT%H%M%SZ).txt"
{
  echo "# $PRESET, $WORDS prompt words, $NEW new tokens, $ROUNDS rounds x $RUNS runs, $(nproc) cores, $(date -u)"
  for round in $(seq 1 "$ROUNDS"); do
    echo "# round $round, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    # shellcheck disable=SC2086
    java -cp "$LEM_CP" dev.lem.backend.djl.bench.PeerDecode "$OUT/$PRESET" "$WORDS" "$NEW" "$RUNS" $LEM_SETTINGS 2>/dev/null \
      | grep -E '^lem '
    "$JAVA25_HOME/bin/java" "${JLAMA_ARGS[@]}" -cp "$OUT/jlama-lib/*" benchmarks/jlama/JlamaDecode.java \
      "$OUT/$PRESET" "$WORDS" "$NEW" "$RUNS" 2>/dev/null | grep -E '^jlama '
  done
} | tee "$RESULTS"

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
lem=$(grep '^lem run' "$RESULTS" | sed -E 's/.*decode_ms_per_token ([0-9.]+).*/\1/' | median)
jlama=$(grep '^jlama run' "$RESULTS" | sed -E 's/.*decode_ms_per_token ([0-9.]+).*/\1/' | median)
echo
echo "| engine | decode ms per token, median of $((ROUNDS * RUNS)) runs | tokens/s |"
echo "|---|---|---|"
awk -v l="$lem" -v j="$jlama" 'BEGIN {
  printf "| LEM (djl backend) | %.2f | %.1f |\n", l, 1000 / l
  printf "| Jlama 0.8.4 (F32) | %.2f | %.1f |\n", j, 1000 / j
  printf "\nLEM / Jlama tokens/s: %.2fx\n", j / l }'
echo "(all runs: $RESULTS)"
