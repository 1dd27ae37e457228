#!/usr/bin/env bash
# Stop the cluster slurm-up.sh started: cancel its jobs, then kill its daemons by
# the pids in their own pid files (newest first; SIGKILL after 10 s), and unlink
# /etc/slurm/slurm.conf if it is ours. Safe to run twice, or when nothing runs.
S=${HPSTUDY_SLURM_DIR:-/tmp/hpstudy-slurm}
[ -f "$S/pids" ] || exit 0
export SLURM_CONF=$S/etc/slurm.conf

alive() { case "$(ps -o stat= -p "$1" 2>/dev/null)" in ""|Z*) return 1 ;; esac; }

ctld=$(cat "$S/slurmctld.pid" 2>/dev/null || true)
if [ -n "$ctld" ] && alive "$ctld" && [ -n "$(timeout 10 squeue -h -o %i 2>/dev/null)" ]; then
  echo "slurm-down: cancelling $(timeout 10 squeue -h -o %i | wc -l) job(s)"
  timeout 10 scancel --user=root 2>/dev/null || true
  for _ in $(seq 20); do
    [ -z "$(timeout 10 squeue -h -t RUNNING,COMPLETING,PENDING -o %i 2>/dev/null)" ] && break; sleep 0.5
  done
fi

tac "$S/pids" | while read -r name pidfile; do
  pid=$(cat "$pidfile" 2>/dev/null) || continue
  [ -n "$pid" ] && alive "$pid" || continue
  kill "$pid" 2>/dev/null || continue
  for _ in $(seq 50); do alive "$pid" || continue 2; sleep 0.2; done
  echo "slurm-down: $name ($pid) ignored SIGTERM, sending SIGKILL"; kill -9 "$pid" 2>/dev/null || true
done
[ "$(readlink /etc/slurm/slurm.conf 2>/dev/null)" = "$S/etc/slurm.conf" ] && rm -f /etc/slurm/slurm.conf
rm -f "$S/pids"
echo "slurm-down: stopped (logs kept in $S/log)"
