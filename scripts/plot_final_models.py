"""finals.csv and the runs' test predictions -> confusion matrices (USPS) or predictive bands (house)."""

import pandas as pd

from hpstudy.jobs import run_job
from hpstudy.report.model_figures import plot_final_models


def main(log):
    finals = pd.read_csv(snakemake.input.finals)
    plot_final_models(snakemake.wildcards.problem, finals, list(snakemake.input.predictions), snakemake.output[0])
    log(f"plotted {snakemake.output[0]}")


run_job(main, snakemake.log[0])
