#!/usr/bin/env bash
# The scale-out test on a real Slurm: starts a one-node cluster on this machine (.ci/slurm-up.sh: installs Debian's
# slurmctld, slurmd, slurm-client and munge when missing, writes a slurm.conf for localhost with this machine's CPUs,
# starts munged, slurmctld and slurmd, waits until the node is idle), runs SlurmClusterTest against it, and stops the
# daemons it started, by their pids (.ci/slurm-down.sh), whatever happens.
#
#   .ci/slurm-test.sh            what CI runs (.ci/run) and the README names
#
# SlurmClusterTest submits a campaign of 2 synthetic experiments x 2 cycles with `lem campaign submit --slurm`, waits
# for the array and the aggregation job, and checks every unit done once, the aggregates, node and job ids; then it
# cancels a running task of a second campaign mid-unit, resumes it with `lem campaign resume --slurm`, and checks that
# nothing was lost or run twice.
#
# Where it cannot run (not root, no package access) it prints why and exits 0: "SKIPPED: ...", never silently.
# Time: bounded by timeouts (packages 5 min, daemons 1 min, the Maven run 15 min, each wait for jobs 4 min).
# LEM_MVN_OPTS passes options to Maven (e.g. -o offline); LEM_SLURM_DIR moves the cluster's folder.
set -euo pipefail
cd "$(dirname "$0")/.."

dir="${LEM_SLURM_DIR:-/tmp/lem-slurm-ci}"
start=$(date +%s)

if [ "$(id -u)" -ne 0 ]; then
  echo "slurm-test: SKIPPED: needs root to install and start Slurm (slurmctld, slurmd, munge); run it as root on a" \
       "Debian machine (a VM or a container will do); docs/scale-out.md says what it checks"
  exit 0
fi

rc=0
.ci/slurm-up.sh "$dir" || rc=$?
if [ "$rc" -eq 3 ]; then
  echo "slurm-test: SKIPPED: a one-node Slurm cannot be started here (the reason is above)"
  exit 0
fi
if [ "$rc" -ne 0 ]; then
  .ci/slurm-down.sh "$dir" || true
  echo "slurm-test: FAILED: the one-node Slurm did not start (exit $rc)" >&2
  exit "$rc"
fi
trap '.ci/slurm-down.sh "$dir"' EXIT
# shellcheck disable=SC1091
. "$dir/env"
up=$(date +%s)

# shellcheck disable=SC2086 # LEM_MVN_OPTS is a list of options
LEM_SLURM_TEST=1 timeout 900 ./mvnw ${LEM_MVN_OPTS:-} -B test -pl lem-cli -am -Dtest=SlurmClusterTest \
  -Dsurefire.failIfNoSpecifiedTests=false

end=$(date +%s)
echo "slurm-test: passed in $((end - start)) s (cluster up in $((up - start)) s, Maven and the test $((end - up)) s)"
