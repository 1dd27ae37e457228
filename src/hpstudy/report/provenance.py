"""Where the report's numbers came from: code, packages, machine, data, configuration, time.

Collected when the report is built. Training facts (device, threads, CPU, torch)
come from the runs' own config.json files, since the runs may have been trained
elsewhere (a cluster) or earlier than the report was rendered.
"""

from __future__ import annotations

import datetime
import platform
import subprocess
from collections import Counter
from importlib import metadata
from pathlib import Path

import pandas as pd

from hpstudy.data.fetch import file_digest
from hpstudy.results.inputs import json_object, run_fix
from hpstudy.runtime import machine

PACKAGES = ("hpstudy", "torch", "numpy", "pandas", "matplotlib", "jinja2", "weasyprint", "snakemake", "h5py", "pyyaml")


def git_state(root: str | Path = ".") -> dict:
    """The commit and whether tracked files differ from it; 'unknown' outside a git checkout."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "dirty": None}
    return {"commit": commit, "dirty": dirty}


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _counted(values) -> str:
    """'cpu (68 runs)' or 'a (60 runs), b (8 runs)': what the runs report, with how many."""
    counts = Counter(str(v) for v in values)
    return ", ".join(f"{value} ({n} run{'s' if n != 1 else ''})" for value, n in counts.most_common())


def training_environment(run_configs: list[str]) -> dict[str, str]:
    records = [json_object(path, ["provenance"], run_fix(path))["provenance"] for path in run_configs]
    return {
        "device": _counted(r.get("device") for r in records),
        "threads per job": _counted(r.get("threads") for r in records),
        "CPU": _counted(r.get("cpu", "unknown") for r in records),
        "torch": _counted(r.get("torch_version") for r in records),
        "host": _counted(r.get("host") for r in records),
        "SLURM jobs": str(sum(1 for r in records if r.get("slurm_job_id"))),
        "peak memory of a job": _peak_memory(r.get("peak_rss_mb") for r in records),
    }


def _peak_memory(values) -> str:
    known = [v for v in values if v is not None]
    return f"{max(known):.0f} MB" if known else "not recorded"


def data_files(raw_files: list[str], downloads: dict) -> list[dict]:
    """Each raw file's size and sha256, and the checksum the config expects (verified at download)."""
    rows = []
    for path in raw_files:
        name = Path(path).name
        rows.append(
            {
                "file": name,
                "bytes": Path(path).stat().st_size,
                "sha256": file_digest(path, "sha256"),
                "expected": downloads.get(name, {}).get("checksum", ""),
                "url": downloads.get(name, {}).get("url") or "",
            }
        )
    return rows


def training_time(runs: pd.DataFrame) -> dict[str, float]:
    times = {"total": float(runs["train_seconds"].sum())}
    times.update({problem: float(t) for problem, t in runs.groupby("problem")["train_seconds"].sum().items()})
    return times


def collect(run_configs: list[str], raw_files: list[str], runs: pd.DataFrame, config: dict) -> dict:
    return {
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "git": git_state(),
        "packages": package_versions(),
        "report machine": f"{machine.describe()}, {platform.platform()}",
        "training": training_environment(run_configs),
        "data": data_files(raw_files, config.get("downloads", {})),
        "training seconds": training_time(runs),
        "configuration": config,
    }
