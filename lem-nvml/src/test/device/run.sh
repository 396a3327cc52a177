#!/bin/bash
# On the GPU machine: PyTorch load + LEM nvml meter + nvidia-smi logger, then a comparison. Never changes GPU settings.
set -u
B=$(cd "$(dirname "$0")" && pwd)
O=${OUT:-/tmp/lem-out}; mkdir -p "$O"
J() { "$B/jre/bin/java" --enable-native-access=ALL-UNNAMED -cp "$B/lib/*" "$@"; }
{ nvidia-smi; nvidia-smi -q -d POWER | head -40; } > "$O/nvidia-smi.txt" 2>&1
echo "== jna.library.path pointing at the fake library (another libnvidia-ml.so) =="
J -Djna.library.path=$B/fake dev.lem.nvml.bench.NvmlBench --seconds 0.3 --iterations 100 --csv /tmp/fake.csv 2>&1 \
  | grep -E "availability|note library|gpu\[0\].name"
echo "== CUDA_VISIBLE_DEVICES by UUID prefix, and empty =="
U=$(nvidia-smi --query-gpu=uuid --format=csv,noheader | head -1 | cut -c1-12)
CUDA_VISIBLE_DEVICES=$U J dev.lem.nvml.bench.NvmlBench --seconds 0.2 --iterations 100 --csv /tmp/u.csv 2>&1 | grep -E "domains|cuda_visible|Exception|unavailable" | head -5
CUDA_VISIBLE_DEVICES= J dev.lem.nvml.bench.NvmlBench --seconds 0.2 --iterations 100 --csv /tmp/e.csv 2>&1 | grep -E "LemException|Unavailable|selects" | head -3
nvidia-smi --help-query-gpu | grep -i -A3 "energy" >> "$O/nvidia-smi.txt"
Q=timestamp,power.draw
for f in power.draw.instant energy.consumption total_energy_consumption energy_consumption temperature.gpu clocks.sm; do
  nvidia-smi --query-gpu=$f --format=csv,noheader >/dev/null 2>&1 && Q=$Q,$f
done
echo "nvidia-smi fields: $Q"
nvidia-smi --query-gpu=$Q --format=csv,nounits -lms 100 > "$O/smi.csv" 2>&1 &
SMI=$!
python3 "$B/load.py" "$(python3 -c 'import time; print(time.time() + 6)')" 8 > "$O/load.log" 2>&1 &
LOAD=$!
echo "== real NVML =="
J dev.lem.nvml.bench.NvmlBench --seconds 18 --iterations 20000 --csv "$O/java.csv" > "$O/java.log" 2>&1
wait $LOAD
kill $SMI; wait $SMI 2>/dev/null
python3 "$B/compare.py" "$O" > "$O/comparison.md" 2>&1
cat "$O/java.log" "$O/load.log" "$O/comparison.md"
head -3 "$O/smi.csv"
