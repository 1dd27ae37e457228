"""Fixtures shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CONFIG_TEXT = (REPO / "config" / "config.yaml").read_text(encoding="utf-8")
SCHEMA_PATH = REPO / "workflow" / "schemas" / "config.schema.yaml"


@pytest.fixture
def config() -> dict:
    """A fresh copy of the real study config (edits do not leak between tests)."""
    return yaml.safe_load(CONFIG_TEXT)
