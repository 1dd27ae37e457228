"""Train every seed of one run and write its folder (see hpstudy.train_job), in the
workflow's warm trainer when it started one (see hpstudy.warm), else in this process."""

import json

from hpstudy import warm

warm.train(
    {
        "run": json.loads(snakemake.params.run),
        "seeds": json.loads(snakemake.params.seeds),
        "threads": snakemake.threads,
        "device": snakemake.params.device,
        "code": snakemake.params.code,
        "data": snakemake.input.data,
        "outputs": dict(snakemake.output.items()),
        "log": snakemake.log[0],
    }
)
