"""Write-up: counts, representative quotes, agreement and joint displays, as HTML,
Markdown or XLSX (``autocode report``).

    from autocode.report import build_report, write_report
    report = build_report(store, question=None, by="role", redact=True)
    write_report(report, "report.html")          # format from the suffix, or fmt="md"|"xlsx"
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .build import Chart, Report, Section, Table, build_report

FORMATS = ("html", "md", "xlsx")

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


def guess_format(path: str | Path, fmt: str | None = None) -> str:
    """The output format: ``fmt`` if given, else from the file suffix (default html)."""
    if fmt:
        f = fmt.lower().lstrip(".")
        f = {"markdown": "md", "htm": "html"}.get(f, f)
        if f not in FORMATS:
            raise InputError(f"unknown report format {fmt!r}", "use --format html, md or xlsx")
        return f
    suffix = Path(path).suffix.lower().lstrip(".")
    return {"md": "md", "markdown": "md", "xlsx": "xlsx"}.get(suffix, "html")


def write_report(report: Report, path: str | Path, fmt: str | None = None) -> str:
    """Write the report; returns the format used. Writes to a temp file, then renames."""
    from ..files import atomic_write

    f = guess_format(path, fmt)
    p = Path(path)
    if not p.parent.exists():
        raise InputError(f"folder {p.parent} does not exist", "create it or choose another --out")

    def write(tmp: str) -> None:
        if f == "html":
            from .html import render_html

            Path(tmp).write_text(render_html(report), encoding="utf-8")
        elif f == "md":
            from .markdown import render_markdown

            Path(tmp).write_text(render_markdown(report), encoding="utf-8")
        else:
            from .xlsx import write_xlsx

            write_xlsx(report, tmp)

    atomic_write(p, write)
    return f
