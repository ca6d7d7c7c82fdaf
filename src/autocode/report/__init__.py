"""Write-up: counts, representative quotes, agreement and joint displays, as HTML,
Markdown or XLSX (``autocode report``).

    from autocode.report import build_report, write_report
    report = build_report(store, question=None, by="role", redact=True)
    write_report(report, "report.html")   # format from the suffix, or fmt="md"|"xlsx"|"json"

``json`` writes ``report.counts``: the numbers the report shows (``counts`` and ``themes``
entries ``{question, code|theme, coder, n, pct, denominator}``, ``responses``,
``paper_table``, ``agreement``, ``codebook``, ``methods``; see docs/report.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .build import Chart, Report, Section, Table, build_report

FORMATS = ("html", "md", "xlsx", "json")

__all__ = [
    "FORMATS",
    "Chart",
    "Report",
    "Section",
    "Table",
    "build_report",
    "guess_format",
    "write_report",
]


#: report formats and the extensions that name them
EXTENSIONS = {
    "html": (".html", ".htm"),
    "md": (".md", ".markdown"),
    "xlsx": (".xlsx",),
    "json": (".json",),
}


def guess_format(path: str | Path | None, fmt: str | None = None) -> str:
    """The output format: the extension's (``.html``/``.htm``, ``.md``/``.markdown``,
    ``.xlsx``); ``fmt`` (``--format``) must agree with it; no extension: ``fmt``, else html.
    Another extension (``report.pdf``) is refused."""
    from ..files import output_format

    return output_format(path, fmt, EXTENSIONS, "html", kind="report")


def report_json(report: Report) -> str:
    """The report's numbers as a JSON document (numpy scalars as numbers, NaN as null)."""
    import json
    import math

    def clean(v: Any) -> Any:
        if isinstance(v, dict):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple, set)):
            return [clean(x) for x in v]
        if hasattr(v, "item") and not isinstance(v, (str, bytes)):
            v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return v

    return json.dumps(clean(report.counts), ensure_ascii=False, indent=2) + "\n"


def write_report(report: Report, path: str | Path, fmt: str | None = None) -> str:
    """Write the report; returns the format used. Writes to a temp file, then renames."""
    from ..files import atomic_write, check_output

    f = guess_format(path, fmt)
    p = check_output(path)

    def write(tmp: str) -> None:
        if f == "html":
            from .html import render_html

            Path(tmp).write_text(render_html(report), encoding="utf-8")
        elif f == "json":
            Path(tmp).write_text(report_json(report), encoding="utf-8")
        elif f == "md":
            from .markdown import render_markdown

            Path(tmp).write_text(render_markdown(report), encoding="utf-8")
        else:
            from .xlsx import write_xlsx

            write_xlsx(report, tmp)

    atomic_write(p, write)
    return f
