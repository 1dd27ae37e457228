"""House-price CSV -> results/data/house.npz (standardised with train statistics)."""

import json

from hpstudy.problems import house
from hpstudy.runtime.jobs import run_job


def main(log):
    settings = json.loads(snakemake.params.settings)
    table = house.read_table(snakemake.input.csv, settings["features"], settings["target"])
    sizes = house.prepare(
        table,
        settings["features"],
        settings["target"],
        settings["rows"],
        snakemake.output[0],
        where=snakemake.input.csv,
    )
    log(f"house prices: {sizes}")


run_job(main, snakemake.log[0])
