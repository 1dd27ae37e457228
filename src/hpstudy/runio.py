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

import pandas as pd

from . import __version__, machine
from .atomic import write_csv, write_text
from .train import SeedResult


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


def metrics_table(run_id: str, results: list[SeedResult]) -> pd.DataFrame:
    return pd.DataFrame(
        [
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
    )


def history_table(results: list[SeedResult]) -> pd.DataFrame:
    return pd.DataFrame([{"seed": r.seed, **row} for r in results for row in r.history])


def predictions_table(results: list[SeedResult]) -> pd.DataFrame:
    frames = []
    for r in results:
        frame = pd.DataFrame(r.predictions)
        frame.insert(0, "index", range(len(frame)))
        frame.insert(0, "seed", r.seed)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def write_run(outputs: dict[str, str], run: dict, results: list[SeedResult], info: dict) -> None:
    """Write the run's tables, then its config last: a complete config means a complete run."""
    write_csv(outputs["metrics"], metrics_table(run["run_id"], results))
    write_csv(outputs["history"], history_table(results))
    write_csv(outputs["predictions"], predictions_table(results))
    write_text(outputs["config"], json.dumps({**run, **info}, indent=2, sort_keys=True) + "\n")
