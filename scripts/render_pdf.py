"""results/report/report.html -> results/report/report.pdf (WeasyPrint)."""

from hpstudy.report.render import render_pdf
from hpstudy.runtime.jobs import run_job


def main(log):
    pages = render_pdf(snakemake.input.html, snakemake.output[0])
    log(f"rendered {snakemake.output[0]}: {pages} pages")


run_job(main, snakemake.log[0])
