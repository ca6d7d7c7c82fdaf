"""The workbench's screens in-process: the overview's numbers, the board's decisions (the
same log as the CLI, both ways), every member of a suggestion, and the coding screen's saves
(checked in the project file with sqlite3, and numbers recomputed with pandas)."""

from __future__ import annotations

import html
import json
import re
import sqlite3

import pandas as pd
import pytest
from _app_project import build, cli, client, csrf


@pytest.fixture
def project(tmp_path):
    return build(tmp_path)


def _q(project, sql, args=()):
    con = sqlite3.connect(project)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def _cells(page: str, table: str) -> list[list[list[str]]]:
    """The body rows of table ``table``: per cell, its words (tags dropped, unescaped)."""
    body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    out = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if cells:
            out.append([html.unescape(re.sub(r"<[^>]+>", " ", x)).split() for x in cells])
    return out


def test_the_overview_shows_each_questions_counts(project, tmp_path):
    c, _ = client(project)
    page = c.get("/").text
    survey = pd.read_csv(tmp_path / "survey.csv", dtype=str, keep_default_na=False)
    rows = {r[0][0]: r for r in _cells(page, "questions")}
    qs = [q for (q,) in _q(project, "SELECT DISTINCT question FROM responses")]
    assert set(rows) == set(qs)
    for q in qs:
        filled = survey[q].str.strip() != ""
        non = _q(project, "SELECT COUNT(*) FROM responses WHERE question=? AND non_answer=1", (q,))
        sugg = _q(project, "SELECT COUNT(*) FROM suggestions WHERE question=?", (q,))
        got = [x[0] if x else "" for x in rows[q][1:]]
        assert got[0] == str(int(filled.sum()))  # answers
        assert got[1] == str(int((~filled).sum()))  # blanks
        assert got[2] == str(non[0][0])  # non-answers
        assert got[4] == str(sugg[0][0])  # suggestions
        assert got[5] == str(sugg[0][0])  # all undecided
    assert "Next step: Review the" in page


def _post(c, g, **data):
    r = c.post("/decide", data={"csrf": csrf(g), **data})
    assert r.status_code == 200
    return r.text


def _cli_decisions(project) -> list[dict]:
    r = cli("decisions", "--json", "-p", project)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_board_decisions_are_the_clis_and_the_clis_are_the_boards(project):
    c, g = client(project)
    sids = [s for (s,) in _q(project, "SELECT id FROM suggestions ORDER BY rowid")]
    page = _post(c, g, action="accept", sid=sids[0], name="Being listened to")
    assert "decision #1: accept" in page
    _post(c, g, action="reject", sid=sids[1])
    _post(c, g, action="merge", sids=[sids[2], sids[3]], name="Clear explanations")
    decs = _cli_decisions(project)
    assert [(d["action"], d["active"]) for d in decs] == [
        ("accept", True),
        ("reject", True),
        ("merge", True),
    ]
    assert decs[0]["payload"]["name"] == "Being listened to"
    assert decs[2]["payload"]["suggestions"] == [sids[2], sids[3]]
    _post(c, g, action="undo", decision="2")
    decs = _cli_decisions(project)
    assert decs[1]["active"] is False
    assert decs[3]["action"] == "undo"
    assert decs[3]["reverses"] == 2
    # the CLI's decision is on the board at once
    r = cli("reject", sids[4], "-p", project)
    assert r.returncode == 0, r.stderr
    q = _q(project, "SELECT question FROM suggestions WHERE id=?", (sids[4],))[0][0]
    board = c.get("/board", params={"question": q}).text
    card = board.split(f'id="card-{sids[4]}"', 1)[1].split("</section>", 1)[0]
    assert "rejected" in card
    assert f"Undo #{len(decs) + 1}" in card
    # a refused decision changes nothing and says why in one line
    page = _post(c, g, action="accept", sid=sids[0])
    assert "not done:" in page
    assert "already accepted" in page
    assert len(_cli_decisions(project)) == len(decs) + 1
    # the codebook has the accepted and merged codes, with their members as suggested codings
    n = _q(project, "SELECT COUNT(*) FROM suggestion_members WHERE suggestion_id=?", (sids[0],))
    got = _q(project, "SELECT COUNT(*) FROM codings WHERE source='suggested' AND code=?",
             ("Being listened to",))  # fmt: skip
    assert got == n


def test_every_member_of_a_suggestion_is_shown_and_searchable(project):
    c, _ = client(project)
    sid, size = _q(project, "SELECT id, size FROM suggestions ORDER BY size DESC LIMIT 1")[0]
    sql = (
        "SELECT r.id, r.text FROM suggestion_members m JOIN responses r ON r.id=m.response_id "
        "WHERE m.suggestion_id=?"
    )
    want = dict(_q(project, sql, (sid,)))
    assert len(want) == size
    seen: dict[str, str] = {}
    page, pages = 1, 1
    while page <= pages:
        text = c.get(f"/suggestion/{sid}", params={"page": page}).text
        pages = int(re.search(r"page \d+ of (\d+)", text).group(1))
        for rid, t in re.findall(
            r'<span class="dim">([^<]*)</span> ([^<]*)(?:</label>)?</li>', text
        ):
            seen[html.unescape(rid)] = html.unescape(t)
        page += 1
    assert seen == want
    word = next(iter(want.values())).split()[0]
    hits = {r for r, t in want.items() if word.casefold() in t.casefold()}
    text = c.get(f"/suggestion/{sid}", params={"find": word}).text
    shown = {
        html.unescape(r)
        for r in re.findall(r'<span class="dim">([^<]*)</span> [^<]*(?:</label>)?</li>', text)
    }
    assert shown == hits


