"""Which metric speaks for a problem, and how numbers are written in the report."""

from __future__ import annotations

import math


def primary_metric(problem: str) -> tuple[str, str]:
    """The metric of a problem's sweep tables and figures, and its axis title."""
    if problem == "usps":
        return "accuracy", "accuracy"
    return "loss", "loss (standardised units)"


def fmt_metric(metric: str, value: float) -> str:
    """Accuracy as a percentage with two decimals (as the original), dollars whole, losses 4 digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if metric.endswith(("accuracy", "coverage95")):
        return f"{100 * value:.2f}%"
    if metric.endswith(("rmse", "mae", "mean_sigma")):
        return f"${value:,.0f}"
    if metric.endswith("seconds"):
        return f"{value:.2f}s"
    return f"{value:.4f}"


def fmt_mean_std(metric: str, mean: float, std: float) -> str:
    text = fmt_metric(metric, mean)
    # no spread to show: one seed, or seeds that share one measurement (the training time of a run)
    if std is None or (isinstance(std, float) and math.isnan(std)) or std == 0 or text == "—":
        return text
    return f"{text} ± {fmt_metric(metric, std).lstrip('$')}"
