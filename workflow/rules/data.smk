# Raw files into resources/ (checksummed), then the splits of the study.


rule fetch_raw_file:
    output:
        raw_file("{filename}"),
    params:
        code=code_fingerprint("fetch_raw_file.py"),
        source=download_params,
    log:
        "logs/fetch_raw_file/{filename}.log",
    localrule: True
    conda:
        "../envs/study.yaml"
    script:
        "../../scripts/fetch_raw_file.py"


# Each problem's raw files (none where its module makes the data) into its splits.
rule prepare_data:
    input:
        unpack(raw_inputs),
    output:
        "results/data/{problem}.npz",
    params:
        settings=prepare_settings,
        module=problem_module,
        code=problem_code("prepare_data.py", without=NOT_TRAINING),
    log:
        "logs/prepare_data/{problem}.log",
    conda:
        "../envs/study.yaml"
    script:
        "../../scripts/prepare_data.py"
