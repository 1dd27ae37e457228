"""Everything the report template shows, computed from the aggregated CSVs.

The template only lays out what this module gives it, so every number on the
page can be traced to a function here and, through it, to results/metrics/.
"""

from __future__ import annotations

import base64
import datetime
import math
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from hpstudy.engine import timing
from hpstudy.report.claims import EQUIVALENCE_CONFIDENCE, FAILS, HOLDS, INCONCLUSIVE, NOT_EVALUATED
from hpstudy.report.compare import BOOTSTRAP_RESAMPLES, TIME_METRIC, fmt_gap, metric_title
from hpstudy.report.figures import sweep_axis
from hpstudy.report.metrics import fmt_mean_ci, fmt_metric
from hpstudy.report.model_figures import ROLE_TITLES
from hpstudy.report.narrative import describe_sweep
from hpstudy.report.original import flag_copies, load_original, original_rows
from hpstudy.results.aggregate import read_sweep_table
from hpstudy.results.stats import ALPHA, CONFIDENCE, MIN_SAMPLES
from hpstudy.study.hyperparameters import FACTOR_TITLES
from hpstudy.study.plan import format_value

SPLITS = ("train", "validation", "test")
VERDICT_CLASSES = {HOLDS: "holds", FAILS: "fails", INCONCLUSIVE: "inconclusive", NOT_EVALUATED: "not-evaluated"}


def sweep_key(path: str | Path) -> str:
    """'results/metrics/usps/loss/loss.csv' -> 'usps/loss/loss' (also for figures)."""
    return "/".join(Path(path).with_suffix("").parts[-3:])


def read_sweep_tables(paths: list[str]) -> dict[str, pd.DataFrame]:
    return {sweep_key(path): read_sweep_table(path) for path in paths}


def svg_data_uri(path: str | Path) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(Path(path).read_bytes()).decode()


def _cell(row: dict, column: str, metric: str, unit: str = "") -> str:
    """Mean ± half-width of the 95% interval (`unit`: of the problem's target)."""
    return fmt_mean_ci(
        metric,
        row.get(f"{column}_mean", math.nan),
        row.get(f"{column}_ci_low", math.nan),
        row.get(f"{column}_ci_high", math.nan),
        unit,
    )


def fmt_count(value: float) -> str:
    """12345678 -> '12.3M': parameters and multiply-adds."""
    if value is None or math.isnan(value):
        return "—"
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.0f}"


def _delta(metric: str, delta: float, unit: str = "") -> str:
    return "—" if math.isnan(delta) else fmt_gap(metric, delta, unit)


def appendix_rows(table: pd.DataFrame, metric: str, original: dict[str, dict], unit: str = "") -> list[dict]:
    """Rebuilt mean ± 95% CI half-width beside the original's numbers; where the original gave only a
    validation number (the cross-entropy run), that number and its difference are shown. `unit`: of a
    regressor's target."""
    rows = []
    for row in table.to_dict("records"):
        before = original.get(row["label"])
        split = "test"
        if before is not None and math.isnan(before["test"]) and not math.isnan(before["validation"]):
            split = "validation"
        delta = math.nan if before is None else row[f"{split}_{metric}_mean"] - before[split]
        suffix = " (val.)" if split == "validation" else ""
        rows.append(
            {
                "label": row["label"],
                "run_id": row["run_id"],
                "diverged": f"{row['n_diverged']}/{row['n_seeds']}" if row["n_diverged"] else "",
                "rebuilt": [_cell(row, f"{s}_{metric}", metric, unit) for s in SPLITS],
                "seconds": _cell(row, TIME_METRIC, "seconds"),
                "parameters": fmt_count(row.get("parameters", math.nan)),
                "multiply_adds": fmt_count(row.get("multiply_adds_per_step", math.nan)),
                "original": ["—"] * 3
                if before is None
                else [
                    fmt_metric(metric, before["train"], unit),
                    fmt_metric(metric, before[split], unit) + suffix,
                    fmt_metric("seconds", before["seconds"]),
                ],
                "delta": _delta(metric, delta, unit) + (suffix if not math.isnan(delta) else ""),
                "delta_value": delta,
                "flag": before["flag"] if before is not None else "",
            }
        )
    return rows


