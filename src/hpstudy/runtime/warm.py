"""The warm trainer: training jobs that do not each pay for importing torch.

A training job's own process spends 1.2-1.6 s here importing torch before any
work, longer than training most of the study's house-price runs. So a local
build starts one server process when it begins (the Snakefile's onstart): it
imports torch and the engine once, then forks a child for every training job
that asks. The child starts with all of that imported, takes the job's working
folder and environment, trains the run and writes its files exactly as the
job's own process would (`train_job.run`), and sends its exit status back. The job's script waits for it meanwhile, so Snakemake's
scheduling, per-run caching, logs and `--cores` limit are all unchanged.

Used only where it is safe: on Linux (fork after importing torch), for local
execution (a cluster job runs on its node, within its own allocation), and
without conda or containers (the child would run outside the job's software).
A job that cannot reach the server trains in its own process. The server ends
with the workflow: stopped by onsuccess/onerror, and by itself once the
Snakemake process that started it is gone.

    python -m hpstudy.runtime.warm FD PARENT_PID   # the server; started by `start`
"""

from __future__ import annotations

import importlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from functools import partial

from hpstudy.runtime.jobs import quick_exit, run_logged

ENV = "HPSTUDY_WARM_TRAINER"  # the server's socket, for the jobs of the Snakemake process that started it
READY = b"R"  # sent once the server's child has taken the job; before that a job may still train itself
JOBS = {"train": "hpstudy.runtime.train_job", "time": "hpstudy.engine.timing"}  # a request's "job" -> its module
READY_TIMEOUT = 60.0  # seconds; a server that does not answer by then is passed over
_server: subprocess.Popen | None = None


def available() -> bool:
    return sys.platform == "linux"


def start(log_path: str) -> None:
    """Start the server for the jobs of this process: they find it through $HPSTUDY_WARM_TRAINER.

    The socket is bound here, before the server imports anything, so that no job
    can start before it exists; jobs that connect early wait in its backlog.
    Where no socket can be made (a temporary folder whose path is too long for
    one), the jobs train in their own processes, as with `warm_trainer: false`."""
    global _server
    directory = tempfile.mkdtemp(prefix="hpstudy-trainer-")
    path = os.path.join(directory, "socket")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener, open(log_path, "a", encoding="utf-8") as log:
        try:
            listener.bind(path)
        except OSError as error:
            log.write(
                f"no warm trainer, every job trains in its own process: cannot make a socket at {path}: {error}\n"
            )
            shutil.rmtree(directory, ignore_errors=True)
            return
        listener.listen(128)
        _server = subprocess.Popen(
            [sys.executable, "-m", "hpstudy.runtime.warm", str(listener.fileno()), str(os.getpid())],
            pass_fds=[listener.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the jobs (whose children end with them), not the server
        )
    os.environ[ENV] = path


def stop() -> None:
    global _server
    path = os.environ.pop(ENV, None)
    if _server is not None:
        _server.terminate()
        _server.wait()
        _server = None
    if path:
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)


def job_function(request: dict):
    """The function that runs a request: a training job, or the timing job (`"job": "time"`)."""
    return importlib.import_module(JOBS[request.get("job", "train")]).run


def train(request: dict) -> None:
    """Run a job (see `train_job`, `timing`) in the warm trainer if there is one, else here; then exit."""
    code = train_in_server(request)
    if isinstance(code, str):  # why no server took it; imports torch: only where the job runs itself
        run = partial(job_function(request), request, process=f"its own process ({code})")
        code = run_logged(run, request["log"])
    quick_exit(code)


def train_in_server(request: dict) -> int | str:
    """The job's exit status from the server's child, or why no server took the job."""
    path = os.environ.get(ENV)
    if not path:
        return "no warm trainer in this build: warm_trainer: false, a cluster job, or conda"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        try:
            conn.settimeout(READY_TIMEOUT)
            conn.connect(path)
            job = {**request, "workdir": os.getcwd(), "environment": dict(os.environ)}
            conn.sendall(json.dumps(job).encode() + b"\n")
            if conn.recv(1) != READY:
                return "the warm trainer ended before taking the job (see logs/warm_trainer.log)"
            conn.settimeout(None)
            status = conn.recv(1)
        except TimeoutError:
            return (
                f"the warm trainer did not take the job within {READY_TIMEOUT:g} s (stopped? see logs/warm_trainer.log)"
            )
        except OSError as error:
            return f"the warm trainer could not be reached: {error}"
    if status:
        return status[0]
    with open(request["log"], "a", encoding="utf-8") as log:
        log.write("ERROR: the warm trainer's process for this job ended without finishing it (killed?)\n")
    return 1


def serve(listener: socket.socket, parent: int) -> None:
    """Fork a child per connection until stopped or until `parent` (Snakemake) is gone."""
    for module in JOBS.values():  # torch and the engine, imported once for every job
        importlib.import_module(module)

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps finished children
    print(f"warm trainer {os.getpid()} serving {listener.getsockname()}", flush=True)
    while os.getppid() == parent:
        if not select.select([listener], [], [], 1.0)[0]:
            continue
        conn, _ = listener.accept()
        if os.fork() == 0:
            listener.close()
            serve_job(conn)
        conn.close()
    # Snakemake ended without stopping the server (killed): its socket is left to this process
    shutil.rmtree(os.path.dirname(listener.getsockname()), ignore_errors=True)


def serve_job(conn: socket.socket) -> None:
    """In the server's child: take one job, run it, send its exit status, exit."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        request = json.loads(read_line(conn))
        os.chdir(request["workdir"])
        os.environ.clear()  # the job's own, as Snakemake set it
        os.environ.update(request["environment"])
        conn.sendall(READY)
        # the job's script waits on the other end: if it is killed (Snakemake cancels the job), so is this
        threading.Thread(target=exit_when_closed, args=(conn,), daemon=True).start()
        run = job_function(request)
        code = run_logged(partial(run, request, process=f"the warm trainer (process {os.getpid()})"), request["log"])
        conn.sendall(bytes([code]))
    finally:
        quick_exit(code)


def read_line(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("the job closed its connection before sending its request")
        data += chunk
    return data


def exit_when_closed(conn: socket.socket) -> None:
    try:
        conn.recv(1)
    finally:
        os._exit(1)


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])), int(sys.argv[2]))
