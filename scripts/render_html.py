"""Aggregated tables, figures, verdicts and provenance -> results/report/report.html (self-contained)."""

import json
from pathlib import Path

import pandas as pd

from hpstudy.jobs import run_job
from hpstudy.report.context import build_context, read_sweep_tables, sweep_key
from hpstudy.report.render import render_html


def main(log):
    problem_figures = {}
    for path in snakemake.input.problem_figures:
        problem_figures.setdefault(Path(path).parent.name, {})[Path(path).stem] = path
    context = build_context(
        json.loads(snakemake.params.layout),
        read_sweep_tables(snakemake.input.tables),
        {sweep_key(path): path for path in snakemake.input.figures},
        problem_figures,
        pd.read_csv(snakemake.input.runs),
        pd.read_csv(snakemake.input.finals),
        pd.read_csv(snakemake.input.verdicts),
        json.loads(Path(snakemake.input.provenance).read_text()),
        snakemake.input.original,
    )
    render_html(snakemake.input.template, snakemake.input.style, context, snakemake.output[0])
    log(f"rendered {snakemake.output[0]}")


run_job(main, snakemake.log[0])
