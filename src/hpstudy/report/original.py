"""The original report's appendix numbers, and the checks that flag its slips.

`report/original_results.csv` holds the numbers as the original printed them
(including "796.62%"), one row per sweep value, with the split each number is
for: the cross-entropy run reports only a validation accuracy, the final models
only a test number.
"""

from __future__ import annotations

import math

import pandas as pd

from hpstudy.results import inputs

NUMBERS = ("train", "validation", "test", "seconds")


def load_original(path: str) -> pd.DataFrame:
    fix = f"restore {path} from the repository (git checkout -- {path})"
    table = inputs.table(path, ["sweep", "value", "metric", "train", "validation", "test"], fix, {"value": str})
    table["flag"] = ""
    accuracy = table["metric"] == "accuracy"
    for column in ("train", "validation", "test"):
        impossible = accuracy & ((table[column] < 0) | (table[column] > 1))
        table.loc[impossible, "flag"] += table.loc[impossible, column].map(
            lambda value, column=column: f"{column} accuracy {value:.2%} is impossible, not used; "
        )
        table.loc[impossible, column] = math.nan
    table["flag"] = table["flag"].str.rstrip("; ")
    return table


def flag_copies(original: pd.DataFrame, layout: dict) -> pd.DataFrame:
    """Flag rows whose test number and time repeat another row of a different configuration.

    The same run legitimately appears in several sweeps (the baseline); two
    different runs with the same test accuracy and the same time to 1/100 s
    are a row copied between tables.
    """
    run_of = {
        (s["problem"], s["exercise"], s["sweep"], p["label"]): p["run_id"]
        for s in layout["sweeps"]
        for p in s["points"]
    }
    table = original.copy()
    table["run_id"] = [
        run_of.get(key) for key in zip(table["problem"], table["exercise"], table["sweep"], table["value"])
    ]
    known = table.dropna(subset=["run_id", "test", "seconds"])
    for _, group in known.groupby(["problem", "test", "seconds"]):
        if group["run_id"].nunique() < 2:
            continue
        for index, row in group.iterrows():
            others = [
                f"{other['sweep'].replace('_', ' ')} = {other['value']}"
                for _, other in group.iterrows()
                if other["run_id"] != row["run_id"]
            ]
            note = f"same test value and time as {', '.join(others)}, a different configuration: a copied row"
            table.loc[index, "flag"] = "; ".join(filter(None, [table.loc[index, "flag"], note]))
    return table.drop(columns="run_id")


def original_rows(original: pd.DataFrame, problem: str, exercise: str, sweep: str) -> dict[str, dict]:
    """The original's rows of one sweep, by value label."""
    rows = original[
        (original["problem"] == problem) & (original["exercise"] == exercise) & (original["sweep"] == sweep)
    ]
    return {row["value"]: row for row in rows.to_dict("records")}


def original_by_sweep(original: pd.DataFrame) -> dict[str, dict[str, dict]]:
    """Every sweep's rows by value label, keyed by 'problem/exercise/sweep'."""
    return {
        f"{problem}/{exercise}/{sweep}": original_rows(original, problem, exercise, sweep)
        for problem, exercise, sweep in original[["problem", "exercise", "sweep"]]
        .drop_duplicates()
        .itertuples(index=False)
    }
