#!/usr/bin/env bash
# Snakemake runs this inside the new env: install this workflow's package (hpstudy) into it,
# from the repository this script belongs to, wherever the build runs (its root, or a host
# workflow that uses this one as a module).
set -euo pipefail
repository="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ ! -f "$repository/pyproject.toml" ]; then
  echo "hpstudy: no pyproject.toml in $repository, the folder above workflow/; install the package into the environment yourself (pip install <path or URL of the hpstudy repository>)" >&2
  exit 1
fi
python -m pip install --no-deps --editable "$repository"
