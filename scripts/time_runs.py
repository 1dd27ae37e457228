"""Time every run of one problem alone (see hpstudy.engine.timing), in the workflow's warm
trainer when it started one (see hpstudy.runtime.warm), else in this process."""

import json

from hpstudy.runtime import warm

warm.train(
    {
        "job": "time",
        "problem": snakemake.wildcards.problem,
        "module": snakemake.params.module,
        "runs": json.loads(snakemake.params.runs),
        # where the run trains, not what it is (no param: a change retrains nothing; the run's
        # config.json records the device it trained on)
        "device": snakemake.config["device"],
        "code": snakemake.params.code,
        "data": snakemake.input.data,
        "output": snakemake.output[0],
        "log": snakemake.log[0],
    }
)
