"""Sweep tables + report/claims.yaml -> results/metrics/verdicts.csv (one row per check)."""

from hpstudy.atomic import write_rows
from hpstudy.jobs import run_job
from hpstudy.report.claims import evaluate_claims, load_claims, verdict_rows
from hpstudy.report.context import read_sweep_tables
from hpstudy.report.original import load_original, original_by_sweep


def main(log):
    verdicts = evaluate_claims(
        load_claims(snakemake.input.claims),
        read_sweep_tables(snakemake.input.tables),
        original_by_sweep(load_original(snakemake.input.original)),
    )
    write_rows(snakemake.output[0], verdict_rows(verdicts))
    for verdict in verdicts:
        log(f"claim {verdict.number}: {verdict.verdict}")


run_job(main, snakemake.log[0])
