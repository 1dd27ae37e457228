"""Small data files in the real formats, for tests (a user's clone has no data mirror)."""

from __future__ import annotations

import bz2
from pathlib import Path

import numpy as np

HOUSE_FEATURES = ["OverallQual", "YearBuilt", "TotalBsmtSF", "GrLivArea"]

# Small runs of the study's models for the tests that train; a variation is {**CNN, "epochs": 5}.
CNN = dict(
    architecture="cnn",
    conv_layers=1,
    channels=3,
    kernel_size=3,
    padding=2,
    activation="relu",
    optimizer="sgd",
    learning_rate=0.1,
    batch_size=10,
    epochs=2,
    loss="mse",
)
HOUSE_MLP = dict(
    architecture="mlp",
    hidden_layers=1,
    width=8,
    activation="relu",
    optimizer="rmsprop",
    learning_rate=0.01,
    batch_size=10,
    epochs=3,
    loss="gaussian_nll",
)


def usps_like(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Images in [0, 1] around one random prototype per class, labels 0..9 (learnable)."""
    rng = np.random.default_rng(seed)
    prototypes = np.random.default_rng(12345).uniform(0, 1, size=(10, 256))
    labels = np.arange(n) % 10
    images = np.clip(prototypes[labels] + rng.normal(0, 0.15, size=(n, 256)), 0, 1)
    return images.astype(np.float32), labels.astype(np.int32)


def write_h5(path: Path, groups: dict[str, tuple[np.ndarray, np.ndarray]]) -> Path:
    """The Kaggle USPS packaging: one group per split with `data` and `target` datasets."""
    import h5py

    with h5py.File(path, "w") as handle:
        for name, (data, target) in groups.items():
            group = handle.create_group(name)
            group.create_dataset("data", data=data)
            group.create_dataset("target", data=target)
    return path


def write_usps_h5(path: Path, n_train: int, n_test: int) -> Path:
    return write_h5(path, {"train": usps_like(n_train, 0), "test": usps_like(n_test, 1)})


def libsvm_lines(images: np.ndarray, labels: np.ndarray) -> str:
    """LIBSVM text: labels 1..10, features in [-1, 1], 1-based indices."""
    rows = []
    for image, label in zip(images, labels):
        pixels = " ".join(f"{i + 1}:{2 * v - 1:.6f}" for i, v in enumerate(image))
        rows.append(f"{label + 1} {pixels}")
    return "\n".join(rows) + "\n"


def write_usps_libsvm(path: Path, n: int, seed: int) -> Path:
    text = libsvm_lines(*usps_like(n, seed))
    if str(path).endswith(".bz2"):
        path.write_bytes(bz2.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def write_house_csv(path: Path, n: int, seed: int = 0) -> Path:
    """A CSV with the Kaggle columns the study uses (plus two it does not)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    table = pd.DataFrame(
        {
            "Id": np.arange(1, n + 1),
            "OverallQual": rng.integers(1, 11, n),
            "YearBuilt": rng.integers(1900, 2010, n),
            "TotalBsmtSF": rng.integers(0, 2000, n),
            "GrLivArea": rng.integers(500, 3000, n),
            "Street": ["Pave"] * n,
        }
    )
    table["SalePrice"] = (
        (20000 * table["OverallQual"] + 60 * table["GrLivArea"] + rng.normal(0, 10000, n)).round().astype(int)
    )
    table.to_csv(path, index=False)
    return path


def usps_splits(train: int, validation: int, test: int) -> dict[str, np.ndarray]:
    """Prepared USPS-like splits, as `hpstudy.data.splits.load_splits` returns them."""
    data = {}
    for seed, (split, n) in enumerate((("train", train), ("validation", validation), ("test", test))):
        data[f"x_{split}"], data[f"y_{split}"] = usps_like(n, seed)
    return data


def house_splits(train: int, validation: int, test: int) -> dict[str, np.ndarray]:
    """Prepared house-price-like splits: standardised features, a linear target plus noise,
    and the dollar scale of the target."""
    rng = np.random.default_rng(0)
    data = {"y_mean": np.float64(180000.0), "y_std": np.float64(80000.0)}
    for split, n in (("train", train), ("validation", validation), ("test", test)):
        x = rng.normal(size=(n, 4)).astype(np.float32)
        data[f"x_{split}"] = x
        data[f"y_{split}"] = (x @ np.array([1.0, -0.5, 0.3, 0.8]) + rng.normal(0, 0.3, n)).astype(np.float32)
    return data


def problem(name: str):
    """A built-in problem's PROBLEM (see hpstudy.problems), by name."""
    from hpstudy import problems

    return problems.load(problems.module_name(name))
