"""One or two sentences per sweep, written from its table by fixed wording rules.

The sentence names the best and the worst value of the problem's test metric
(mean and 95% interval over seeds), the shape of the curve over the sweep (a
step counts only where Welch's test, from the table's mean, std and n, finds it
at level ALPHA), whether the best-to-worst gap is such a difference, any
diverged runs, and the range of training times measured alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import pandas as pd

from hpstudy.report.compare import TIME_METRIC, fmt_spread, metric_title
from hpstudy.report.metrics import fmt_metric
from hpstudy.results.aggregate import higher_is_better
from hpstudy.results.stats import ALPHA, MIN_SAMPLES, welch_from_stats


@dataclass(frozen=True)
class Summary:
    """One swept value's summary of one metric, as the sweep table holds it."""

    label: str
    mean: float
    std: float
    n: int
    low: float
    high: float
    diverged: int = 0


def summaries(table: pd.DataFrame, metric: str) -> list[Summary]:
    return [
        Summary(
            str(row["label"]),
            float(row[f"{metric}_mean"]),
            float(row[f"{metric}_std"]),
            int(row[f"{metric}_n"]),
            float(row[f"{metric}_ci_low"]),
            float(row[f"{metric}_ci_high"]),
            int(row.get("n_diverged", 0) or 0),
        )
        for row in table.to_dict("records")
    ]


def differ(a: Summary, b: Summary) -> bool:
    """Welch's test finds the two means different at level ALPHA (never with fewer than two seeds)."""
    p = welch_from_stats(a.mean, a.std, a.n, b.mean, b.std, b.n)
    return not math.isnan(p) and p < ALPHA


def fmt_summary(metric: str, s: Summary, unit: str = "") -> str:
    text = fmt_metric(metric, s.mean, unit)
    if not math.isnan(s.low) and text != "—":
        text += f", 95% CI {fmt_metric(metric, s.low, unit)} to {fmt_metric(metric, s.high, unit)}"
    return text


def shape(pts: list[Summary]) -> str:
    """'rises', 'falls', 'peaks', 'dips', 'is flat' or 'varies' over an ordered sweep."""
    signs = [(b.mean > a.mean) - (b.mean < a.mean) for a, b in pairwise(pts) if differ(a, b)]
    if not signs:
        return "is flat"
    changes = sum(1 for s, t in pairwise(signs) if s != t)
    if changes == 0:
        return "rises" if signs[0] > 0 else "falls"
    if changes == 1:
        return "peaks" if signs[0] > 0 else "dips"
    return "varies"


def describe_sweep(table: pd.DataFrame, factor_title: str, metric: str, ordered: bool, unit: str = "") -> str:
    """The narrative of one sweep; `ordered` is false for categorical values (activations); `unit`:
    of a regressor's target."""
    title = metric_title(metric)
    every = summaries(table, metric)
    pts = [p for p in every if not math.isnan(p.mean)]
    sentences = []
    if not pts:
        sentences.append(f"Every run of this sweep diverged, so there is no {title} to compare.")
    elif len(pts) == 1:
        sentences.append(f"Only {pts[0].label} gives a finite {title}: {fmt_summary(metric, pts[0], unit)}.")
    else:
        better = max if higher_is_better(metric) else min
        worse = min if better is max else max
        best, worst = better(pts, key=lambda p: p.mean), worse(pts, key=lambda p: p.mean)
        sentences.append(
            f"The best {title} is at {factor_title.lower()} {best.label} ({fmt_summary(metric, best, unit)}), "
            f"the worst at {worst.label} ({fmt_summary(metric, worst, unit)})."
        )
        trend = f"Over the sweep the {title} {shape(pts)}; the " if ordered and len(pts) > 2 else "The "
        gap = f"{trend}gap of {fmt_spread(metric, abs(best.mean - worst.mean), unit)} "
        if min(best.n, worst.n) < MIN_SAMPLES:
            sentences.append(gap + f"cannot be tested with {min(best.n, worst.n)} seed: it decides nothing.")
        elif differ(best, worst):
            sentences.append(gap + f"is a real difference (Welch's t-test, p < {ALPHA}).")
        else:
            sentences.append(gap + f"is not: Welch's t-test does not separate them at {ALPHA} with these seeds.")
    diverged = [p for p in every if p.diverged]
    if diverged:
        sentences.append(
            "Diverged: "
            + ", ".join(f"{p.label} ({p.diverged} of {p.n} seed{'s' if p.n > 1 else ''})" for p in diverged)
            + "; their metrics are those at divergence."
        )
    if f"{TIME_METRIC}_mean" in table.columns:
        seconds = table[f"{TIME_METRIC}_mean"].dropna()
        if len(seconds):
            sentences.append(
                f"Trained alone, one seed takes {seconds.min():.2f} to {seconds.max():.2f} s (one thread, timed)."
            )
    return " ".join(sentences)
