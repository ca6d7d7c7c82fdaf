"""The report as Markdown (pipe tables) for a manuscript or a README.

Charts are omitted (Markdown has none); their numbers are in the tables. Every text that
comes from the project (answers, code and theme names, question labels, titles) passes
:func:`_esc`: ``<`` and ``>`` (and ``&`` where it would start an entity) become entities, as
in the HTML report, so ``<script>`` shows as text; the characters Markdown reads as markup
(backslash, backtick, ``* _ | ~``, and a bracket that would open a link) are
backslash-escaped; line breaks become spaces. A hostile answer can neither run, link, format
nor break a table; "[name]" left by ``--redact`` stays readable.
"""

from __future__ import annotations

import re
from typing import Any

from .build import Chart, Report, Table
from .quotes import Quote

# markup characters; "_" only at a word's edge (inside a word it never makes emphasis)
_MARKUP = re.compile(r"([\\`*|~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))")
# brackets make a link only as "[text](url)", "[text][ref]" or a "[ref]: url" line
_LINK = re.compile(r"(?<=\])([(\[])|^(\[)")
_BREAK = re.compile(r"\r\n|[\r\n\u2028\u2029\x85]")
_HTML = re.compile(r"<|>|&(?=#?[0-9A-Za-z]+;)")  # tags, and "&" only where it makes an entity
_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def _esc(s: str) -> str:
    """Project text as inert inline Markdown (see the module docstring)."""
    s = _LINK.sub(r"\\\1\2", _MARKUP.sub(r"\\\1", _BREAK.sub(" ", s)))
    return _HTML.sub(lambda m: _ENTITY[m.group()], s)


def _cell(v: Any, show_question: bool) -> str:
    if isinstance(v, list) and (not v or isinstance(v[0], Quote)):
        if not v:
            return "*No quotable answers.*"
        return "<br>".join(
            f"\u201c{_esc(q.text)}\u201d [{_esc(q.label)}"  # data brackets are escaped, so
            f"{', ' + _esc(q.question) if show_question else ''}]"  # this is never a link
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
    out = [f"# {_esc(report.title)}", ""]
    out += [f"- {_esc(m)}" for m in report.meta]
    tab = 0
    for section in report.sections:
        out += ["", f"## {_esc(section.title)}", ""]
        for block in section.blocks:
            if isinstance(block, Table):
                tab += 1
                out += [_table(block, tab), ""]
            elif isinstance(block, Chart):
                continue
            else:
                out += [_esc(str(block)), ""]
    return "\n".join(out).rstrip() + "\n"