def _codes(project, coder):
    out: dict[str, set[str]] = {}
    for (rid,) in _q(project, "SELECT response_id FROM coded_units WHERE coder=?", (coder,)):
        out[rid] = set()
    for rid, code in _q(project, "SELECT response_id, code FROM codings WHERE coder=?", (coder,)):
        out[rid].add(code)
    return out


def test_the_coding_screen_saves_one_answer_at_a_time_for_the_named_coder(project):
    c, g = client(project)
    sids = [s for (s,) in _q(project, "SELECT id FROM suggestions ORDER BY rowid")]
    for sid, name in zip(sids[:3], ("Listening", "Ward", "Explained"), strict=True):
        _post(c, g, action="accept", sid=sid, name=name)
    page = c.get("/code").text
    assert "Who is coding?" in page
    page = c.post("/coder", data={"csrf": csrf(g), "coder": "alice"}).text
    rid = re.search(r'name="answer" value="([^"]*)"', page).group(1)
    q = _q(project, "SELECT question FROM responses WHERE id=?", (rid,))[0][0]
    offered = re.findall(r'name="code" value="([^"]*)"', page)
    # the codes accepted from this question's suggestions (scoped to it), and only those
    names = dict(zip(sids[:3], ("Listening", "Ward", "Explained"), strict=True))
    own = {names[s] for (s,) in _q(project, "SELECT id FROM suggestions WHERE question=?", (q,))
           if s in names}  # fmt: skip
    assert set(offered) == own
    assert offered
    r = c.post("/code/save", data={"csrf": csrf(g), "source": "next", "answer": rid,
                                   "code": offered[:2]})  # fmt: skip
    assert f"saved {rid}" in r.text
    assert _codes(project, "alice") == {rid: set(offered[:2])}
    nxt = re.search(r'name="answer" value="([^"]*)"', r.text).group(1)
    assert nxt != rid
    r = c.post("/code/save", data={"csrf": csrf(g), "source": "next", "answer": nxt})
    assert _codes(project, "alice") == {rid: set(offered[:2]), nxt: set()}  # coded, no code
    # a code that is not in the codebook is refused; nothing changes
    third = re.search(r'name="answer" value="([^"]*)"', r.text).group(1)
    r = c.post("/code/save", data={"csrf": csrf(g), "source": "next", "answer": third,
                                   "code": ["No such code"]})  # fmt: skip
    assert "not saved" in r.text
    assert "not in the codebook" in r.text
    assert third not in _codes(project, "alice")
    # back (u): the last saved answer, with its codes ticked; saving again replaces them
    r = c.post("/code/back", data={"csrf": csrf(g), "source": "next"})
    assert f'name="answer" value="{nxt}"' in r.text
    r = c.post("/code/back", data={"csrf": csrf(g), "source": "next"})
    assert f'name="answer" value="{rid}"' in r.text
    ticked = re.findall(r'name="code" value="([^"]*)" data-key="\d+" checked', r.text)
    assert set(ticked) == set(offered[:2])
    c.post("/code/save", data={"csrf": csrf(g), "source": "next", "answer": rid,
                               "code": offered[-1:]})  # fmt: skip
    assert _codes(project, "alice")[rid] == set(offered[-1:])
    # the CLI sees the coder
    r = cli("coders", "--json", "-p", project)
    assert r.returncode == 0, r.stderr
    alice = next(x for x in json.loads(r.stdout) if x["coder"] == "alice")
    assert alice["answers"] == 2
    page = c.get("/").text
    assert ["alice"] in [r[0] for r in _cells(page, "coders")]


def test_coding_sources_validation_and_review_queue(project):
    c, g = client(project)
    c.post("/coder", data={"csrf": csrf(g), "coder": "bob"})
    page = c.get("/code", params={"source": "validation"}).text
    assert "no validation sample" in page
    page = c.get("/code", params={"source": "review"}).text
    assert "Nothing left to code" in page
    page = c.get("/code", params={"source": "bogus"}).text
    assert "unknown coding source" in page


def test_a_suggestion_is_split_on_the_board_into_parts_reviewed_one_by_one(project):
    c, g = client(project)
    sid, q = _q(project, "SELECT id, question FROM suggestions ORDER BY size DESC LIMIT 1")[0]
    page = _post(c, g, action="split", sid=sid, question=q)
    assert f"split {sid} →" in html.unescape(page)
    (d,) = _cli_decisions(project)
    assert d["action"] == "split"
    parts = [p["id"] for p in d["payload"]["parts"]]
    assert 2 <= len(parts) <= 4
    members = {m for (m,) in _q(project, "SELECT response_id FROM suggestion_members "
                                          "WHERE suggestion_id=?", (sid,))}  # fmt: skip
    assert set().union(*(p["members"] for p in d["payload"]["parts"])) == members
    for part in parts:  # each part is a card of its own, with its own buttons
        assert f'id="accept-{part}"' in page
    card = page.split(f'id="card-{sid}"', 1)[1].split("</section>", 1)[0]
    assert "split" in card
    assert f'id="accept-{sid}"' not in card
