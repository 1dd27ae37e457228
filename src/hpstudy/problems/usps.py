"""USPS digits: parse the LIBSVM or the HDF5 packaging, split, save.

Both packagings give 16x16 images as 256 floats in [0, 1] and labels 0..9:
LIBSVM stores labels 1..10 and pixels in [-1, 1], so they are mapped.
"""

from __future__ import annotations

import bz2
from pathlib import Path

import numpy as np

from hpstudy.data.splits import save_splits
from hpstudy.errors import ORIGINAL, DataError

N_PIXELS = 256
N_CLASSES = 10
OTHER_SOURCE = f"{ORIGINAL}, or set data.usps.source to the other packaging (libsvm or h5)"


def read_libsvm(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Parse `<label> <index>:<value> ...` lines (1-based indices, bz2 or plain)."""
    opener = bz2.open if str(path).endswith(".bz2") else open
    images, labels = [], []
    with opener(path, "rt") as handle:
        for number, line in enumerate(handle, 1):
            fields = line.split()
            if not fields:
                continue
            row = np.zeros(N_PIXELS, dtype=np.float32)  # absent entries are zero-valued in LIBSVM
            try:
                label = int(fields[0])
                for item in fields[1:]:
                    index, value = item.split(":")
                    index, value = int(index), float(value)
                    if not (1 <= index <= N_PIXELS and -1.0 <= value <= 1.0):
                        raise ValueError
                    row[index - 1] = value
            except ValueError:
                raise DataError(
                    f"{path}, line {number}: not a USPS LIBSVM line '<label> <index>:<value> ...' "
                    f"(integer label, indices 1..{N_PIXELS}, values in [-1, 1]); {OTHER_SOURCE}"
                ) from None
            images.append(row)
            labels.append(label)
    if not labels:
        raise DataError(f"{path}: no samples found; {OTHER_SOURCE}")
    labels = np.asarray(labels) - 1
    check_labels(labels, path)
    images = (np.stack(images) + 1.0) / 2.0
    return images.astype(np.float32), labels.astype(np.int64)


def read_h5(path: str | Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read the Kaggle packaging: groups `train` and `test`, each with `data` and `target`."""
    import h5py  # only this packaging needs it

    result = {}
    try:
        handle = h5py.File(path, "r")
    except OSError as error:
        raise DataError(f"{path}: not a readable HDF5 file ({error}); {OTHER_SOURCE}") from None
    with handle:
        for split in ("train", "test"):
            if split not in handle or "data" not in handle[split] or "target" not in handle[split]:
                raise DataError(
                    f"{path}: expected groups train/ and test/ each holding 'data' and 'target'; {OTHER_SOURCE}"
                )
            images = np.asarray(handle[split]["data"], dtype=np.float32)
            targets = np.asarray(handle[split]["target"])
            if images.ndim != 2 or images.shape[1] != N_PIXELS or targets.shape != (len(images),):
                raise DataError(
                    f"{path}: {split}/data has shape {images.shape} for {split}/target of shape {targets.shape}; "
                    f"expected (N, {N_PIXELS}) and (N,); {OTHER_SOURCE}"
                )
            if not np.all((images >= 0) & (images <= 1)):  # NaN fails both comparisons
                raise DataError(f"{path}: {split}/data holds pixels that are not numbers in [0, 1]; {OTHER_SOURCE}")
            labels = targets.astype(np.int64)
            if not np.array_equal(labels, targets):
                raise DataError(f"{path}: {split}/target holds labels that are not whole numbers; {OTHER_SOURCE}")
            check_labels(labels, f"{path}:{split}/target")
            result[split] = (images, labels)
    return result


def check_labels(labels: np.ndarray, where) -> None:
    bad = labels[(labels < 0) | (labels >= N_CLASSES)]
    if len(bad):
        raise DataError(
            f"{where}: label {int(bad[0])} out of range (expected {N_CLASSES} classes, 0..{N_CLASSES - 1}); {ORIGINAL}"
        )


def check_rows(split: str, n: int, expected: int, where) -> None:
    if n != expected:
        raise DataError(
            f"{where}: {split} has {n} samples, expected {expected} (data.usps.rows.{split}); {ORIGINAL}, "
            f"or set data.usps.rows.{split}: {n} if this file is meant"
        )


def validation_indices(n_train: int, fraction: float, seed: int) -> np.ndarray:
    """The fixed, seeded validation subset of the train images (same for every run)."""
    n_validation = round(n_train * fraction)
    return np.sort(np.random.default_rng(seed).permutation(n_train)[:n_validation])


def prepare(
    raw: dict[str, tuple[np.ndarray, np.ndarray]],
    rows: dict,
    validation_fraction: float,
    split_seed: int,
    output: str | Path,
    where: str,
    settings: str = "{}",
) -> dict[str, int]:
    """Check, split and save the digits; `settings` (the prepare rule's params, JSON) are recorded beside them."""
    for split in ("train", "test"):
        check_rows(split, len(raw[split][1]), rows[split], where)
    x, y = raw["train"]
    is_validation = np.zeros(len(y), dtype=bool)
    is_validation[validation_indices(len(y), validation_fraction, split_seed)] = True
    splits = {
        "train": (x[~is_validation], y[~is_validation]),
        "validation": (x[is_validation], y[is_validation]),
        "test": raw["test"],
    }
    save_splits(output, splits, settings=np.array(settings))
    return {name: len(labels) for name, (_, labels) in splits.items()}
