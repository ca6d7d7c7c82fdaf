"""Draft definitions and ``autocode define``: the draft flag through accept, YAML/CSV/.qdc
and imports; ``define`` through the console script (success, unknown code, undo, hostile
text staying text in every export)."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from _review_project import make_project

from autocode.codebook import csv_io, dumps, qdc, yaml_io
from autocode.codebook.diff import reconcile
from autocode.codebook.model import Code, Codebook, Theme

_READERS = {"yaml": yaml_io.loads, "csv": csv_io.loads, "qdc": qdc.loads}


def loads(text: str | bytes, fmt: str) -> Codebook:
    if fmt == "qdc":
        return qdc.loads(text.encode("utf-8") if isinstance(text, str) else text)
    return _READERS[fmt](text.decode("utf-8") if isinstance(text, bytes) else text)


DRAFT = {
    "definition": "Answers about staff attitude, e.g. “Friendly kind staff”.",
    "inclusion": "Answers that mention staff attitude, friendly or kind, in any words.",
    "exclusion": "Answers mainly about waiting (code them as 'Waiting').",
    "draft": True,
}


def cli(*args: object) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUTOCODE_USER": "ana"}
    return subprocess.run(
        [sys.executable, "-m", "autocode", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def export(p: Path, fmt: str) -> str:
    r = cli("codebook", "export", "-f", fmt, "-p", p)
    assert r.returncode == 0, r.stderr
    return r.stdout


def code_doc(p: Path, name: str) -> dict:
    doc = yaml.safe_load(export(p, "yaml"))
    codes = [c for t in doc.get("themes", []) for c in t["codes"]] + doc.get("codes", [])
    return next(c for c in codes if c["name"] == name)


@pytest.fixture
def proj(tmp_path) -> Path:
    """A project whose suggest run stored a draft definition for S1 (as suggest does)."""
    p = make_project(tmp_path / "p.db")
    conn = sqlite3.connect(p)
    conn.execute("UPDATE runs SET params = ?", (json.dumps({"definitions": {"S1": DRAFT}}),))
    conn.commit()
    conn.close()
    r = cli("accept", "S1", "--as", "Staff attitude", "-p", p)
    assert r.returncode == 0, r.stderr
    return p


def snapshot(path: Path) -> dict:
    conn = sqlite3.connect(path)
    try:
        return {
            t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("decisions", "codebook_versions", "codings")
        }
    finally:
        conn.close()


def test_accept_copies_the_draft_definition(proj):
    c = code_doc(proj, "Staff attitude")
    assert c["definition"] == DRAFT["definition"]
    assert c["inclusion"] == DRAFT["inclusion"]
    assert c["exclusion"] == DRAFT["exclusion"]
    assert c["draft"] is True


def test_accept_without_a_stored_draft_is_still_marked_draft(tmp_path):
    p = make_project(tmp_path / "old.db")  # a run from before definitions were stored
    assert cli("accept", "S2", "-p", p).returncode == 0
    c = code_doc(p, "waiting / times / long")
    assert c["definition"] == "Responses about waiting, times, long."
    assert c["draft"] is True


def test_define_sets_the_text_clears_draft_and_undo_restores(proj):
    r = cli(
        "define",
        "staff ATTITUDE",  # names compare case-insensitively
        "How staff treat patients.",
        "--inclusion",
        "Rudeness, kindness.",
        "-p",
        proj,
    )
    assert r.returncode == 0, r.stderr
    assert "defined 'Staff attitude'" in r.stdout
    c = code_doc(proj, "Staff attitude")
    assert c["definition"] == "How staff treat patients."
    assert c["inclusion"] == "Rudeness, kindness."
    assert c["exclusion"] == DRAFT["exclusion"]  # not given: kept
    assert "draft" not in c
    log = cli("decisions", "--json", "-p", proj)
    rows = json.loads(log.stdout)
    rows = rows if isinstance(rows, list) else rows["decisions"]
    last = rows[-1]
    assert last["action"] == "define"
    assert last["user"] == "ana"
    r = cli("undo", "-p", proj)
    assert r.returncode == 0, r.stderr
    c = code_doc(proj, "Staff attitude")
    assert c["definition"] == DRAFT["definition"]
    assert c["inclusion"] == DRAFT["inclusion"]
    assert c["draft"] is True


def test_define_unknown_code_is_one_line_and_changes_nothing(proj):
    before = snapshot(proj)
    r = cli("define", "Staff atitude", "x", "-p", proj)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "no code named 'Staff atitude'" in lines[0]
    assert "'Staff attitude'" in lines[0]  # the closest name
    assert "Traceback" not in r.stderr
    assert snapshot(proj) == before


def test_define_needs_some_text(proj):
    before = snapshot(proj)
    r = cli("define", "Staff attitude", "-p", proj)
    assert r.returncode != 0
    assert "nothing to define" in r.stderr
    assert snapshot(proj) == before


def test_define_in_another_project_store(tmp_path, proj):
    other = make_project(tmp_path / "other.db")
    assert cli("accept", "S3", "--as", "Parking", "-p", other).returncode == 0
    assert cli("define", "Parking", "Car parking.", "--project", other).returncode == 0
    assert code_doc(other, "Parking")["definition"] == "Car parking."
    r = cli("define", "Parking", "x", "-p", proj)  # not a code of this project
    assert r.returncode != 0
    assert "no code named 'Parking'" in r.stderr


def test_hostile_definition_stays_text_in_every_export(proj):
    evil = "=cmd|' /C calc'!A0 <script>alert(1)</script> & done"
    r = cli("define", "Staff attitude", evil, "--exclusion", "@SUM(1+1)", "-p", proj)
    assert r.returncode == 0, r.stderr
    kept = evil
    c = code_doc(proj, "Staff attitude")
    assert c["definition"] == kept
    rows = list(csv.DictReader(io.StringIO(export(proj, "csv"))))
    row = next(x for x in rows if x["name"] == "Staff attitude")
    assert not row["description"].startswith("=")  # neutralised for spreadsheets
    assert not row["exclusion"].startswith("@")
    assert "<script>" in row["description"]
    qdc = export(proj, "qdc")
    assert "<script>" not in qdc  # escaped
    root = ET.fromstring(qdc.encode())
    descs = [e.text or "" for e in root.iter() if e.tag.endswith("Description")]
    assert any("<script>alert(1)</script>" in d for d in descs)
    # and it imports back as the same text
    back = loads(export(proj, "csv"), "csv")
    assert back.code("Staff attitude").definition == kept


def test_nul_bytes_in_a_definition_never_crash_an_export(proj):
    from autocode import review
    from autocode.project import open_store

    with open_store(proj) as store:  # argv cannot carry NUL: the library call can
        review.define(store, "Staff attitude", "a\x00b <b>x</b>", user="ana")
    for fmt in ("yaml", "csv", "qdc"):
        r = cli("codebook", "export", "-f", fmt, "-p", proj)
        assert r.returncode == 0, (fmt, r.stderr)
        assert "Traceback" not in r.stderr
    assert code_doc(proj, "Staff attitude")["definition"] == "a b <b>x</b>"  # written as a space


# -- the draft flag in codebook files --------------------------------------------------------
def _book() -> Codebook:
    return Codebook(
        themes=[
            Theme(
                name="Staff",
                codes=[
                    Code(name="Attitude", definition="Answers about attitude.", draft=True),
                    Code(name="Numbers", definition="Staffing levels."),
                ],
            )
        ]
    ).finalize()


@pytest.mark.parametrize("fmt", ["yaml", "csv"])
def test_draft_flag_round_trips(fmt):
    back = loads(dumps(_book(), fmt), fmt)
    assert back.code("Attitude").draft is True
    assert back.code("Numbers").draft is False
    assert back.code("Attitude").definition == "Answers about attitude."


def test_qdc_writes_the_draft_description_and_keeps_the_flag_on_reimport():
    cb = _book()
    raw = dumps(cb, "qdc")
    text = raw.decode() if isinstance(raw, bytes) else raw
    assert "Answers about attitude." in text
    back = reconcile(cb, loads(text, "qdc"), keep_extras=True, fmt_lacks_scope=True)
    assert back.code("Attitude").draft is True  # unchanged text: still autocode's draft


@pytest.mark.parametrize("fmt", ["yaml", "csv", "qdc"])
def test_editing_the_definition_in_a_file_clears_draft(fmt):
    cb = _book()
    edited = loads(dumps(cb, fmt), fmt)
    edited.code("Attitude").definition = "How staff treat people."
    back = reconcile(cb, edited, keep_extras=fmt != "yaml", fmt_lacks_scope=fmt == "qdc")
    assert back.code("Attitude").draft is False
    assert back.code("Numbers").draft is False
