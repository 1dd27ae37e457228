"""Errors that carry a message meant for the user of the workflow."""

from __future__ import annotations

import difflib

# The fix for a raw file in the wrong format (its checksum matched, so the config names this very file).
ORIGINAL = "use the study's original file (config/config.yaml gives its URL and checksum)"


class StudyError(Exception):
    """Base class: the message says what is wrong and how to fix it."""


class ConfigError(StudyError):
    """The configuration is invalid; the message names the key path."""


class DataError(StudyError):
    """A data file is missing, corrupted or not in the expected format."""


class OutputError(StudyError):
    """An output folder cannot be written."""


def did_you_mean(word, choices) -> str:
    """'; did you mean 'epochs'?' when a choice is close to `word`, else ''."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
