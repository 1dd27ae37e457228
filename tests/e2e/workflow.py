"""A temporary copy of the workflow with the tiny config and synthetic data, and
ways to run Snakemake in it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml
from synthetic import write_house_csv, write_usps_h5

from benchmarks.bench import copy_workflow
from hpstudy.data.fetch import file_digest

REPO = Path(__file__).resolve().parents[2]
TINY_CONFIG = Path(__file__).with_name("tiny_config.yaml")


def write_mirror(mirror: Path) -> dict:
    """Synthetic raw files and the `downloads` entries that describe them."""
    mirror.mkdir(parents=True, exist_ok=True)
    files = {
        "usps.h5": write_usps_h5(mirror / "usps.h5", 60, 30),
        "kaggle_house_pred_train.csv": write_house_csv(mirror / "kaggle_house_pred_train.csv", 60),
    }
    return {name: {"url": None, "checksum": f"sha256:{file_digest(path, 'sha256')}"} for name, path in files.items()}


def tiny_workflow(root: Path) -> Path:
    """A ready-to-run copy of the workflow in `root/workflow-copy`, its mirror in `root/mirror`."""
    workdir = root / "workflow-copy"
    workdir.mkdir()
    copy_workflow(REPO, workdir)
    config = yaml.safe_load(TINY_CONFIG.read_text())
    config["downloads"] = write_mirror(root / "mirror")
    config["data_mirror"] = str(root / "mirror")
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return workdir


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-8000:]}")
    return result


def planned(workdir: Path, *args: str) -> dict[str, int]:
    """Jobs per rule of a dry run; {} when there is nothing to do."""
    out = snakemake(workdir, "-n", *args).stdout
    if "Nothing to be done" in out:
        return {}
    table = out.split("Job stats:", 1)[1].split("total", 1)[0]
    return {rule: int(count) for rule, count in re.findall(r"^(\w+)\s+(\d+)$", table, re.MULTILINE)}
