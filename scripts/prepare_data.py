"""A problem's raw files -> results/data/<problem>.npz (train / validation / test), by its module."""

import json

from hpstudy import problems
from hpstudy.runtime.jobs import run_job


def main(log):
    problem = problems.load(snakemake.params.module)
    sizes = problem.prepare(dict(snakemake.input.items()), json.loads(snakemake.params.settings), snakemake.output[0])
    log(f"{snakemake.wildcards.problem} ({snakemake.params.module}): {sizes}")


run_job(main, snakemake.log[0])
