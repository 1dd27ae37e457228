"""Runs, raw data and the resolved config -> results/report/provenance.json."""

import json

from hpstudy.report.provenance import collect
from hpstudy.results.aggregate import read_runs
from hpstudy.runtime.atomic import write_text
from hpstudy.runtime.jobs import run_job


def main(log):
    runs = read_runs(snakemake.input.runs)
    record = collect(
        list(snakemake.input.run_configs), list(snakemake.input.raw), runs, json.loads(snakemake.params.config)
    )
    write_text(snakemake.output[0], json.dumps(record, indent=2, sort_keys=True) + "\n")
    log(f"git {record['git']['commit']} (dirty: {record['git']['dirty']})")


run_job(main, snakemake.log[0])
