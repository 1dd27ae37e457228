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


rule prepare_usps:
    input:
        unpack(usps_raw_inputs),
    output:
        "results/data/usps.npz",
    params:
        settings=usps_settings(),
        code=code_fingerprint("prepare_usps.py"),
    log:
        "logs/prepare_usps.log",
    conda:
        "../envs/study.yaml"
    script:
        "../../scripts/prepare_usps.py"


rule prepare_house:
    input:
        csv=house_raw_input,
    output:
        "results/data/house.npz",
    params:
        settings=house_settings(),
        code=code_fingerprint("prepare_house.py"),
    log:
        "logs/prepare_house.log",
    conda:
        "../envs/study.yaml"
    script:
        "../../scripts/prepare_house.py"
