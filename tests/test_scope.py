"""A code's question scope edited without a YAML round trip: ``autocode scope`` through the
console script (set, undo, unknown question refused with nothing stored, a question that
holds the code's answers kept, the exported YAML) and the codebook screen's checkboxes
(one POST, CSRF, hidden in read-only mode; ``autocode decisions`` shows the decision)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import yaml
from _app_project import cli, client, csrf
from _review_project import make_project

GOOD, BAD = "what_was_good", "what_was_bad"


@pytest.fixture
def proj(tmp_path) -> Path:
    """Two questions (a suggest run each); S1 of the what_was_good run accepted as Staff."""
    p = make_project(tmp_path / "p.db", run_id="suggest-1", question=GOOD)
    make_project(p, run_id="suggest-2", question=BAD)
    r = cli("accept", "S1", "--as", "Staff", "--run", "suggest-1", "-p", p)
    assert r.returncode == 0, r.stderr
    return p


def exported_questions(p: Path, name: str = "Staff") -> list[str] | None:
    r = cli("codebook", "export", "-f", "yaml", "-p", p)
    assert r.returncode == 0, r.stderr
    doc = yaml.safe_load(r.stdout)
    codes = [c for t in doc.get("themes", []) for c in t["codes"]] + doc.get("codes", [])
    return next(c for c in codes if c["name"] == name).get("questions")


def snapshot(p: Path) -> tuple:
    con = sqlite3.connect(p)
    try:
        return tuple(
            con.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
            for t in ("decisions", "codebook_versions", "codings")
        )
    finally:
        con.close()


def decisions(p: Path) -> list[dict]:
    r = cli("decisions", "--json", "-p", p)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_scope_is_set_shown_in_the_yaml_and_undone(proj):
    assert exported_questions(proj) == [GOOD]  # accepted from a what_was_good suggestion
    r = cli("scope", "Staff", BAD, GOOD, "-p", proj, "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["action"] == "scope"
    assert d["result"]["applies_to"] == sorted([BAD, GOOD])
    assert exported_questions(proj) == sorted([BAD, GOOD])
    r = cli("scope", "Staff", "--all", "-p", proj)
    assert r.returncode == 0, r.stderr
    assert "applies to every question" in r.stdout
    assert exported_questions(proj) is None  # no list: every question
    last = decisions(proj)[-1]
    assert (last["action"], last["summary"]) == ("scope", "scope of 'Staff': every question")
    r = cli("undo", "-p", proj)
    assert r.returncode == 0, r.stderr
    assert exported_questions(proj) == sorted([BAD, GOOD])
    r = cli("undo", d["id"], "-p", proj)
    assert r.returncode == 0, r.stderr
    assert exported_questions(proj) == [GOOD]


def test_unknown_question_or_code_is_refused_in_one_line_and_nothing_stored(proj):
    before = snapshot(proj)
    for args, why in [
        (["Staff", GOOD, "nope"], "no question 'nope' in the project"),
        (["Staff", "=cmd|' /C calc'!A0"], "no question"),
        (["Nobody", GOOD], "no code named 'Nobody'"),
        (["Staff"], "name the questions, or pass --all"),
        (["Staff", GOOD, "--all"], "name the questions, or pass --all"),
        (["Staff", BAD], "holds answers to question 'what_was_good'"),
    ]:
        r = cli("scope", *args, "-p", proj)
        assert r.returncode != 0, args
        assert why in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "Traceback" not in r.stderr
    assert snapshot(proj) == before


def test_a_scope_narrowed_to_another_question_refuses_to_strand_answers(proj):
    """Widened to both questions, then narrowed back to the one its answers come from."""
    assert cli("scope", "Staff", GOOD, BAD, "-p", proj).returncode == 0
    r = cli("scope", "Staff", GOOD, "-p", proj)
    assert r.returncode == 0, r.stderr
    assert exported_questions(proj) == [GOOD]


def test_the_codebook_screen_sets_the_scope_with_checkboxes(proj):
    c, g = client(proj)
    page = c.get("/codebook").text
    assert 'action="/scope"' in page
    assert f'name="question" value="{GOOD}" checked' in page
    assert f'name="question" value="{BAD}">' in page
    r = c.post("/scope", data={"csrf": csrf(g), "code": "Staff", "question": [GOOD, BAD]})
    assert r.status_code == 200
    assert f"scope of &#39;Staff&#39;: {GOOD}, {BAD}" in r.text
    assert f'name="question" value="{BAD}" checked' in r.text
    assert exported_questions(proj) == sorted([BAD, GOOD])
    last = decisions(proj)[-1]
    assert last["action"] == "scope"
    assert sorted(last["payload"]["questions"]) == sorted([BAD, GOOD])
    # none ticked: every question
    r = c.post("/scope", data={"csrf": csrf(g), "code": "Staff"})
    assert "every question" in r.text
    assert exported_questions(proj) is None
    # refused: an unknown question (NUL included), a missing CSRF token; nothing stored
    before = snapshot(proj)
    r = c.post("/scope", data={"csrf": csrf(g), "code": "Staff", "question": ["x\x00<b>"]})
    assert "not done: no question" in r.text
    assert "<b>" not in r.text.split("not done:")[1].split("\n")[0]
    r = c.post("/scope", data={"code": "Staff", "question": [GOOD]})
    assert r.status_code == 403
    assert snapshot(proj) == before


def test_read_only_mode_hides_the_scope_form(proj):
    c, g = client(proj, read_only=True)
    page = c.get("/codebook").text
    assert "Staff" in page
    assert 'action="/scope"' not in page
    before = snapshot(proj)
    r = c.post("/scope", data={"csrf": csrf(g), "code": "Staff", "question": [BAD]})
    assert r.status_code >= 400
    assert snapshot(proj) == before
