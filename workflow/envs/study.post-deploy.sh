#!/usr/bin/env bash
# Snakemake runs (a copy of) this inside the new env, from the build's working directory:
# install this workflow's package (hpstudy) into it. From this repository's root that is
# the working directory; a host workflow that uses this one as a module names the
# repository in HPSTUDY_REPOSITORY.
set -euo pipefail
repository="${HPSTUDY_REPOSITORY:-.}"
if [ ! -f "$repository/pyproject.toml" ] || ! grep -q '^name = "hpstudy"' "$repository/pyproject.toml"; then
  echo "hpstudy: $(cd "$repository" && pwd) is not the hpstudy repository; run snakemake from its root, or set HPSTUDY_REPOSITORY to it (a host workflow: the folder of the Snakefile its module uses)" >&2
  exit 1
fi
python -m pip install --no-deps --editable "$repository"
