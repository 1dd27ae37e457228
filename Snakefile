# Rebuild the hyperparameter study from raw data to a PDF/HTML report.
# Table of contents only: the rules live in workflow/rules/, helpers in common.smk.
from snakemake.utils import min_version

from hpstudy.study.configuration import parsed_config_file

min_version("9.0")


configfile: parsed_config_file("config/config.yaml")


report: "report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        rules.render_html.output,
        rules.render_pdf.output,
        # Every file the report is made from, so that a plain `snakemake` makes a missing one
        # again (Snakemake does not rebuild a missing file whose downstream outputs are up to
        # date, such as the tables a failed aggregation removed).
        all_intermediate_files(),
        rules.aggregate_metrics.output,
        rules.evaluate_claims.output,
        rules.collect_provenance.output,
        all_sweep_figures(),
        all_problem_figures(),
