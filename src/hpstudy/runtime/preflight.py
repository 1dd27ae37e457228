"""Checks made before the first job of a real run (a dry run writes nothing)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

from hpstudy.errors import ConfigError, OutputError


def check_writable(folders: list[str]) -> None:
    """Raise OutputError unless every folder exists and is writable, or can be created."""
    for folder in folders:
        path = Path(folder)
        if path.exists() and not path.is_dir():
            raise OutputError(
                f"{folder} is a file, but the workflow writes its outputs into a folder of that name. "
                f"Move the file away (mv {folder} {folder}.old) and run again."
            )
        existing = next(p for p in (path, *path.absolute().parents) if p.exists())
        if not os.access(existing, os.W_OK | os.X_OK):
            raise OutputError(
                f"cannot write to {folder}/: {existing} is not writable for this user, so no job could save its "
                f"outputs. Make it writable (chmod -R u+w {existing}) or run the workflow in a folder you can "
                "write to (snakemake --directory DIR, or a copy of the repository)."
            )


def no_cuda_message() -> str:
    """Why a `device: cuda` run cannot start here, and the fix; on a cluster node, what to ask SLURM for."""
    where = socket.gethostname()
    job = os.environ.get("SLURM_JOB_ID")
    if job:
        return (
            f"device: cuda, but SLURM job {job} on {where} has no CUDA device that torch can use: the job got no "
            "GPU. Ask for one in profiles/slurm/config.yaml (slurm_partition: a GPU partition; gpu_model) or use "
            "device: auto or cpu"
        )
    return (
        f"device: cuda, but torch sees no CUDA device on {where}; use device: auto (CUDA where there is one, "
        "else the CPU) or device: cpu, or run on a machine with an NVIDIA GPU"
    )


def cuda_available() -> bool:
    """Whether torch can use a CUDA device. Where no NVIDIA driver is loaded (a CPU machine) torch,
    which takes a second or two to import, is not imported at all."""
    if not Path("/proc/driver/nvidia/version").exists() and not shutil.which("nvidia-smi"):
        return False
    import torch

    return torch.cuda.is_available()


def check_device(device: str) -> None:
    """`device: cuda` where torch sees no CUDA device, refused once, before any job of a local build."""
    if device == "cuda" and not cuda_available():
        raise ConfigError(no_cuda_message())


def check_mirror(folder: str | None) -> None:
    """A data mirror that is not a folder is named as such, before any job (the fetch would
    otherwise say only that each file is not in it)."""
    if folder is not None and not Path(folder).is_dir():
        state = "is a file, not a folder" if Path(folder).exists() else "does not exist"
        raise ConfigError(
            f"data_mirror: {folder} {state} (relative paths start in {Path.cwd()}); "
            "give the folder that holds the raw files, e.g. --config data_mirror=../shared/data"
        )


def sacct_problem() -> str | None:
    """Why Snakemake's SLURM executor could not follow its jobs through `sacct`, or None.

    On a cluster without accounting storage `sacct` fails, and the executor then waits
    forever for jobs that have long finished; asked before any job is submitted."""
    try:
        result = subprocess.run(
            ["sacct", "-n", "-X", "--format=JobID", "--starttime", "now-1minute"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        answer = str(error)
    else:
        if result.returncode == 0:
            return None
        output = (result.stderr or result.stdout).strip()
        answer = output.splitlines()[-1] if output else f"exit status {result.returncode}"
    return (
        f"this cluster's sacct cannot report job states ({answer}), so Snakemake would wait for "
        "finished jobs forever: add --slurm-status-command squeue to the command line (or "
        "slurm-status-command: squeue to profiles/slurm/config.yaml)"
    )
