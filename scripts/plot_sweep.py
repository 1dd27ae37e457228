"""One sweep's table -> its figure (metric against swept value, and training time)."""

import json

from hpstudy.report.figures import plot_sweep
from hpstudy.results.aggregate import read_sweep_table
from hpstudy.runtime.jobs import run_job


def main(log):
    sweep = json.loads(snakemake.params.sweep)
    table = read_sweep_table(snakemake.input.table)
    plot_sweep(table, sweep, snakemake.output[0])
    log(f"plotted {sweep['problem']}/{sweep['exercise']}/{sweep['sweep']}")


run_job(main, snakemake.log[0])
