"""One sweep's table -> its figure (metric against swept value, and training time)."""

import json

import pandas as pd

from hpstudy.jobs import run_job
from hpstudy.report.figures import plot_sweep


def main(log):
    sweep = json.loads(snakemake.params.sweep)
    table = pd.read_csv(snakemake.input.table, dtype={"label": str})
    plot_sweep(table, sweep, sweep["problem"], snakemake.output[0])
    log(f"plotted {sweep['problem']}/{sweep['exercise']}/{sweep['sweep']}")


run_job(main, snakemake.log[0])
