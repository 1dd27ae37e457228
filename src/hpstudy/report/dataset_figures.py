"""Figures of the data itself: USPS samples per class, house features against the price."""

from __future__ import annotations

import numpy as np

from hpstudy.data.splits import SPLITS
from hpstudy.report.figures import SPLIT_STYLES, pyplot, save_svg


def plot_usps_samples(data: dict, output: str, per_class: int = 8) -> None:
    """The first `per_class` training images of every digit, one row per class."""
    plt = pyplot()
    images, labels = data["x_train"], data["y_train"]
    classes = np.unique(labels)
    fig, axes = plt.subplots(len(classes), per_class, figsize=(0.5 * per_class, 0.5 * len(classes)))
    axes = np.atleast_2d(axes)
    for row, digit in zip(axes, classes):
        chosen = np.flatnonzero(labels == digit)[:per_class]
        for ax in row:
            ax.set_axis_off()
        for ax, index in zip(row, chosen):
            ax.imshow(images[index].reshape(16, 16), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        row[0].text(-4, 8, str(digit), ha="right", va="center", fontsize=9)
    fig.subplots_adjust(left=0.06, right=0.99, top=0.99, bottom=0.01, wspace=0.08, hspace=0.08)
    save_svg(fig, output)


def plot_house_features(data: dict, output: str) -> None:
    """Each feature (in its own units) against the sale price, coloured by split."""
    plt = pyplot()
    names = [str(name) for name in data["feature_names"]]
    fig, axes = plt.subplots(1, len(names), figsize=(7.0, 2.3), sharey=True, constrained_layout=True)
    for column, (ax, name) in enumerate(zip(np.atleast_1d(axes), names)):
        for split in SPLITS:
            x = data[f"x_{split}"][:, column] * data["x_std"][column] + data["x_mean"][column]
            price = data[f"y_{split}"] * data["y_std"] + data["y_mean"]
            color, marker = SPLIT_STYLES[split]
            ax.scatter(x, price / 1000, s=4, alpha=0.5, color=color, marker=marker, label=split, linewidths=0)
        ax.set_xlabel(name)
        ax.grid(alpha=0.3, lw=0.5)
    np.atleast_1d(axes)[0].set_ylabel("sale price (k$)")
    np.atleast_1d(axes)[0].legend(frameon=False, fontsize=7, markerscale=2)
    save_svg(fig, output)


def plot_dataset(problem: str, data: dict, output: str) -> None:
    {"usps": plot_usps_samples, "house": plot_house_features}[problem](data, output)
