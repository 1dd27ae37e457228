"""How numbers are written in the report."""

from __future__ import annotations

import math


def fmt_metric(metric: str, value: float) -> str:
    """Accuracy as a percentage with two decimals (as the original), dollars whole, losses 4 digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if metric.endswith(("accuracy", "coverage95")):
        return f"{100 * value:.2f}%"
    if metric.endswith(("rmse", "mae", "mean_sigma")):
        return f"${value:,.0f}"
    if metric.endswith("seconds"):
        return f"{value:#.3g}s"
    return f"{value:.4f}"


def fmt_mean_ci(metric: str, mean: float, low: float, high: float) -> str:
    """'92.25% ± 0.27%': the mean and the half-width of its (symmetric t-) 95% interval; the mean
    alone where there is no interval (one seed)."""
    text = fmt_metric(metric, mean)
    if low is None or (isinstance(low, float) and math.isnan(low)) or text == "—" or high == low:
        return text
    return f"{text} ± {fmt_metric(metric, (high - low) / 2).lstrip('$')}"
