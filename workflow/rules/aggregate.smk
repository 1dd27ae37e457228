# Every run's per-seed metrics into runs.csv, one table per sweep, and the finals.


rule aggregate_metrics:
    input:
        metrics=all_run_files("metrics"),
        configs=all_run_files("config"),
    output:
        runs="results/metrics/runs.csv",
        finals="results/metrics/finals.csv",
        sweeps=all_sweep_tables(),
    params:
        layout=study_layout(),
        code=code_fingerprint("aggregate"),
    log:
        "logs/aggregate_metrics.log",
    localrule: True
    conda:
        "../envs/study.yaml"
    script:
        "../../scripts/aggregate_metrics.py"
