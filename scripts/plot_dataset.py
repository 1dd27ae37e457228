"""Prepared splits -> the problem's figure of its data (its module draws it)."""

from hpstudy import problems
from hpstudy.data.splits import load_splits
from hpstudy.runtime.jobs import run_job


def main(log):
    problems.load(snakemake.params.module).plot_data(load_splits(snakemake.input.data), snakemake.output[0])
    log(f"plotted {snakemake.output[0]}")


run_job(main, snakemake.log[0])
