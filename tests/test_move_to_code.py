"""Moving answers to an accepted code: the ``move`` decision with a code as its target
(:func:`autocode.review.move` with ``to_code``), from an undecided suggestion or from
another code; the code's suggested codings change (read back with sqlite3), the question
scope is respected, ``undo`` moves them back; and the suggestion page's "move to" lists
the accepted codes of the question."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from _app_project import cli, client, csrf
from _review_project import make_project

from autocode import review
from autocode.errors import InputError, NotFoundError
from autocode.project import open_store

GOOD, BAD = "what_was_good", "what_was_bad"
R1, R2 = "suggest-1", "suggest-2"


@pytest.fixture
def proj(tmp_path, monkeypatch) -> Path:
    """Two questions; in the what_was_good run S1 is accepted as Staff and S3 as Parking,
    in the what_was_bad run S2 as 'Waiting (bad)'."""
    monkeypatch.setenv("AUTOCODE_USER", "ana")
    p = make_project(tmp_path / "p.db", run_id=R1, question=GOOD)
    make_project(p, run_id=R2, question=BAD)
    with open_store(p) as store:
        review.accept(store, "S1", name="Staff", run_id=R1)
        review.accept(store, "S3", name="Parking", run_id=R1)
        review.accept(store, "S2", name="Waiting (bad)", run_id=R2)
    return p


def members(path: Path, sid: str, run: str = R1) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [
            r
            for (r,) in con.execute(
                "SELECT response_id FROM suggestion_members WHERE run_id=? AND suggestion_id=? "
                "ORDER BY rowid",
                (run, sid),
            )
        ]
    finally:
        con.close()


def suggested(path: Path, code: str) -> dict[str, str]:
    """``{answer: run}`` of the code's machine-suggested codings, read with sqlite3."""
    con = sqlite3.connect(path)
    try:
        return dict(
            con.execute(
                "SELECT response_id, run_id FROM codings WHERE source='suggested' AND code=?",
                (code,),
            ).fetchall()
        )
    finally:
        con.close()


def test_answers_of_an_undecided_suggestion_join_a_code_and_undo_moves_them_back(proj):
    s4, s3 = members(proj, "S4"), members(proj, "S3")
    moved = s4[:2]
    assert set(suggested(proj, "Parking")) == set(s3)
    with open_store(proj) as store:
        d = review.move(store, moved, "S4", None, to_code="parking", run_id=R1)
        assert review.summary(d) == "2 answers: S4 → code 'Parking'"
        assert set(suggested(proj, "Parking")) == set(s3) | set(moved)
        assert suggested(proj, "Parking")[moved[0]] == R1
        sizes = {s["id"]: s["size"] for s in review.listing(store, R1)}
        assert sizes["S4"] == len(s4) - 2
        review.undo(store, d.id)
        assert set(suggested(proj, "Parking")) == set(s3)
        d = review.move(store, moved, "S4", None, to_code="Parking", run_id=R1)
        review.accept(store, "S4", name="Food", run_id=R1)
    assert set(suggested(proj, "Food")) == set(s4) - set(moved)
    assert set(suggested(proj, "Parking")) == set(s3) | set(moved)


def test_an_answer_moves_from_one_code_to_another(proj):
    s1, s3 = members(proj, "S1"), members(proj, "S3")
    with open_store(proj) as store:
        d = review.move(store, [s1[0]], None, None, from_code="Staff", to_code="Parking")
        assert review.summary(d) == f"{s1[0]}: code 'Staff' → code 'Parking'"
        assert set(suggested(proj, "Staff")) == set(s1) - {s1[0]}
        assert set(suggested(proj, "Parking")) == set(s3) | {s1[0]}
        back = review.move(store, [s1[0]], None, None, from_code="Parking", to_code="Staff")
        assert set(suggested(proj, "Staff")) == set(s1)
        review.undo(store, back.id)
        assert s1[0] in suggested(proj, "Parking")
        review.undo(store, d.id)  # both undone: the answer is Staff's again
    assert set(suggested(proj, "Staff")) == set(s1)
    assert set(suggested(proj, "Parking")) == set(s3)


