"""Aggregated tables and figures -> results/report/report.html (self-contained)."""

import json

import pandas as pd

from hpstudy.jobs import run_job
from hpstudy.report.context import build_context
from hpstudy.report.render import render_html


def key_of(path):
    return "/".join(path.rsplit(".", 1)[0].split("/")[-3:])


def main(log):
    layout = json.loads(snakemake.params.layout)
    tables = {key_of(p): pd.read_csv(p, dtype={"label": str}) for p in snakemake.input.tables}
    figures = {key_of(p): p for p in snakemake.input.figures}
    runs = pd.read_csv(snakemake.input.runs)
    finals = pd.read_csv(snakemake.input.finals)
    context = build_context(layout, tables, figures, runs, finals, snakemake.input.original)
    render_html(snakemake.input.template, snakemake.input.style, context, snakemake.output[0])
    log(f"rendered {snakemake.output[0]}")


run_job(main, snakemake.log[0])
