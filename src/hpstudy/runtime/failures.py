"""Why the failed jobs of a build failed, one line each, read from their logs.

Snakemake's own error block of a failed job names its logs but not the reason,
which sits at the end of one of them: a SLURM log's "CANCELLED ... DUE TO TIME
LIMIT", an out-of-memory kill, or the job's own "ERROR: ..." line. The workflow
prints this summary when a build fails (onerror), so that the reason is seen
without reading, or printing, whole logs.
"""

from __future__ import annotations

import re
from pathlib import Path

# the logs Snakemake names in the error block of a failed job (and of a group job's members)
FAILED_LOG = re.compile(r"^\s*log: (.+?) \(check log file\(s\) for error details\)\s*$", re.MULTILINE)
SLURM_REASONS = (
    (
        re.compile(r"DUE TO TIME LIMIT"),
        "ran past its SLURM time limit (TIMEOUT): its retry asks twice the time; to give more from the start, "
        "raise the rule's runtime under set-resources in profiles/slurm/config.yaml",
    ),
    (
        re.compile(r"oom[-_ ]kill|OUT_OF_MEMORY|out of memory", re.IGNORECASE),
        "ran out of memory: its retry asks twice the memory; to give more from the start, raise the rule's "
        "mem_mb under set-resources in profiles/slurm/config.yaml",
    ),
    (re.compile(r"CANCELLED"), "was cancelled (scancel, preemption or a node failure)"),
)
# a job's own last word: the workflow's "HH:MM:SS ERROR: ..." or a traceback's last line
ERROR_LINE = re.compile(r"^(?:\d\d:\d\d:\d\d )?ERROR: .*$|^[A-Za-z_.]*(?:Error|Exception)(?:: .*)?$", re.MULTILINE)


def failed_logs(snakemake_log: str) -> list[str]:
    """The logs of the failed jobs, in the order Snakemake named them, each once."""
    return list(dict.fromkeys(FAILED_LOG.findall(snakemake_log)))


def reason(log_text: str) -> str | None:
    """Why the job of this log failed, or None when the log does not say."""
    for pattern, meaning in SLURM_REASONS:
        if pattern.search(log_text):
            return meaning
    errors = ERROR_LINE.findall(log_text)
    return errors[-1].strip() if errors else None


def summary(snakemake_log: str, folder: str | Path = ".") -> str:
    """A line per failed job's log that says why it failed; '' when no log names a reason."""
    lines = []
    for name in failed_logs(snakemake_log):
        path = Path(folder, name)
        if path.is_file():
            why = reason(path.read_text(encoding="utf-8", errors="replace"))
            if why:
                lines.append(f"- {name}: {why}")
    return "Why the failed jobs failed (from their logs):\n" + "\n".join(lines) if lines else ""
