"""The prepared-data format shared by the prepare and training steps.

A problem's splits live in one `.npz` file with float32 arrays `x_train`,
`y_train`, `x_validation`, `y_validation`, `x_test`, `y_test`, plus any
metadata arrays a problem adds (house prices: the standardisation statistics
`x_mean`, `x_std`, `y_mean`, `y_std` and `feature_names`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .atomic import atomic_path

SPLITS = ("train", "validation", "test")


def save_splits(path: str | Path, splits: dict[str, tuple[np.ndarray, np.ndarray]], **metadata) -> None:
    arrays = {}
    for name in SPLITS:
        x, y = splits[name]
        arrays[f"x_{name}"] = x
        arrays[f"y_{name}"] = y
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays, **metadata)


def load_splits(path: str | Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}
