"""results/report/report.html -> results/report/report.pdf (WeasyPrint)."""

from hpstudy.jobs import run_job
from hpstudy.report.render import render_pdf


def main(log):
    pages = render_pdf(snakemake.input.html, snakemake.output[0])
    log(f"rendered {snakemake.output[0]}: {pages} pages")


run_job(main, snakemake.log[0])
