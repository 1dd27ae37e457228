"""The real Snakemake workflow, end to end, on a tiny configuration and synthetic data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from e2e.workflow import snakemake, tiny_workflow
from hpstudy.study import expand_study

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    workdir = tiny_workflow(tmp_path_factory.mktemp("tiny"))
    result = snakemake(workdir)
    return workdir, result


def study_of(workdir: Path):
    return expand_study(yaml.safe_load((workdir / "config" / "config.yaml").read_text()))


def test_build_writes_both_report_files(built):
    workdir, _ = built
    html = (workdir / "results/report/report.html").read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "Appendix: every sweep beside the original" in html
    pdf = (workdir / "results/report/report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 10_000


def test_every_unique_run_and_seed_is_in_runs_csv(built):
    workdir, _ = built
    study = study_of(workdir)
    runs = pd.read_csv(workdir / "results/metrics/runs.csv")
    assert len(study.runs) == 13
    assert set(runs["run_id"]) == set(study.runs)
    assert len(runs) == 13 * 2
    assert sorted(runs["seed"].unique()) == [0, 1]
    for column in ("problem", "learning_rate", "test_accuracy", "test_rmse", "train_seconds", "diverged"):
        assert column in runs.columns


def test_huge_learning_rate_is_recorded_as_diverged_without_failing(built):
    workdir, _ = built
    runs = pd.read_csv(workdir / "results/metrics/runs.csv")
    huge = runs[runs["learning_rate"] == 1e6]
    assert len(huge) == 2 and huge["diverged"].all()
    assert (huge["diverged_epoch"] == 1).all()
    assert not runs[runs["learning_rate"] < 1]["diverged"].any()
    table = pd.read_csv(workdir / "results/metrics/usps/optimisation/learning_rate.csv", dtype={"label": str})
    assert list(table["label"]) == ["0.01", "0.1", "1000000"]
    assert list(table["n_diverged"]) == [0, 0, 2]


def test_each_run_folder_holds_config_metrics_history_and_log(built):
    workdir, _ = built
    for run_dir in (workdir / "results/runs").glob("*/*"):
        names = {p.name for p in run_dir.iterdir()}
        assert {"config.json", "metrics.csv", "history.csv", "predictions.csv", "train.log"} <= names
        config = json.loads((run_dir / "config.json").read_text())
        assert config["run_id"] == run_dir.name and config["seeds"] == [0, 1]
        history = pd.read_csv(run_dir / "history.csv")
        assert set(history["seed"]) == {0, 1}
        assert "epoch 1/" in (run_dir / "train.log").read_text()


def test_sweep_tables_have_mean_and_std_per_value(built):
    workdir, _ = built
    table = pd.read_csv(workdir / "results/metrics/house/gaussian/width.csv")
    assert list(table["width"]) == [4, 8]
    assert (table["n_seeds"] == 2).all()
    assert table["test_loss_std"].notna().all() and table["test_coverage95_mean"].between(0, 1).all()


def test_finals_hold_the_original_choice_and_the_validation_best(built):
    workdir, _ = built
    finals = pd.read_csv(workdir / "results/metrics/finals.csv")
    assert sorted(zip(finals["problem"], finals["role"])) == [
        ("house", "original_choice"),
        ("house", "validation_best"),
        ("usps", "original_choice"),
        ("usps", "validation_best"),
    ]


def test_a_second_run_has_nothing_to_do(built):
    workdir, _ = built
    result = snakemake(workdir, "-n")
    assert "Nothing to be done" in result.stdout + result.stderr


def test_dry_run_plans_one_training_job_per_unique_run(tmp_path):
    workdir = tiny_workflow(tmp_path)
    result = snakemake(workdir, "-n")
    planned = re.search(r"^train_run\s+(\d+)$", result.stdout, re.MULTILINE)
    assert planned and int(planned.group(1)) == 13


def test_lint_is_clean(tmp_path):
    workdir = tiny_workflow(tmp_path)
    result = snakemake(workdir, "--lint", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
