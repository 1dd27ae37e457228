"""The real Snakemake workflow, end to end, on a tiny configuration and synthetic data."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from e2e.workflow import snakemake, tiny_workflow
from pdf_layout import words_outside_margins

from hpstudy.study.plan import expand_study

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


# ---- the report as a reader gets it ----------------------------------------

N_FIGURES = 6 + 3 * 2  # one per sweep of the tiny config, plus data, learning curves and finals per problem


def test_verdicts_cover_every_claim_and_name_removed_sweeps(built):
    workdir, _ = built
    verdicts = pd.read_csv(workdir / "results/metrics/verdicts.csv")
    assert sorted(verdicts["claim"].unique()) == list(range(1, 16))
    by_claim = verdicts.groupby("claim")["verdict"].first()
    # the tiny config has no MLP hidden-layer sweep: that claim is not evaluated, not an error
    assert by_claim[1] == "not evaluated"
    assert (
        "usps/architecture/mlp_hidden_layers is not in this study"
        in verdicts[verdicts["claim"] == 1]["evidence"].iloc[0]
    )
    # CNN activation (relu, tanh) is in it, and gets a real verdict with its numbers, its test and its interval
    assert by_claim[5] in {"holds", "does not hold", "inconclusive"}
    evidence = verdicts[verdicts["claim"] == 5]["evidence"].iloc[0]
    assert "%" in evidence and "90% CI" in evidence and "p " in evidence
    assert verdicts["robustness"].between(0, 1).any()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (Debian poppler-utils) is not installed")
def test_pdf_has_every_section_in_order_and_numbered_pages(built):
    workdir, _ = built
    pdf = workdir / "results/report/report.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) >= 10
    assert f"Page 1 of {len(pages)}" in pages[0] and f"Page {len(pages)} of {len(pages)}" in pages[-1]
    headings = [
        "Summary",
        "Contents",
        "Problem 1: USPS digit classification",
        "Data and baselines",
        "Exercise 1: impact of the architecture",
        "Final models",
        "Problem 2: house prices regression",
        "Gaussian negative log-likelihood",
        "Method: how the conclusions are checked",
        "Appendix: every sweep beside the original",
        "Provenance",
    ]
    body = "\n".join(pages[2:])  # after the summary and the contents
    positions = [body.find(heading) for heading in headings[2:]]
    assert -1 not in positions and positions == sorted(positions), dict(zip(headings[2:], positions))
    assert "Summary" in pages[0] and "Contents" in "".join(pages[:3])
    # the running header is on every page but the first
    assert all("the hyperparameter study, rebuilt" in page for page in pages[1:])


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (Debian poppler-utils) is not installed")
def test_no_text_leaves_the_pages_text_area(built):
    workdir, _ = built
    assert words_outside_margins(workdir / "results/report/report.pdf") == []


PROBE = """<script>
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const broken = images.filter((image) => !image.complete || image.naturalWidth === 0).length;
  document.body.setAttribute("data-probe", images.length + " images, " + broken + " broken");
});
</script>"""


def chromium(*args: str) -> subprocess.CompletedProcess:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


@pytest.mark.skipif(
    not (shutil.which("chromium") or shutil.which("chromium-browser")),
    reason="Chromium (Debian chromium) is not installed",
)
def test_html_report_in_a_real_browser(built, tmp_path):
    workdir, _ = built
    html = workdir / "results/report/report.html"
    probe = tmp_path / "probe.html"
    probe.write_text(html.read_text().replace("</body>", PROBE + "</body>"))
    dom = chromium("--virtual-time-budget=10000", "--dump-dom", probe.as_uri()).stdout
    assert f'data-probe="{N_FIGURES} images, 0 broken"' in dom
    shot = tmp_path / "shot.png"
    chromium("--window-size=1280,900", f"--screenshot={shot}", html.as_uri())
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)[..., :3]
    assert pixels.shape[:2] == (900, 1280)
    ink = (pixels.mean(axis=2) < 0.5).mean()  # dark pixels: text, rules, badges
    assert 0.005 < ink < 0.5, ink


def test_snakemake_report_zip_holds_figures_tables_and_the_report(built):
    workdir, _ = built
    snakemake(workdir, "--report", "results/report.zip")
    with zipfile.ZipFile(workdir / "results/report.zip") as archive:
        names = archive.namelist()
        index = archive.read(next(n for n in names if n.endswith("report.html") and n.count("/") == 1)).decode()
    for name in ("width.svg", "final_models.svg", "learning_curves.svg", "verdicts.csv", "report.pdf"):
        assert any(n.endswith(name) for n in names), name
    for category in ("Problem 1: USPS digit classification", "Verdicts and tables", "Report"):
        assert category in index
