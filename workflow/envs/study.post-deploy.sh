#!/usr/bin/env bash
# Snakemake runs this inside the new env, from its working directory: the repository root.
set -euo pipefail
if [ ! -f pyproject.toml ]; then
  echo "hpstudy: run snakemake from the repository root (no pyproject.toml in $(pwd))" >&2
  exit 1
fi
python -m pip install --no-deps --editable .
