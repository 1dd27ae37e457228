"""USPS digits: 16×16 grey images of handwritten digits, ten classes (an MLP or a CNN).

The raw digits come in two packagings, LIBSVM (two bz2 files) or HDF5 (Kaggle's);
both give 16x16 images as 256 floats in [0, 1] and labels 0..9: LIBSVM stores
labels 1..10 and pixels in [-1, 1], so they are mapped. A fixed, seeded share of
the training images is held out for validation.
"""

from __future__ import annotations

import bz2
import json
from pathlib import Path

import numpy as np

from hpstudy.data.splits import save_splits
from hpstudy.errors import ORIGINAL, DataError
from hpstudy.problems.base import Classification

SIDE = 16
N_PIXELS = SIDE * SIDE
N_CLASSES = 10
SOURCES = {"h5": {"h5": "usps.h5"}, "libsvm": {"train": "usps.bz2", "test": "usps.t.bz2"}}
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
    return save_splits(output, splits, settings=np.array(settings))


def plot_samples(data: dict, output: str, per_class: int = 8) -> None:
    """The first `per_class` training images of every digit, one row per class."""
    from hpstudy.report.figures import pyplot, save_svg

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
            ax.imshow(images[index].reshape(SIDE, SIDE), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        row[0].text(-4, 8, str(digit), ha="right", va="center", fontsize=9)
    fig.subplots_adjust(left=0.06, right=0.99, top=0.99, bottom=0.01, wspace=0.08, hspace=0.08)
    save_svg(fig, output)


class Usps(Classification):
    title = "USPS digit classification"
    classes = N_CLASSES
    class_title = "digit"
    architectures = ("mlp", "cnn")
    image_side = SIDE
    data_schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["source", "rows", "validation_fraction", "split_seed"],
        "properties": {
            "source": {"enum": ["auto", *SOURCES]},
            "rows": {
                "type": "object",
                "additionalProperties": False,
                "required": ["train", "test"],
                "properties": {"train": {"type": "integer", "minimum": 1}, "test": {"type": "integer", "minimum": 1}},
            },
            "validation_fraction": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "split_seed": {"type": "integer", "minimum": 0},
        },
    }

    def resolve_settings(self, settings: dict, recorded: dict | None, available) -> dict:
        """`source: auto`: the packaging the prepared digits were made from, while the other settings
        are the same (both give the same digits: deleting resources/ or dropping the mirror must
        retrain nothing); else the HDF5 packaging when it is at hand, so that a later run without
        the mirror plans the same jobs."""
        if settings["source"] != "auto":
            return settings
        if recorded and recorded | {"source": "auto"} == settings:
            return settings | {"source": recorded["source"]}
        return settings | {"source": "h5" if available(SOURCES["h5"]["h5"]) else "libsvm"}

    def raw_files(self, settings: dict) -> dict[str, str]:
        return SOURCES[settings["source"]]

    def prepare(self, raw: dict[str, str], settings: dict, output: str) -> dict[str, int]:
        if settings["source"] == "h5":
            digits = read_h5(raw["h5"])
        else:
            digits = {"train": read_libsvm(raw["train"]), "test": read_libsvm(raw["test"])}
        return prepare(
            digits,
            settings["rows"],
            settings["validation_fraction"],
            settings["split_seed"],
            output,
            where=f"USPS ({settings['source']})",
            settings=json.dumps(settings, sort_keys=True, separators=(",", ":")),
        )

    def plot_data(self, data: dict, output: str) -> None:
        plot_samples(data, output)

    def report_text(self, settings: dict) -> dict[str, str]:
        rows = settings["rows"]
        return {
            "data": (
                "16×16 grey images of handwritten digits, pixels scaled to [0, 1]: the canonical split of "
                f"{rows['train']} training and {rows['test']} test images; a fixed "
                f"{100 * settings['validation_fraction']:.0f}% of the training images (seed {settings['split_seed']}) "
                "is held out for validation, the same for every run. Models and targets follow the original: an MLP "
                "and a CNN with MSE on one-hot targets unless a sweep changes the loss."
            ),
            "data_caption": "The first training images of every digit, one row per class.",
            "data_figure_class": "samples",
            "final_models_caption": (
                "Confusion matrices of the final models on the test set, in percent of each true digit, "
                "summed over seeds."
            ),
        }


PROBLEM = Usps()
