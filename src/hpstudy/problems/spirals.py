"""Spirals: which of three interleaved spiral arms a point of the plane lies on (an MLP classifier).

The data are made here, from a seed, with no download: a complete problem module in the package
(the smallest one outside it, for a study of your own, is docs/examples/sine.py).
"""

from __future__ import annotations

import json

import numpy as np

from hpstudy.data.splits import SPLITS, in_order, rows_schema, save_splits
from hpstudy.problems.base import Classification

ARMS = 3


def make_spirals(n: int, noise: float, turns: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` points (x, y) in about [-1, 1]², labels 0..ARMS-1: arm k turns `turns` times from
    the centre outwards, rotated by k / ARMS of a turn, with Gaussian noise of sd `noise`."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % ARMS)
    radius = rng.uniform(0.05, 1.0, n)
    angle = 2 * np.pi * (turns * radius + labels / ARMS)
    points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    points += rng.normal(0.0, noise, points.shape)
    return points.astype(np.float32), labels.astype(np.int64)


def plot_points(data: dict, output: str) -> None:
    """The points of every split, coloured by arm."""
    from hpstudy.report.figures import pyplot, save_svg

    plt = pyplot()
    fig, axes = plt.subplots(1, len(SPLITS), figsize=(7.0, 2.5), sharex=True, sharey=True, constrained_layout=True)
    for ax, split in zip(axes, SPLITS):
        points, labels = data[f"x_{split}"], data[f"y_{split}"]
        ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="viridis", vmin=0, vmax=ARMS - 1, s=5, linewidths=0)
        ax.set_title(f"{split} ({len(labels)} points)", fontsize=8)
        ax.set_aspect("equal")
        ax.grid(alpha=0.3, lw=0.5)
    save_svg(fig, output)


class Spirals(Classification):
    title = "Spirals"
    classes = ARMS
    class_title = "arm"
    data_schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["rows", "noise", "turns", "seed"],
        "properties": {
            "rows": rows_schema(minimum=1),
            "noise": {"type": "number", "minimum": 0},
            "turns": {"type": "number", "exclusiveMinimum": 0},
            "seed": {"type": "integer", "minimum": 0},
        },
    }

    def prepare(self, raw: dict[str, str], settings: dict, output: str) -> dict[str, int]:
        rows = settings["rows"]
        points, labels = make_spirals(sum(rows.values()), settings["noise"], settings["turns"], settings["seed"])
        splits = in_order(points, labels, rows)
        return save_splits(output, splits, settings=np.array(json.dumps(settings, sort_keys=True)))

    def plot_data(self, data: dict, output: str) -> None:
        plot_points(data, output)

    def report_text(self, settings: dict) -> dict[str, str]:
        rows = settings["rows"]
        return {
            "data": (
                f"{sum(rows.values())} points of the plane on {ARMS} spiral arms of {settings['turns']:g} turns, "
                f"with Gaussian noise of standard deviation {settings['noise']:g} (seed {settings['seed']}): "
                f"{rows['train']} for training, {rows['validation']} for validation and {rows['test']} for test. "
                "The arms interleave, so no straight line separates them: the network must bend its boundary."
            ),
            "data_caption": "The points of each split, coloured by arm.",
            "final_models_caption": (
                "Confusion matrices of the final models on the test set, in percent of each true arm, "
                "summed over seeds."
            ),
        }


PROBLEM = Spirals()
