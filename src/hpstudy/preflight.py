"""Checks made before the first job of a real run (a dry run writes nothing)."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import OutputError


def check_writable(folders: list[str]) -> None:
    """Raise OutputError unless every folder exists and is writable, or can be created."""
    for folder in folders:
        path = Path(folder)
        if path.exists() and not path.is_dir():
            raise OutputError(
                f"{folder} is a file, but the workflow writes its outputs into a folder of that name. "
                f"Move the file away (mv {folder} {folder}.old) and run again."
            )
        existing = next(p for p in (path, *path.absolute().parents) if p.exists())
        if not os.access(existing, os.W_OK | os.X_OK):
            raise OutputError(
                f"cannot write to {folder}/: {existing} is not writable for this user, so no job could save its "
                f"outputs. Make it writable (chmod -R u+w {existing}) or run the workflow in a folder you can "
                "write to (snakemake --directory DIR, or a copy of the repository)."
            )
