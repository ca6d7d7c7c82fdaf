"""Re-running `autocode suggest` keeps the review: suggestions that match existing codes say
so, the codebook and decision log stay as they were, and review shows the matches.

CLI through a subprocess with the fake embedder (--model hash:64); every match is
recomputed here from the project file with sqlite3/pandas.
"""

from __future__ import annotations

import csv
import json
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from autocode.codebook.model import Code, Codebook
from autocode.suggest.match import DEFINITION_SIMILARITY, match_suggestions

FAKE = ["--model", "hash:64"]


def cli(project: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "250", "AUTOCODE_USER": "tester"}
    return subprocess.run(
        [sys.executable, "-m", "autocode", *args, "--project", str(project)],
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        timeout=120,
    )


def ok(project: Path, *args: str, stdin: str | None = None) -> str:
    r = cli(project, *args, stdin=stdin)
    assert r.returncode == 0, r.stderr
    return r.stdout


def log_and_codebook(project: Path) -> tuple[list, list]:
    with sqlite3.connect(project) as c:
        decisions = c.execute("SELECT * FROM decisions ORDER BY id").fetchall()
        versions = c.execute("SELECT * FROM codebook_versions ORDER BY rowid").fetchall()
    return decisions, versions


def expected_matches(project: Path, doc: dict) -> dict[str, dict | None]:
    """The member basis recomputed from the project file: for each suggestion, the code
    carried by most of its members (any coder's present codings and accepted suggestions)."""
    with sqlite3.connect(project) as c:
        cod = pd.read_sql_query("SELECT response_id, code FROM codings WHERE present = 1", c)
    out: dict[str, dict | None] = {}
    for s in doc["suggestions"]:
        members = set(s["members"])
        counts = cod[cod["response_id"].isin(members)].drop_duplicates()["code"].value_counts()
        if counts.empty or counts.iloc[0] / len(members) < 0.5:
            out[s["id"]] = None
            continue
        out[s["id"]] = {"code": counts.index[0], "answers": int(counts.iloc[0]), "of": len(members)}
    return out


def flow(tmp_path: Path, survey: Path, name: str) -> dict:
    """suggest, accept S1 and S2, suggest again; the two documents and the log around it."""
    project = tmp_path / f"{name}.db"
    first = json.loads(ok(project, "suggest", str(survey), *FAKE, "--json"))
    assert all(s["matches"] is None for s in first["suggestions"])  # nothing to match yet
    ok(project, "accept", "S1", "S2")
    before = log_and_codebook(project)
    second = json.loads(ok(project, "suggest", str(survey), *FAKE, "--json"))
    after = log_and_codebook(project)
    return {"project": project, "first": first, "second": second, "before": before, "after": after}


