"""Fetch one raw file into resources/, from the data mirror or its URL, checksummed."""

import json

from hpstudy.data.fetch import fetch
from hpstudy.runtime.jobs import run_job


def main(log):
    source = json.loads(snakemake.params.source)
    # The mirror only says where the same verified bytes come from, so it is read
    # from the config here rather than passed as a param (which would refetch on change).
    mirror = snakemake.config.get("data_mirror")
    fetch(snakemake.wildcards.filename, source["url"], source["checksum"], snakemake.output[0], mirror, log)


run_job(main, snakemake.log[0])
