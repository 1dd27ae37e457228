"""Time every run of one problem alone (see hpstudy.timing), in the workflow's warm
trainer when it started one (see hpstudy.warm), else in this process."""

import json

from hpstudy import warm

warm.train(
    {
        "job": "time",
        "problem": snakemake.wildcards.problem,
        "runs": json.loads(snakemake.params.runs),
        "device": snakemake.params.device,
        "code": snakemake.params.code,
        "data": snakemake.input.data,
        "output": snakemake.output[0],
        "log": snakemake.log[0],
    }
)
