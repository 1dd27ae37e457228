"""Runs, raw data and the resolved config -> results/report/provenance.json."""

import json

from hpstudy.aggregate import read_runs
from hpstudy.atomic import write_text
from hpstudy.jobs import run_job
from hpstudy.report.provenance import collect


def main(log):
    runs = read_runs(snakemake.input.runs)
    record = collect(
        list(snakemake.input.run_configs), list(snakemake.input.raw), runs, json.loads(snakemake.params.config)
    )
    write_text(snakemake.output[0], json.dumps(record, indent=2, sort_keys=True) + "\n")
    log(f"git {record['git']['commit']} (dirty: {record['git']['dirty']})")


run_job(main, snakemake.log[0])
