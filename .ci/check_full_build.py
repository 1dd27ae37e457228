"""After the full build: both report files exist, every unique run is in runs.csv, and no text of
the PDF leaves its pages' text area.

Usage: python .ci/check_full_build.py N_SEEDS
"""

import shutil
import sys
from pathlib import Path

import pandas as pd
import yaml

from hpstudy.study.plan import expand_study

sys.path.insert(0, "tests")
from pdf_layout import words_outside_margins  # noqa: E402

config = yaml.safe_load(Path("config/config.yaml").read_text())
n_seeds = int(sys.argv[1])
study = expand_study(config)
runs = pd.read_csv("results/metrics/runs.csv")
missing = set(study.runs) - set(runs["run_id"])
assert not missing, f"runs missing from runs.csv: {sorted(missing)}"
assert len(runs) == len(study.runs) * n_seeds, (len(runs), len(study.runs), n_seeds)
for name in ("report.html", "report.pdf"):
    path = Path("results/report") / name
    assert path.is_file() and path.stat().st_size > 50_000, f"{path} missing or too small"
if shutil.which("pdftotext"):
    outside = words_outside_margins(Path("results/report/report.pdf"))
    assert not outside, "text outside the PDF's margins:\n" + "\n".join(outside[:20])
print(
    f"ok: {len(study.runs)} unique runs x {n_seeds} seed(s) in runs.csv, "
    f"{int(runs['diverged'].sum())} diverged; report.html and report.pdf present"
)
