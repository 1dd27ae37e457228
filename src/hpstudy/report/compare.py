"""Reading one metric of a sweep table, and when a difference counts.

A sweep table has one row per swept value with `<metric>_mean` and `<metric>_std`
over seeds. Two values differ only when the gap between their means exceeds the
seed spread of that gap, sqrt(std_a^2 + std_b^2) (the spread of the difference of
two independent runs). With one seed there is no spread: gaps count as measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from .metrics import fmt_metric


@dataclass(frozen=True)
class Point:
    label: str
    mean: float
    std: float  # 0 where unknown (one seed)
    diverged: int  # seeds that diverged
    seeds: int

    def __str__(self) -> str:
        return self.label


def points(table: pd.DataFrame, metric: str, labels: list[str] | None = None) -> list[Point]:
    """The table's values of `metric` in sweep order, optionally only `labels` (in their order).

    Raises KeyError naming a label or metric the table does not have.
    """
    if f"{metric}_mean" not in table.columns:
        raise KeyError(f"metric {metric!r} is not in the table")
    rows = {str(row["label"]): row for row in table.to_dict("records")}
    missing = [label for label in labels or [] if label not in rows]
    if missing:
        raise KeyError(f"value(s) {', '.join(missing)} not in the sweep (it has {', '.join(rows)})")
    chosen = labels or list(rows)
    result = []
    for label in chosen:
        row = rows[label]
        std = float(row[f"{metric}_std"])
        result.append(
            Point(
                label,
                float(row[f"{metric}_mean"]),
                0.0 if math.isnan(std) else std,
                int(row.get("n_diverged", 0)),
                int(row.get("n_seeds", 1)),
            )
        )
    return result


def spread(a: Point, b: Point) -> float:
    return math.hypot(a.std, b.std)


def exceeds(gap: float, a: Point, b: Point) -> bool:
    return abs(gap) > spread(a, b)


def metric_kind(metric: str) -> str:
    """'train_accuracy' -> 'accuracy': the unit the formatters need."""
    return metric.split("_", 1)[1] if metric.startswith(("train_", "validation_", "test_")) else metric


KIND_TITLES = {
    "mse_std": "MSE of the mean (std. units)",
    "coverage95": "95% coverage",
    "mean_sigma": "mean σ",
    "rmse": "RMSE",
    "mae": "MAE",
}


def metric_title(metric: str) -> str:
    """'test_accuracy' -> 'test accuracy', 'test_mse_std' -> 'test MSE of the mean (std. units)'."""
    if metric == "train_seconds":
        return "training time"
    split, _, kind = metric.partition("_")
    return f"{split} {KIND_TITLES.get(kind, kind.replace('_', ' '))}"


def fmt_point(metric: str, point: Point) -> str:
    text = fmt_metric(metric, point.mean)
    if point.std and text != "—":
        text += f" ± {fmt_metric(metric, point.std).lstrip('$')}"
    return text


def fmt_gap(metric: str, gap: float) -> str:
    """A difference in the metric's unit: accuracy in percentage points, time in seconds."""
    kind = metric_kind(metric)
    if kind in ("accuracy", "coverage95"):
        return f"{100 * gap:+.2f} pt"
    if kind == "seconds":
        return f"{gap:+.2f} s"
    if kind in ("rmse", "mae", "mean_sigma"):
        return f"{'+' if gap >= 0 else '−'}${abs(gap):,.0f}"
    return f"{gap:+.4f}"


def fmt_spread(metric: str, value: float) -> str:
    return fmt_gap(metric, value).lstrip("+")


def fmt_noise(metric: str, a: Point, b: Point) -> str:
    """The seed spread of the gap between two points, or why there is none."""
    value = spread(a, b)
    if value > 0:
        return f"seed spread {fmt_spread(metric, value)}"
    if a.seeds == 1 and b.seeds == 1:
        return "one seed, so no seed spread"
    if metric == "train_seconds":
        return "no seed spread: a run's seeds train together and share one time"
    return "no seed spread"
