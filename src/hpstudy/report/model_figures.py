"""Figures of trained models: learning curves, and the final models' figures a problem draws with
these (a classifier's confusion matrices, a regressor's predictions and coverage)."""

from __future__ import annotations

from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd

from hpstudy.report.figures import SPLIT_STYLES, pyplot, save_svg
from hpstudy.results.inputs import per_seed_table

COVERAGE_LEVELS = np.linspace(0.05, 0.99, 40)


def _band(ax, history: pd.DataFrame, column: str, color: str, label: str) -> None:
    """Mean over seeds per epoch, with the seeds' min-max as a band."""
    by_epoch = history.groupby("epoch")[column]
    mean, low, high = by_epoch.mean(), by_epoch.min(), by_epoch.max()
    ax.plot(mean.index, mean.to_numpy(), color=color, lw=1.3, label=label)
    ax.fill_between(mean.index, low.to_numpy(), high.to_numpy(), color=color, alpha=0.2, lw=0)


def plot_learning_curves(histories: dict[str, pd.DataFrame], output: str, unit: str = "") -> None:
    """Per baseline (a column): train and validation loss per epoch, and the validation metric
    (`unit`: of a regressor's target, for its errors' axis)."""
    plt = pyplot()
    fig, axes = plt.subplots(
        2, len(histories), figsize=(3.5 * len(histories), 4.4), squeeze=False, constrained_layout=True
    )
    for column, (name, history) in enumerate(histories.items()):
        loss_ax, metric_ax = axes[0, column], axes[1, column]
        _band(loss_ax, history, "train_loss", SPLIT_STYLES["train"][0], "train")
        _band(loss_ax, history, "validation_loss", SPLIT_STYLES["validation"][0], "validation")
        loss_ax.set_title(f"baseline: {name}")
        loss_ax.set_ylabel("loss")
        loss_ax.legend(frameon=False, fontsize=8)
        watched = next(c for c in history.columns if c.startswith("validation_") and c != "validation_loss")
        _band(metric_ax, history, watched, SPLIT_STYLES["validation"][0], "validation")
        metric_ax.set_ylabel(watched.replace("_", " ").replace("rmse", f"RMSE ({unit})" if unit else "RMSE"))
        metric_ax.set_xlabel("epoch")
        for ax in (loss_ax, metric_ax):
            ax.grid(alpha=0.3, lw=0.5)
    save_svg(fig, output)


def confusion_matrix(predictions: pd.DataFrame, classes: int) -> np.ndarray:
    """Counts summed over seeds: rows are true labels, columns predicted ones."""
    matrix = np.zeros((classes, classes), dtype=int)
    np.add.at(matrix, (predictions["label"].to_numpy(), predictions["predicted"].to_numpy()), 1)
    return matrix


