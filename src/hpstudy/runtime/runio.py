"""The files of a run folder `results/runs/<problem>/<run_id>/`.

- `config.json`: run id, problem, resolved hyperparameters, seeds and provenance;
- `metrics.csv`: one row per seed: final train/validation/test metrics, training
  seconds, diverged flag and epoch;
- `history.csv`: one row per seed and epoch;
- `predictions.csv`: the test-set predictions of every seed;
- `train.log`: per-epoch progress (written by the training script).
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import socket

from hpstudy import __version__
from hpstudy.engine.train import SeedResult
from hpstudy.runtime import machine
from hpstudy.runtime.atomic import write_rows, write_text


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def provenance(device: str, threads: int, code_fingerprint: str) -> dict:
    import torch

    return {
        "hpstudy_version": __version__,
        "code_fingerprint": code_fingerprint,
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "device": device,
        "threads": threads,
        "host": socket.gethostname(),
        "cpu": machine.cpu_model(),
        "slurm_job_id": os.environ.get("SLURM_JOB_ID"),
    }


def metrics_rows(run_id: str, results: list[SeedResult]) -> list[dict]:
    return [
        {
            "run_id": run_id,
            "seed": r.seed,
            **r.metrics,
            "train_seconds": r.train_seconds,
            "diverged": r.diverged,
            "diverged_epoch": r.diverged_epoch,
        }
        for r in results
    ]


def history_rows(results: list[SeedResult]) -> list[dict]:
    return [{"seed": r.seed, **row} for r in results for row in r.history]


def prediction_rows(results: list[SeedResult]) -> list[dict]:
    rows = []
    for r in results:
        columns = {name: values.tolist() for name, values in r.predictions.items()}
        for index, values in enumerate(zip(*columns.values())):
            rows.append({"seed": r.seed, "index": index, **dict(zip(columns, values))})
    return rows


def write_run(outputs: dict[str, str], run: dict, results: list[SeedResult], info: dict) -> None:
    """Write the run's tables, then its config last: a complete config means a complete run."""
    write_rows(outputs["metrics"], metrics_rows(run["run_id"], results))
    write_rows(outputs["history"], history_rows(results))
    write_rows(outputs["predictions"], prediction_rows(results))
    write_text(outputs["config"], json.dumps({**run, **info}, indent=2, sort_keys=True) + "\n")