def _share(value) -> str:
    return (
        "—"
        if value is None or value == "" or (isinstance(value, float) and math.isnan(value))
        else f"{float(value):.0%}"
    )


def verdict_records(verdicts: pd.DataFrame) -> list[dict]:
    """verdicts.csv (a row per check) -> a record per claim with its checks."""
    records = []
    for claim, rows in verdicts.groupby("claim", sort=True):
        first = rows.iloc[0]
        records.append(
            {
                "number": int(claim),
                "conclusion": first["conclusion"],
                "verdict": first["verdict"],
                "css": VERDICT_CLASSES[first["verdict"]],
                "robustness": _share(first.get("robustness")),
                "min_seeds": int(first.get("min_seeds", 0)),
                "sweeps": str(first["sweeps"]).split(),
                "checks": [
                    {
                        "verdict": r["check_verdict"],
                        "css": VERDICT_CLASSES[r["check_verdict"]],
                        "evidence": r["evidence"],
                    }
                    for r in rows.to_dict("records")
                ],
            }
        )
    return records


def sweep_context(
    sweep: dict, problem: dict, table: pd.DataFrame, figure: str, original: pd.DataFrame, claims: list[dict]
) -> dict:
    """`problem`: the problem's entry of the study's layout (its primary metric)."""
    metric, metric_title = problem["primary_metric"], problem["primary_metric_title"]
    key = f"{sweep['problem']}/{sweep['exercise']}/{sweep['sweep']}"
    factor_title = FACTOR_TITLES.get(sweep["factor"], sweep["factor"])
    return {
        "id": key.replace("/", "-"),
        "title": sweep["title"],
        "factor_title": factor_title,
        "figure": svg_data_uri(figure),
        "metric": metric,
        "metric_title": metric_title,
        "narrative": describe_sweep(
            table,
            factor_title,
            f"test_{metric}",
            ordered=sweep_axis(table, sweep["factor"])[2] != "categorical",
            unit=problem["unit"],
        ),
        "claims": [claim for claim in claims if key in claim["sweeps"]],
        "rows": appendix_rows(
            table,
            metric,
            original_rows(original, sweep["problem"], sweep["exercise"], sweep["sweep"]),
            problem["unit"],
        ),
    }


def describe_run(params: dict) -> str:
    """'cnn, conv_layers=1, ..., loss=mse' with the values as the config spells them."""
    return ", ".join(
        [params["architecture"]]
        + [f"{key}={format_value(params[key])}" for key in FACTOR_TITLES if key in params and key != "architecture"]
    )


def finals_context(finals: pd.DataFrame, layout_runs: dict, info: dict, original: pd.DataFrame) -> dict:
    """The final models side by side: a column per model, a row per test metric
    (`info`: the problem's entry of the study's layout)."""
    problem, metric, extra = info["id"], info["primary_metric"], info["final_metrics"]
    models = finals[finals["problem"] == problem].to_dict("records")
    rows = [
        {
            "metric": metric_title(f"test_{m}"),
            "values": [_cell(model, f"test_{m}", m, info["unit"]) for model in models],
        }
        for m in dict.fromkeys([metric, *extra])
    ]
    if models:
        selection = models[0]["selection_metric"]
        rows.insert(
            0,
            {
                "metric": metric_title(selection) + " (selection)",
                "values": [_cell(model, selection, selection, info["unit"]) for model in models],
            },
        )
    reported = original_rows(original, problem, "final", "final").get("seed_choice")
    return {
        "models": [
            {
                "role": ROLE_TITLES[model["role"]],
                "run_id": model["run_id"],
                "hyperparameters": describe_run(layout_runs[model["run_id"]]["params"]),
                "diverged": model["n_diverged"],
            }
            for model in models
        ],
        "rows": rows,
        "headline": {
            "metric": metric_title(f"test_{metric}"),
            "values": [
                f"{ROLE_TITLES[m['role']].lower()} {_cell(m, f'test_{metric}', metric, info['unit'])}" for m in models
            ],
        },
        "selection_metric": models[0]["selection_metric"].replace("_", " ") if models else "",
        "original": None if reported is None else fmt_metric(metric, reported["test"], info["unit"]),
        "original_metric": None if reported is None else reported["metric"].replace("_", " "),
    }


