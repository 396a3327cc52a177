#!/usr/bin/env bash
# Stops the daemons .ci/slurm-up.sh started (and only those), by the pids it recorded in DIR/pids.
#
#   .ci/slurm-down.sh [DIR]    (default /tmp/lem-slurm)
set -uo pipefail
dir="${1:-/tmp/lem-slurm}"
[ -f "$dir/pids" ] || exit 0
# slurmd first, munged last (the others authenticate through it)
for name in slurmd slurmctld munged; do
  pid="$(awk -v n="$name" '$1 == n {print $2}' "$dir/pids")"
  [ -n "$pid" ] || continue
  kill -0 "$pid" 2>/dev/null || continue
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "slurm-down: $name ($pid) still running after 5 s: SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null
  fi
done
rm -f "$dir/pids"
echo "slurm-down: stopped the daemons of $dir" >&2
