"""Per-seed run metrics -> runs.csv, one summary table per sweep, the final models.

A sweep table has, per swept value and metric, the mean, standard deviation, n
and the 95% t-interval of the mean over seeds, and the training time measured
alone (hpstudy.engine.timing) summarised the same way over its repeats, beside the
run's parameters and multiply-adds per step.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hpstudy.results import inputs
from hpstudy.errors import DataError
from hpstudy.study.hyperparameters import SPECS
from hpstudy.data.splits import SPLITS
from hpstudy.results.stats import CONFIDENCE, mean_interval_from_stats

ID_COLUMNS = ["problem", "run_id", "seed"]
FLAG_COLUMNS = ["train_seconds", "diverged", "diverged_epoch"]


def run_location(path: str) -> tuple[str, str]:
    """(problem, run id) of a file in results/runs/<problem>/<run_id>/."""
    parts = Path(path).parts
    return parts[-3], parts[-2]


def collect_runs(
    metric_files: list[str], config_files: list[str], seeds: list[int], metrics_of: dict[str, list[str]]
) -> pd.DataFrame:
    """One row per run and seed: ids, every hyperparameter, every metric (`metrics_of`: a problem's
    metrics, by problem).

    Every run's files are checked first (see hpstudy.results.inputs): a run cut short,
    damaged, or trained on other seeds than the config's fails the job."""
    frames = []
    for metrics_path, config_path in zip(metric_files, config_files, strict=True):
        problem, run_id = run_location(metrics_path)
        run = inputs.run_config(config_path, problem, run_id, seeds)
        metrics = [f"{split}_{name}" for split in SPLITS for name in metrics_of[problem]]
        frame = inputs.run_metrics(metrics_path, run_id, seeds, metrics)
        frame.insert(0, "problem", problem)
        for key in sorted(run["params"]):
            frame[key] = run["params"][key]
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    params = [key for key in SPECS if key in table.columns]
    metrics = [c for c in table.columns if c not in ID_COLUMNS + FLAG_COLUMNS + params]
    return table[ID_COLUMNS + params + metrics + FLAG_COLUMNS].sort_values(ID_COLUMNS, ignore_index=True)


SWEEP_DTYPES = {"label": str, "run_id": str}
TIME_COLUMNS = ["steps", "multiply_adds_per_step", "parameters"]  # per run, from the timing measurement
TIMING_COLUMNS = ["run_id", "repeat", "solo_seconds", *TIME_COLUMNS]


def read_timings(paths: list[str], runs: pd.DataFrame) -> pd.DataFrame:
    """The timing measurements (results/timing/<problem>.csv) as one table.

    A file that is unreadable, lacks a column or one of its problem's runs, or
    holds a time that is not a finite positive number fails with its path and
    the fix, never a silently wrong table."""
    frames = []
    for path in paths:
        fix = f"delete {path} and rerun: the workflow times the problem's runs again"
        frame = inputs.table(path, TIMING_COLUMNS, fix, dtype={"run_id": str})
        seconds = pd.to_numeric(frame["solo_seconds"], errors="coerce")
        if not (np.isfinite(seconds) & (seconds > 0)).all():
            raise DataError(f"{path} holds a training time that is not a positive number; {fix}")
        lacking = sorted(set(runs.loc[runs["problem"] == Path(path).stem, "run_id"]) - set(frame["run_id"]))
        if lacking:
            raise DataError(f"{path} lacks the run(s) {', '.join(lacking)}; {fix}")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def read_runs(path: str) -> pd.DataFrame:
    """runs.csv as aggregate_metrics wrote it."""
    fix = inputs.rebuild_fix(path)
    frame = inputs.table(path, ID_COLUMNS + FLAG_COLUMNS, fix, dtype={"run_id": str})
    frame["diverged"] = inputs.flags(path, frame["diverged"], fix)
    return frame


