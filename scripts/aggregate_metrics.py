"""All runs' metrics and timings -> results/metrics/runs.csv, one table per sweep, finals.csv."""

import json

from hpstudy.results import aggregate
from hpstudy.runtime.atomic import write_csv
from hpstudy.runtime.jobs import run_job


def main(log):
    layout = json.loads(snakemake.params.layout)
    metrics_of = {problem["id"]: problem["metrics"] for problem in layout["problems"]}
    runs = aggregate.collect_runs(
        snakemake.input.metrics, snakemake.input.configs, json.loads(snakemake.params.seeds), metrics_of
    )
    timing = aggregate.read_timings(snakemake.input.timings, runs)
    write_csv(snakemake.output.runs, runs)
    log(f"{runs['run_id'].nunique()} runs, {len(runs)} run-seed rows, {int(runs['diverged'].sum())} diverged")
    for sweep, path in zip(layout["sweeps"], snakemake.output.sweeps, strict=True):
        assert path.endswith(f"{sweep['problem']}/{sweep['exercise']}/{sweep['sweep']}.csv"), path
        write_csv(path, aggregate.sweep_table(runs, sweep, timing))
    write_csv(snakemake.output.finals, aggregate.finals_table(runs, layout))


run_job(main, snakemake.log[0])
