"""The original report's appendix numbers, and the checks that flag its slips."""

from __future__ import annotations

import math

import pandas as pd


def load_original(path: str) -> pd.DataFrame:
    table = pd.read_csv(path, dtype={"value": str})
    table["flag"] = ""
    accuracy = table["metric"] == "accuracy"
    for column in ("train", "test"):
        impossible = accuracy & ((table[column] < 0) | (table[column] > 1))
        table.loc[impossible, "flag"] += (
            f"{column} accuracy {table.loc[impossible, column].map('{:.2%}'.format)} is impossible; "
        )
        table.loc[impossible, column] = math.nan
    table["flag"] = table["flag"].str.rstrip("; ")
    return table


def original_rows(original: pd.DataFrame, problem: str, exercise: str, sweep: str) -> dict[str, dict]:
    """The original's rows of one sweep, by value label."""
    rows = original[
        (original["problem"] == problem) & (original["exercise"] == exercise) & (original["sweep"] == sweep)
    ]
    return {row["value"]: row for row in rows.to_dict("records")}
