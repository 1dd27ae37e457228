"""Everything the report template shows, computed from the aggregated CSVs.

The template only lays out what this module gives it, so every number on the
page can be traced to a function here and, through it, to results/metrics/.
"""

from __future__ import annotations

import base64
import datetime
import math
from pathlib import Path

import pandas as pd

from ..hyperparameters import FACTOR_TITLES
from ..study import format_value
from .metrics import fmt_mean_std, fmt_metric, primary_metric
from .original import load_original, original_rows

SPLITS = ("train", "validation", "test")


def svg_data_uri(path: str | Path) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(Path(path).read_bytes()).decode()


def _cell(row: dict, column: str, metric: str) -> str:
    return fmt_mean_std(metric, row.get(f"{column}_mean", math.nan), row.get(f"{column}_std", math.nan))


def appendix_rows(table: pd.DataFrame, metric: str, original: dict[str, dict]) -> list[dict]:
    rows = []
    for row in table.to_dict("records"):
        before = original.get(row["label"])
        delta = math.nan
        if before is not None and not math.isnan(before["test"]):
            delta = row[f"test_{metric}_mean"] - before["test"]
        rows.append(
            {
                "label": row["label"],
                "run_id": row["run_id"],
                "diverged": f"{row['n_diverged']}/{row['n_seeds']}" if row["n_diverged"] else "",
                "rebuilt": [_cell(row, f"{split}_{metric}", metric) for split in SPLITS],
                "seconds": _cell(row, "train_seconds", "seconds"),
                "original": [fmt_metric(metric, before[c]) if before is not None else "—" for c in ("train", "test")]
                + [fmt_metric("seconds", before["seconds"]) if before is not None else "—"],
                "delta": "—"
                if math.isnan(delta)
                else (f"{100 * delta:+.2f} pt" if metric == "accuracy" else f"{delta:+.4f}"),
                "flag": before["flag"] if before is not None else "",
            }
        )
    return rows


def sweep_context(sweep: dict, table: pd.DataFrame, figure: str, original: pd.DataFrame) -> dict:
    metric, metric_title = primary_metric(sweep["problem"])
    return {
        "id": f"{sweep['problem']}-{sweep['exercise']}-{sweep['sweep']}",
        "title": sweep["title"],
        "factor_title": FACTOR_TITLES.get(sweep["factor"], sweep["factor"]),
        "figure": svg_data_uri(figure),
        "metric": metric,
        "metric_title": metric_title,
        "rows": appendix_rows(
            table, metric, original_rows(original, sweep["problem"], sweep["exercise"], sweep["sweep"])
        ),
    }


def describe_run(params: dict) -> str:
    """'cnn, conv_layers=1, ..., loss=mse' with the values as the config spells them."""
    return ", ".join(
        [params["architecture"]]
        + [f"{key}={format_value(params[key])}" for key in FACTOR_TITLES if key in params and key != "architecture"]
    )


def finals_context(finals: pd.DataFrame, layout_runs: dict, problem: str) -> list[dict]:
    metric, _ = primary_metric(problem)
    extra = ["accuracy"] if problem == "usps" else ["rmse", "mae", "coverage95"]
    rows = []
    for row in finals[finals["problem"] == problem].to_dict("records"):
        rows.append(
            {
                "role": {"original_choice": "Original choice", "validation_best": "Best by validation"}[row["role"]],
                "run_id": row["run_id"],
                "hyperparameters": describe_run(layout_runs[row["run_id"]]["params"]),
                "metrics": {m: _cell(row, f"test_{m}", m) for m in dict.fromkeys([metric, *extra])},
                "selection": _cell(row, row["selection_metric"], row["selection_metric"]),
            }
        )
    return rows


def build_context(
    layout: dict,
    tables: dict[str, pd.DataFrame],
    figures: dict[str, str],
    runs: pd.DataFrame,
    finals: pd.DataFrame,
    original_path: str,
) -> dict:
    """`tables` and `figures` are keyed by 'problem/exercise/sweep'."""
    original = load_original(original_path)
    problems = []
    for info in layout["problems"]:
        problem = info["id"]
        exercises = []
        for exercise in info["exercises"]:
            sweeps = [
                sweep_context(s, tables[key], figures[key], original)
                for s in layout["sweeps"]
                if (s["problem"], s["exercise"]) == (problem, exercise["id"])
                for key in [f"{s['problem']}/{s['exercise']}/{s['sweep']}"]
            ]
            exercises.append({"id": f"{problem}-{exercise['id']}", "title": exercise["title"], "sweeps": sweeps})
        problem_runs = runs[runs["problem"] == problem]
        problems.append(
            {
                "id": problem,
                "title": info["title"],
                "exercises": exercises,
                "finals": finals_context(finals, layout["runs"], problem),
                "n_runs": problem_runs["run_id"].nunique(),
                "train_seconds": problem_runs["train_seconds"].sum(),
            }
        )
    return {
        "title": "Deep learning in practice: the hyperparameter study, rebuilt",
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "seeds": sorted(runs["seed"].unique().tolist()),
        "n_runs": runs["run_id"].nunique(),
        "n_diverged": int(runs["diverged"].sum()),
        "train_seconds": runs["train_seconds"].sum(),
        "problems": problems,
    }