def read_sweep_table(path: str) -> pd.DataFrame:
    """A sweep table as sweep_table wrote it."""
    return inputs.table(path, ["position", "run_id", "n_seeds", "n_diverged"], inputs.rebuild_fix(path), SWEEP_DTYPES)


def read_finals(path: str) -> pd.DataFrame:
    """finals.csv as finals_table wrote it."""
    return inputs.table(
        path, ["problem", "role", "run_id", "selection_metric"], inputs.rebuild_fix(path), {"run_id": str}
    )


def metric_columns(runs: pd.DataFrame) -> list[str]:
    """The per-seed metrics; `train_seconds` (the batched job's share of its time) is no metric of a run."""
    return [c for c in runs.columns if c.startswith(("train_", "validation_", "test_")) and c not in FLAG_COLUMNS]


def describe(values: pd.Series, prefix: str) -> dict:
    """Mean, sample std, n and the 95% t-interval of the mean of the finite values."""
    values = values.astype(float).dropna()
    n = len(values)
    mean = values.mean() if n else np.nan
    std = values.std(ddof=1) if n > 1 else np.nan
    low, high = mean_interval_from_stats(mean, std, n, CONFIDENCE)
    return {
        f"{prefix}_mean": mean,
        f"{prefix}_std": std,
        f"{prefix}_n": n,
        f"{prefix}_ci_low": low,
        f"{prefix}_ci_high": high,
    }


def summarise(runs: pd.DataFrame, run_ids: list[str], timing: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every metric described over seeds (and the solo training time over its repeats), a row per run id."""
    columns = metric_columns(runs)
    rows = []
    for run_id in run_ids:
        seeds = runs[runs["run_id"] == run_id]
        row = {"run_id": run_id, "n_seeds": len(seeds), "n_diverged": int(seeds["diverged"].sum())}
        for column in columns:
            row.update(describe(seeds[column], column))
        if timing is not None:
            repeats = timing[timing["run_id"] == run_id]
            row.update(describe(repeats["solo_seconds"], "solo_seconds"))
            row.update({column: repeats[column].iloc[0] if len(repeats) else np.nan for column in TIME_COLUMNS})
        rows.append(row)
    return pd.DataFrame(rows)


def problem_runs(runs: pd.DataFrame, problem: str) -> pd.DataFrame:
    """The rows of one problem, without the columns only the other problem has."""
    return runs[runs["problem"] == problem].dropna(axis=1, how="all")


def sweep_table(runs: pd.DataFrame, sweep: dict, timing: pd.DataFrame | None = None) -> pd.DataFrame:
    points = pd.DataFrame(sweep["points"]).rename(columns={"value": sweep["factor"]})
    points.insert(0, "position", range(len(points)))
    summary = summarise(problem_runs(runs, sweep["problem"]), list(points["run_id"]), timing)
    return points.merge(summary, on="run_id", how="left")


def higher_is_better(metric: str) -> bool:
    return metric.endswith(("accuracy", "coverage95"))


def finals_table(runs: pd.DataFrame, layout: dict) -> pd.DataFrame:
    """Per problem: the original's chosen configuration and the validation-selected one."""
    rows = []
    for problem in layout["problems"]:
        rows_of_problem = problem_runs(runs, problem["id"])
        summary = summarise(rows_of_problem, list(dict.fromkeys(rows_of_problem["run_id"])))
        selection = problem["selection_metric"]
        candidates = summary[summary["n_diverged"] < summary["n_seeds"]].dropna(subset=[f"{selection}_mean"])
        best = candidates.sort_values(f"{selection}_mean", ascending=not higher_is_better(selection), kind="stable")
        roles = []
        if problem["final"] is not None:
            roles.append(("original_choice", problem["final"]))
        if len(best):
            roles.append(("validation_best", best["run_id"].iloc[0]))
        for role, run_id in roles:
            row = summary[summary["run_id"] == run_id].iloc[0].to_dict()
            rows.append({"problem": problem["id"], "role": role, "selection_metric": selection, **row})
    return pd.DataFrame(rows)
