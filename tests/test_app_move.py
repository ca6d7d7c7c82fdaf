"""Moving answers from one suggestion to another: the ``move`` decision of the review
library (:func:`autocode.review.move`, undoable, checked against the replayed log) and the
workbench's "move to" on a suggestion's page; the result is read back with sqlite3."""

from __future__ import annotations

import json
import sqlite3

import pytest
from _app_project import cli, client, csrf
from _review_project import make_project

from autocode import review
from autocode.errors import InputError, NotFoundError
from autocode.project import open_store


@pytest.fixture
def proj(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOCODE_USER", "ana")
    return make_project(tmp_path / "p.db")


def _members(path, sid: str) -> list[str]:
    """The suggestion's members as written by suggest, read with sqlite3."""
    con = sqlite3.connect(path)
    try:
        return [
            r
            for (r,) in con.execute(
                "SELECT response_id FROM suggestion_members WHERE suggestion_id=? ORDER BY rowid",
                (sid,),
            )
        ]
    finally:
        con.close()


def _suggested(path, code: str) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {
            r
            for (r,) in con.execute(
                "SELECT response_id FROM codings WHERE source='suggested' AND code=?", (code,)
            )
        }
    finally:
        con.close()


def _sizes(store) -> dict[str, int]:
    run = review.resolve_run(store)["id"]
    return {s["id"]: s["size"] for s in review.listing(store, run)}


def test_move_changes_both_suggestions_and_accept_takes_the_members_as_they_are(proj):
    s4, s3 = _members(proj, "S4"), _members(proj, "S3")
    moved = s4[:2]
    with open_store(proj) as store:
        d = review.move(store, moved, "S4", "S3")
        assert review.summary(d) == "2 answers: S4 → S3"
        assert _sizes(store)["S4"] == len(s4) - 2
        assert _sizes(store)["S3"] == len(s3) + 2
        review.accept(store, "S3", name="Parking and more")
        review.accept(store, "S4", name="Food")
    assert _suggested(proj, "Parking and more") == set(s3) | set(moved)
    assert _suggested(proj, "Food") == set(s4) - set(moved)


def test_move_is_refused_when_it_does_not_apply_and_nothing_is_stored(proj):
    s4 = _members(proj, "S4")
    with open_store(proj) as store:
        review.accept(store, "S1")
        bad = [
            ([s4[0]], "S4", "S4", "to itself"),
            (["nobody"], "S4", "S3", "is not a member of S4"),
            ([s4[0]], "S4", "S1", "already accepted"),
            ([s4[0]], "S4", "S99", "no suggestion"),
            ([], "S4", "S3", "is not a member"),
        ]
        for answers, a, b, why in bad:
            with pytest.raises((InputError, NotFoundError)) as e:
                review.move(store, answers, a, b)
            assert why in str(e.value.message), (a, b)
        assert len(review.replay(store).decisions) == 1


def test_undo_moves_the_answers_back(proj):
    s4 = _members(proj, "S4")
    with open_store(proj) as store:
        d = review.move(store, s4[:3], "S4", "S2")
        review.undo(store, d.id)
        sizes = _sizes(store)
    assert sizes["S4"] == len(s4)
    assert sizes["S2"] == len(_members(proj, "S2"))


def test_the_workbench_moves_ticked_answers_and_the_cli_log_shows_it(proj):
    c, g = client(proj)
    s4 = _members(proj, "S4")
    page = c.get("/suggestion/S4").text
    assert 'action="/move"' in page
    assert '<option value="S3">' in page
    assert '<option value="S4">' not in page  # not to itself
    r = c.post(
        "/move", data={"csrf": csrf(g), "from": "S4", "to": "S3", "answer": s4[:2], "run": ""}
    )
    assert "decision #1: move 2 answers: S4 → S3" in r.text
    decs = json.loads(cli("decisions", "--json", "-p", proj).stdout)
    assert decs[-1]["action"] == "move"
    assert decs[-1]["payload"]["answers"] == s4[:2]
    page = c.get("/suggestion/S3").text
    for rid in s4[:2]:
        assert f'value="{rid}"' in page
    r = c.post("/move", data={"csrf": csrf(g), "from": "S4", "to": "S3", "answer": ["zzz"]})
    assert "not done:" in r.text
    assert len(json.loads(cli("decisions", "--json", "-p", proj).stdout)) == 1
