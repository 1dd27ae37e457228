"""Repairs for values typed on the command line.

Snakemake parses `--config seeds=[0,1]` with YAML's BaseLoader, which keeps
every list item a string; the study needs integers. Values from the config
file are already typed and pass through unchanged.
"""

from __future__ import annotations


def coerce_command_line_values(config: dict) -> dict:
    seeds = config.get("seeds")
    if isinstance(seeds, list):
        config["seeds"] = [int(s) if isinstance(s, str) and s.strip().lstrip("-").isdigit() else s for s in seeds]
    elif isinstance(seeds, int) and not isinstance(seeds, bool):
        config["seeds"] = [seeds]  # --config seeds=0
    if config.get("data_mirror") in ("", "null", "None"):
        config["data_mirror"] = None
    return config
