"""Glue for the workflow's thin scripts: a per-job log and clean failures."""

from __future__ import annotations

import sys
import time
from typing import Callable

from .errors import StudyError


def run_job(main: Callable[[Callable[[str], None]], None], log_path: str) -> None:
    """Run `main(log)` with stderr and progress going to `log_path`.

    A StudyError (bad data, bad configuration) ends the job with its message
    alone, which is all the user needs; anything else keeps its traceback.
    """
    with open(log_path, "w", encoding="utf-8", buffering=1) as handle:
        sys.stderr = handle

        def log(message: str) -> None:
            handle.write(f"{time.strftime('%H:%M:%S')} {message}\n")

        try:
            main(log)
        except StudyError as error:
            log(f"ERROR: {error}")
            sys.exit(1)
        finally:
            sys.stderr = sys.__stderr__
