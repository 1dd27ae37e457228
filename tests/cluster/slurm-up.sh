#!/usr/bin/env bash
# Start a throw-away one-node SLURM cluster on loopback, as root, without systemd
# (Debian's Slurm packages, installed here if missing). Stop it with slurm-down.sh,
# which kills the daemons by the pids recorded here; if this script fails half
# way, it stops what it had started before exiting.
#
#   HPSTUDY_SLURM_DIR  state, logs, sockets and the pid list (default /tmp/hpstudy-slurm)
#
# Afterwards sinfo/sbatch/squeue/srun work for any process on this machine (the
# config is linked at /etc/slurm/slurm.conf, where job steps look for it).
# Recipe and pitfalls: ../shared/notes/SLURM.md of the project's machines.
set -euo pipefail
S=${HPSTUDY_SLURM_DIR:-/tmp/hpstudy-slurm}
HERE=$(cd "$(dirname "$0")" && pwd)
NODE=localhost            # NodeName, and slurmd -N: nothing depends on `hostname`
t0=$(date +%s)

[ "$(id -u)" = 0 ] || { echo "slurm-up: must run as root" >&2; exit 1; }
[ -f "$S/pids" ] && { echo "slurm-up: $S/pids exists: a cluster is running (run slurm-down.sh first)" >&2; exit 1; }
if [ -e /etc/slurm/slurm.conf ] && [ "$(readlink /etc/slurm/slurm.conf || true)" != "$S/etc/slurm.conf" ]; then
  echo "slurm-up: /etc/slurm/slurm.conf belongs to another Slurm installation; not touching it" >&2; exit 1
fi
for port in 6817 6818; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "slurm-up: port $port is in use: another Slurm cluster runs on this machine" >&2; exit 1
  fi
done

# --- 1. packages. Their post-install scripts must not start system-wide daemons
# (nothing would stop them): a policy-rc.d that refuses every start, for the
# install only, unless the machine has one already (container images do).
pkgs="slurmctld slurmd slurm-client munge"
if ! dpkg -s $pkgs >/dev/null 2>&1; then
  echo "slurm-up: installing $pkgs"
  export DEBIAN_FRONTEND=noninteractive
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 755 "$policy"
  fi
  ok=0
  apt-get install -y -q --no-install-recommends $pkgs >"/tmp/hpstudy-slurm-apt.log" 2>&1 && ok=1
  if [ $ok = 0 ]; then   # stale package lists: update them once
    apt-get update -qq && apt-get install -y -q --no-install-recommends $pkgs >"/tmp/hpstudy-slurm-apt.log" 2>&1 && ok=1
  fi
  [ -n "$policy" ] && rm -f "$policy"
  [ $ok = 1 ] || { tail -20 /tmp/hpstudy-slurm-apt.log >&2; exit 1; }
fi
t_install=$(( $(date +%s) - t0 ))

# --- 2. fresh state; from here on a failure stops what was started
rm -rf "$S"; mkdir -p "$S"/{etc,spool/ctld,spool/d,log,munge}
: > "$S/pids"
trap 'echo "slurm-up: failed; daemon logs:" >&2; tail -n 20 "$S"/log/*.log "$S"/munge/*.log >&2 2>/dev/null || true; "$HERE/slurm-down.sh"' ERR
chown munge:munge "$S/munge"; chmod 0755 "$S/munge"   # munged refuses a socket folder without o+x

# --- 3. munge, on its own socket (Debian's post-install created the key)
if [ ! -s /etc/munge/munge.key ]; then
  mungekey --create --keyfile=/etc/munge/munge.key
  chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
fi
SOCK=$S/munge/munge.socket.2
runuser -u munge -- /usr/sbin/munged --socket="$SOCK" --pid-file="$S/munge/munged.pid" \
  --log-file="$S/munge/munged.log" --seed-file="$S/munge/munged.seed"
echo "munged $S/munge/munged.pid" >> "$S/pids"
munge -S "$SOCK" -n | unmunge -S "$SOCK" >/dev/null

# --- 4. slurm.conf: no cgroups (linuxproc, task/none), memory scheduled but not
# enforced, no accounting (the executor is told to ask squeue, which lists a
# finished job for MinJobAge seconds)
CPUS=$(nproc)
REAL_MB=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
MEM_MB=$(( REAL_MB < 16000 ? REAL_MB : 16000 ))
cat > "$S/etc/slurm.conf" <<EOC
ClusterName=hpstudy-ci
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
StateSaveLocation=$S/spool/ctld
SlurmdSpoolDir=$S/spool/d
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.log
SlurmdParameters=config_overrides
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=500
ReturnToService=2
MinJobAge=900
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=$NODE NodeAddr=127.0.0.1 NodeHostname=$NODE CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOC
# The executor's job step drops SLURM_CONF before its inner srun, so the config
# must be at the compiled-in default path too.
mkdir -p /etc/slurm; ln -sfn "$S/etc/slurm.conf" /etc/slurm/slurm.conf
export SLURM_CONF=$S/etc/slurm.conf

# --- 5. daemons (each writes its pid file; slurm-down.sh kills by those pids)
/usr/sbin/slurmctld
echo "slurmctld $S/slurmctld.pid" >> "$S/pids"
/usr/sbin/slurmd -N "$NODE"
echo "slurmd $S/slurmd.pid" >> "$S/pids"

# --- 6. wait for an idle node (resume it if it came up down or drained), then one real job step
st=""
for _ in $(seq 60); do
  st=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
  case "$st" in
    idle) break ;;
    down*|drain*|drng*) scontrol update NodeName="$NODE" State=RESUME 2>/dev/null || true ;;
  esac
  sleep 0.5
done
[ "$st" = idle ] || { echo "slurm-up: node state '$st' after 30 s" >&2; false; }
timeout -k 5 60 srun -N1 -t 1 true
trap - ERR
echo "slurm-up: cluster up in $(( $(date +%s) - t0 )) s (package install ${t_install} s), ${CPUS} CPUs, ${MEM_MB} MB; state in $S"
sinfo
