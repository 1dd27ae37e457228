"""Sweep tables, per-seed runs, timings + report/claims.yaml -> results/metrics/verdicts.csv
(one row per check)."""

from hpstudy.report.claims import evaluate_claims, load_claims, verdict_rows
from hpstudy.report.compare import seed_samples, timing_samples
from hpstudy.report.context import read_sweep_tables
from hpstudy.report.original import load_original, original_by_sweep
from hpstudy.results import aggregate
from hpstudy.runtime.atomic import write_rows
from hpstudy.runtime.jobs import run_job


def main(log):
    runs = aggregate.read_runs(snakemake.input.runs)
    timing = aggregate.read_timings(snakemake.input.timings, runs)
    verdicts = evaluate_claims(
        load_claims(snakemake.input.claims),
        read_sweep_tables(snakemake.input.tables),
        {"seeds": seed_samples(runs), "timing": timing_samples(timing)},
        original_by_sweep(load_original(snakemake.input.original)),
    )
    write_rows(snakemake.output[0], verdict_rows(verdicts))
    for verdict in verdicts:
        log(f"claim {verdict.number}: {verdict.verdict} (same verdict in {verdict.robustness:.0%} of seed resamples)")


run_job(main, snakemake.log[0])
