# Figures per sweep, then the report as one self-contained HTML file and a PDF.


rule plot_sweep:
    input:
        table=SWEEP_TABLE,
    output:
        SWEEP_FIGURE,
    params:
        sweep=sweep_params,
        code=code_fingerprint("report"),
    log:
        "logs/plot_sweep/{problem}/{exercise}/{sweep}.log",
    localrule: True
    conda:
        "../envs/study.yaml"
    script:
        "../../scripts/plot_sweep.py"


rule render_html:
    input:
        runs=rules.aggregate_metrics.output.runs,
        finals=rules.aggregate_metrics.output.finals,
        tables=all_sweep_tables(),
        figures=all_sweep_figures(),
        original="report/original_results.csv",
        template="report/templates/report.html.j2",
        style="report/style.css",
    output:
        "results/report/report.html",
    params:
        layout=study_layout(),
        code=code_fingerprint("report"),
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
        "results/report/report.pdf",
    params:
        code=code_fingerprint("report"),
    log:
        "logs/render_pdf.log",
    localrule: True
    conda:
        "../envs/study.yaml"
    script:
        "../../scripts/render_pdf.py"
