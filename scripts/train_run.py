"""Train every seed of one run and write its folder (see hpstudy.runtime.train_job), in the
workflow's warm trainer when it started one (see hpstudy.runtime.warm), else in this process."""

import json

from hpstudy.runtime import warm

warm.train(
    {
        "run": json.loads(snakemake.params.run),
        "seeds": json.loads(snakemake.params.seeds),
        "threads": snakemake.threads,
        # where the run trains, not what it is (no param: a change retrains nothing; the run's
        # config.json records the device it trained on)
        "device": snakemake.config["device"],
        "code": snakemake.params.code,
        "data": snakemake.input.data,
        "outputs": dict(snakemake.output.items()),
        "log": snakemake.log[0],
    }
)
