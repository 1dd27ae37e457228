"""Glue for the workflow's thin scripts: a per-job log, clean failures, a quick exit."""

from __future__ import annotations

import os
import sys
import time
import traceback
from typing import Callable

from hpstudy.errors import StudyError


def run_logged(main: Callable[[Callable[[str], None]], None], log_path: str) -> int:
    """Run `main(log)` with stderr and progress going to `log_path`; return the exit status.

    A StudyError (bad data, bad configuration) ends the job with its message
    alone, which is all the user needs; anything else keeps its traceback.
    """
    code = 1
    with open(log_path, "w", encoding="utf-8", buffering=1) as handle:
        sys.stderr = handle

        def log(message: str) -> None:
            handle.write(f"{time.strftime('%H:%M:%S')} {message}\n")

        try:
            main(log)
            code = 0
        except StudyError as error:
            log(f"ERROR: {error}")
        except BaseException:
            traceback.print_exc(file=handle)
        finally:
            sys.stderr = sys.__stderr__
    return code


def quick_exit(code: int) -> None:
    """Exit without the interpreter's teardown, which took 0.5-1 s per job here
    once torch or pandas were loaded (more than the training of many runs);
    every output has been written and closed by then."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run_job(main: Callable[[Callable[[str], None]], None], log_path: str) -> None:
    """Run `main(log)` logged to `log_path` (see run_logged), then exit."""
    quick_exit(run_logged(main, log_path))
