"""Train every seed of one run and write its folder (see hpstudy.runio)."""

import json

from hpstudy import runio, train
from hpstudy.jobs import run_job
from hpstudy.splits import load_splits


def main(log):
    run = json.loads(snakemake.params.run)
    seeds = json.loads(snakemake.params.seeds)
    train.configure_torch(snakemake.threads)
    device = train.pick_device(snakemake.params.device)
    started = runio.now()
    log(f"run {run['problem']}/{run['run_id']} on {device} with {snakemake.threads} thread(s), seeds {seeds}")
    log(f"hyperparameters: {json.dumps(run['params'], sort_keys=True)}")
    data = load_splits(snakemake.input.data)
    results = train.train_run(run["problem"], run["params"], data, seeds, device, log)
    for r in results:
        status = f"diverged at epoch {r.diverged_epoch}" if r.diverged else "completed"
        log(f"seed {r.seed} {status} in {r.train_seconds:.2f} s")
    info = {
        "seeds": seeds,
        "started": started,
        "finished": runio.now(),
        "provenance": runio.provenance(str(device), snakemake.threads, snakemake.params.code),
    }
    runio.write_run(dict(snakemake.output.items()), run, results, info)


run_job(main, snakemake.log[0])
