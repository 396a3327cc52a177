#!/bin/bash
# Builds a self-contained folder for a GPU machine without Java: a jlink runtime (Temurin 25), the
# lem-core / lem-nvml jars and their dependencies, the NvmlBench main, the fake libnvidia-ml.so and
# the scripts beside this file. Run from the repository root after
#   ./mvnw -q -pl lem-nvml -am package dependency:build-classpath -Dmdep.outputFile=target/nvml-cp.txt
# then copy the folder to the GPU machine and run `bash <folder>/run.sh` there (OUT=<dir> for results).
set -euo pipefail
dest=${1:?usage: bundle.sh <folder>}
jdk=${JLINK_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$dest"; mkdir -p "$dest/lib" "$dest/fake"
"$jdk/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.unsupported --compress=zip-9 \
  --no-header-files --no-man-pages --strip-debug --output "$dest/jre"
cp lem-core/target/lem-core-*-SNAPSHOT.jar lem-nvml/target/lem-nvml-*-SNAPSHOT.jar "$dest/lib/"
tr ':' '\n' < lem-nvml/target/nvml-cp.txt | grep -E 'jackson|snakeyaml|commons-math3|slf4j|jspecify|/jna/' \
  | xargs -I{} cp {} "$dest/lib/"
(cd lem-nvml/target/test-classes && "$jdk/bin/jar" cf "$dest/lib/lem-nvml-bench.jar" dev/lem/nvml/bench)
cp lem-nvml/target/fake-nvml/full/libnvidia-ml.so "$dest/fake/"
cp "$here"/run.sh "$here"/load.py "$here"/compare.py "$here"/nvml_py_cost.py "$dest/"
du -sh "$dest"