@pytest.fixture(scope="module")
def survey_rows() -> tuple[list[str], list[list[str]]]:
    from importlib.resources import files

    with open(str(files("autocode") / "data" / "example_survey.csv"), encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


@pytest.fixture(scope="module")
def runs(tmp_path_factory, survey_rows) -> dict:
    tmp = tmp_path_factory.mktemp("rerun")
    header, rows = survey_rows
    paths = {}
    for name, order in (("plain", rows), ("shuffled", random.Random(3).sample(rows, len(rows)))):
        p = tmp / f"{name}.csv"
        with p.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([header, *order])
        paths[name] = p
    return {name: flow(tmp, p, name) for name, p in paths.items()}


def test_suggestions_with_the_same_members_match_the_accepted_codes(runs):
    r = runs["plain"]
    with sqlite3.connect(r["project"]) as c:
        accepted = dict(
            c.execute(
                "SELECT json_extract(payload, '$.suggestion'), json_extract(payload, '$.name') "
                "FROM decisions WHERE action = 'accept' ORDER BY id"
            ).fetchall()
        )
    assert set(accepted) == {"S1", "S2"}
    by_members = {frozenset(s["members"]): s for s in r["second"]["suggestions"]}
    for s in r["first"]["suggestions"]:
        if s["id"] not in accepted:
            continue
        again = by_members[frozenset(s["members"])]  # same answers, same cluster
        m = again["matches"]
        assert m == {
            "code": accepted[s["id"]],
            "basis": "members",
            "share": 1.0,
            "answers": len(s["members"]),
            "of": len(s["members"]),
            "similarity": None,
        }


def test_every_match_is_the_member_overlap_recomputed_from_the_project(runs):
    r = runs["plain"]
    want = expected_matches(r["project"], r["second"])
    got = r["second"]["suggestions"]
    assert sum(m is not None for m in want.values()) >= 2
    for s in got:
        w = want[s["id"]]
        if w is None:
            assert s["matches"] is None, s["id"]
        else:
            m = s["matches"]
            assert (m["code"], m["answers"], m["of"]) == (w["code"], w["answers"], w["of"])
            assert m["share"] == pytest.approx(w["answers"] / w["of"], abs=1e-4)


def test_the_rerun_leaves_codebook_and_decision_log_as_they_were(runs):
    r = runs["plain"]
    assert r["before"] == r["after"]
    decisions, versions = r["after"]
    assert len(decisions) == 2
    assert versions
    with sqlite3.connect(r["project"]) as c:
        runs_ = c.execute("SELECT id FROM runs WHERE stage = 'suggest' ORDER BY id").fetchall()
    assert [x[0] for x in runs_] == ["suggest-1", "suggest-2"]


def test_the_table_and_review_show_the_matches(runs, tmp_path):
    r = runs["plain"]
    project = r["project"]
    doc = json.loads(ok(project, "review", "--list", "--json"))
    assert doc["run"] == "suggest-2"
    assert {s["id"]: s["matches"] for s in doc["suggestions"]} == {
        s["id"]: s["matches"] for s in r["second"]["suggestions"]
    }
    assert all(s["status"] == "pending" for s in doc["suggestions"])
    matched = [s for s in doc["suggestions"] if s["matches"]]
    m = matched[0]["matches"]
    text = ok(project, "review", "--list")
    assert f"existing code {m['code']!r} ({m['answers']} of {m['of']} answers)" in text
    shown = ok(project, "review", stdin="q\n")  # the first suggestion (S1) is matched
    first = doc["suggestions"][0]
    assert first["matches"]
    fm = first["matches"]
    assert f"matches existing code {fm['code']!r} ({fm['answers']} of {fm['of']} answers)" in shown


def test_the_stored_run_reloads_with_its_matches(runs):
    from autocode.project import open_store
    from autocode.suggest import load_result

    r = runs["plain"]
    with open_store(r["project"], create=False, readonly=True) as st:
        doc = load_result(st, "suggest-2")
    assert [s["matches"] for s in doc["suggestions"]] == [
        s["matches"] for s in r["second"]["suggestions"]
    ]


def test_same_input_in_another_row_order_gives_the_same_matches(runs):
    def keyed(doc):
        return {frozenset(s["members"]): s["matches"] for s in doc["suggestions"]}

    assert keyed(runs["plain"]["second"]) == keyed(runs["shuffled"]["second"])


def test_a_matched_suggestion_joins_its_code_in_one_step(tmp_path, example_survey):
    project = tmp_path / "p.db"
    first = json.loads(ok(project, "suggest", str(example_survey), *FAKE, "--json"))
    ok(project, "accept", "S1")
    doc = json.loads(ok(project, "suggest", str(example_survey), *FAKE, "--json"))
    mine, m = next((s, s["matches"]) for s in doc["suggestions"] if s["matches"])
    unmatched = next(s["id"] for s in doc["suggestions"] if not s["matches"])
    before = log_and_codebook(project)
    # refused in one line, nothing stored: no match, or --matched with --as
    for args in (
        ["accept", unmatched, "--matched"],
        ["accept", mine["id"], "--matched", "--as", "X"],
    ):
        bad = cli(project, *args)
        assert bad.returncode == 2
        assert bad.stderr.strip().startswith("error:")
        assert "Traceback" not in bad.stderr
        assert len(bad.stderr.strip().splitlines()) <= 2  # the message and its hint
    assert log_and_codebook(project) == before
    d = json.loads(ok(project, "accept", mine["id"], "--matched", "--json"))
    assert d["result"]["joined"] is True
    assert d["result"]["code"] == m["code"]
    with sqlite3.connect(project) as c:
        (content,) = c.execute(
            "SELECT content FROM codebook_versions ORDER BY rowid DESC LIMIT 1"
        ).fetchone()
        members = {
            str(x[0])
            for x in c.execute(
                "SELECT response_id FROM codings WHERE source = 'suggested' AND code = ?",
                (m["code"],),
            )
        }
    cb = json.loads(content)
    codes = [c["name"] for t in cb.get("themes", []) for c in t.get("codes", [])]
    codes += [c["name"] for c in cb.get("codes", [])]
    assert codes.count(m["code"]) == 1  # no new code: the members joined it
    old = next(s for s in first["suggestions"] if s["id"] == "S1")
    assert members == set(old["members"]) | set(mine["members"])
    assert d["result"]["size"] == len(members)
    listed = json.loads(ok(project, "review", "--json"))
    row = next(s for s in listed["suggestions"] if s["id"] == mine["id"])
    assert (row["status"], row["code"]) == ("accepted", m["code"])


# -- the rule itself, on hand-made vectors -------------------------------------------------
class _S:
    def __init__(self, sid, question, members):
        self.id, self.question, self.members = sid, question, members


def _codebook() -> Codebook:
    cb = Codebook(origin="test")
    cb.loose = [
        Code(name="Lack of time", definition="Not enough time.", questions=["q1"]),
        Code(name="Money", definition="Cost and pay."),
        Code(name="Other question only", questions=["q2"]),
    ]
    return cb.finalize()


def test_rule_share_threshold_scope_and_definition_basis():
    cb = _codebook()
    coded = {"lack of time": {"a", "b", "c"}, "other question only": {"a", "b", "c", "d"}}
    sugg = [
        _S("S1", "q1", ["a", "b", "c", "d"]),  # 3 of 4 carry Lack of time
        _S("S2", "q1", ["a", "x", "y", "z"]),  # 1 of 4: below half
        _S("S3", "q1", ["p", "r"]),  # nobody coded: definition basis, Money uncoded
    ]
    vec = {"p": np.array([1.0, 0.0]), "r": np.array([0.8, 0.6])}

    def centroid(members):
        known = [vec[m] for m in members if m in vec]
        return np.mean(known, axis=0) if known else None

    money = np.array([1.0, 0.3])
    got = match_suggestions(sugg, cb, coded, centroid, {"money": money})
    assert got["S1"] == {
        "code": "Lack of time",
        "basis": "members",
        "share": 0.75,
        "answers": 3,
        "of": 4,
        "similarity": None,
    }
    # 'Other question only' is carried by 4 of S1's answers but does not apply to q1
    assert got["S2"] is None
    c = np.mean([vec["p"], vec["r"]], axis=0)
    sim = float(c @ money / np.linalg.norm(c) / np.linalg.norm(money))
    assert sim >= DEFINITION_SIMILARITY
    assert got["S3"]["basis"] == "definition"
    assert got["S3"]["code"] == "Money"
    assert got["S3"]["similarity"] == pytest.approx(sim, abs=1e-4)
    far = match_suggestions(sugg[2:], cb, coded, centroid, {"money": np.array([-0.2, 1.0])})
    assert far["S3"] is None  # below the threshold
    assert match_suggestions(sugg, None, coded) == {"S1": None, "S2": None, "S3": None}


def test_a_study_with_a_scoped_codebook_and_human_codings(tmp_path):
    """Codes come from an imported codebook with question scopes and a human coder's
    codings: a match names a code of the suggestion's own question, carried by most of its
    members according to the coder's codings in the project file."""
    from _study_project import run, scope, study

    proj = study(tmp_path)
    assert run("codings", "import", tmp_path / "primary.csv", "--coder", "primary", "-p", proj) == 0
    before = log_and_codebook(proj)
    doc = json.loads(ok(proj, "suggest", *FAKE, "--min-cluster-size", "3", "--json"))
    assert log_and_codebook(proj) == before
    where = scope()
    with sqlite3.connect(proj) as c:
        cod = pd.read_sql_query(
            "SELECT c.response_id, c.code, r.question FROM codings c "
            "JOIN responses r ON r.id = c.response_id WHERE c.present = 1",
            c,
        )
    cod = cod[
        [q in where.get(code, set()) for code, q in zip(cod["code"], cod["question"], strict=True)]
    ]
    assert sum(s["matches"] is not None for s in doc["suggestions"]) >= 3
    for s in doc["suggestions"]:
        members = set(s["members"])
        counts = cod[cod["response_id"].isin(members)].drop_duplicates(["response_id", "code"])
        counts = counts["code"].value_counts()
        m = s["matches"]
        if counts.empty or counts.iloc[0] / len(members) < 0.5:
            assert m is None or m["basis"] == "definition", s["id"]
            continue
        assert m is not None, s["id"]
        assert s["question"] in where[m["code"]]
        assert (m["answers"], m["of"]) == (int(counts.iloc[0]), len(members))
        assert counts[m["code"]] == counts.iloc[0]  # one of the most carried codes
