"""A throw-away one-node SLURM cluster for the tests, and builds of the workflow through it.

`cluster()` starts the cluster with slurm-up.sh beside this file and always stops
it with slurm-down.sh (which kills the daemons by their pids), holding a lock
file meanwhile, so that two test sessions on one machine take turns instead of
fighting over the SLURM ports and /etc/slurm/slurm.conf.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATE = Path(os.environ.get("HPSTUDY_SLURM_DIR", "/tmp/hpstudy-slurm"))
LOCK = Path("/tmp/hpstudy-slurm.lock")
CI_PROFILE = HERE / "profile"
PACKAGES = ("slurmctld", "slurmd", "slurm-client", "munge")
BUILD_TIMEOUT_S = 600  # one cluster build; `timeout -k` ends it (and its children's wait) after this


def why_not_runnable() -> str | None:
    """Why a cluster cannot be started here (None when it can)."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return "the SLURM cluster tests start slurmctld/slurmd and install packages: they need root (CI runs as root)"
    installed = all(shutil.which(tool) for tool in ("slurmctld", "slurmd", "sbatch", "munged"))
    if not installed and not (shutil.which("apt-get") and shutil.which("dpkg")):
        return "Slurm is not installed and apt-get is not available to install it"
    try:
        import snakemake_executor_plugin_slurm  # noqa: F401
    except ImportError:
        return "snakemake-executor-plugin-slurm is not installed (requirements-ci.txt; it needs Python >= 3.11)"
    return None


def slurm_env() -> dict[str, str]:
    return {**os.environ, "SLURM_CONF": str(STATE / "etc" / "slurm.conf"), "HPSTUDY_SLURM_DIR": str(STATE)}


@contextlib.contextmanager
def cluster(say=print, lock_timeout_s: float = 1800):
    """Start the cluster, yield, stop it whatever happened."""
    with open(LOCK, "w") as lock:
        waited = next_word = time.monotonic()
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() - waited > lock_timeout_s:
                    raise TimeoutError(f"{LOCK} held by another cluster session for {lock_timeout_s} s") from None
                if time.monotonic() >= next_word:
                    say(f"waiting for another session's SLURM cluster to stop ({LOCK} is locked)")
                    next_word += 60
                time.sleep(1)
        try:
            # A session that was killed outright leaves its pid list: stop those daemons first.
            subprocess.run([HERE / "slurm-down.sh"], env=slurm_env(), check=False)
            up = subprocess.run(
                ["timeout", "-k", "10", "300", HERE / "slurm-up.sh"],
                env=slurm_env(),
                capture_output=True,
                text=True,
                check=False,
            )
            say(up.stdout.rstrip())
            if up.returncode != 0:
                raise RuntimeError(f"slurm-up.sh failed ({up.returncode}):\n{up.stdout}\n{up.stderr}")
            yield
        finally:
            down = subprocess.run(
                [HERE / "slurm-down.sh"], env=slurm_env(), capture_output=True, text=True, check=False
            )
            say(down.stdout.rstrip() + down.stderr.rstrip())
            fcntl.flock(lock, fcntl.LOCK_UN)


@dataclass
class ClusterBuild:
    returncode: int
    output: str  # stdout and stderr of the snakemake run, interleaved
    seconds: float
    log: Path  # where that output is kept

    def submitted(self) -> dict[str, str]:
        """SLURM job id -> what the executor submitted ('rule_train_run/usps_<id>', 'group_train_train_run')."""
        found = re.findall(r"submitted with SLURM jobid (\d+) \(log: \S*/slurm_logs/(\S+)/[^/\s]+\.log\)", self.output)
        return {job_id: what for job_id, what in found}

    def failed_groups(self) -> dict[str, set[str]]:
        """SLURM job id of each failed group job -> its runs ('house/<run id>'), from the error report."""
        failed = {}
        blocks = r"message: Error in group \w+\n(.*?)(?=\n\s*\[\w{3} \w{3} |\nLogfile|\Z)"  # up to the next dated line
        for block in re.findall(blocks, self.output, re.DOTALL):
            job_id = re.search(r"slurm_logs/\S+/(\d+)\.log", block).group(1)
            failed[job_id] = set(re.findall(r"log: results/runs/(\w+/[0-9a-f]{12})/train\.log", block))
        return failed


def build_on_cluster(workdir: Path, *args: str, profile: str = "profiles/slurm") -> ClusterBuild:
    """`snakemake --workflow-profile profiles/slurm --profile <CI profile> ARGS` in `workdir`,
    under `timeout -k` so that a hung executor cannot outlive its budget."""
    command = [
        "timeout", "-k", "15", str(BUILD_TIMEOUT_S),
        sys.executable, "-m", "snakemake",
        "--workflow-profile", profile,
        "--profile", str(CI_PROFILE),
        *args,
    ]  # fmt: skip
    log = workdir / f"cluster-build-{time.strftime('%H%M%S')}-{os.getpid()}.log"
    started = time.monotonic()
    with open(log, "w") as handle:
        result = subprocess.run(
            command, cwd=workdir, env=slurm_env(), stdout=handle, stderr=subprocess.STDOUT, check=False
        )
    seconds = time.monotonic() - started
    return ClusterBuild(result.returncode, log.read_text(), seconds, log)


def scheduler_jobs() -> dict[str, str]:
    """Every job slurmctld still lists (finished ones for MinJobAge), by job id: its state."""
    out = subprocess.run(
        ["squeue", "--states=all", "--noheader", "--format=%A %T"],
        env=slurm_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    return dict(line.split() for line in out.splitlines() if line.strip())
