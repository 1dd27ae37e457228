# Every run's per-seed metrics into runs.csv, one table per sweep, and the finals.


rule aggregate_metrics:
    input:
        metrics=all_run_files("metrics"),
        configs=all_run_files("config"),
        timings=all_timings(),
    output:
        runs=report(
            "results/metrics/runs.csv",
            caption="../../report/captions/runs.rst",
            category="Verdicts and tables",
            labels={"table": "every run and seed"},
        ),
        finals=report(
            "results/metrics/finals.csv",
            caption="../../report/captions/finals.rst",
            category="Verdicts and tables",
            labels={"table": "final models"},
        ),
        sweeps=all_sweep_tables(),
    params:
        layout=aggregation_layout(),
        seeds=seeds_param(),
        code=code_fingerprint("aggregate_metrics.py"),
    log:
        "logs/aggregate_metrics.log",
    localrule: True
    conda:
        "../envs/study.yaml"
    script:
        "../../scripts/aggregate_metrics.py"
