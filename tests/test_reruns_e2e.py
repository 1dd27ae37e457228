"""What reruns after an edit: the exact jobs Snakemake plans, scenario by scenario.

Each scenario starts from a copy of one complete tiny build (timestamps and
Snakemake's metadata kept), edits it, and reads the planned jobs per rule from
the dry run; some then build and check that outputs changed only where they should.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from e2e.workflow import planned, snakemake, tiny_workflow

from hpstudy.study.plan import expand_study

pytestmark = pytest.mark.e2e

REPORT_JOBS = {"render_html": 1, "render_pdf": 1, "all": 1}
AFTER_AGGREGATION = {
    "aggregate_metrics": 1,
    "plot_sweeps": 1,  # every sweep's figure, in one job
    "plot_final_models": 2,
    "evaluate_claims": 1,
    "collect_provenance": 1,
    **REPORT_JOBS,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    workdir = tiny_workflow(tmp_path_factory.mktemp("reruns"))
    snakemake(workdir)
    return workdir


@pytest.fixture
def copy(built, tmp_path) -> Path:
    destination = tmp_path / "copy"
    shutil.copytree(built, destination, symlinks=True)
    return destination


def config_of(workdir: Path) -> dict:
    return yaml.safe_load((workdir / "config/config.yaml").read_text())


def write_config(workdir: Path, config: dict, **dump_options) -> None:
    (workdir / "config/config.yaml").write_text(yaml.safe_dump(config, sort_keys=False, **dump_options))


def usps_sweeps(config: dict, exercise: str) -> dict:
    return config["problems"]["usps"]["exercises"][exercise]["sweeps"]


def test_nothing_changed_plans_nothing(built):
    assert planned(built) == {}


def test_where_jobs_train_plans_nothing(built):
    assert planned(built, "--config", "warm_trainer=false") == {}


def test_a_value_added_to_a_sweep_trains_exactly_one_run(copy):
    config = config_of(copy)
    usps_sweeps(config, "optimisation")["learning_rate"]["values"].insert(1, 0.05)
    write_config(copy, config)
    # every run of a problem is timed in one job: the problem's timing job reruns too
    assert planned(copy) == {"train_run": 1, "time_runs": 1, **AFTER_AGGREGATION}

    before = pd.read_csv(copy / "results/metrics/runs.csv")
    untouched = {p: p.stat().st_mtime_ns for p in copy.glob("results/runs/*/*/metrics.csv")}
    snakemake(copy)
    after = pd.read_csv(copy / "results/metrics/runs.csv")
    new_ids = set(after["run_id"]) - set(before["run_id"])
    assert len(new_ids) == 1
    assert all(p.stat().st_mtime_ns == mtime for p, mtime in untouched.items())
    pd.testing.assert_frame_equal(after[~after["run_id"].isin(new_ids)].reset_index(drop=True), before)


def test_a_value_removed_from_a_sweep_trains_nothing_and_leaves_the_tables(copy):
    config = config_of(copy)
    removed_before = expand_study(config).sweep("usps", "architecture", "mlp_width").points[0].run_id
    usps_sweeps(config, "architecture")["mlp_width"]["values"].remove(8)
    write_config(copy, config)
    assert planned(copy) == {"time_runs": 1, **AFTER_AGGREGATION}

    snakemake(copy)
    assert removed_before not in set(pd.read_csv(copy / "results/metrics/runs.csv")["run_id"])
    table = pd.read_csv(copy / "results/metrics/usps/architecture/mlp_width.csv")
    assert list(table["width"]) == [1024]


def test_a_baseline_change_retrains_exactly_the_runs_that_inherit_it(copy):
    config = config_of(copy)
    old = set(expand_study(config).runs)
    config["problems"]["usps"]["baselines"]["cnn"]["epochs"] = 3
    write_config(copy, config)
    new = set(expand_study(config).runs)
    # the CNN runs of both sweeps and the optimizer sweep inherit epochs; the final model sets its own
    assert len(new - old) == 5
    assert planned(copy) == {"train_run": 5, "time_runs": 1, "plot_learning_curves": 1, **AFTER_AGGREGATION}


def test_a_new_sweep_trains_only_its_new_runs_and_appears_in_the_report(copy):
    config = config_of(copy)
    usps_sweeps(config, "architecture")["cnn_channels"] = {"baseline": "cnn", "factor": "channels", "values": [3, 8]}
    write_config(copy, config)
    jobs = planned(copy)
    assert jobs["train_run"] == 1 and jobs["plot_sweeps"] == 1

    snakemake(copy)
    assert (copy / "results/figures/usps/architecture/cnn_channels.svg").is_file()
    html = (copy / "results/report/report.html").read_text()
    assert "Impact of the convolution channels" in html and 'id="appendix-usps-architecture-cnn_channels"' in html


@pytest.mark.parametrize("path", ["report/templates/report.html.j2", "report/style.css"])
def test_a_template_edit_rebuilds_only_the_report(copy, path):
    with open(copy / path, "a") as handle:
        handle.write("\n{# edited #}\n" if path.endswith(".j2") else "\n/* edited */\n")
    assert planned(copy) == REPORT_JOBS


def test_a_claim_edit_reevaluates_the_verdicts_and_rebuilds_only_the_report(copy):
    claims = copy / "report/claims.yaml"
    claims.write_text(claims.read_text().replace("tolerance: 0.01}", "tolerance: 0.02}", 1))
    assert planned(copy) == {"evaluate_claims": 1, **REPORT_JOBS}


def test_a_caption_edit_plans_nothing_and_reaches_snakemakes_report(copy):
    caption = copy / "report/captions/verdicts.rst"
    caption.write_text(caption.read_text() + "\nEdited caption.\n")
    assert planned(copy) == {}
    snakemake(copy, "--report", "report.zip")
    with zipfile.ZipFile(copy / "report.zip") as archive:
        index = next(name for name in archive.namelist() if name.count("/") == 1 and name.endswith("report.html"))
        assert "Edited caption." in archive.read(index).decode()


def test_extended_seeds_retrain_every_run(copy):
    planned_jobs = planned(copy, "--config", "seeds=[0, 1, 2]")
    assert planned_jobs == {"train_run": 13, "plot_learning_curves": 2, **AFTER_AGGREGATION}


def test_reformatted_config_with_reordered_keys_and_respelled_numbers_plans_nothing(copy):
    config = config_of(copy)
    for baseline in config["problems"]["usps"]["baselines"].values():
        baseline["learning_rate"] = "1e-1" if baseline["learning_rate"] == 0.1 else baseline["learning_rate"]
        baseline["epochs"] = float(baseline["epochs"])  # 1 -> 1.0
    reordered = {key: config[key] for key in reversed(list(config))}
    reordered["problems"] = {
        problem: {key: value for key, value in reversed(list(settings.items()))}
        for problem, settings in config["problems"].items()
    }
    write_config(copy, reordered, default_flow_style=True, width=60)
    assert planned(copy) == {}


def test_a_touched_script_plans_nothing(copy):
    """Code is judged by content (each rule's fingerprint), not by a file's time."""
    later = (copy / "scripts/fetch_raw_file.py").stat().st_mtime + 3600
    for script in (copy / "scripts").glob("*.py"):
        os.utime(script, (later, later))
    assert planned(copy) == {}


def test_results_copied_into_a_fresh_clone_plan_nothing(built, tmp_path):
    """The cluster move: results/ copied (times kept) into a new clone, without .snakemake/."""
    fresh = tiny_workflow(tmp_path)
    shutil.copy2(built / "config/config.yaml", fresh / "config/config.yaml")
    shutil.copytree(built / "results", fresh / "results", symlinks=True)
    assert planned(fresh) == {}


def test_a_device_change_retrains_nothing(copy):
    """The device is where a run trains, not what it is (its config.json records it)."""
    config = config_of(copy)
    write_config(copy, {**config, "device": "cpu"})
    assert planned(copy) == {}


def test_deleted_raw_files_and_no_mirror_retrain_nothing(copy):
    """Without the mirror, `source: auto` would pick the LIBSVM files: the same digits, so the
    prepared data keep the packaging they were made from."""
    shutil.rmtree(copy / "resources")
    config = config_of(copy)
    write_config(copy, {key: value for key, value in config.items() if key != "data_mirror"})
    assert planned(copy) == {}


def test_a_deleted_run_folder_is_rebuilt_by_a_plain_run(copy):
    run = next((copy / "results/runs/usps").iterdir())
    shutil.rmtree(run)
    assert planned(copy)["train_run"] == 1
    snakemake(copy)
    assert (run / "metrics.csv").is_file() and planned(copy) == {}


def test_a_damaged_run_fails_every_build_until_the_fix_then_recovers(copy):
    run = next((copy / "results/runs/usps").iterdir())
    metrics = run / "metrics.csv"
    metrics.write_text(metrics.read_text().splitlines()[0] + "\n")  # cut to its header

    for _ in range(2):  # the failure leaves no state that a rerun calls up to date
        result = snakemake(copy, check=False)
        assert result.returncode != 0
        output = result.stdout + result.stderr
        assert f"{metrics.relative_to(copy)} has no rows; delete the run's folder" in output
        assert f"results/runs/usps/{run.name} and rerun: it retrains" in output
        assert "Why the failed jobs failed (from their logs):\n- logs/aggregate_metrics.log: " in output

    shutil.rmtree(run)  # the fix the message gives
    snakemake(copy)
    runs = pd.read_csv(copy / "results/metrics/runs.csv", dtype={"run_id": str})
    assert len(runs) == 2 * len(expand_study(config_of(copy)).runs) and run.name in set(runs["run_id"])
    assert planned(copy) == {}


def measured_seconds_masked(verdicts: pd.DataFrame) -> pd.DataFrame:
    """The evidence of the time checks without its numbers: the measured seconds (and the p-values
    and intervals computed from them) are the only part of a verdict that two builds may change."""
    timed = verdicts["evidence"].str.startswith("training time per seed")
    masked = verdicts.copy()
    masked.loc[timed, "evidence"] = masked.loc[timed, "evidence"].str.replace(r"[-+−]?\d[\d.,]*", "#", regex=True)
    return masked.drop(columns="robustness").assign(timed=timed)


def test_a_second_build_gives_bit_identical_metrics_and_the_same_verdicts(built, tmp_path):
    second = tiny_workflow(tmp_path)
    snakemake(second)
    for first_file in built.glob("results/runs/*/*/metrics.csv"):
        first = pd.read_csv(first_file).drop(columns="train_seconds")
        again = pd.read_csv(second / first_file.relative_to(built)).drop(columns="train_seconds")
        pd.testing.assert_frame_equal(first, again, check_exact=True)
    first, again = (pd.read_csv(w / "results/metrics/verdicts.csv") for w in (built, second))
    assert list(first["verdict"]) == list(again["verdict"])
    assert list(first["check_verdict"]) == list(again["check_verdict"])
    pd.testing.assert_frame_equal(measured_seconds_masked(first), measured_seconds_masked(again))
    # the seeds' robustness is the same too; a time check's may move with the measured seconds
    seed_only = ~measured_seconds_masked(first).groupby("claim")["timed"].transform("any")
    assert list(first.loc[seed_only, "robustness"].fillna(-1)) == list(again.loc[seed_only, "robustness"].fillna(-1))
    # the tiny study's one time check compares widths 8 and 1024: a real difference, in both builds
    width_time = first[(first["claim"] == 2) & first["evidence"].str.startswith("training time per seed")]
    assert list(width_time["check_verdict"]) == ["holds"]
