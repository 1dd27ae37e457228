"""Errors that carry a message meant for the user of the workflow."""


class StudyError(Exception):
    """Base class: the message says what is wrong and how to fix it."""


class ConfigError(StudyError):
    """The configuration is invalid; the message names the key path."""


class DataError(StudyError):
    """A data file is missing, corrupted or not in the expected format."""
