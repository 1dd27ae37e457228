"""How numbers are written in the report."""

from __future__ import annotations

import math

TARGET_UNIT_METRICS = ("rmse", "mae", "mean_sigma")  # a regressor's errors, in the unit of its target


def fmt_metric(metric: str, value: float, unit: str = "") -> str:
    """Accuracy as a percentage with two decimals (as the original), errors in the target's `unit`
    (dollars whole; otherwise 4 significant digits), losses 4 decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if metric.endswith(("accuracy", "coverage95")):
        return f"{100 * value:.2f}%"
    if metric.endswith(TARGET_UNIT_METRICS) and unit == "$":
        return f"${value:,.0f}"
    if metric.endswith(TARGET_UNIT_METRICS):
        return f"{value:.4g}{' ' + unit if unit else ''}"
    if metric.endswith("seconds"):
        return f"{value:#.3g}s"
    return f"{value:.4f}"


def fmt_mean_ci(metric: str, mean: float, low: float, high: float, unit: str = "") -> str:
    """'92.25% ± 0.27%': the mean and the half-width of its (symmetric t-) 95% interval; the mean
    alone where there is no interval (one seed)."""
    text = fmt_metric(metric, mean, unit)
    if low is None or (isinstance(low, float) and math.isnan(low)) or text == "—" or high == low:
        return text
    return f"{text} ± {fmt_metric(metric, (high - low) / 2, unit).lstrip('$')}"
