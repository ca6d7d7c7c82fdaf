"""`autocode report --format md` writes hostile answers and code names as text: no raw HTML
(``<script>``, ``<img onerror>``), no links or emphasis made by respondents, and no table
broken by a ``|`` or a line break (issue 11, section 3)."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from _report_project import build_example
from markdown_it import MarkdownIt

from autocode.cli import main

SCRIPT = "<script>alert('x')</script> fine"
IMG = 'Great <img src=x onerror="alert(1)"> staff'
LINK = "see [our site](http://evil.example) *now*"
BREAK = "line one | not a column\nline two"
CODE = '<b onmouseover="alert(2)">Bold</b> | code'  # a code name
THEME = "<i>Theme</i>"


@pytest.fixture(scope="module")
def markdown(tmp_path_factory) -> str:
    d = tmp_path_factory.mktemp("md")
    p = build_example(d / "p.db")
    con = sqlite3.connect(p)
    ids = [
        r[0]
        for r in con.execute(
            "SELECT response_id FROM codings WHERE code = 'Staff manner & personal attributes' "
            "ORDER BY response_id"
        )
    ]
    for i, rid in enumerate(ids):  # every quote of this code is hostile
        text = [SCRIPT, IMG, LINK, BREAK][i % 4]
        con.execute("UPDATE responses SET text = ? WHERE id = ?", (text, rid))
    con.execute(
        "UPDATE codings SET code = ? WHERE code = 'Staff manner & personal attributes'", (CODE,)
    )
    (content,) = con.execute("SELECT content FROM codebook_versions").fetchone()
    doc = json.loads(content)
    for t in doc.get("themes", []):
        for c in t.get("codes", []):
            if c["name"] == "Staff manner & personal attributes":
                c["name"] = CODE
                t["name"] = THEME
    con.execute("UPDATE codebook_versions SET content = ?", (json.dumps(doc),))
    con.commit()
    con.close()
    out = d / "r.md"
    assert main(["report", "-p", str(p), "-o", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def rendered(md: str) -> str:
    """HTML as a Markdown renderer that lets raw HTML through would show it."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(md)


def test_no_raw_html_reaches_the_reader(markdown):
    html = rendered(markdown)
    for tag in ("<script", "<img", "<b ", "<i>"):
        assert tag not in html, tag
    assert "&lt;script&gt;alert" in markdown
    # the reader still sees the words as written
    assert "&lt;script&gt;alert('x')&lt;/script&gt; fine" in html
    assert "Great &lt;img src=x onerror=&quot;alert(1)&quot;&gt; staff" in html


def test_respondents_cannot_make_links_or_emphasis(markdown):
    html = rendered(markdown)
    assert "<a " not in html
    assert 'evil.example"' not in html
    assert "[our site](http://evil.example) *now*" in html  # shown literally
    assert "<em>now</em>" not in html


def test_tables_keep_their_columns(markdown):
    html = rendered(markdown)
    assert "line one | not a column line two" in html  # one cell, line break folded
    tables: list[list[str]] = []
    previous = ""
    for ln in markdown.splitlines():
        if ln.startswith("|"):
            if previous.startswith("|"):
                tables[-1].append(ln)
            else:
                tables.append([ln])
        previous = ln
    assert len(tables) >= 4
    for rows in tables:
        widths = {len(re.split(r"(?<!\\)\|", r)) for r in rows}
        assert len(widths) == 1, rows[:3]  # every row has the header's number of cells


def test_code_and_theme_names_escaped(markdown):
    assert CODE not in markdown
    assert THEME not in markdown
    html = rendered(markdown)
    assert "&lt;b onmouseover=&quot;alert(2)&quot;&gt;Bold&lt;/b&gt; | code" in html
    assert "&lt;i&gt;Theme&lt;/i&gt;" in html
