# Figures, verdicts on the original's conclusions, provenance, then the report as
# one self-contained HTML file and a PDF. Every output marked report() also goes
# into Snakemake's own report (`snakemake --report results/report.zip`).


# All sweeps' figures in one job: a figure takes a fraction of a second to draw,
# and a job of its own spent more than that importing matplotlib and pandas. It is
# the longest job between aggregation and the report, so it starts first.
rule plot_sweeps:
    input:
        tables=all_sweep_tables(),
    output:
        *sweep_figures(),
    params:
        sweeps=sweep_layouts(),
        code=code_fingerprint("plot_sweeps.py"),
    log:
        "logs/plot_sweeps.log",
    priority: 1
    localrule: True
    conda:
        "../envs/study.yaml"
    script:
        "../../scripts/plot_sweeps.py"


rule plot_dataset:
    input:
        data=prepared_data,
    output:
        report(
            problem_figure("data"),
            caption="../../report/captions/data.rst",
            category=problem_title,
            subcategory="Data and models",
            labels={"figure": "data"},
        ),
    params:
        module=problem_module,
        code=problem_code("plot_dataset.py"),
    log:
        "logs/plot_dataset/{problem}.log",
    priority: AS_SOON_AS_READY
    localrule: True
    conda:
        "../envs/study.yaml"
    script:
        "../../scripts/plot_dataset.py"


rule plot_learning_curves:
    input:
        unpack(baseline_histories),
    output:
        report(
            problem_figure("learning_curves"),
            caption="../../report/captions/learning_curves.rst",
            category=problem_title,
            subcategory="Data and models",
            labels={"figure": "learning curves"},
        ),
    params:
        seeds=seeds_param(),
        unit=problem_unit,
        code=code_fingerprint("plot_learning_curves.py"),
    log:
        "logs/plot_learning_curves/{problem}.log",
    priority: AS_SOON_AS_READY
    localrule: True
    conda:
        "../envs/study.yaml"
    script:
        "../../scripts/plot_learning_curves.py"


rule plot_final_models:
    input:
        finals=rules.aggregate_metrics.output.finals,
        predictions=problem_predictions,
    output:
        report(
            problem_figure("final_models"),
            caption="../../report/captions/final_models.rst",
            category=problem_title,
            subcategory="Data and models",
            labels={"figure": "final models"},
        ),
    params:
        seeds=seeds_param(),
        module=problem_module,
        code=problem_code("plot_final_models.py"),
    log:
        "logs/plot_final_models/{problem}.log",
    localrule: True
    conda:
        "../envs/study.yaml"
    script:
        "../../scripts/plot_final_models.py"


rule evaluate_claims:
    input:
        tables=all_sweep_tables(),
        runs=rules.aggregate_metrics.output.runs,
        timings=all_timings(),
        claims=workflow_file("report/claims.yaml"),
        original=workflow_file("report/original_results.csv"),
    output:
        report(
            "results/metrics/verdicts.csv",
            caption="../../report/captions/verdicts.rst",
            category="Verdicts and tables",
            labels={"table": "verdicts on the original's conclusions"},
        ),
    params:
        code=code_fingerprint("evaluate_claims.py"),
    log:
        "logs/evaluate_claims.log",
    localrule: True
    conda:
        "../envs/study.yaml"
    script:
        "../../scripts/evaluate_claims.py"


rule collect_provenance:
    input:
        runs=rules.aggregate_metrics.output.runs,
        run_configs=all_run_files("config"),
        raw=raw_data_files(),
    output:
        "results/report/provenance.json",
    params:
        config=resolved_config(),
        code=code_fingerprint("collect_provenance.py"),
    log:
        "logs/collect_provenance.log",
    localrule: True
    conda:
        "../envs/study.yaml"
    script:
        "../../scripts/collect_provenance.py"


rule render_html:
    input:
        runs=rules.aggregate_metrics.output.runs,
        finals=rules.aggregate_metrics.output.finals,
        tables=all_sweep_tables(),
        figures=all_sweep_figures(),
        problem_figures=all_problem_figures(),
        verdicts=rules.evaluate_claims.output[0],
        provenance=rules.collect_provenance.output[0],
        original=workflow_file("report/original_results.csv"),
        template=workflow_file("report/templates/report.html.j2"),
        style=workflow_file("report/style.css"),
    output:
        report(
            "results/report/report.html",
            caption="../../report/captions/report_html.rst",
            category="Report",
            labels={"format": "HTML"},
        ),
    params:
        layout=study_layout(),
        code=code_fingerprint("render_html.py"),
    log:
        "logs/render_html.log",
    localrule: True
    conda:
        "../envs/study.yaml"
    script:
        "../../scripts/render_html.py"


rule render_pdf:
    input:
        html=rules.render_html.output[0],
    output:
        report(
            "results/report/report.pdf",
            caption="../../report/captions/report_pdf.rst",
            category="Report",
            labels={"format": "PDF"},
        ),
    params:
        code=code_fingerprint("render_pdf.py"),
    log:
        "logs/render_pdf.log",
    localrule: True
    conda:
        "../envs/study.yaml"
    script:
        "../../scripts/render_pdf.py"
