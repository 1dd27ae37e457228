"""One training job: train every seed of a run and write its folder (see `runio`).

The job is described by a request, a JSON-able dict, so that it runs the same
in its own process or in the warm trainer (see `warm`):

    run      {"run_id", "problem", "module", "params"}: module, the problem's (see hpstudy.problems)
    seeds    the seeds, trained together
    threads  torch threads the job was given
    device   auto | cpu | cuda
    code     the fingerprint of the training code (provenance)
    data     the prepared splits (.npz)
    outputs  {"config", "metrics", "history", "predictions"}: paths
    log      the job's log file
"""

from __future__ import annotations

import json
import resource
import sys

from hpstudy import problems
from hpstudy.data.splits import load_splits
from hpstudy.engine import train
from hpstudy.runtime import runio


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)


def run(request: dict, log, process: str = "its own process") -> None:
    run, seeds, threads = request["run"], request["seeds"], request["threads"]
    train.configure_torch(threads)
    device = train.pick_device(request["device"])
    started = runio.now()
    log(f"run {run['problem']}/{run['run_id']} on {device} with {threads} thread(s), seeds {seeds}, in {process}")
    log(f"hyperparameters: {json.dumps(run['params'], sort_keys=True)}")
    data = load_splits(request["data"])
    results = train.train_run(problems.load(run["module"]), run["params"], data, seeds, device, log)
    for r in results:
        status = f"diverged at epoch {r.diverged_epoch}" if r.diverged else "completed"
        log(f"seed {r.seed} {status} in {r.train_seconds:.2f} s")
    info = {
        "seeds": seeds,
        "started": started,
        "finished": runio.now(),
        "provenance": {**runio.provenance(str(device), threads, request["code"]), "peak_rss_mb": peak_rss_mb()},
    }
    runio.write_run(request["outputs"], run, results, info)
