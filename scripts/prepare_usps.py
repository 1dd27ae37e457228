"""USPS raw files -> results/data/usps.npz (train / validation / test)."""

import json

from hpstudy.problems import usps
from hpstudy.runtime.jobs import run_job


def main(log):
    settings = json.loads(snakemake.params.settings)
    if settings["source"] == "h5":
        raw = usps.read_h5(snakemake.input.h5)
    else:
        raw = {"train": usps.read_libsvm(snakemake.input.train), "test": usps.read_libsvm(snakemake.input.test)}
    sizes = usps.prepare(
        raw,
        settings["rows"],
        settings["validation_fraction"],
        settings["split_seed"],
        snakemake.output[0],
        where=f"USPS ({settings['source']})",
        settings=snakemake.params.settings,
    )
    log(f"USPS from {settings['source']}: {sizes}")


run_job(main, snakemake.log[0])
