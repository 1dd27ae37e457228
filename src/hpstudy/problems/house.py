"""House prices: a sale price from a few features of Kaggle's training file (an MLP regressor).

The features are selected, the rows split in file order, and features and price
standardised with the training statistics.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np

from hpstudy.data.splits import SPLITS, in_order, save_splits
from hpstudy.errors import ORIGINAL, DataError
from hpstudy.problems.base import Regression


def read_table(path: str | Path, features: list[str], target: str):
    """The feature and target columns of the CSV, as numbers (a pandas DataFrame)."""
    import pandas as pd  # only the preparation needs it, not the workflow's planning

    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: not a readable CSV file ({error}); {ORIGINAL}") from None
    columns = [*features, target]
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)}; correct data.house.features / data.house.target, "
            f"or {ORIGINAL}"
        )
    table = table[columns]
    for column in columns:
        values = pd.to_numeric(table[column], errors="coerce")
        bad = ~np.isfinite(values.to_numpy(dtype=np.float64))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            value = table[column].iloc[row]
            problem = "empty cell" if pd.isna(value) else f"{str(value)!r} is not a finite number"
            raise DataError(
                f"{path}: column {column}, data row {row + 1}: {problem}; {ORIGINAL}, or drop {column} from "
                "data.house.features"
            )
        table[column] = values.astype(np.float64)
    return table


def prepare(table, features: list[str], target: str, rows: dict, output: str | Path, where: str) -> dict[str, int]:
    expected = sum(rows[s] for s in SPLITS)
    if len(table) != expected:
        raise DataError(
            f"{where}: {len(table)} rows, but data.house.rows asks for {expected} "
            f"({' + '.join(f'{rows[s]} {s}' for s in SPLITS)}); {ORIGINAL}, or set data.house.rows to add up "
            f"to {len(table)}"
        )
    raw = in_order(table[features].to_numpy(), table[target].to_numpy(), rows)
    x_train, y_train = raw["train"]
    x_mean, x_std = x_train.mean(axis=0), x_train.std(axis=0)
    y_mean, y_std = y_train.mean(), y_train.std()
    constant = [name for name, std in zip([*features, target], [*x_std, y_std]) if std == 0]
    if constant:
        raise DataError(
            f"{where}: {', '.join(constant)} is constant over the train rows and cannot be standardised; "
            f"drop it from data.house.features, or {ORIGINAL}"
        )
    splits = {
        name: (((x - x_mean) / x_std).astype(np.float32), ((y - y_mean) / y_std).astype(np.float32))
        for name, (x, y) in raw.items()
    }
    return save_splits(
        output,
        splits,
        x_mean=x_mean,
        x_std=x_std,
        y_mean=np.float64(y_mean),
        y_std=np.float64(y_std),
        feature_names=np.array(features),
    )


def plot_features(data: dict, output: str) -> None:
    """Each feature (in its own units) against the sale price, coloured by split."""
    from hpstudy.report.figures import SPLIT_STYLES, pyplot, save_svg

    plt = pyplot()
    names = [str(name) for name in data["feature_names"]]
    fig, axes = plt.subplots(1, len(names), figsize=(7.0, 2.3), sharey=True, constrained_layout=True)
    for column, (ax, name) in enumerate(zip(np.atleast_1d(axes), names)):
        for split in SPLITS:
            x = data[f"x_{split}"][:, column] * data["x_std"][column] + data["x_mean"][column]
            price = data[f"y_{split}"] * data["y_std"] + data["y_mean"]
            color, marker = SPLIT_STYLES[split]
            ax.scatter(
                x, price / 1000, s=4, alpha=0.5, color=color, marker=marker, label=split, linewidths=0, rasterized=True
            )  # fmt: skip
        ax.set_xlabel(name)
        ax.grid(alpha=0.3, lw=0.5)
    np.atleast_1d(axes)[0].set_ylabel("sale price (k$)")
    np.atleast_1d(axes)[0].legend(frameon=False, fontsize=7, markerscale=2)
    save_svg(fig, output)


class House(Regression):
    title = "House prices regression"
    target_name = "price"
    unit = "$"
    data_schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["file", "features", "target", "rows"],
        "properties": {
            "file": {"type": "string"},
            "features": {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True},
            "target": {"type": "string"},
            "rows": {
                "type": "object",
                "additionalProperties": False,
                "required": ["train", "validation", "test"],
                "properties": {
                    "train": {"type": "integer", "minimum": 2},
                    "validation": {"type": "integer", "minimum": 1},
                    "test": {"type": "integer", "minimum": 1},
                },
            },
        },
    }

    def raw_files(self, settings: dict) -> dict[str, str]:
        return {"csv": settings["file"]}

    def prepare(self, raw: dict[str, str], settings: dict, output: str) -> dict[str, int]:
        table = read_table(raw["csv"], settings["features"], settings["target"])
        return prepare(table, settings["features"], settings["target"], settings["rows"], output, where=raw["csv"])

    def plot_data(self, data: dict, output: str) -> None:
        plot_features(data, output)

    def report_text(self, settings: dict) -> dict[str, str]:
        rows, features = settings["rows"], escape(", ".join(settings["features"]))
        return {
            "data": (
                f"Kaggle “House Prices” training file: features {features}, target {escape(settings['target'])}. "
                f"Split in file order into {rows['train']} training, {rows['validation']} validation and "
                f"{rows['test']} test houses; features and price are standardised with the training statistics, so "
                "losses are in standardised units and RMSE / MAE in dollars. The Gaussian head predicts "
                "a mean and a variance (softplus) and is trained with the negative log-likelihood "
                "½(log σ² + (y − μ)²/σ²) without its constant, which is negative whenever the model is confident and "
                "right."
            ),
            "data_caption": "Each feature against the sale price, coloured by split.",
            "final_models_caption": (
                "Final models on the test set: predicted against actual price (Gaussian head: ±2σ bars), and the "
                "share of test prices inside the central predictive interval against its nominal level; a "
                "calibrated model follows the diagonal."
            ),
            "finals_note": (
                "Its positive Gaussian loss must use a form of the likelihood it does not state, so compare the MSE "
                "of the predicted mean, RMSE and MAE, which every head shares."
            ),
            "headline_note": ", in an unstated form of the loss",
        }


PROBLEM = House()