def plot_confusion(models: dict[str, pd.DataFrame], output: str, classes: int, class_title: str = "class") -> None:
    """One row-normalised confusion matrix per model, in percent of each true class."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(models), figsize=(3.5 * len(models), 3.4), squeeze=False, constrained_layout=True)
    for ax, (title, predictions) in zip(axes[0], models.items()):
        counts = confusion_matrix(predictions, classes)
        share = 100 * counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        ax.imshow(share, cmap="Blues", vmin=0, vmax=100)
        for (true, guess), value in np.ndenumerate(share):
            if value >= 0.5:
                ax.text(
                    guess,
                    true,
                    f"{value:.0f}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if value > 60 else "black",
                )
        accuracy = np.trace(counts) / counts.sum()
        ax.set_title(f"{title}\ntest accuracy {100 * accuracy:.2f}% (all seeds)", fontsize=8)
        ax.set_xlabel(f"predicted {class_title}")
        ax.set_ylabel(f"true {class_title}")
        ax.set_xticks(range(classes))
        ax.set_yticks(range(classes))
    save_svg(fig, output)


def coverage_curve(predictions: pd.DataFrame, target: str, levels=COVERAGE_LEVELS) -> np.ndarray:
    """Share of test targets inside the central predictive interval of each nominal level."""
    z = np.array([NormalDist().inv_cdf(0.5 + level / 2) for level in levels])
    error = np.abs(predictions[target].to_numpy() - predictions["predicted"].to_numpy())
    return (error[None, :] <= z[:, None] * predictions["sigma"].to_numpy()[None, :]).mean(axis=1)


def plot_predictions(models: dict[str, pd.DataFrame], output: str, target: str, unit: str = "") -> None:
    """Per model (a row): predicted against actual `target` with ±2σ bars (first seed), and the
    coverage of the predictive intervals against their nominal level (every seed). A target in
    dollars (`unit` '$') is shown in thousands."""
    scale, unit_label = (1000, " (k$)") if unit == "$" else (1, f" ({unit})" if unit else "")
    plt = pyplot()
    fig, axes = plt.subplots(len(models), 2, figsize=(7.0, 3.0 * len(models)), squeeze=False, constrained_layout=True)
    for (scatter_ax, coverage_ax), (title, predictions) in zip(axes, models.items()):
        seed = predictions[predictions["seed"] == predictions["seed"].min()]
        actual, predicted = seed[target].to_numpy() / scale, seed["predicted"].to_numpy() / scale
        gaussian = "sigma" in predictions and predictions["sigma"].notna().all()
        if gaussian:
            scatter_ax.errorbar(
                actual,
                predicted,
                yerr=2 * seed["sigma"].to_numpy() / scale,
                fmt="none",
                ecolor=SPLIT_STYLES["test"][0],
                alpha=0.25,
                lw=0.8,
                label="±2σ",
                rasterized=True,
            )
        scatter_ax.scatter(actual, predicted, s=6, color=SPLIT_STYLES["test"][0], label="test sample", rasterized=True)
        limits = [min(actual.min(), predicted.min()), max(actual.max(), predicted.max())]
        scatter_ax.plot(limits, limits, color="#555555", lw=0.8, ls="--", label="perfect")
        scatter_ax.set_title(f"{title} (seed {int(seed['seed'].iloc[0])})", fontsize=8)
        scatter_ax.set_xlabel(f"actual {target}{unit_label}")
        scatter_ax.set_ylabel(f"predicted {target}{unit_label}")
        scatter_ax.legend(frameon=False, fontsize=7)
        if gaussian:
            for _, per_seed in predictions.groupby("seed"):
                coverage_ax.plot(
                    100 * COVERAGE_LEVELS, 100 * coverage_curve(per_seed, target), color="#9467bd", lw=1, alpha=0.7
                )
            coverage_ax.plot([0, 100], [0, 100], color="#555555", lw=0.8, ls="--", label="calibrated")
            coverage_ax.set_xlabel("nominal level of the central interval (%)")
            coverage_ax.set_ylabel(f"test {target}s inside (%)")
            coverage_ax.legend(frameon=False, fontsize=7)
            coverage_ax.set_title("coverage of the predictive intervals\n(one line per seed)", fontsize=8)
        else:
            coverage_ax.set_axis_off()
            coverage_ax.text(
                0.5,
                0.5,
                "MSE head: no predictive\ndistribution to calibrate",
                ha="center",
                va="center",
                transform=coverage_ax.transAxes,
            )
        for ax in (scatter_ax, coverage_ax):
            ax.grid(alpha=0.3, lw=0.5)
    save_svg(fig, output)


ROLE_TITLES = {"original_choice": "Original choice", "validation_best": "Best by validation"}


def final_predictions(
    finals: pd.DataFrame, prediction_files: list[str], problem: str, seeds: list[int]
) -> dict[str, pd.DataFrame]:
    """The test predictions of the problem's final models, titled by role ('Original choice')."""
    by_run = {Path(path).parent.name: path for path in prediction_files}
    models = {}
    for row in finals[finals["problem"] == problem].to_dict("records"):
        path = by_run[row["run_id"]]
        models[f"{ROLE_TITLES[row['role']]} ({row['run_id']})"] = per_seed_table(path, ["index"], seeds)
    return models