def method_context() -> dict:
    """The statistical and timing constants the method section states."""
    return {
        "alpha": ALPHA,
        "confidence": f"{CONFIDENCE:.0%}",
        "equivalence_confidence": f"{EQUIVALENCE_CONFIDENCE:.0%}",
        "min_samples": MIN_SAMPLES,
        "resamples": BOOTSTRAP_RESAMPLES,
        "warmup_steps": timing.WARMUP_STEPS,
        "min_steps": timing.MIN_STEPS,
        "max_steps": timing.MAX_STEPS,
        "timed_samples": timing.TIMED_SAMPLES,
        "repeats": timing.REPEATS,
    }


def provenance_context(provenance: dict) -> dict:
    config = provenance["configuration"]
    return {
        **provenance,
        "config_yaml": yaml.safe_dump(config, sort_keys=False, default_flow_style=None, width=100),
    }


def build_context(
    layout: dict,
    tables: dict[str, pd.DataFrame],
    figures: dict[str, str],
    problem_figures: dict[str, dict[str, str]],
    runs: pd.DataFrame,
    finals: pd.DataFrame,
    verdicts: pd.DataFrame,
    provenance: dict,
    original_path: str,
) -> dict:
    """`tables` and `figures` are keyed by 'problem/exercise/sweep', `problem_figures` by problem, then name."""
    original = flag_copies(load_original(original_path), layout)
    claims = verdict_records(verdicts)
    swept = {f"{s['problem']}/{s['exercise']}/{s['sweep']}" for s in layout["sweeps"]}
    if not any(swept & set(claim["sweeps"]) for claim in claims):
        claims = []  # a study of its own: the original's conclusions speak of none of its sweeps
    problems = []
    for info in layout["problems"]:
        problem = info["id"]
        exercises = []
        for exercise in info["exercises"]:
            sweeps = [
                sweep_context(s, info, tables[key], figures[key], original, claims)
                for s in layout["sweeps"]
                if (s["problem"], s["exercise"]) == (problem, exercise["id"])
                for key in [f"{s['problem']}/{s['exercise']}/{s['sweep']}"]
            ]
            exercises.append({"id": f"{problem}-{exercise['id']}", "title": exercise["title"], "sweeps": sweeps})
        problem_runs = runs[runs["problem"] == problem]
        # how far the rebuilt test numbers sit from the original's, over the rows that have both
        deltas = [
            row["delta_value"]
            for exercise in exercises
            for sweep in exercise["sweeps"]
            for row in sweep["rows"]
            if not math.isnan(row["delta_value"]) and not row["flag"]
        ]
        problems.append(
            {
                "id": problem,
                "title": info["title"],
                "exercises": exercises,
                "figures": {name: svg_data_uri(path) for name, path in problem_figures[problem].items()},
                "baselines": info["baselines"],
                "finals": finals_context(finals, layout["runs"], info, original),
                "text": info["text"],
                "comparison": None
                if not deltas or info["primary_metric"] != "accuracy"
                else {
                    "n": len(deltas),
                    "median": _delta("accuracy", float(np.median(deltas))),
                    "low": _delta("accuracy", min(deltas)),
                    "high": _delta("accuracy", max(deltas)),
                },
                "n_runs": problem_runs["run_id"].nunique(),
                "train_seconds": problem_runs["train_seconds"].sum(),
            }
        )
    counts = {verdict: sum(c["verdict"] == verdict for c in claims) for verdict in VERDICT_CLASSES}
    return {
        "title": layout["title"],
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "seeds": sorted(runs["seed"].unique().tolist()),
        "n_runs": runs["run_id"].nunique(),
        "n_diverged": int(runs["diverged"].sum()),
        "train_seconds": runs["train_seconds"].sum(),
        "problems": problems,
        "claims": claims,
        "verdict_counts": {k: v for k, v in counts.items() if v},
        "method": method_context(),
        "provenance": provenance_context(provenance),
    }