def test_moves_that_do_not_apply_are_refused_and_nothing_is_stored(proj):
    s4, s1 = members(proj, "S4"), members(proj, "S1")
    bad = [
        ({"answers": [s4[1]], "source": "S4", "to_code": "Waiting (bad)"}, "does not apply to"),
        ({"answers": [s1[0]], "from_code": "Staff", "to_code": "Staff"}, "to itself"),
        ({"answers": [s4[0]], "from_code": "Staff", "to_code": "Parking"}, "not a member of code"),
        ({"answers": ["nobody"], "source": "S4", "to_code": "Parking"}, "not a member of S4"),
        ({"answers": [], "source": "S4", "to_code": "Parking"}, "not a member of S4"),
        ({"answers": [s4[1]], "source": "S4", "to_code": "Nobody"}, "no code named 'Nobody'"),
        ({"answers": [s1[0]], "source": "S1", "to_code": "Parking"}, "already accepted"),
    ]
    with open_store(proj) as store:
        review.move(store, [s4[0]], "S4", None, to_code="Parking", run_id=R1)
        n = len(review.replay(store).decisions)
        before = suggested(proj, "Parking")
        for kw, why in [
            *bad,
            ({"answers": [s4[1]], "source": "S4", "target": "S3", "to_code": "P"}, "not both"),
            ({"answers": [s4[1]], "source": "S4"}, "name the suggestion or code"),
        ]:
            args = {"source": None, "target": None, "run_id": R1, **kw}
            with pytest.raises((InputError, NotFoundError)) as e:
                review.move(store, **args)
            assert why in e.value.message, (kw, e.value.message)
        assert len(review.replay(store).decisions) == n
        assert suggested(proj, "Parking") == before
        # taken in once the code's scope takes in the question
        review.scope(store, "Waiting (bad)", [GOOD, BAD])
        review.move(store, [s4[1]], "S4", None, to_code="Waiting (bad)", run_id=R1)
    assert s4[1] in suggested(proj, "Waiting (bad)")


def test_the_suggestion_page_moves_ticked_answers_to_a_code(proj):
    with open_store(proj) as store:
        review.accept(store, "S5", name="<b>Nothing</b>", run_id=R1)
    c, g = client(proj)
    s4, s3 = members(proj, "S4"), members(proj, "S3")
    page = c.get("/suggestion/S4", params={"run": R1}).text
    assert '<option value="S2">' in page  # undecided suggestions of the question
    assert '<option value="code:Parking">' in page
    assert "&lt;b&gt;Nothing&lt;/b&gt;" in page
    assert "<b>Nothing" not in page
    assert "code:Waiting (bad)" not in page  # a code of the other question only
    r = c.post(
        "/move",
        data={"csrf": csrf(g), "from": "S4", "to": "code:Parking", "answer": s4[:2], "run": R1},
    )
    assert "move 2 answers: S4 → code &#39;Parking&#39;" in r.text
    assert set(suggested(proj, "Parking")) == set(s3) | set(s4[:2])
    decs = json.loads(cli("decisions", "--json", "-p", proj).stdout)
    assert (decs[-1]["action"], decs[-1]["payload"]["to_code"]) == ("move", "Parking")
    r = c.post(
        "/move",
        data={"csrf": csrf(g), "from": "S4", "to": "code:Waiting (bad)", "answer": s4[2:3],
              "run": R1},
    )  # fmt: skip
    assert "not done:" in r.text
    assert len(json.loads(cli("decisions", "--json", "-p", proj).stdout)) == len(decs)


def test_a_grouping_code_is_no_target_but_its_codes_are(tmp_path, monkeypatch):
    from autocode.codebook.model import Code, Codebook

    monkeypatch.setenv("AUTOCODE_USER", "ana")
    p = make_project(tmp_path / "g.db")
    cb = Codebook(loose=[Code(name="Group", codable=False, codes=[Code(name="Leaf")])])
    s4 = members(p, "S4")
    with open_store(p) as store:
        review.import_codebook(store, cb, source="test")
        with pytest.raises(InputError, match="not codable"):
            review.move(store, [s4[0]], "S4", None, to_code="Group")
        review.move(store, [s4[0]], "S4", None, to_code="Leaf")
    assert set(suggested(p, "Leaf")) == {s4[0]}
    assert suggested(p, "Group") == {}
    c, _ = client(p)
    page = c.get("/suggestion/S4").text
    assert '<option value="code:Leaf">' in page
    assert "code:Group" not in page
