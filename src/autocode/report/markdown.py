"""The report as Markdown (pipe tables) for a manuscript or a README.

Charts are omitted (Markdown has none); their numbers are in the tables.
"""

from __future__ import annotations

from typing import Any

from .build import Chart, Report, Table
from .quotes import Quote


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _cell(v: Any, show_question: bool) -> str:
    if isinstance(v, list) and (not v or isinstance(v[0], Quote)):
        if not v:
            return "*No quotable answers.*"
        return "<br>".join(
            f"\u201c{_esc(q.text)}\u201d [{q.label}{', ' + _esc(q.question) if show_question else ''}]"
            for q in v
        )
    if v is None:
        return ""
    return _esc(str(v))


def _table(t: Table, number: int) -> str:
    lines = [f"**Table {number}. {_esc(t.title)}**", ""]
    lines.append("| " + " | ".join(_esc(c) for c in t.columns) + " |")
    lines.append(
        "|"
        + "|".join("---" if i == 0 or t.key == "quotes" else "--:" for i, _ in enumerate(t.columns))
        + "|"
    )
    for i, row in enumerate(t.rows):
        kind = t.kinds[i] if i < len(t.kinds) else ""
        cells = [_cell(v, t.show_question) for v in row]
        if kind == "theme":
            cells = [f"**{c}**" if c else c for c in cells]
        elif kind == "code" and t.key.startswith("prevalence"):
            cells[0] = "\u2003" + cells[0]
        lines.append("| " + " | ".join(cells) + " |")
    if t.note:
        lines += ["", f"*Note.* {_esc(t.note)}"]
    return "\n".join(lines)


def render_markdown(report: Report) -> str:
    out = [f"# {report.title}", ""]
    out += [f"- {m}" for m in report.meta]
    tab = 0
    for section in report.sections:
        out += ["", f"## {section.title}", ""]
        for block in section.blocks:
            if isinstance(block, Table):
                tab += 1
                out += [_table(block, tab), ""]
            elif isinstance(block, Chart):
                continue
            else:
                out += [str(block), ""]
    return "\n".join(out).rstrip() + "\n"
