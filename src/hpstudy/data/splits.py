"""The prepared-data format shared by the prepare and training steps.

A problem's splits live in one `.npz` file with float32 arrays `x_train`,
`y_train`, `x_validation`, `y_validation`, `x_test`, `y_test`, plus any
metadata arrays a problem adds (house prices: the standardisation statistics
`x_mean`, `x_std`, `y_mean`, `y_std` and `feature_names`; USPS: the prepare step's
`settings`, JSON, which name the packaging the digits came from).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from hpstudy.errors import DataError
from hpstudy.runtime.atomic import atomic_path

SPLITS = ("train", "validation", "test")


def rows_schema(minimum: int) -> dict:
    """The JSON schema of a problem's `rows` setting: how many samples each split has."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(SPLITS),
        "properties": {split: {"type": "integer", "minimum": minimum} for split in SPLITS},
    }


def in_order(x: np.ndarray, y: np.ndarray, rows: dict) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The samples split in their order: the first rows['train'], then rows['validation'], then rows['test']."""
    bounds = np.cumsum([0] + [rows[split] for split in SPLITS])
    return {split: (x[lo:hi], y[lo:hi]) for split, lo, hi in zip(SPLITS, bounds[:-1], bounds[1:])}


def save_splits(path: str | Path, splits: dict[str, tuple[np.ndarray, np.ndarray]], **metadata) -> dict[str, int]:
    """Write the splits and any metadata arrays; return the size of each split."""
    arrays = {}
    for name in SPLITS:
        x, y = splits[name]
        arrays[f"x_{name}"] = x
        arrays[f"y_{name}"] = y
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays, **metadata)
    return {name: len(splits[name][1]) for name in SPLITS}


def recorded_settings(path: str | Path) -> dict | None:
    """The settings a prepare step recorded in its file (`settings`, JSON), or None."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return json.loads(str(data["settings"])) if "settings" in data.files else None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None


def load_splits(path: str | Path) -> dict[str, np.ndarray]:
    """The splits, checked: every split's x and y, as many rows of each, finite inputs."""
    fix = f"delete {path} and rerun: the workflow prepares it again"
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except FileNotFoundError:
        raise DataError(f"{path} is missing; {fix}") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise DataError(f"{path} is not a readable prepared-data file ({error}); {fix}") from None
    for name in SPLITS:
        x, y = arrays.get(f"x_{name}"), arrays.get(f"y_{name}")
        if x is None or y is None:
            raise DataError(f"{path} lacks the {name} split; {fix}")
        if x.ndim != 2 or len(x) != len(y) or len(x) == 0:
            raise DataError(f"{path}: its {name} split has inputs {x.shape} and targets {y.shape}; {fix}")
        if not np.isfinite(x).all():
            raise DataError(f"{path}: its {name} inputs hold a value that is not a finite number; {fix}")
    return arrays
