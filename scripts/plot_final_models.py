"""finals.csv and the runs' test predictions -> confusion matrices (USPS) or predictive bands (house)."""

import json

from hpstudy.report.model_figures import plot_final_models
from hpstudy.results.aggregate import read_finals
from hpstudy.runtime.jobs import run_job


def main(log):
    finals = read_finals(snakemake.input.finals)
    predictions = list(snakemake.input.predictions)
    plot_final_models(
        snakemake.wildcards.problem, finals, predictions, json.loads(snakemake.params.seeds), snakemake.output[0]
    )
    log(f"plotted {snakemake.output[0]}")


run_job(main, snakemake.log[0])
