"""The report as an XLSX workbook: one sheet per table (openpyxl), numbers as numbers.

Counts and percentages get separate numeric columns here (``n`` and ``%``), so the
spreadsheet can be sorted and charted; quotes are one row per quote. Every cell goes through
:func:`autocode.tabular.append_row`: text (quotes, code names) is a string cell, never a
formula, and characters XML cannot hold become spaces.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..tabular import append_row, sheet_title
from .build import Report, Table
from .quotes import Quote

_N_PCT = re.compile(r"^(\d+) \((\d+(?:\.\d+)?)%\)$")


def _split(v: Any) -> list[Any]:
    if isinstance(v, str):
        m = _N_PCT.match(v)
        if m:
            return [int(m.group(1)), float(m.group(2))]
    return [v, None]


def _sheet_rows(t: Table) -> tuple[list[str], list[list[Any]]]:
    if t.key == "quotes":
        header = ["Theme", "Code", "n", "%", "Quote", "Respondent", "Question"]
        rows: list[list[Any]] = []
        theme = ""
        for row in t.rows:
            theme = row[0] or theme
            n, pct = _split(row[2])
            quotes: list[Quote | None] = row[3] or [None]
            for q in quotes:
                rows.append(
                    [
                        theme,
                        row[1],
                        n,
                        pct,
                        q.text if q else "",
                        q.label if q else "",
                        q.question if q else "",
                    ]
                )
        return header, rows
    split_cols = [
        i
        for i, _ in enumerate(t.columns)
        if t.rows
        and all(
            r[i] in ("", None) or (isinstance(r[i], str) and _N_PCT.match(r[i])) for r in t.rows
        )
        and any(isinstance(r[i], str) and _N_PCT.match(r[i]) for r in t.rows)
    ]
    header = []
    for i, c in enumerate(t.columns):
        if i in split_cols:
            base = c.replace(" n (%)", "")
            header += [f"{base} n", f"{base} %"]
        else:
            header.append(c)
    levelled = bool(t.kinds) and any(k == "theme" for k in t.kinds)
    if levelled:
        header = ["Level", "Theme", *header]
    rows = []
    for ri, r in enumerate(t.rows):
        out: list[Any] = []
        for i, v in enumerate(r):
            out += _split(v) if i in split_cols else [v]
        if levelled:
            out = [t.kinds[ri], t.groups[ri] if ri < len(t.groups) else "", *out]
        rows.append(out)
    return header, rows


def write_xlsx(report: Report, path: str | Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.worksheets[0]  # the sheet a new workbook has (its active one)
    ws.title = "About"
    append_row(ws, [report.title])
    ws["A1"].font = Font(bold=True, size=14)
    for m in report.meta:
        append_row(ws, [m])
    ws.append([])
    for s in report.sections:
        for b in s.blocks:
            if isinstance(b, str):
                append_row(ws, [b])
    ws.column_dimensions["A"].width = 120
    used: set[str] = {"About"}
    for t in report.tables():
        name = _sheet_name(t, used)
        sh = wb.create_sheet(name)
        header, rows = _sheet_rows(t)
        append_row(sh, [t.title])
        sh["A1"].font = Font(bold=True)
        append_row(sh, header)
        for c in sh[2]:
            c.font = Font(bold=True)
        for r in rows:
            append_row(sh, r)
        if t.note:
            sh.append([])
            append_row(sh, [f"Note. {t.note}"])
        for i, _ in enumerate(header, start=1):
            letter = sh.cell(row=2, column=i).column_letter
            width = max(
                [len(str(header[i - 1]))]
                + [len(str(r[i - 1])) for r in rows if i - 1 < len(r)]
                + [8]
            )
            sh.column_dimensions[letter].width = min(width + 2, 80)
            if width > 80:
                for row in sh.iter_rows(min_row=3, min_col=i, max_col=i):
                    for c in row:
                        c.alignment = Alignment(wrap_text=True, vertical="top")
        sh.freeze_panes = "A3"
    wb.save(str(path))


def _sheet_name(t: Table, used: set[str]) -> str:
    base = {
        "responses": "Responses",
        "quotes": "Quotes",
        "joint": "Joint display",
        "agreement": "Agreement",
    }.get(t.key)
    if base is None:
        base = sheet_title(t.title.replace("Code prevalence — ", "Prevalence "))
        if t.key.startswith("agreement_"):
            base = "Agreement " + t.key.split("_")[1]
    name = base[:31]
    i = 2
    while name in used:
        name = f"{base[:27]} ({i})"
        i += 1
    used.add(name)
    return name
