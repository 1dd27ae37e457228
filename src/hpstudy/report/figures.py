"""Matplotlib figures of the report, written as SVG (vector in HTML and PDF)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hpstudy.report.compare import TIME_METRIC
from hpstudy.runtime.atomic import atomic_path
from hpstudy.study.hyperparameters import FACTOR_TITLES

SPLIT_STYLES = {"train": ("#1f77b4", "o"), "validation": ("#ff7f0e", "s"), "test": ("#2ca02c", "^")}
LOG_SPAN = 100  # a positive numeric sweep spanning this factor or more gets a log axis


def pyplot():
    """matplotlib.pyplot with the report's style, imported late (scripts that do not plot stay fast)."""
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.fonttype": "none",
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "hpstudy",
            # dense scatters are drawn rasterized (an image in the SVG): a point each made the PDF slow to draw
            "savefig.dpi": 200,
        }
    )
    return plt


def save_svg(fig, output: str) -> None:
    """Write atomically, without a date, so an unchanged figure is byte-identical."""
    with atomic_path(output) as tmp:
        fig.savefig(tmp, format="svg", metadata={"Date": None})
    pyplot().close(fig)


def sweep_axis(table: pd.DataFrame, factor: str):
    """x positions, tick labels and scale: numeric factors keep their values (log when
    they span decades), anything else (activations, optimizers) is categorical."""
    values = pd.to_numeric(table[factor], errors="coerce")
    if values.notna().all() and table["label"].str.contains("@").sum() == 0:
        x = values.to_numpy(dtype=float)
        log = bool((x > 0).all() and x.max() / x.min() >= LOG_SPAN)
        return x, list(table["label"]), "log" if log else "linear"
    return np.arange(len(table), dtype=float), list(table["label"]), "categorical"


def interval_bars(table: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """The mean and its 95% interval as error-bar lengths below and above (none where unknown)."""
    mean = table[f"{column}_mean"].to_numpy(dtype=float)
    low = np.nan_to_num(mean - table[f"{column}_ci_low"].to_numpy(dtype=float))
    high = np.nan_to_num(table[f"{column}_ci_high"].to_numpy(dtype=float) - mean)
    return mean, np.vstack([low, high])


def plot_sweep(table: pd.DataFrame, sweep: dict, output: str) -> None:
    """The problem's primary metric (the sweep's `metric`, `metric_title`) against swept value (train /
    validation / test) and the training time timed alone, each the mean with its 95% confidence
    interval (over seeds; for time, over the timing repeats)."""
    plt = pyplot()
    metric, metric_title = sweep["metric"], sweep["metric_title"]
    x, labels, scale = sweep_axis(table, sweep["factor"])
    fig, (ax_metric, ax_time) = plt.subplots(1, 2, figsize=(7.0, 2.7), constrained_layout=True)
    for split, (color, marker) in SPLIT_STYLES.items():
        mean, bars = interval_bars(table, f"{split}_{metric}")
        ax_metric.errorbar(x, mean, yerr=bars, color=color, marker=marker, ms=4, capsize=3, lw=1.2, label=split)
    mean, bars = interval_bars(table, TIME_METRIC)
    ax_time.errorbar(x, mean, yerr=bars, color="#555555", marker="o", ms=4, capsize=3, lw=1.2)
    diverged = table["n_diverged"].to_numpy() > 0
    for xi in x[diverged]:
        ax_metric.axvline(xi, color="#d62728", lw=0.8, ls=":")
    for ax, ylabel in ((ax_metric, metric_title), (ax_time, "training time per seed, alone (s)")):
        ax.set_xlabel(FACTOR_TITLES.get(sweep["factor"], sweep["factor"]))
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3, lw=0.5)
        if scale == "log":
            ax.set_xscale("log")
        ax.set_xticks(x, labels, rotation=30 if scale == "categorical" and max(map(len, labels)) > 6 else 0)
        ax.minorticks_off()
    ax_time.set_ylim(bottom=0)
    ax_metric.legend(frameon=False, fontsize=8)
    save_svg(fig, output)
