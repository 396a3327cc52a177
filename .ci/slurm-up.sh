#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine, for the scale-out test (.ci/slurm-test.sh).
#
#   .ci/slurm-up.sh [DIR]      DIR holds everything it writes (default /tmp/lem-slurm): slurm.conf, the state,
#                              spool and log files, munged's socket and key, and DIR/pids (the daemons it started)
#
# Installs Debian's slurmctld, slurmd, slurm-client and munge when they are missing (apt-get; needs root), writes a
# slurm.conf for this host with its CPUs (no GPUs), starts munged, slurmctld and slurmd with that file, and waits
# until `sinfo` shows the node idle. Nothing outside DIR is configured: clients find the cluster through
# SLURM_CONF, which DIR/env exports (`. DIR/env`). .ci/slurm-down.sh DIR stops the daemons it started, by their pids.
#
# Exit status: 0 the cluster is up; 3 it cannot run here (not root, no package access), with the reason on stderr;
# 1 something failed (the daemons' logs are printed).
set -euo pipefail

dir="${1:-/tmp/lem-slurm}"
say() { echo "slurm-up: $*" >&2; }
cannot() { say "cannot run here: $*"; exit 3; }

[ "$(id -u)" -eq 0 ] || cannot "needs root (it installs packages and starts slurmd, which runs jobs as their users)"

# --- packages ------------------------------------------------------------------------------------------------------
need=()
for pair in slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client munged:munge; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${pair%%:*}" ] || need+=("${pair##*:}")
done
if [ "${#need[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || cannot "Slurm is not installed and there is no apt-get to install ${need[*]}"
  say "installing ${need[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  if ! timeout 300 apt-get install -y -q --no-install-recommends "${need[@]}" >"$dir.apt.log" 2>&1 \
      && ! { mkdir -p "$(dirname "$dir")"; timeout 300 apt-get update -q >"$dir.apt.log" 2>&1 \
             && timeout 300 apt-get install -y -q --no-install-recommends "${need[@]}" >>"$dir.apt.log" 2>&1; }; then
    tail -n 5 "$dir.apt.log" >&2 || true
    cannot "apt-get could not install ${need[*]} (no package access?)"
  fi
fi
export PATH="$PATH:/usr/sbin:/sbin"

# --- a fresh folder ------------------------------------------------------------------------------------------------
if [ -f "$dir/pids" ]; then
  say "$dir/pids exists: stopping what an earlier run left first"
  "$(dirname "$0")/slurm-down.sh" "$dir" || true
fi
rm -rf "$dir"
mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
chmod 700 "$dir/munge"
: >"$dir/pids"

fail() {
  say "$*"
  for log in "$dir"/*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }; done
  exit 1
}

# --- munge: its own key, socket and daemon, so that nothing else on the machine is touched ---------------------------
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"
socket="$dir/munge/munge.socket"
munged --force --key-file="$dir/munge/munge.key" --socket="$socket" --pid-file="$dir/munge/munged.pid" \
  --log-file="$dir/munged.log" --seed-file="$dir/munge/munged.seed" || fail "munged did not start"
for _ in $(seq 50); do [ -s "$dir/munge/munged.pid" ] && [ -S "$socket" ] && break; sleep 0.1; done
echo "munged $(cat "$dir/munge/munged.pid")" >>"$dir/pids"
munge -n -S "$socket" | unmunge -S "$socket" >/dev/null || fail "munge cannot encode and decode a credential"

# --- slurm.conf for this host ---------------------------------------------------------------------------------------
host="$(hostname -s)"
cpus="$(nproc)"
cat >"$dir/slurm.conf" <<CONF
# One-node Slurm cluster for LEM's scale-out test, written by .ci/slurm-up.sh. Nothing here is for production.
ClusterName=lemtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
# munge with a socket of its own (started by slurm-up.sh)
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldPort=${LEM_SLURMCTLD_PORT:-6817}
SlurmdPort=${LEM_SLURMD_PORT:-6818}
# no cgroups (containers): processes are tracked by their parents, tasks are not bound
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
# cores are the consumable: two 1-CPU tasks share the node
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# no accounting database: sacct is unavailable, squeue --states=all keeps finished jobs for MinJobAge seconds
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=3600
# SIGTERM, then SIGKILL 5 s later (scancel, time limits)
KillWait=5
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=lemtest Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
printf 'export SLURM_CONF=%q\nexport PATH="$PATH:/usr/sbin:/sbin"\n' "$SLURM_CONF" >"$dir/env"

slurmctld -f "$SLURM_CONF" -i || fail "slurmctld did not start"
for _ in $(seq 50); do [ -s "$dir/slurmctld.pid" ] && break; sleep 0.1; done
[ -s "$dir/slurmctld.pid" ] || fail "slurmctld wrote no pid file"
echo "slurmctld $(cat "$dir/slurmctld.pid")" >>"$dir/pids"
slurmd -f "$SLURM_CONF" || fail "slurmd did not start"
for _ in $(seq 50); do [ -s "$dir/slurmd.pid" ] && break; sleep 0.1; done
[ -s "$dir/slurmd.pid" ] || fail "slurmd wrote no pid file"
echo "slurmd $(cat "$dir/slurmd.pid")" >>"$dir/pids"

# --- wait until the node takes jobs ----------------------------------------------------------------------------------
state=""
for _ in $(seq 120); do
  state="$(sinfo -h -n "$host" -o %T 2>/dev/null || true)"
  [ "$state" = idle ] && break
  sleep 0.5
done
[ "$state" = idle ] || fail "the node is '${state:-not listed}' after 60 s, not idle"
say "up: node $host idle with $cpus CPUs; . $dir/env to use it (SLURM_CONF=$SLURM_CONF)"
