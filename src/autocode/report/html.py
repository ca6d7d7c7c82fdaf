"""One self-contained HTML file: inline CSS, charts as inline SVG, no script, no network.

Readable in print and in greyscale: bars carry patterns (solid, hatched, dotted) and value
labels, never colour alone; tables use rules, not shading, and avoid page breaks inside.
"""

from __future__ import annotations

from html import escape
from typing import Any

from .build import Chart, Report, Table
from .quotes import Quote

CSS = """
@page { size: A4; margin: 18mm 16mm; }
:root { color-scheme: light; }
body { font-family: Georgia, "Times New Roman", Times, serif; color: #111; background: #fff;
  max-width: 980px; margin: 2em auto; padding: 0 1.2em; line-height: 1.4; font-size: 15px; }
h1 { font-size: 1.7em; margin: 0 0 .2em; }
h2 { font-size: 1.3em; margin: 1.8em 0 .5em; border-bottom: 1px solid #111; padding-bottom: .15em; }
.meta { color: #333; font-size: .9em; margin: 0 0 1.2em; padding: 0; list-style: none; }
table { border-collapse: collapse; margin: .6em 0 .3em; width: 100%; font-size: .92em;
  page-break-inside: auto; }
caption { caption-side: top; text-align: left; font-weight: bold; padding-bottom: .35em; }
thead th { border-top: 2px solid #111; border-bottom: 1px solid #111; text-align: left;
  padding: .3em .5em; vertical-align: bottom; }
tbody td { padding: .25em .5em; vertical-align: top; border-bottom: 1px solid #ddd; }
tbody tr:last-child td { border-bottom: 2px solid #111; }
tr { page-break-inside: avoid; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.theme td { font-weight: bold; border-top: 1px solid #777; }
table.prevalence tr.code td:first-child { padding-left: 1.6em; }
table.quotes td:first-child { font-weight: bold; }
th.num { text-align: right; }
p.note { font-size: .85em; color: #222; margin: .2em 0 1.4em; }
p.q { margin: 0 0 .45em; }
span.who { white-space: nowrap; color: #333; font-style: italic; }
figure { margin: 1em 0 1.6em; page-break-inside: avoid; }
figcaption { font-weight: bold; margin-bottom: .3em; }
figure p.note { font-weight: normal; }
svg text { font-family: Georgia, "Times New Roman", Times, serif; fill: #111; }
@media print { body { margin: 0; max-width: none; font-size: 10.5pt; }
  h2 { page-break-after: avoid; } }
"""

# (fill, pattern svg) per series; black outlines so a white/hatched bar still shows.
_PATTERNS = [
    ("solid", None),
    ("hatch", '<path d="M0,6 L6,0 M-1,1 L1,-1 M5,7 L7,5" stroke="#111" stroke-width="1.3"/>'),
    ("dots", '<circle cx="3" cy="3" r="1.3" fill="#111"/>'),
    ("cross", '<path d="M0,0 L6,6 M6,0 L0,6" stroke="#111" stroke-width="0.9"/>'),
]


