"""The per-seed samples of a sweep's values, and how their numbers are written.

A check reads one metric of one sweep. Each swept value becomes a Point holding
its per-seed values (for training time: its repeated timings, see
hpstudy.engine.timing) together with B bootstrap resamples of them. The resamples draw
seeds with replacement, the same draw for every configuration (a seed shares its
data order and initialisation across configurations), so the verdict can be
recomputed on each resample to see how much it depends on the seeds chosen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hpstudy.report.metrics import TARGET_UNIT_METRICS, fmt_metric
from hpstudy.results.stats import CONFIDENCE, mean_interval

BOOTSTRAP_RESAMPLES = 200
BOOTSTRAP_SEED = 2023  # fixed, so that two builds draw the same resamples
TIME_METRIC = "solo_seconds"  # measured apart from training (hpstudy.engine.timing), sampled by repeat


@dataclass(frozen=True)
class Point:
    label: str
    values: np.ndarray  # (1 + B, n): the observed per-seed values, then the resamples
    diverged: int = 0  # seeds that diverged

    @property
    def observed(self) -> np.ndarray:
        return self.values[0]

    @property
    def n(self) -> int:
        return int(np.isfinite(self.observed).sum())

    @property
    def mean(self) -> float:
        return float(np.nanmean(self.observed)) if self.n else math.nan

    @property
    def interval(self) -> tuple[float, float]:
        return mean_interval(self.observed)

    def __str__(self) -> str:
        return self.label


class Samples:
    """Per-sample values of every metric by run id, and the bootstrap draws of the sample ids.

    `table` has a `run_id` column, a `sample` column (the seed, or the timing
    repeat) and one column per metric.
    """

    def __init__(self, table: pd.DataFrame, resamples: int = BOOTSTRAP_RESAMPLES):
        self.table = table
        ids = np.sort(table["sample"].unique())
        rng = np.random.default_rng(BOOTSTRAP_SEED)
        draws = rng.choice(ids, size=(resamples, len(ids)), replace=True) if len(ids) else np.empty((resamples, 0))
        self.draws = np.vstack([ids, draws]) if len(ids) else np.empty((1 + resamples, 0))
        self._wide: dict[str, pd.DataFrame] = {}

    def has(self, metric: str) -> bool:
        return metric in self.table.columns

    def values(self, run_id: str, metric: str) -> np.ndarray:
        """(1 + B, n) values of one run; NaN for a sample the run lacks."""
        if metric not in self._wide:
            self._wide[metric] = self.table.pivot_table(index="sample", columns="run_id", values=metric, dropna=False)
        wide = self._wide[metric]
        if run_id not in wide.columns:
            return np.full(self.draws.shape, np.nan)
        column = wide[run_id]
        return column.reindex(self.draws.ravel()).to_numpy(dtype=float).reshape(self.draws.shape)


def seed_samples(runs: pd.DataFrame, resamples: int = BOOTSTRAP_RESAMPLES) -> Samples:
    """runs.csv (a row per run and seed) as samples by seed."""
    return Samples(runs.rename(columns={"seed": "sample"}), resamples)


def timing_samples(timing: pd.DataFrame, resamples: int = BOOTSTRAP_RESAMPLES) -> Samples:
    """The timing measurement (a row per run and repeat) as samples by repeat."""
    return Samples(timing.rename(columns={"repeat": "sample"}), resamples)


def points(
    table: pd.DataFrame, metric: str, samples: dict[str, Samples], labels: list[str] | None = None
) -> list[Point]:
    """The sweep's values of `metric` in sweep order, optionally only `labels` (in their order).

    `samples` maps "seeds" and "timing" to their Samples. Raises KeyError naming
    a label or metric the sweep does not have.
    """
    source = samples["timing" if metric == TIME_METRIC else "seeds"]
    if not source.has(metric):
        raise KeyError(f"metric {metric!r} is not measured")
    rows = {str(row["label"]): row for row in table.to_dict("records")}
    missing = [label for label in labels or [] if label not in rows]
    if missing:
        raise KeyError(f"value(s) {', '.join(missing)} not in the sweep (it has {', '.join(rows)})")
    return [
        Point(label, source.values(rows[label]["run_id"], metric), int(rows[label].get("n_diverged", 0) or 0))
        for label in labels or list(rows)
    ]


def metric_kind(metric: str) -> str:
    """'train_accuracy' -> 'accuracy', 'solo_seconds' -> 'seconds': the unit the formatters need."""
    if metric.endswith("seconds"):
        return "seconds"
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
    if metric == TIME_METRIC:
        return "training time per seed (timed alone)"
    split, _, kind = metric.partition("_")
    return f"{split} {KIND_TITLES.get(kind, kind.replace('_', ' '))}"


def fmt_interval(metric: str, low: float, high: float, confidence: float = CONFIDENCE) -> str:
    if math.isnan(low):
        return ""
    return f"{confidence:.0%} CI [{fmt_metric(metric, low)}, {fmt_metric(metric, high)}]"


def fmt_point(metric: str, point: Point) -> str:
    """'92.25% [91.98%, 92.52%]': the mean and its 95% interval over seeds (none for one seed)."""
    text = fmt_metric(metric, point.mean)
    low, high = point.interval
    if text != "—" and not math.isnan(low):
        text += f" [{fmt_metric(metric, low)}, {fmt_metric(metric, high)}]"
    return text


def fmt_gap(metric: str, gap: float, unit: str = "") -> str:
    """A difference in the metric's unit: accuracy in percentage points, time in seconds, a
    regressor's errors in its target's `unit` (whole dollars for '$')."""
    kind = metric_kind(metric)
    if kind in ("accuracy", "coverage95"):
        return f"{100 * gap:+.2f} pt"
    if kind == "seconds":
        return f"{gap:+#.3g} s"
    if kind in TARGET_UNIT_METRICS and unit == "$":
        return f"{'+' if gap >= 0 else '−'}${abs(gap):,.0f}"
    if kind in TARGET_UNIT_METRICS:
        return f"{gap:+.4g}{' ' + unit if unit else ''}"
    return f"{gap:+.4f}"


def fmt_spread(metric: str, value: float, unit: str = "") -> str:
    return fmt_gap(metric, value, unit).lstrip("+")


def fmt_gap_interval(metric: str, gap: float, low: float, high: float, confidence: float = CONFIDENCE) -> str:
    """'−0.46 pt (95% CI −0.71 to −0.21)'."""
    text = fmt_gap(metric, gap)
    if math.isnan(low):
        return text
    return f"{text} ({confidence:.0%} CI {fmt_gap(metric, low)} to {fmt_gap(metric, high)})"
