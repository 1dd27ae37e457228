"""One or two sentences per sweep, written from its table by fixed wording rules.

The sentence names the best and the worst value of the problem's test metric,
the shape of the curve over the sweep (steps that stay inside the seed spread
count as flat), whether the best-to-worst gap exceeds the seed spread, any
diverged runs, and the range of training times.
"""

from __future__ import annotations

import math
from itertools import pairwise

import pandas as pd

from ..aggregate import higher_is_better
from .compare import Point, exceeds, fmt_noise, fmt_point, fmt_spread, metric_title, points


def shape(pts: list[Point]) -> str:
    """'rises', 'falls', 'peaks', 'dips', 'is flat' or 'varies' over an ordered sweep."""
    signs = [(b.mean > a.mean) - (b.mean < a.mean) for a, b in pairwise(pts) if exceeds(b.mean - a.mean, a, b)]
    if not signs:
        return "is flat"
    changes = sum(1 for s, t in pairwise(signs) if s != t)
    if changes == 0:
        return "rises" if signs[0] > 0 else "falls"
    if changes == 1:
        return "peaks" if signs[0] > 0 else "dips"
    return "varies"


def describe_sweep(table: pd.DataFrame, factor_title: str, metric: str, ordered: bool) -> str:
    """The narrative of one sweep; `ordered` is false for categorical values (activations)."""
    title = metric_title(metric)
    every = points(table, metric)
    pts = [p for p in every if not math.isnan(p.mean)]
    sentences = []
    if not pts:
        sentences.append(f"Every run of this sweep diverged, so there is no {title} to compare.")
    elif len(pts) == 1:
        sentences.append(f"Only {pts[0].label} gives a finite {title}: {fmt_point(metric, pts[0])}.")
    else:
        better = max if higher_is_better(metric) else min
        worse = min if better is max else max
        best, worst = better(pts, key=lambda p: p.mean), worse(pts, key=lambda p: p.mean)
        gap = best.mean - worst.mean
        sentences.append(
            f"The best {title} is at {factor_title.lower()} {best.label} ({fmt_point(metric, best)}), "
            f"the worst at {worst.label} ({fmt_point(metric, worst)})."
        )
        counts = exceeds(gap, best, worst)
        trend = f"Over the sweep the {title} {shape(pts)}; the " if ordered and len(pts) > 2 else "The "
        sentences.append(
            f"{trend}gap of {fmt_spread(metric, abs(gap))} ({fmt_noise(metric, best, worst)}) "
            + (
                "is a real difference."
                if counts
                else "is not: the values are indistinguishable at this number of seeds."
            )
        )
    diverged = [p for p in every if p.diverged]
    if diverged:
        sentences.append(
            "Diverged: "
            + ", ".join(f"{p.label} ({p.diverged} of {p.seeds} seed{'s' if p.seeds > 1 else ''})" for p in diverged)
            + "; their metrics are those at divergence."
        )
    seconds = [p.mean for p in points(table, "train_seconds") if not math.isnan(p.mean)]
    if seconds:
        sentences.append(f"Training takes {min(seconds):.1f} to {max(seconds):.1f} s per seed.")
    return " ".join(sentences)
