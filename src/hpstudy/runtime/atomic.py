"""Write files so that a reader sees either the complete file or none.

Everything is written to a temporary name in the destination folder and
renamed into place, so a killed job never leaves a plausible partial output.
"""

from __future__ import annotations

import contextlib
import csv
import math
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates files readable by the owner only; outputs get the usual mode.
FILE_MODE = 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None):
    """Yield a temporary path beside `path`; rename it to `path` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _cell(value) -> str:
    """As pandas writes a cell: NaN and None empty, floats to 10 significant digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def write_rows(path: str | os.PathLike, rows: list[dict]) -> None:
    """Write dicts of Python values as CSV without pandas (the training job need not import it)."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows([_cell(row.get(column)) for column in columns] for row in rows)


def write_csv(path: str | os.PathLike, table) -> None:
    """Write a pandas table with 10 significant digits, enough for every metric."""
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, float_format="%.10g")
