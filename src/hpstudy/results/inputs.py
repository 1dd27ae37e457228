"""The files one job reads from another, checked against what they must hold.

A damaged or foreign intermediate file (cut short, overwritten, left from
another configuration) must never become a silently wrong report. Every
reader here fails with a `DataError` naming the file, what is wrong with it and
the fix, before the job writes anything.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hpstudy.errors import DataError

RUN_ID_COLUMNS = ["run_id", "seed"]
RUN_FLAG_COLUMNS = ["train_seconds", "diverged", "diverged_epoch"]


def rebuild_fix(path: str | Path) -> str:
    return f"delete {path} and rerun: the workflow makes it again"


def run_fix(path: str | Path) -> str:
    return f"delete the run's folder {Path(path).parent} and rerun: it retrains"


def table(path: str | Path, columns: list[str], fix: str, dtype: dict | None = None) -> pd.DataFrame:
    """A CSV table with at least one row and every one of `columns`."""
    try:
        frame = pd.read_csv(path, dtype=dtype)
    except FileNotFoundError:
        raise DataError(f"{path} is missing; {fix}") from None
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        raise DataError(f"{path} is not a readable table ({str(error).strip()}); {fix}") from None
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise DataError(f"{path} lacks the column(s) {', '.join(missing)}; {fix}")
    if frame.empty:
        raise DataError(f"{path} has no rows; {fix}")
    return frame


def json_object(path: str | Path, keys: list[str], fix: str) -> dict:
    """A JSON object holding every one of `keys`."""
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path} is missing; {fix}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataError(f"{path} is not valid JSON ({error}); {fix}") from None
    if not isinstance(value, dict):
        raise DataError(f"{path} holds a JSON {type(value).__name__}, not an object; {fix}")
    missing = [key for key in keys if key not in value]
    if missing:
        raise DataError(f"{path} lacks the key(s) {', '.join(missing)}; {fix}")
    return value


def _same_seeds(path, found, seeds: list[int], fix: str) -> None:
    found = list(found)
    if sorted(found) != sorted(seeds):
        extra = sorted(set(found) - set(seeds))
        lacking = sorted(set(seeds) - set(found))
        repeated = sorted({s for s in found if found.count(s) > 1})
        detail = "; ".join(
            part
            for part in (
                f"seeds {extra} are not in the config" if extra else "",
                f"it lacks seeds {lacking}" if lacking else "",
                f"seeds {repeated} appear twice" if repeated else "",
            )
            if part
        )
        raise DataError(f"{path} does not hold the config's seeds {seeds}: {detail}; {fix}")


def _seed_column(path, frame: pd.DataFrame, fix: str) -> pd.Series:
    values = pd.to_numeric(frame["seed"], errors="coerce")
    if values.isna().any() or (values != values.round()).any():
        raise DataError(f"{path}: its seed column holds a value that is not a whole number; {fix}")
    return values.astype("int64")


def run_config(path: str | Path, problem: str, run_id: str, seeds: list[int]) -> dict:
    """A run's config.json: the run the path names, trained on the config's seeds."""
    fix = run_fix(path)
    run = json_object(path, ["run_id", "problem", "params", "seeds"], fix)
    if run["run_id"] != run_id or run["problem"] != problem:
        raise DataError(f"{path} describes run {run['problem']}/{run['run_id']}, not {problem}/{run_id}; {fix}")
    if not isinstance(run["params"], dict):
        raise DataError(f"{path}: its params are not an object; {fix}")
    _same_seeds(path, run["seeds"], seeds, fix)
    return run


def flags(path, values: pd.Series, fix: str) -> pd.Series:
    """A true/false column as written by the training job: True or False, nothing else."""
    text = values.astype(str)
    if not text.isin(["True", "False"]).all():
        raise DataError(f"{path}: its diverged column holds {sorted(set(text) - {'True', 'False'})}; {fix}")
    return text == "True"


def run_metrics(path: str | Path, run_id: str, seeds: list[int], metrics: list[str]) -> pd.DataFrame:
    """A run's metrics.csv: a row per configured seed, each with its metrics unless the seed diverged."""
    fix = run_fix(path)
    frame = table(path, RUN_ID_COLUMNS + metrics + RUN_FLAG_COLUMNS, fix, dtype={"run_id": str})
    if (frame["run_id"] != run_id).any():
        raise DataError(f"{path} holds rows of another run than {run_id}; {fix}")
    frame["seed"] = _seed_column(path, frame, fix)
    _same_seeds(path, frame["seed"].tolist(), seeds, fix)
    frame["diverged"] = flags(path, frame["diverged"], fix)
    values = frame[metrics + ["train_seconds"]].apply(pd.to_numeric, errors="coerce")
    # A metric a loss does not give (the MSE head's predicted sigma) is empty for every seed; one
    # given for some seeds only, or a loss that is not finite, marks a damaged row.
    applies = values.notna().any() | values.columns.str.endswith("_loss")
    unfinished = ~np.isfinite(values.loc[:, applies].to_numpy(float)).all(axis=1) & ~frame["diverged"].to_numpy()
    if unfinished.any():
        bad = frame.loc[unfinished, "seed"].tolist()
        raise DataError(
            f"{path}: seed(s) {bad} did not diverge, yet lack a metric or hold one that is not a finite number; {fix}"
        )
    frame[metrics + ["train_seconds"]] = values
    return frame


def per_seed_table(path: str | Path, columns: list[str], seeds: list[int]) -> pd.DataFrame:
    """A run's history.csv or predictions.csv: the columns, and rows for exactly the config's seeds."""
    fix = run_fix(path)
    frame = table(path, ["seed", *columns], fix)
    frame["seed"] = _seed_column(path, frame, fix)
    _same_seeds(path, sorted(set(frame["seed"])), seeds, fix)
    return frame
