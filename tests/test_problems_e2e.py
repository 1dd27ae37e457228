"""A problem added as one module (hpstudy.problems.spirals), built end to end into the report;
a study of one problem fetching only its own files; the workflow used as a Snakemake module."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from e2e.workflow import REPO, copy_workflow, planned, snakemake, tiny_workflow

pytestmark = pytest.mark.e2e

SPIRALS_CONFIG = Path(__file__).parent / "e2e" / "spirals_config.yaml"


def spirals_workflow(root: Path) -> Path:
    workdir = copy_workflow(REPO, root / "workflow-copy")
    shutil.copy(SPIRALS_CONFIG, workdir / "config" / "config.yaml")
    return workdir


def assert_spirals_report(workdir: Path) -> None:
    html = (workdir / "results/report/report.html").read_text()
    assert "points of the plane on 3 spiral arms" in html  # the module's own text
    assert "The width of the network" in html
    assert (workdir / "results/report/report.pdf").read_bytes().startswith(b"%PDF")
    runs = pd.read_csv(workdir / "results/metrics/runs.csv")
    assert set(runs["problem"]) == {"spirals"}
    assert sorted(runs["seed"].unique()) == [0, 1]
    assert runs["test_accuracy"].between(0, 1).all()
    finals = pd.read_csv(workdir / "results/metrics/finals.csv")
    assert list(finals["role"]) == ["original_choice", "validation_best"]


def test_a_third_problem_builds_into_the_report_and_fetches_nothing(tmp_path):
    workdir = spirals_workflow(tmp_path)

    snakemake(workdir)

    assert_spirals_report(workdir)
    assert not (workdir / "resources").exists()  # its data are made by its module
    figures = workdir / "results/figures/spirals"
    assert {path.name for path in figures.glob("*.svg")} == {"data.svg", "learning_curves.svg", "final_models.svg"}
    assert "predicted arm" in (figures / "final_models.svg").read_text()


def test_a_study_of_one_problem_fetches_only_that_problems_files(tmp_path):
    workdir = tiny_workflow(tmp_path)
    path = workdir / "config" / "config.yaml"
    config = yaml.safe_load(path.read_text())
    del config["problems"]["usps"], config["data"]["usps"]
    path.write_text(yaml.safe_dump(config, sort_keys=False))

    jobs = planned(workdir)

    assert jobs["fetch_raw_file"] == 1  # the house-price CSV, not the digits
    assert "resources/raw/kaggle_house_pred_train.csv" in snakemake(workdir, "-n").stdout
    assert "usps" not in snakemake(workdir, "-n").stdout


HOST_SNAKEFILE = """\
configfile: "config/config.yaml"


module hpstudy:
    snakefile: "{snakefile}"
    config: config


use rule * from hpstudy
"""
EXAMPLE = REPO / "docs" / "examples"


def test_ones_own_problem_builds_from_a_host_workflow_that_uses_this_one_as_a_module(tmp_path):
    """README's "Your own study": the example module outside the package, named by the config's
    `module`, in a host workflow in another folder that uses this workflow as a Snakemake module."""
    host = tmp_path / "my study"
    (host / "config").mkdir(parents=True)
    (host / "Snakefile").write_text(HOST_SNAKEFILE.format(snakefile=REPO / "Snakefile"))
    shutil.copy(EXAMPLE / "config.yaml", host / "config" / "config.yaml")
    shutil.copy(EXAMPLE / "sine.py", host / "sine.py")
    environment = {**os.environ, "PYTHONPATH": str(host)}

    def snakemake_in_host(*args):
        return subprocess.run(
            [sys.executable, "-m", "snakemake", "--cores", "2", *args],
            cwd=host,
            env=environment,
            capture_output=True,
            text=True,
            timeout=900,
        )

    result = snakemake_in_host()

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    html = (host / "results/report/report.html").read_text()
    assert "points of y = sin(3x)" in html and "A sine, with a Gaussian head" in html
    assert "A sine, learnt by small networks" in html  # the config's title
    assert "TP1" not in html and "Conclusion 1" not in html  # the original's conclusions speak of none of its sweeps
    assert (host / "results/report/report.pdf").read_bytes().startswith(b"%PDF")
    runs = pd.read_csv(host / "results/metrics/runs.csv")
    assert set(runs["problem"]) == {"sine"} and sorted(runs["seed"].unique()) == [0, 1, 2]
    assert runs["test_rmse"].notna().all() and runs["test_coverage95"].between(0, 1).all()
    config = json.loads(next((host / "results/runs/sine").glob("*/config.json")).read_text())
    assert config["module"] == "sine"
    assert not (REPO / "results/runs/sine").exists()  # everything is made in the host's folder
    rerun = snakemake_in_host("-n")
    assert "Nothing to be done" in rerun.stdout, rerun.stdout[-3000:]