def render_html(report: Report) -> str:
    """The report as one HTML document (a str)."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{escape(report.title)}</h1>",
        '<ul class="meta">' + "".join(f"<li>{escape(m)}</li>" for m in report.meta) + "</ul>",
    ]
    fig = tab = 0
    for section in report.sections:
        out.append(f"<h2>{escape(section.title)}</h2>")
        for block in section.blocks:
            if isinstance(block, Table):
                tab += 1
                out.append(_table(block, tab))
            elif isinstance(block, Chart):
                fig += 1
                out.append(_figure(block, fig))
            else:
                out.append(f"<p>{escape(str(block))}</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _is_num(v: Any) -> bool:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return True
    return (
        isinstance(v, str)
        and bool(v)
        and (v[0].isdigit() and v.rstrip("%)").replace(" (", "").replace(".", "").isdigit())
    )


def _cell(v: Any, show_question: bool) -> str:
    if isinstance(v, list) and (not v or isinstance(v[0], Quote)):
        if not v:
            return "<td><em>No quotable answers.</em></td>"
        parts = []
        for q in v:
            who = q.label + (f", {q.question}" if show_question else "")
            parts.append(
                f'<p class="q">\u201c{escape(q.text)}\u201d '
                f'<span class="who">[{escape(who)}]</span></p>'
            )
        return "<td>" + "".join(parts) + "</td>"
    if v is None:
        return "<td></td>"
    cls = ' class="num"' if _is_num(v) else ""
    return f"<td{cls}>{escape(str(v))}</td>"


def _table(t: Table, number: int) -> str:
    show_q = t.show_question
    cls = "quotes" if t.key == "quotes" else t.key.split("_")[0]
    numeric = [
        bool(t.rows)
        and all(_is_num(r[i]) or r[i] in ("", None) for r in t.rows)
        and any(_is_num(r[i]) for r in t.rows)
        for i in range(len(t.columns))
    ]
    num_cls = ' class="num"'
    head = "".join(
        f"<th{num_cls if numeric[i] else ''}>{escape(c)}</th>" for i, c in enumerate(t.columns)
    )
    body = []
    for i, row in enumerate(t.rows):
        kind = t.kinds[i] if i < len(t.kinds) else ""
        body.append(f'<tr class="{kind}">' + "".join(_cell(v, show_q) for v in row) + "</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(t.columns)}"><em>Nothing to show.</em></td></tr>')
    note = f'<p class="note">{escape(t.note)}</p>' if t.note else ""
    return (
        f'<table class="{cls}" id="{escape(t.key)}">'
        f"<caption>Table {number}. {escape(t.title)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}"
    )


def _nice_max(v: float) -> float:
    for step in (10, 20, 30, 40, 50, 60, 80, 100):
        if v <= step:
            return float(step)
    return 100.0


def svg_bar_chart(chart: Chart, width: int = 900) -> str:
    """Horizontal grouped bar chart as an SVG string (patterns + value labels)."""
    label_w, right_pad, top = 330, 95, 34
    ns = len(chart.series)
    bar_h = 11 if ns > 1 else 14
    group_h = ns * bar_h + 9
    height = top + group_h * len(chart.categories) + 34
    plot_w = width - label_w - right_pad
    vmax = _nice_max(max([max(s[2] or [0]) for s in chart.series] + [1]))
    tick = 5 if vmax <= 20 else 10 if vmax <= 60 else 20
    pid = chart.key
    defs = []
    for name, shape in _PATTERNS:
        if shape:
            defs.append(
                f'<pattern id="{pid}-{name}" width="6" height="6" patternUnits="userSpaceOnUse">'
                f'<rect width="6" height="6" fill="#fff"/>{shape}</pattern>'
            )

    def fill(i: int) -> str:
        name, shape = _PATTERNS[i % len(_PATTERNS)]
        return "#3a3a3a" if shape is None else f"url(#{pid}-{name})"

    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
            f'role="img" aria-label="{escape(chart.title)}" style="max-width:{width}px">'
        ),
        f"<title>{escape(chart.title)}</title><defs>{''.join(defs)}</defs>",
    ]
    # legend
    x = label_w
    for i, (label, _, _) in enumerate(chart.series):
        parts.append(
            f'<rect x="{x}" y="8" width="16" height="11" fill="{fill(i)}" '
            'stroke="#111" stroke-width="0.8"/>'
        )
        parts.append(f'<text x="{x + 21}" y="17.5" font-size="12">{escape(label)}</text>')
        x += 30 + 7 * len(label)
    # grid + axis
    y0, y1 = top - 4, top + group_h * len(chart.categories)
    v = 0.0
    while v <= vmax + 1e-9:
        gx = label_w + plot_w * v / vmax
        parts.append(
            f'<line x1="{gx:.1f}" y1="{y0}" x2="{gx:.1f}" y2="{y1}" '
            'stroke="#bbb" stroke-width="0.6"/>'
        )
        parts.append(
            f'<text x="{gx:.1f}" y="{y1 + 14}" font-size="11" text-anchor="middle">{v:g}%</text>'
        )
        v += tick
    parts.append(
        f'<text x="{label_w + plot_w / 2:.1f}" y="{y1 + 29}" font-size="11.5" '
        'text-anchor="middle">% of answers coded</text>'
    )
    for ci, cat in enumerate(chart.categories):
        gy = top + ci * group_h
        short = cat if len(cat) <= 48 else cat[:46].rstrip() + "\u2026"
        parts.append(
            f'<text x="{label_w - 8}" y="{gy + ns * bar_h / 2 + 4:.1f}" font-size="12" '
            'text-anchor="end">'
            f"<title>{escape(cat)}</title>{escape(short)}</text>"
        )
        for si, (label, ns_, pcts) in enumerate(chart.series):
            by = gy + si * bar_h
            w = plot_w * (pcts[ci] or 0) / vmax
            parts.append(
                f'<rect x="{label_w}" y="{by}" width="{max(w, 0.5):.1f}" height="{bar_h - 1}" '
                f'fill="{fill(si)}" stroke="#111" stroke-width="0.7"><title>{escape(label)}: '
                f"{ns_[ci]} ({pcts[ci]:.1f}%)</title></rect>"
            )
            parts.append(
                f'<text x="{label_w + w + 4:.1f}" y="{by + bar_h - 2.5}" font-size="10">'
                f"{ns_[ci]} ({pcts[ci]:.1f}%)</text>"
            )
    parts.append(
        f'<line x1="{label_w}" y1="{y0}" x2="{label_w}" y2="{y1}" stroke="#111" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _figure(chart: Chart, number: int) -> str:
    note = f'<p class="note">{escape(chart.note)}</p>' if chart.note else ""
    return (
        f'<figure id="{escape(chart.key)}"><figcaption>Figure {number}. {escape(chart.title)}'
        f"</figcaption>{svg_bar_chart(chart)}{note}</figure>"
    )
