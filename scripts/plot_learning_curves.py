"""The baselines' histories -> their learning curves (one column per baseline)."""

import json

from hpstudy.report.model_figures import plot_learning_curves
from hpstudy.results.inputs import per_seed_table
from hpstudy.runtime.jobs import run_job


def main(log):
    seeds = json.loads(snakemake.params.seeds)
    histories = {name: per_seed_table(path, ["epoch"], seeds) for name, path in snakemake.input.items()}
    plot_learning_curves(histories, snakemake.output[0], snakemake.params.unit)
    log(f"plotted {', '.join(histories)} -> {snakemake.output[0]}")


run_job(main, snakemake.log[0])
