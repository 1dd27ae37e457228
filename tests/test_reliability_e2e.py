"""Reliability, for real: Snakemake runs in a temporary copy of the workflow.

- a config error stops even a dry run, before any job;
- bad data fails its job with the reason and leaves nothing in resources/ or
  results/ that a later run would take as valid;
- a training job killed with SIGKILL, then Snakemake itself killed mid-training
  (a power loss), then the rerun: every output is complete or absent, and the
  resumed build's numbers equal those of an uninterrupted build;
- a second snakemake in the same folder is refused by the lock, and the first
  build goes on unaffected (the uninterrupted build above, in a path with spaces);
- an output folder that cannot be written is refused before the first job.

The builds use the tiny configuration cut to five runs and stop at the metric
tables (the numbers every report figure and table is made from): the report
itself also shows training times and its generation time, which no two builds share.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import h5py
import pandas as pd
import pytest
import yaml
from e2e.workflow import planned, snakemake, tiny_workflow
from synthetic import write_usps_h5

from hpstudy.data.fetch import file_digest
from hpstudy.study.plan import expand_study

pytestmark = pytest.mark.e2e

TARGET = "results/metrics/runs.csv"  # aggregation: runs.csv, finals.csv and every sweep table
SLOW_EPOCHS = 500  # the USPS final model trains for seconds, long enough to be killed mid-run
RUN_FILES = ("config.json", "metrics.csv", "history.csv", "predictions.csv")
N_TEST = 30  # test images of the tiny data (tests/e2e/workflow.py)


# --------------------------------------------------------------------------- helpers


def lean_workflow(root: Path) -> Path:
    """The tiny workflow cut to five runs: USPS CNN at learning rates 0.1 and 1e6 (diverges) and
    the slow final model; house prices MSE at widths 4 and 8."""
    workdir = tiny_workflow(root)
    path = workdir / "config" / "config.yaml"
    config = yaml.safe_load(path.read_text())
    usps = config["problems"]["usps"]
    del usps["baselines"]["mlp"]
    usps["exercises"] = {
        "optimisation": {
            "title": "Exercise 2: impact of the optimisation",
            "sweeps": {"learning_rate": {"baseline": "cnn", "factor": "learning_rate", "values": [0.1, 1000000]}},
        }
    }
    usps["final"]["set"]["epochs"] = SLOW_EPOCHS
    house = config["problems"]["house"]
    del house["baselines"]["gaussian"], house["exercises"]["gaussian"], house["final"]
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return workdir


def study_of(workdir: Path):
    return expand_study(yaml.safe_load((workdir / "config" / "config.yaml").read_text()))


def slow_run_dir(workdir: Path) -> Path:
    return workdir / "results" / "runs" / "usps" / study_of(workdir).finals["usps"]


def start(workdir: Path, name: str, *args: str) -> tuple[subprocess.Popen, Path]:
    """Snakemake in the background, in its own process group; its output goes to a file beside `workdir`."""
    output = workdir.parent / f"{name}.out"
    with open(output, "w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "snakemake", "--cores", "2", *args],
            cwd=workdir,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, output


def stop(process: subprocess.Popen) -> None:
    """SIGKILL a background snakemake's whole process group, if anything of it is left."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=60)


