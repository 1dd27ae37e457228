"""The warm trainer: jobs trained in a forked child of one server, with the same results."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pandas as pd
import pytest
from synthetic import HOUSE_MLP, house_splits

from hpstudy.data.splits import save_splits
from hpstudy.runtime import train_job, warm
from hpstudy.runtime.jobs import run_logged

pytestmark = pytest.mark.skipif(not warm.available(), reason="the warm trainer forks: Linux only")

OUTPUTS = ("config", "metrics", "history", "predictions")


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "house.npz"
    data = house_splits(60, 20, 20)
    save_splits(
        path,
        {s: (data[f"x_{s}"], data[f"y_{s}"]) for s in ("train", "validation", "test")},
        y_mean=data["y_mean"],
        y_std=data["y_std"],
    )
    return path


def request_for(folder: Path, data_file: Path, **params) -> dict:
    folder.mkdir(parents=True)
    return {
        "run": {
            "run_id": "0123456789ab",
            "problem": "house",
            "module": "hpstudy.problems.house",
            "params": {**HOUSE_MLP, **params},
        },
        "seeds": [0, 1],
        "threads": 1,
        "device": "cpu",
        "code": "test",
        "data": str(data_file),
        "outputs": {kind: str(folder / f"{kind}.{'json' if kind == 'config' else 'csv'}") for kind in OUTPUTS},
        "log": str(folder / "train.log"),
    }


@pytest.fixture
def server(tmp_path):
    warm.start(str(tmp_path / "warm_trainer.log"))
    yield os.environ[warm.ENV]
    warm.stop()


def gone(pid: int, wait: float = 20.0) -> bool:
    """Whether process `pid` has ended (zombies count as ended), polling up to `wait` seconds."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z":
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.1)
    return False


def test_a_job_in_the_server_writes_what_its_own_process_would(server, tmp_path, data_file):
    warm_request = request_for(tmp_path / "warm", data_file)
    own_request = request_for(tmp_path / "own", data_file)

    assert warm.train_in_server(warm_request) == 0
    assert run_logged(partial(train_job.run, own_request), own_request["log"]) == 0

    for kind in ("metrics", "history", "predictions"):
        tables = [pd.read_csv(r["outputs"][kind]) for r in (warm_request, own_request)]
        timing = [c for c in tables[0] if "seconds" in c]
        pd.testing.assert_frame_equal(*(t.drop(columns=timing) for t in tables))
    config = json.loads(Path(warm_request["outputs"]["config"]).read_text())
    assert config["run_id"] == "0123456789ab" and config["seeds"] == [0, 1]
    assert 50 < config["provenance"]["peak_rss_mb"] < 1000
    assert "in the warm trainer (process " in Path(warm_request["log"]).read_text()
    assert "in its own process" in Path(own_request["log"]).read_text()


def test_the_child_has_the_jobs_working_folder_and_environment(server, tmp_path, data_file, monkeypatch):
    request = request_for(tmp_path / "run", data_file)
    request["outputs"] = {kind: Path(path).name for kind, path in request["outputs"].items()}  # relative
    monkeypatch.chdir(tmp_path / "run")
    monkeypatch.setenv("SLURM_JOB_ID", "4242")  # set after the server started

    assert warm.train_in_server(request) == 0
    assert json.loads(Path("config.json").read_text())["provenance"]["slurm_job_id"] == "4242"


def test_a_failing_job_returns_its_status_and_logs_the_error(server, tmp_path, data_file):
    request = request_for(tmp_path / "run", data_file)
    request["data"] = str(tmp_path / "missing.npz")

    assert warm.train_in_server(request) == 1
    assert "missing.npz" in Path(request["log"]).read_text()
    assert not Path(request["outputs"]["config"]).exists()


def test_without_a_server_the_job_trains_itself_and_says_why(tmp_path, data_file, monkeypatch):
    request = request_for(tmp_path / "run", data_file)
    monkeypatch.delenv(warm.ENV, raising=False)
    assert warm.train_in_server(request).startswith("no warm trainer in this build")

    monkeypatch.setenv(warm.ENV, str(tmp_path / "no-such-socket"))
    assert warm.train_in_server(request).startswith("the warm trainer could not be reached")

    # a server that accepts but never takes the job (stopped with SIGSTOP, say)
    monkeypatch.setattr(warm, "READY_TIMEOUT", 0.5)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as silent:
        silent.bind(str(tmp_path / "silent"))
        silent.listen(1)
        monkeypatch.setenv(warm.ENV, str(tmp_path / "silent"))
        assert warm.train_in_server(request) == (
            "the warm trainer did not take the job within 0.5 s (stopped? see logs/warm_trainer.log)"
        )


def test_a_killed_job_takes_its_child_with_it(server, tmp_path, data_file):
    """Snakemake cancels a job by killing its process: the child training it must stop too."""
    request = request_for(tmp_path / "run", data_file, epochs=100_000)
    client = subprocess.Popen(
        [sys.executable, "-c", f"from hpstudy.runtime import warm; warm.train_in_server({request!r})"]
    )
    log = Path(request["log"])
    for _ in range(600):
        if "epoch 1/" in (log.read_text() if log.exists() else ""):
            break
        time.sleep(0.1)
    child = int(log.read_text().split("(process ")[1].split(")")[0])
    assert not gone(child, wait=0)

    client.send_signal(signal.SIGKILL)
    client.wait()

    assert gone(child)
    assert not Path(request["outputs"]["config"]).exists()


def test_the_server_ends_with_the_process_that_started_it(tmp_path):
    code = (
        "import os; from hpstudy.runtime import warm; "
        f"warm.start({str(tmp_path / 'warm_trainer.log')!r}); print(warm._server.pid, flush=True); os._exit(0)"
    )
    environment = {**os.environ, "TMPDIR": str(tmp_path)}  # where the server's socket folder goes
    started = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True)
    server = int(started.stdout)

    assert gone(server)
    assert not list(tmp_path.glob("hpstudy-trainer-*"))  # it removed its socket


def test_without_a_socket_the_jobs_train_themselves(tmp_path, monkeypatch):
    """A socket path is limited to about 100 characters: a deep temporary folder cannot hold one."""
    deep = tmp_path / ("d" * 120)
    deep.mkdir()
    monkeypatch.setenv("TMPDIR", str(deep))
    monkeypatch.setattr("tempfile.tempdir", None)
    log = tmp_path / "warm_trainer.log"

    warm.start(str(log))

    assert warm.ENV not in os.environ and warm._server is None
    assert "no warm trainer, every job trains in its own process" in log.read_text()
    assert not list(deep.iterdir())
