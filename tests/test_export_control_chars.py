"""Control characters (``\\x01``, a vertical tab) that XML 1.0 cannot hold: codebook files
with them are refused on the way in (one line naming the code point), and a project that
already stores them — in code names, answers, attribute values — still exports: every XML
writer (`.qdpx`, XLSX) writes such a character as a space instead of crashing (issue 11,
section 4)."""

from __future__ import annotations

import json
import sqlite3
import zipfile

import pytest
from _report_project import build_example
from lxml import etree
from openpyxl import load_workbook

from autocode.cli import main

BAD_CODE = "Ad\x01mission\x0bnotes"
SHOWN_CODE = "Ad mission notes"
BAD_TEXT = "Kind\x0bstaff\x01 and \x1fgood food"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    p = build_example(tmp_path_factory.mktemp("ctl") / "p.db", second_human=True, machine=True)
    con = sqlite3.connect(p)
    con.execute("UPDATE codings SET code = ? WHERE code = 'Admission'", (BAD_CODE,))
    (content,) = con.execute("SELECT content FROM codebook_versions").fetchone()
    doc = json.loads(content)
    for c in doc["codes"] + [c for t in doc["themes"] for c in t["codes"]]:
        if c["name"] == "Admission":  # a code without a theme in the example
            c["name"] = BAD_CODE
            c["definition"] = "Def\x02inition"
    con.execute("UPDATE codebook_versions SET content = ?", (json.dumps(doc),))
    rid = con.execute("SELECT response_id FROM codings WHERE code = ? LIMIT 1", (BAD_CODE,))
    rid = rid.fetchone()[0]
    con.execute("UPDATE responses SET text = ? WHERE id = ?", (BAD_TEXT, rid))
    con.execute("UPDATE respondent_attributes SET value = 'Ward\x0b7' WHERE name = 'service'")
    con.commit()
    con.close()
    return p


def run(capsys, *args) -> tuple[int, str]:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    return rc, capsys.readouterr().err


def test_export_qdpx(project, tmp_path, capsys):
    out = tmp_path / "p.qdpx"
    rc, err = run(capsys, "export", "qdpx", "-p", project, "-o", out)
    assert rc == 0, err
    with zipfile.ZipFile(out) as z:
        root = etree.fromstring(z.read("project.qde"))  # well-formed XML
        texts = [z.read(n).decode() for n in z.namelist() if n.startswith("sources/")]
    names = {e.get("name") for e in root.iter("{urn:QDA-XML:project:1.0}Code")}
    assert SHOWN_CODE in names
    assert "Kind staff  and  good food" in texts
    values = [e.text for e in root.iter("{urn:QDA-XML:project:1.0}TextValue")]
    assert "Ward 7" in values


def test_report_xlsx(project, tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    rc, err = run(capsys, "report", "-p", project, "-o", out, "--by", "service")
    assert rc == 0, err
    wb = load_workbook(out)
    values = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    assert SHOWN_CODE in values


def test_next_and_codings_xlsx(project, tmp_path, capsys):
    sheet = tmp_path / "sheet.xlsx"
    rc, err = run(capsys, "next", "-p", project, "--model", "hash", "--n", 5, "--out", sheet)
    assert rc == 0, err
    header = [c.value for c in load_workbook(sheet).active[1]]
    assert SHOWN_CODE in header
    codings = tmp_path / "c.xlsx"
    rc, err = run(capsys, "export", "codings", "-p", project, "-o", codings)
    assert rc == 0, err
    assert SHOWN_CODE in {c.value for row in load_workbook(codings).active.iter_rows() for c in row}


def test_html_and_markdown_reports(project, tmp_path, capsys):
    for ext in ("html", "md"):
        rc, err = run(capsys, "report", "-p", project, "-o", tmp_path / f"r.{ext}")
        assert rc == 0, err


def test_codebook_qdc_export_is_a_clear_error(project, tmp_path, capsys):
    rc, err = run(capsys, "codebook", "export", "-p", project, "-o", tmp_path / "cb.qdc")
    assert rc == 2
    assert "U+0001" in err
    assert "\n" not in err.strip()
    assert not (tmp_path / "cb.qdc").exists()


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("cb.yaml", 'themes:\n  - name: T\n    codes:\n      - name: "Bad\\x01name"\n'),
        ("cb.yaml", 'codes:\n  - name: Fine\n    definition: "tab\\vbad"\n'),
        ("cb.csv", "name,description,parent\nBad\x0bname,d,T\n"),
    ],
)
def test_codebook_files_with_control_characters_are_refused(name, text, tmp_path, capsys):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    p = tmp_path / "p.db"
    rc, err = run(capsys, "codebook", "import", f, "-p", p, "--yes")
    assert rc == 2, err
    err = err.strip()
    assert err.startswith("error: ")
    assert "\n" not in err
    assert "control character U+00" in err
    assert "remove it" in err
