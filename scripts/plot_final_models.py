"""finals.csv and the runs' test predictions -> the problem's figure of its final models
(a classifier's confusion matrices, a regressor's predictions and their calibration)."""

import json

from hpstudy import problems
from hpstudy.report.model_figures import final_predictions
from hpstudy.results.aggregate import read_finals
from hpstudy.runtime.jobs import run_job


def main(log):
    models = final_predictions(
        read_finals(snakemake.input.finals),
        list(snakemake.input.predictions),
        snakemake.wildcards.problem,
        json.loads(snakemake.params.seeds),
    )
    problems.load(snakemake.params.module).plot_final_models(models, snakemake.output[0])
    log(f"plotted {snakemake.output[0]}")


run_job(main, snakemake.log[0])
