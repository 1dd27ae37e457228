"""Aggregated tables, figures, verdicts and provenance -> results/report/report.html (self-contained)."""

import json
from pathlib import Path

from hpstudy.report.claims import read_verdicts
from hpstudy.report.context import build_context, read_sweep_tables, sweep_key
from hpstudy.report.render import render_html
from hpstudy.results.aggregate import read_finals, read_runs
from hpstudy.results.inputs import json_object, rebuild_fix
from hpstudy.runtime.jobs import run_job


def main(log):
    problem_figures = {}
    for path in snakemake.input.problem_figures:
        problem_figures.setdefault(Path(path).parent.name, {})[Path(path).stem] = path
    context = build_context(
        json.loads(snakemake.params.layout),
        read_sweep_tables(snakemake.input.tables),
        {sweep_key(path): path for path in snakemake.input.figures},
        problem_figures,
        read_runs(snakemake.input.runs),
        read_finals(snakemake.input.finals),
        read_verdicts(snakemake.input.verdicts),
        json_object(snakemake.input.provenance, ["git"], rebuild_fix(snakemake.input.provenance)),
        snakemake.input.original,
    )
    render_html(snakemake.input.template, snakemake.input.style, context, snakemake.output[0])
    log(f"rendered {snakemake.output[0]}")


run_job(main, snakemake.log[0])
