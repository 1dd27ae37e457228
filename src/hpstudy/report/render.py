"""Render the report: jinja2 template -> one self-contained HTML file -> PDF."""

from __future__ import annotations

from pathlib import Path

import jinja2

from hpstudy.report.metrics import fmt_metric
from hpstudy.runtime.atomic import atomic_path, write_text


def render_html(template: str | Path, style: str | Path, context: dict, output: str | Path) -> None:
    template = Path(template)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template.parent),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["metric"] = lambda value, metric: fmt_metric(metric, value)
    html = env.get_template(template.name).render(**context, style=Path(style).read_text(encoding="utf-8"))
    write_text(output, html)


def render_pdf(html: str | Path, output: str | Path) -> int:
    """Lay out the HTML for paper with WeasyPrint; return the page count."""
    import weasyprint

    document = weasyprint.HTML(filename=str(html)).render()
    with atomic_path(output) as tmp:
        document.write_pdf(tmp)
    return len(document.pages)
