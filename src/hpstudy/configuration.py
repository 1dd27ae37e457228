"""Repairs for values that YAML and the command line deliver as strings.

- Snakemake parses `--config seeds=[0,1]` with YAML's BaseLoader, which keeps
  every list item a string; the study needs integers.
- YAML 1.1 (PyYAML, Snakemake's loader) reads `1e-3` as the string "1e-3",
  because it wants a dot in the mantissa (`1.0e-3`). In the study section such
  a string can only mean the number, so it becomes one.
Values that are already typed pass through unchanged.
"""

from __future__ import annotations

import re

SCIENTIFIC = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+$")


def _numbers_from_scientific_strings(value):
    if isinstance(value, dict):
        return {key: _numbers_from_scientific_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers_from_scientific_strings(item) for item in value]
    if isinstance(value, str) and SCIENTIFIC.match(value.strip()):
        return float(value)
    return value


def coerce_command_line_values(config: dict) -> dict:
    seeds = config.get("seeds")
    if isinstance(seeds, list):
        config["seeds"] = [int(s) if isinstance(s, str) and s.strip().lstrip("-").isdigit() else s for s in seeds]
    elif isinstance(seeds, int) and not isinstance(seeds, bool):
        config["seeds"] = [seeds]  # --config seeds=0
    if config.get("data_mirror") in ("", "null", "None"):
        config["data_mirror"] = None
    if "problems" in config:
        config["problems"] = _numbers_from_scientific_strings(config["problems"])
    return config
