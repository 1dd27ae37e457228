"""The workflow on a real SLURM scheduler: a one-node cluster on localhost (Debian's
Slurm packages, tests/cluster/slurm-up.sh), the tiny end-to-end configuration built
through `snakemake --workflow-profile profiles/slurm` (the shipped profile, with
tests/cluster/profile for what differs on this cluster), compared with a local
build of the same configuration.

Needs root (it installs packages and starts daemons); skipped, with the reason
printed, otherwise. CI runs as root. The cluster is stopped by its daemons' pids
whatever happens, and every cluster build runs under `timeout -k`.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the e2e helpers

from e2e.workflow import snakemake, tiny_workflow
from slurm_cluster import build_on_cluster, cluster, scheduler_jobs, slurm_env, why_not_runnable

from hpstudy.study.plan import expand_study

pytestmark = pytest.mark.e2e

# The profile groups training runs; 7 per SLURM job makes two group jobs of the
# tiny study's 13 runs, one for each CPU of the test cluster.
GROUP_SIZE = 7


@pytest.fixture(scope="module")
def say(request):
    """Print to the terminal even while pytest captures output (CI's log shows the cluster at work)."""
    capture = request.config.pluginmanager.getplugin("capturemanager")

    def say(text: str) -> None:
        with capture.global_and_fixture_disabled():
            print("".join(f"\n[slurm] {line}" for line in text.splitlines()), flush=True)

    return say


@pytest.fixture(scope="module")
def slurm(say):
    reason = why_not_runnable()
    if reason:
        say(f"SLURM cluster tests skipped: {reason}")
        pytest.skip(reason)
    with cluster(say):
        yield


def study_runs(workdir: Path) -> dict[str, str]:
    """run id -> problem, for the configuration in `workdir`."""
    study = expand_study(yaml.safe_load((workdir / "config" / "config.yaml").read_text()))
    return {run_id: run.problem for run_id, run in study.runs.items()}


def run_config(workdir: Path, problem: str, run_id: str) -> dict:
    return json.loads((workdir / "results" / "runs" / problem / run_id / "config.json").read_text())


def tables(workdir: Path) -> dict[str, pd.DataFrame]:
    """The result tables of a build, without what depends on timing: columns of
    seconds, and the report's claim verdicts (some claims are about training time)."""
    found = {}
    paths = [*workdir.glob("results/metrics/**/*.csv"), *workdir.glob("results/runs/*/*/*.csv")]
    for path in sorted(paths):
        if path.name == "verdicts.csv":
            continue
        frame = pd.read_csv(path)
        found[str(path.relative_to(workdir))] = frame.drop(columns=[c for c in frame.columns if "seconds" in c])
    return found


def assert_same_results(workdir: Path, reference: Path) -> None:
    """Every table of the reference build exists in `workdir` with the same values."""
    ours, theirs = tables(workdir), tables(reference)
    assert len(theirs) > 20
    for name, frame in theirs.items():
        assert name in ours, name
        pd.testing.assert_frame_equal(ours[name], frame, check_exact=True, obj=name)


@pytest.fixture(scope="module")
def local_build(tmp_path_factory):
    """The same configuration built here without SLURM, up to the aggregated tables."""
    workdir = tiny_workflow(tmp_path_factory.mktemp("local"))
    snakemake(workdir, "results/metrics/runs.csv")
    return workdir


@pytest.fixture(scope="module")
def grouped_build(slurm, say, tmp_path_factory):
    """The whole tiny study and its report, through SLURM with the shipped profile."""
    workdir = tiny_workflow(tmp_path_factory.mktemp("slurm-grouped"))
    build = build_on_cluster(workdir, "--group-components", f"train={GROUP_SIZE}")
    assert build.returncode == 0, f"cluster build failed ({build.returncode}), log {build.log}:\n{build.output[-6000:]}"
    jobs = scheduler_jobs()
    say(
        f"tiny study through SLURM, runs grouped {GROUP_SIZE} per job: {build.seconds:.0f} s wall, "
        f"{len(build.submitted())} SLURM jobs:\n"
        + "\n".join(f"  SLURM job {i}: {what} ({jobs.get(i, 'not listed')})" for i, what in build.submitted().items())
    )
    return workdir, build


def test_every_training_job_ran_under_slurm_and_the_report_was_built(grouped_build):
    workdir, build = grouped_build
    submitted = build.submitted()
    runs = study_runs(workdir)
    assert len(runs) == 13
    listed = scheduler_jobs()
    ids = {}
    for run_id, problem in runs.items():
        job_id = run_config(workdir, problem, run_id)["provenance"]["slurm_job_id"]
        assert job_id, f"{problem}/{run_id} did not run under SLURM"
        assert submitted.get(job_id) == "group_train_train_run", (run_id, job_id, submitted)
        assert listed.get(job_id) == "COMPLETED", (job_id, listed)
        ids.setdefault(job_id, []).append(run_id)
    # Grouped as the profile says: 13 runs in ceil(13 / group size) SLURM jobs.
    assert len(ids) == math.ceil(13 / GROUP_SIZE)
    assert sorted(len(members) for members in ids.values()) == sorted(
        [GROUP_SIZE] * (13 // GROUP_SIZE) + ([13 % GROUP_SIZE] if 13 % GROUP_SIZE else [])
    )
    # The data preparation went to the cluster too; downloads, aggregation and the report did not.
    assert sorted(submitted.values()) == sorted(
        [
            "rule_prepare_data/usps",  # one preparation per problem
            "rule_prepare_data/house",
            "rule_time_runs/usps",  # the timing jobs run on the cluster too, one per problem
            "rule_time_runs/house",
            *["group_train_train_run"] * len(ids),
        ]
    )
    for job_id in submitted:
        assert listed.get(job_id) == "COMPLETED"
        assert (workdir / ".snakemake" / "slurm_logs" / submitted[job_id] / f"{job_id}.log").is_file()
    assert (workdir / "results/report/report.html").read_text().startswith("<!DOCTYPE html>")
    assert (workdir / "results/report/report.pdf").read_bytes().startswith(b"%PDF-")
    assert "Nothing to be done" in snakemake(workdir, "-n", "results/metrics/runs.csv").stdout


def test_cluster_results_equal_a_local_build(grouped_build, local_build):
    workdir, _ = grouped_build
    assert_same_results(workdir, local_build)
    for run_id, problem in study_runs(local_build).items():
        assert run_config(local_build, problem, run_id)["provenance"]["slurm_job_id"] is None


def test_a_failing_training_job_fails_the_build_and_a_rerun_retrains_only_what_is_missing(
    slurm, say, local_build, tmp_path_factory
):
    """The house prices split is corrupted after it was prepared: the training jobs of
    the five house runs fail on the cluster (one run per SLURM job here) while a USPS
    run completes; the build fails and says why each failed. After the fix a
    rerun trains those five runs and nothing else."""
    workdir = tiny_workflow(tmp_path_factory.mktemp("slurm-failure"))
    snakemake(workdir, "results/data/usps.npz", "results/data/house.npz")
    split = workdir / "results/data/house.npz"
    split.write_bytes(split.read_bytes()[: split.stat().st_size // 2])  # a truncated file
    runs = study_runs(workdir)
    house = sorted(run_id for run_id, problem in runs.items() if problem == "house")
    usps = min(run_id for run_id, problem in runs.items() if problem == "usps")
    targets = [f"results/runs/house/{run_id}/config.json" for run_id in house] + [
        f"results/runs/usps/{usps}/config.json"
    ]
    args = ("--group-components", "train=1", "--retries", "0", "--", *targets)

    failed = build_on_cluster(workdir, *args)
    say(
        f"failing build: exit {failed.returncode} after {failed.seconds:.0f} s; SLURM jobs "
        + ", ".join(f"{i} {what}" for i, what in failed.submitted().items())
    )
    assert failed.returncode != 0
    # One failed SLURM job per house run, each named in the error report with its SLURM log...
    failed_groups = failed.failed_groups()
    assert sorted(runs for group in failed_groups.values() for runs in group) == [f"house/{r}" for r in house]
    assert all(len(group) == 1 and job_id in failed.submitted() for job_id, group in failed_groups.items())
    for job_id in failed_groups:
        assert f"slurm_logs/group_train_train_run/{job_id}.log" in failed.output
    # ...and why each failed, in one line read from its training log (whole logs are not printed).
    assert "Why the failed jobs failed (from their logs):" in failed.output
    for run_id in house:
        log = (workdir / "results/runs/house" / run_id / "train.log").read_text().strip()
        assert log.splitlines()[-1].split(" ERROR: ")[1].startswith("results/data/house.npz is not a readable")
        assert f"- results/runs/house/{run_id}/train.log: {log.splitlines()[-1]}" in failed.output
        assert not (workdir / "results/runs/house" / run_id / "config.json").exists()
    done = workdir / "results/runs/usps" / usps / "config.json"
    before = done.read_bytes()
    assert json.loads(before)["provenance"]["slurm_job_id"] in failed.submitted()

    split.unlink()  # the fix: prepare the split again (here, to keep the test short)
    snakemake(workdir, "results/data/house.npz")
    rerun = build_on_cluster(workdir, *args)
    say(
        f"rerun after the fix: exit {rerun.returncode} after {rerun.seconds:.0f} s; SLURM jobs "
        + ", ".join(f"{i} {what}" for i, what in rerun.submitted().items())
    )
    assert rerun.returncode == 0, f"rerun failed, log {rerun.log}:\n{rerun.output[-6000:]}"
    assert sorted(rerun.submitted().values()) == ["group_train_train_run"] * len(house)
    assert done.read_bytes() == before  # the completed run was not retrained
    listed = scheduler_jobs()
    retrained = {run_config(workdir, "house", run_id)["provenance"]["slurm_job_id"] for run_id in house}
    assert retrained == {i for i, what in rerun.submitted().items() if what == "group_train_train_run"}
    assert all(listed[job_id] == "COMPLETED" for job_id in retrained)
    ours, theirs = tables(workdir), tables(local_build)
    for run_id in [*house, usps]:
        for kind in ("metrics", "history", "predictions"):
            name = f"results/runs/{runs[run_id]}/{run_id}/{kind}.csv"
            pd.testing.assert_frame_equal(ours[name], theirs[name], check_exact=True, obj=name)


def test_a_cluster_without_job_accounting_is_named_before_anything_is_submitted(slurm, tmp_path_factory):
    """The shipped profile alone, as the README's first command: this cluster keeps no accounting,
    so sacct cannot follow the jobs; the build stops with the fix instead of waiting forever."""
    workdir = tiny_workflow(tmp_path_factory.mktemp("slurm-sacct"))
    before = scheduler_jobs()
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--workflow-profile", "profiles/slurm", "--slurm-no-account"],
        cwd=workdir,
        env=slurm_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    said = result.stdout + result.stderr
    assert result.returncode != 0
    assert "this cluster's sacct cannot report job states (Slurm accounting storage is disabled)" in said
    assert "add --slurm-status-command squeue" in said
    assert scheduler_jobs() == before and not (workdir / "results").exists()
