"""Prepared splits -> a figure of the data (USPS samples per class, house features against price)."""

from hpstudy.data.splits import load_splits
from hpstudy.report.dataset_figures import plot_dataset
from hpstudy.runtime.jobs import run_job


def main(log):
    plot_dataset(snakemake.wildcards.problem, load_splits(snakemake.input.data), snakemake.output[0])
    log(f"plotted {snakemake.output[0]}")


run_job(main, snakemake.log[0])
