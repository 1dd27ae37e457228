"""Per-seed run metrics -> runs.csv, one mean/std table per sweep, the final models."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from .hyperparameters import SPECS

ID_COLUMNS = ["problem", "run_id", "seed"]
FLAG_COLUMNS = ["train_seconds", "diverged", "diverged_epoch"]


def collect_runs(metric_files: list[str], config_files: list[str]) -> pd.DataFrame:
    """One row per run and seed: ids, every hyperparameter, every metric."""
    frames = []
    for metrics_path, config_path in zip(metric_files, config_files):
        with open(config_path) as handle:
            run = json.load(handle)
        frame = pd.read_csv(metrics_path)
        frame.insert(0, "problem", run["problem"])
        for key in sorted(run["params"]):
            frame[key] = run["params"][key]
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    params = [key for key in SPECS if key in table.columns]
    metrics = [c for c in table.columns if c not in ID_COLUMNS + FLAG_COLUMNS + params]
    table["diverged"] = table["diverged"].astype(bool)
    return table[ID_COLUMNS + params + metrics + FLAG_COLUMNS].sort_values(ID_COLUMNS, ignore_index=True)


def metric_columns(runs: pd.DataFrame) -> list[str]:
    return [c for c in runs.columns if c.startswith(("train_", "validation_", "test_"))]


def summarise(runs: pd.DataFrame, run_ids: list[str]) -> pd.DataFrame:
    """Mean and sample std over seeds of every metric, one row per run id (in the given order)."""
    columns = metric_columns(runs)
    rows = []
    for run_id in run_ids:
        seeds = runs[runs["run_id"] == run_id]
        row = {"run_id": run_id, "n_seeds": len(seeds), "n_diverged": int(seeds["diverged"].sum())}
        for column in columns:
            values = seeds[column].astype(float)
            row[f"{column}_mean"] = values.mean()
            row[f"{column}_std"] = values.std(ddof=1) if len(values) > 1 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def problem_runs(runs: pd.DataFrame, problem: str) -> pd.DataFrame:
    """The rows of one problem, without the columns only the other problem has."""
    return runs[runs["problem"] == problem].dropna(axis=1, how="all")


def sweep_table(runs: pd.DataFrame, sweep: dict) -> pd.DataFrame:
    points = pd.DataFrame(sweep["points"]).rename(columns={"value": sweep["factor"]})
    points.insert(0, "position", range(len(points)))
    summary = summarise(problem_runs(runs, sweep["problem"]), list(points["run_id"]))
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
