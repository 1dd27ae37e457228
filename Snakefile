# Rebuild the hyperparameter study from raw data to a PDF/HTML report.
# Table of contents only: the rules live in workflow/rules/, helpers in common.smk.
from snakemake.utils import min_version

from hpstudy.configuration import parsed_config_file

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
        all_intermediate_files(),