def wait_for(condition, what: str, timeout: float = 300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def writer_of(path: Path) -> int | None:
    """The id of the process that has `path` open: the training job writing its log."""
    target = str(path.resolve())
    for fd_folder in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(os.readlink(fd) == target for fd in fd_folder.iterdir()):
                return int(fd_folder.parent.name)
        except OSError:  # the process ended meanwhile, or is not ours to read
            continue
    return None


def training_job(run_dir: Path, epoch: int = 3) -> int:
    """Wait until the run's training job has trained `epoch` epochs; return its process id."""
    log = run_dir / "train.log"
    pid = wait_for(lambda: log.exists() and writer_of(log), f"the training job writing {log}")
    wait_for(lambda: f"epoch {epoch}/{SLOW_EPOCHS}" in log.read_text(), f"epoch {epoch} in {log}")
    return pid


def incomplete_files(run_dir: Path) -> list[str]:
    """The run's outputs that exist but are not complete (absent ones are fine)."""
    expected_rows = {"metrics.csv": 2, "history.csv": 2 * SLOW_EPOCHS, "predictions.csv": 2 * N_TEST}
    bad = []
    for name in RUN_FILES:
        path = run_dir / name
        if not path.exists():
            continue
        try:
            if name == "config.json":
                complete = json.loads(path.read_text())["run_id"] == run_dir.name
            else:
                complete = len(pd.read_csv(path)) == expected_rows[name]
        except (ValueError, KeyError, pd.errors.ParserError):
            complete = False
        if not complete:
            bad.append(name)
    return bad


def complete_runs(workdir: Path) -> set[str]:
    """The runs that have every output file."""
    return {
        run.run_id
        for run in study_of(workdir).runs.values()
        if all((workdir / "results" / "runs" / run.problem / run.run_id / name).is_file() for name in RUN_FILES)
    }


def numbers(workdir: Path) -> dict[str, pd.DataFrame]:
    """Every metric table and run table of a build, without the timing columns."""
    paths = [*workdir.glob("results/metrics/**/*.csv"), *workdir.glob("results/runs/*/*/*.csv")]
    tables = {}
    for path in sorted(paths):
        table = pd.read_csv(path)
        tables[str(path.relative_to(workdir))] = table.drop(columns=[c for c in table.columns if "seconds" in c])
    return tables


def said(result: subprocess.CompletedProcess) -> str:
    """All a snakemake run printed (where an error goes depends on whether it writes to a terminal)."""
    return result.stdout + result.stderr


# --------------------------------------------------------------------------- configuration


def test_config_errors_stop_a_dry_run_before_any_job(tmp_path):
    workdir = tiny_workflow(tmp_path)
    config_path = workdir / "config" / "config.yaml"
    good = config_path.read_text()
    mlp = ("problems", "usps", "baselines", "mlp")
    cases = [
        (mlp, "epoch", 1, "problems.usps.baselines.mlp.epoch: unknown key 'epoch'; did you mean 'epochs'?"),
        (mlp, "batch_size", 0, "problems.usps.baselines.mlp.batch_size: must be >= 1, got 0"),
        (mlp, "activation", "gelu", "problems.usps.baselines.mlp.activation: unknown value 'gelu'"),
    ]
    for keys, key, value, message in cases:
        config = yaml.safe_load(good)
        node = config
        for step in keys:
            node = node[step]
        node[key] = value
        config_path.write_text(yaml.safe_dump(config, sort_keys=False))

        result = snakemake(workdir, "-n", check=False)

        assert result.returncode != 0
        assert f"Invalid configuration (config/config.yaml):\n{message}" in said(result)
    assert not (workdir / "results").exists() and not (workdir / "resources").exists()


def test_what_a_build_cannot_use_is_named_before_any_job(tmp_path):
    workdir = tiny_workflow(tmp_path)
    config_path = workdir / "config" / "config.yaml"
    good = config_path.read_text()

    result = snakemake(workdir, "-n", "--config", "data_mirror=no-such-folder", check=False)
    assert result.returncode != 0 and "data_mirror: no-such-folder does not exist" in said(result)

    config_path.write_text(good + "seeds: [0, 1\n")  # an unclosed list
    result = snakemake(workdir, "-n", check=False)
    assert result.returncode != 0
    assert "config/config.yaml, line" in said(result) and ": not valid YAML: " in said(result)
    config_path.write_text(good)

    if not __import__("torch").cuda.is_available():
        result = snakemake(workdir, "--config", "device=cuda", check=False)  # a real run: refused before any job
        assert result.returncode != 0 and "device: cuda, but torch sees no CUDA device on" in said(result)

    result = snakemake(workdir, "--report", "report.zip", check=False)
    assert result.returncode != 0 and "build first (snakemake --cores 4)" in said(result)
    assert not (workdir / "results").exists() and not (workdir / "resources").exists()


# --------------------------------------------------------------------------- data


def set_checksum(workdir: Path, name: str, path: Path) -> None:
    """Make the config describe `path` as raw file `name` (a file whose checksum matches, wrong inside)."""
    config_path = workdir / "config" / "config.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["downloads"][name]["checksum"] = f"sha256:{file_digest(path, 'sha256')}"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))


def test_bad_data_fails_its_job_and_leaves_nothing_that_looks_valid(tmp_path):
    workdir = tiny_workflow(tmp_path)
    mirror = tmp_path / "mirror"
    splits = ("results/data/usps.npz", "results/data/house.npz")
    h5, csv = mirror / "usps.h5", mirror / "kaggle_house_pred_train.csv"

    # a truncated mirror file (checksum mismatch) and a CSV with text among the numbers
    h5.write_bytes(h5.read_bytes()[:-1000])
    table = pd.read_csv(csv, dtype=str)
    table.loc[7, "GrLivArea"] = "large"
    table.to_csv(csv, index=False)
    set_checksum(workdir, "kaggle_house_pred_train.csv", csv)

    result = snakemake(workdir, *splits, check=False)

    output = said(result)
    assert result.returncode != 0
    assert "usps.h5 from" in output and "has the wrong sha256 checksum" in output and "corrupted or truncated" in output
    assert "column GrLivArea, data row 8: 'large' is not a finite number" in output
    assert sorted(p.name for p in (workdir / "resources" / "raw").iterdir()) == ["kaggle_house_pred_train.csv"]
    assert not list(workdir.glob("results/data/*"))

    # an HDF5 file without the expected groups and a CSV without a required column, both checksum-verified
    write_usps_h5(h5, 60, 30)
    with h5py.File(h5, "a") as handle:
        handle.move("train", "training")
    set_checksum(workdir, "usps.h5", h5)
    table.drop(columns=["TotalBsmtSF"]).to_csv(csv, index=False)
    set_checksum(workdir, "kaggle_house_pred_train.csv", csv)

    result = snakemake(workdir, *splits, check=False)

    output = said(result)
    assert result.returncode != 0
    assert "expected groups train/ and test/ each holding 'data' and 'target'" in output
    assert "missing column(s) TotalBsmtSF; correct data.house.features / data.house.target" in output
    assert not list(workdir.glob("results/data/*"))


# --------------------------------------------------------------------------- interruption and concurrency


@dataclass
class Reference:
    workdir: Path
    returncode: int
    output: str
    second: subprocess.CompletedProcess
    first_was_running: bool


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Reference:
    """An uninterrupted build, in a path with spaces; once it holds its lock, a second
    snakemake is started in the same folder."""
    root = tmp_path_factory.mktemp("uninterrupted") / "a folder with spaces"
    root.mkdir()
    workdir = lean_workflow(root)
    first, output = start(workdir, "first", TARGET)
    try:
        wait_for(lambda: list((workdir / ".snakemake" / "locks").glob("*")), "the first build to take its lock")
        second = snakemake(workdir, TARGET, check=False)
        first_was_running = first.poll() is None
        first.wait(timeout=600)
    finally:
        stop(first)
    return Reference(workdir, first.returncode, output.read_text(), second, first_was_running)


@dataclass
class Resumed:
    workdir: Path
    job_killed: subprocess.CompletedProcess
    after_job_kill: dict
    after_power_loss: dict
    refused: subprocess.CompletedProcess
    planned: dict[str, int]


def killed(workdir: Path, name: str, kill_snakemake: bool) -> tuple[subprocess.CompletedProcess, dict]:
    """Build until the slow run trains, SIGKILL its job (and snakemake with it when `kill_snakemake`);
    what snakemake said and the state it left."""
    run_dir = slow_run_dir(workdir)
    build, output = start(workdir, name, TARGET)
    try:
        job = training_job(run_dir)
        if kill_snakemake:
            os.killpg(build.pid, signal.SIGKILL)
        try:
            os.kill(job, signal.SIGKILL)
        except ProcessLookupError:  # it was in snakemake's process group
            pass
        build.wait(timeout=600)
    finally:
        stop(build)
    state = {
        "present": sorted(name for name in RUN_FILES if (run_dir / name).exists()),
        "incomplete": incomplete_files(run_dir),
        "complete_runs": complete_runs(workdir),
        "locks": list((workdir / ".snakemake" / "locks").glob("*")),
        "incomplete_markers": [p for p in (workdir / ".snakemake" / "incomplete").rglob("*") if p.is_file()],
    }
    return subprocess.CompletedProcess(build.args, build.returncode, output.read_text(), ""), state


@pytest.fixture(scope="module")
def resumed(tmp_path_factory) -> Resumed:
    """A build whose slow training job is killed; its rerun killed with snakemake itself; then unlock and rerun."""
    workdir = lean_workflow(tmp_path_factory.mktemp("interrupted"))
    job_killed, after_job_kill = killed(workdir, "job-killed", kill_snakemake=False)
    _, after_power_loss = killed(workdir, "power-loss", kill_snakemake=True)
    refused = snakemake(workdir, TARGET, check=False)
    snakemake(workdir, "--unlock")
    plan = planned(workdir, TARGET)
    snakemake(workdir, TARGET)
    return Resumed(workdir, job_killed, after_job_kill, after_power_loss, refused, plan)


def test_a_path_with_spaces_builds(reference):
    assert (
        " " in str(reference.workdir)
        and " " in yaml.safe_load((reference.workdir / "config" / "config.yaml").read_text())["data_mirror"]
    )
    assert reference.returncode == 0, reference.output[-3000:]
    runs = pd.read_csv(reference.workdir / TARGET)
    assert len(runs) == 5 * 2 and set(runs["run_id"]) == set(study_of(reference.workdir).runs)
    assert runs[runs["learning_rate"] == 1e6]["diverged"].all()  # diverged, and the build went on


def test_a_second_snakemake_is_refused_by_the_lock_while_the_first_runs(reference):
    assert reference.first_was_running
    assert reference.second.returncode != 0
    assert "Error: Directory cannot be locked." in said(reference.second)


def test_the_first_build_is_unaffected_by_the_refused_second(reference):
    assert reference.returncode == 0
    assert "Error" not in reference.output
    assert complete_runs(reference.workdir) == set(study_of(reference.workdir).runs)


def test_a_killed_training_job_fails_the_build_and_leaves_no_output_of_it(resumed):
    slow = slow_run_dir(resumed.workdir).name
    assert resumed.job_killed.returncode != 0
    assert "Error in rule train_run" in resumed.job_killed.stdout and slow in resumed.job_killed.stdout
    assert resumed.after_job_kill["present"] == [] and resumed.after_job_kill["incomplete"] == []
    # keep-going: every other run finished and is complete
    assert resumed.after_job_kill["complete_runs"] == set(study_of(resumed.workdir).runs) - {slow}


def test_a_power_loss_mid_training_leaves_no_partial_output(resumed):
    state = resumed.after_power_loss
    assert state["incomplete"] == []  # each output of the killed run is complete or absent
    assert state["present"] == []
    assert state["incomplete_markers"]  # Snakemake had marked the running job's outputs as incomplete
    assert state["locks"]  # and could not remove its lock


def test_the_rerun_after_a_power_loss_explains_the_stale_lock(resumed):
    assert resumed.refused.returncode != 0
    assert "the remaining lock was likely caused by a kill signal or a power loss" in said(resumed.refused)
    assert "--unlock" in said(resumed.refused)


def test_after_unlocking_only_the_killed_run_retrains(resumed):
    assert resumed.planned == {"train_run": 1, "aggregate_metrics": 1}


def test_the_resumed_build_equals_the_uninterrupted_one(reference, resumed):
    assert complete_runs(resumed.workdir) == set(study_of(resumed.workdir).runs)
    expected, actual = numbers(reference.workdir), numbers(resumed.workdir)
    assert sorted(actual) == sorted(expected)
    assert len(expected) == 4 + 5 * 3  # runs, finals, two sweep tables; metrics, history, predictions per run
    for name, table in expected.items():
        pd.testing.assert_frame_equal(actual[name], table, check_exact=True, obj=name)


# --------------------------------------------------------------------------- disk and paths


def without_root_override() -> list[str]:
    """A command prefix under which permission bits hold: root normally passes them (CAP_DAC_OVERRIDE)."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: permission bits cannot be enforced")
    dropped = "-dac_override,-dac_read_search"
    return ["setpriv", f"--bounding-set={dropped}", f"--inh-caps={dropped}"]


def test_an_unwritable_output_folder_is_refused_before_any_job(tmp_path):
    workdir = tiny_workflow(tmp_path)
    results = workdir / "results"
    results.mkdir()
    results.chmod(0o555)
    command = [*without_root_override(), sys.executable, "-m", "snakemake", "--cores", "2"]
    try:
        dry = subprocess.run([*command, "-n"], check=False, cwd=workdir, capture_output=True, text=True, timeout=300)
        real = subprocess.run(command, check=False, cwd=workdir, capture_output=True, text=True, timeout=300)
    finally:
        results.chmod(0o755)

    assert dry.returncode == 0, said(dry)[-2000:]  # a dry run writes nothing
    assert real.returncode != 0
    assert "cannot write to results/: results is not writable for this user" in said(real)
    assert "chmod -R u+w results" in said(real)
    assert not (workdir / "resources").exists() and list(results.iterdir()) == []  # no job ran
