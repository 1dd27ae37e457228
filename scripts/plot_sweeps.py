"""Every sweep's table -> its figure (metric against swept value, and training time)."""

import json

from hpstudy.report.figures import plot_sweep
from hpstudy.results.aggregate import read_sweep_table
from hpstudy.runtime.jobs import run_job


def main(log):
    sweeps = json.loads(snakemake.params.sweeps)
    for sweep, table, figure in zip(sweeps, snakemake.input.tables, snakemake.output, strict=True):
        plot_sweep(read_sweep_table(table), sweep, figure)
        log(f"plotted {sweep['problem']}/{sweep['exercise']}/{sweep['sweep']}")


run_job(main, snakemake.log[0])
