"""House prices: select the features, split in file order, standardise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hpstudy.data.splits import SPLITS, save_splits
from hpstudy.errors import ORIGINAL, DataError


def read_table(path: str | Path, features: list[str], target: str) -> pd.DataFrame:
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


def prepare(
    table: pd.DataFrame, features: list[str], target: str, rows: dict, output: str | Path, where: str
) -> dict[str, int]:
    expected = sum(rows[s] for s in SPLITS)
    if len(table) != expected:
        raise DataError(
            f"{where}: {len(table)} rows, but data.house.rows asks for {expected} "
            f"({' + '.join(f'{rows[s]} {s}' for s in SPLITS)}); {ORIGINAL}, or set data.house.rows to add up "
            f"to {len(table)}"
        )
    x = table[features].to_numpy()
    y = table[target].to_numpy()
    bounds = np.cumsum([0] + [rows[s] for s in SPLITS])
    x_mean, x_std = x[: bounds[1]].mean(axis=0), x[: bounds[1]].std(axis=0)
    y_mean, y_std = y[: bounds[1]].mean(), y[: bounds[1]].std()
    constant = [name for name, std in zip([*features, target], [*x_std, y_std]) if std == 0]
    if constant:
        raise DataError(
            f"{where}: {', '.join(constant)} is constant over the train rows and cannot be standardised; "
            f"drop it from data.house.features, or {ORIGINAL}"
        )
    splits = {
        name: (
            ((x[lo:hi] - x_mean) / x_std).astype(np.float32),
            ((y[lo:hi] - y_mean) / y_std).astype(np.float32),
        )
        for name, lo, hi in zip(SPLITS, bounds[:-1], bounds[1:])
    }
    save_splits(
        output,
        splits,
        x_mean=x_mean,
        x_std=x_std,
        y_mean=np.float64(y_mean),
        y_std=np.float64(y_std),
        feature_names=np.array(features),
    )
    return {name: rows[name] for name in SPLITS}
