"""Words of a PDF that leave the page's text area, read with `pdftotext -bbox` (poppler-utils)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

MM = 72 / 25.4  # PDF points per millimetre
SIDE_MARGIN = 16 * MM  # report/style.css: @page { margin: 20mm 16mm 18mm }
TOLERANCE = 1.0  # points: glyph boxes may touch the margin


def words_outside_margins(pdf: Path) -> list[str]:
    """'page N: "word" at x=...' for every word whose box crosses the left or right margin or leaves the page."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    problems = []
    for number, page in enumerate(re.findall(r"<page (.*?)</page>", html, re.DOTALL), start=1):
        width, height = (float(v) for v in re.search(r'width="([\d.]+)" height="([\d.]+)"', page).groups())
        for x_min, y_min, x_max, y_max, word in re.findall(
            r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>', page
        ):
            x_min, y_min, x_max, y_max = map(float, (x_min, y_min, x_max, y_max))
            inside = (
                x_min >= SIDE_MARGIN - TOLERANCE
                and x_max <= width - SIDE_MARGIN + TOLERANCE
                and y_min >= 0
                and y_max <= height
            )
            if not inside:
                problems.append(f'page {number}: "{word}" at x={x_min:.0f}-{x_max:.0f} of {width:.0f}')
    return problems
