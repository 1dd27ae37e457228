# One job per unique run: all seeds of the run are trained inside it.


rule train_run:
    input:
        data=prepared_data,
    output:
        config=run_file("config"),
        metrics=run_file("metrics"),
        history=run_file("history"),
        predictions=run_file("predictions"),
    params:
        run=run_params,
        seeds=seeds_param(),
        code=problem_code("train_run.py", "hpstudy.runtime.train_job", without=NOT_TRAINING),
    log:
        "results/runs/{problem}/{run_id}/train.log",
    benchmark:
        "results/benchmarks/train_run/{problem}/{run_id}.tsv"
    threads: 1
    priority: train_run_priority
    resources:
        mem_mb=1000,
        runtime=30,
        gpu=1 if config["device"] == "cuda" else 0,  # a cluster job asks for a GPU (see profiles/slurm)
    conda:
        "../envs/study.yaml"
    script:
        "../../scripts/train_run.py"


# Every run of a problem timed alone (see hpstudy.engine.timing): one thread, but the job
# holds every core it was given, so nothing else runs while it times.
rule time_runs:
    input:
        data=prepared_data,
    output:
        "results/timing/{problem}.csv",
    params:
        runs=timing_runs,
        module=problem_module,
        code=problem_code("time_runs.py", "hpstudy.engine.timing", without=NOT_TRAINING),
    log:
        "logs/time_runs/{problem}.log",
    benchmark:
        "results/benchmarks/time_runs/{problem}.tsv"
    threads: workflow.cores
    resources:
        mem_mb=2000,
        runtime=30,
        gpu=1 if config["device"] == "cuda" else 0,
    conda:
        "../envs/study.yaml"
    script:
        "../../scripts/time_runs.py"
