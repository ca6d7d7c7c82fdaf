"""``autocode reconcile`` through the real CLI (a subprocess), on the synthetic faculty survey
with two coders (tests/data/study). Expected values are recomputed from the files with pandas
and read back from the project with sqlite3, never with autocode's own functions."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from _study_project import DATA, QUESTIONS, coding, run, scope, stored, study, table_counts

PRIMARY = coding(DATA / "primary.csv")
SECONDARY = coding(DATA / "secondary.csv")
DISAGREE = sorted(a for a in PRIMARY if PRIMARY[a] != SECONDARY.get(a, set()))


def cli(*args: object, stdin: str | None = None, user: str = "ana") -> subprocess.CompletedProcess:
    env = {**os.environ, "AUTOCODE_USER": user}
    return subprocess.run(
        [sys.executable, "-m", "autocode", *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def ok(*args: object, **kw) -> subprocess.CompletedProcess:
    r = cli(*args, **kw)
    assert r.returncode == 0, r.stderr
    return r


def refused(*args: object, **kw) -> str:
    """The one line a refused command prints (exit non-zero, no traceback)."""
    r = cli(*args, **kw)
    assert r.returncode != 0, r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: "), r.stderr
    return lines[0]


def open_items(proj: Path) -> list[dict]:
    return json.loads(ok("reconcile", "--list", "--json", "-p", proj).stdout)


def final(proj: Path) -> dict[str, tuple[str, set[str]]]:
    """answer id -> (basis, codes) of the final coding, as the project computes it."""
    from autocode.project import open_store
    from autocode.project.final import load_final

    with open_store(proj, create=False, readonly=True) as store:
        f = load_final(store)
    codes: dict[str, set[str]] = {}
    for rid, code in zip(f.codings["response_id"], f.codings["code"], strict=True):
        codes.setdefault(rid, set()).add(code)
    units = zip(f.units["response_id"], f.units["basis"], strict=True)
    return {r: (b, codes.get(r, set())) for r, b in units}


@pytest.fixture(scope="module")
def _two(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("two")
    proj = study(d)
    assert run("codings", "import", d / "primary.csv", "--coder", "primary", "-p", proj) == 0
    assert run("codings", "import", d / "secondary.csv", "--coder", "secondary", "-p", proj) == 0
    return proj


@pytest.fixture
def two(_two: Path, tmp_path: Path) -> Path:
    """The survey, its codebook and both coders' codings (a fresh copy for each test)."""
    proj = tmp_path / "study.db"
    shutil.copy(_two, proj)
    return proj


def texts() -> dict[str, str]:
    raw = pd.read_csv(DATA / "faculty_survey_raw.csv", dtype=str, keep_default_na=False)
    long = raw.melt(id_vars="record_id", value_vars=QUESTIONS)
    cols = zip(long["record_id"], long["variable"], long["value"], strict=True)
    return {f"{r}:{q}": v for r, q, v in cols}


# -- listing ------------------------------------------------------------------------------
def test_list_json_is_exactly_the_disagreements(two):
    assert len(DISAGREE) > 5  # the fixture data has real disagreements
    items = open_items(two)
    assert sorted(i["id"] for i in items) == DISAGREE
    where = texts()
    sc = scope()
    for i in items:
        rid, q = i["id"], i["id"].split(":", 1)[1]
        assert i["kind"] == "disagreement"
        assert i["question"] == q
        assert " ".join(i["text"].split()) == " ".join(where[rid].split())
        assert set(i["codes"]) == {"primary", "secondary"}
        assert set(i["codes"]["primary"]) == PRIMARY[rid]
        assert set(i["codes"]["secondary"]) == SECONDARY[rid]
        assert all(q in sc[c] for cs in i["codes"].values() for c in cs)
    text = ok("reconcile", "--list", "-p", two).stdout
    assert f"{len(DISAGREE)} disagreements, 0 flagged cells open" in text


def test_nothing_to_reconcile_with_one_coder(tmp_path):
    proj = study(tmp_path)
    assert run("codings", "import", tmp_path / "primary.csv", "--coder", "primary", "-p", proj) == 0
    assert open_items(proj) == []
    assert "nothing to reconcile" in ok("reconcile", "--list", "-p", proj).stdout


# -- take, answer, undo, file -------------------------------------------------------------
def test_take_primary_makes_final_equal_primary_and_agree_works(two):
    r = ok("reconcile", "--take", "primary", "--json", "-p", two)
    doc = json.loads(r.stdout)
    assert sorted(doc["answers"]) == DISAGREE
    assert doc["open"] == 0
    assert open_items(two) == []
    # the stored reconciled coding (sqlite3) is primary's coding of the disagreements
    assert stored(two, "reconciled") == {a: PRIMARY[a] for a in DISAGREE}
    fin = final(two)
    assert {a: codes for a, (_, codes) in fin.items()} == PRIMARY
    assert {a for a, (b, _) in fin.items() if b == "reconciled"} == set(DISAGREE)
    assert {b for a, (b, _) in fin.items() if a not in DISAGREE} == {"human"}
    for coders in ("primary,reconciled", "reconciled,secondary"):
        a = json.loads(ok("agree", "--coders", coders, "--json", "-p", two).stdout)
        assert a["n_units"] == len(DISAGREE)
    same = json.loads(ok("agree", "--coders", "primary,reconciled", "--json", "-p", two).stdout)
    assert same["overall"]["pooled"]["percent_agreement"]["value"] == 1.0
    # a second take finds nothing open and stores nothing
    before = table_counts(two)
    assert "no open disagreement" in ok("reconcile", "--take", "primary", "-p", two).stdout
    assert table_counts(two) == before


def test_answer_codes_undo_and_no_code(two):
    rid = DISAGREE[0]
    q = rid.split(":", 1)[1]
    pick = sorted(c for c, qs in scope().items() if q in qs)[:2]
    typed = ";".join(c.upper() for c in pick)  # codes are matched like the codebook does
    r = ok("reconcile", "--answer", rid, "--codes", typed, "-p", two)
    assert f"settled {rid}" in r.stdout
    assert stored(two, "reconciled") == {rid: set(pick)}
    assert final(two)[rid] == ("reconciled", set(pick))
    assert rid not in {i["id"] for i in open_items(two)}
    # no code applies
    other = DISAGREE[1]
    ok("reconcile", "--answer", other, "--codes", "", "-p", two)
    assert stored(two, "reconciled") == {rid: set(pick), other: set()}
    assert final(two)[other] == ("reconciled", set())
    # undo: the latest first, and the final coding follows at once
    assert "undid" in ok("reconcile", "--undo", "-p", two).stdout
    assert stored(two, "reconciled") == {rid: set(pick)}
    assert final(two)[other] == ("primary", PRIMARY[other])
    ok("reconcile", "--undo", "-p", two)
    assert stored(two, "reconciled") == {}
    assert final(two)[rid] == ("primary", PRIMARY[rid])
    assert sorted(i["id"] for i in open_items(two)) == DISAGREE
    assert refused("reconcile", "--undo", "-p", two).startswith("error: no reconcile decision")
    # another user's decisions are theirs to undo
    ok("reconcile", "--answer", rid, "--codes", "", "-p", two, user="bo")
    refused("reconcile", "--undo", "-p", two, user="ana")
    ok("reconcile", "--undo", "-p", two, user="bo")
    assert stored(two, "reconciled") == {}


def test_answer_take_one_coder(two):
    rid = DISAGREE[0]
    ok("reconcile", "--answer", rid, "--take", "secondary", "-p", two)
    assert stored(two, "reconciled") == {rid: SECONDARY[rid]}
    assert final(two)[rid] == ("reconciled", SECONDARY[rid])


def test_file_settles_many_and_undo_reverses_the_file(two, tmp_path):
    a, b, c = DISAGREE[:3]
    rb, qb = b.split(":", 1)
    f = tmp_path / "decisions.csv"
    pd.DataFrame(
        {
            "id": [a, rb, c],
            "question": ["", qb, ""],
            "codes": [";".join(sorted(SECONDARY[a])), ";".join(sorted(PRIMARY[b])), ""],
        }
    ).to_csv(f, index=False)
    r = ok("reconcile", "--file", f, "--json", "-p", two)
    assert sorted(json.loads(r.stdout)["answers"]) == sorted([a, b, c])
    assert stored(two, "reconciled") == {a: SECONDARY[a], b: PRIMARY[b], c: set()}
    assert len(open_items(two)) == len(DISAGREE) - 3
    ok("reconcile", "--undo", "-p", two)  # one decision: the whole file
    assert stored(two, "reconciled") == {}
    assert len(open_items(two)) == len(DISAGREE)


# -- interactive ----------------------------------------------------------------------------
def test_interactive_session_through_piped_stdin(two):
    first, second, third = [i["id"] for i in open_items(two)][:3]
    q3 = third.split(":", 1)[1]
    code3 = sorted(c for c, qs in scope().items() if q3 in qs)[0]
    keys = "\n".join(["1", "k", "c", code3, "2", "u", "x", "q"]) + "\n"
    r = ok("reconcile", "-p", two, stdin=keys)
    # 1: take primary for the first, skip the second, type codes for the third,
    # take secondary for the fourth, undo it, an unknown key, quit
    assert f"settled {first}" in r.stdout
    assert f"skipped {second}" in r.stdout
    assert "keys:" in r.stdout
    assert "4 decisions recorded this session" in r.stdout
    assert stored(two, "reconciled") == {first: PRIMARY[first], third: {code3}}
    # resumes where it stopped: the skipped one comes back
    r = ok("reconcile", "-p", two, stdin="q\n")
    assert r.stdout.split(" · disagreement")[0].endswith(" " + second)  # shown first now


def test_interactive_refuses_a_bad_code_and_goes_on(two):
    first = open_items(two)[0]["id"]
    r = ok("reconcile", "-p", two, stdin="c\nNo such code\n1\nq\n")
    assert "is not in the codebook" in r.stdout
    assert stored(two, "reconciled") == {first: PRIMARY[first]}


def test_interactive_ends_at_eof(two):
    r = ok("reconcile", "-p", two, stdin="")
    assert "0 decisions recorded" in r.stdout


# -- refusals ---------------------------------------------------------------------------------
def _barriers_code() -> str:
    return next(c for c, qs in scope().items() if qs == {"mentor_barriers"})


def _skills_id() -> str:
    return next(a for a in DISAGREE if a.endswith(":mentor_skills"))


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (lambda: ["--answer", _skills_id(), "--codes", _barriers_code()], "does not apply"),
        (lambda: ["--answer", _skills_id(), "--codes", "Listening;Nope"], "is not in the codebook"),
        (lambda: ["--answer", _skills_id(), "--codes", "What makes a good mentor"], "is a theme"),
        (lambda: ["--answer", "999:mentor_skills", "--codes", ""], "no answer '999:mentor_skills'"),
        (lambda: ["--take", "nobody"], "no coder 'nobody'"),
        (lambda: ["--codes", "Listening"], "--codes needs --answer"),
        (lambda: ["--answer", _skills_id()], "--answer needs"),
        (lambda: ["--list", "--undo"], "choose one of"),
        (lambda: ["--answer", _skills_id(), "--present", "Listening"], "coded by human coders"),
    ],
)
def test_refused_with_one_line_and_nothing_stored(two, args, says):
    before = table_counts(two)
    line = refused("reconcile", *args(), "-p", two)
    assert says in line
    assert table_counts(two) == before


def test_bad_file_rows_are_refused_and_nothing_stored(two, tmp_path):
    before = table_counts(two)
    good = next(a for a in DISAGREE if not a.endswith(":mentor_skills"))
    cases = {
        "unknown.csv": f"id,codes\n{good},\nnope:mentor_skills,\n",
        "scope.csv": f"id,codes\n{good},\n{_skills_id()},{_barriers_code()}\n",
        "twice.csv": f"id,codes\n{good},\n{good},\n",
        "columns.csv": "answer,code\nx,y\n",
    }
    says = {
        "unknown.csv": "row 3: no answer 'nope:mentor_skills'",
        "scope.csv": "row 3: code",
        "twice.csv": "row 3: answer",
        "columns.csv": "needs columns id and codes",
    }
    for name, body in cases.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
        assert says[name] in refused("reconcile", "--file", tmp_path / name, "-p", two), name
    assert "no such file" in refused("reconcile", "--file", tmp_path / "none.csv", "-p", two)
    assert table_counts(two) == before


# -- the log ------------------------------------------------------------------------------------
def test_log_holds_reconcile_rows_and_review_replay_keeps_working(two):
    ok("reconcile", "--take", "primary", "-p", two)
    ok("reconcile", "--undo", "-p", two)
    ok("reconcile", "--answer", DISAGREE[0], "--codes", "", "-p", two)
    con = sqlite3.connect(two)
    rows = con.execute("SELECT action, reverses FROM decisions ORDER BY id").fetchall()
    con.close()
    assert [a for a, _ in rows] == ["import", "reconcile", "undo", "reconcile"]
    decs = json.loads(ok("decisions", "--json", "-p", two).stdout)
    rec = [d for d in decs if d["action"] == "reconcile"]
    assert [d["active"] for d in rec] == [False, True]
    assert all(d["void"] is None for d in decs)
    # `autocode undo` (the review's) reverses it in the log; reconcile sees it at once
    ok("undo", "-p", two)
    assert DISAGREE[0] in {i["id"] for i in open_items(two)}
    # ... and the stored reconciled coding (so the final coding) follows at once
    assert stored(two, "reconciled") == {}
    ok("reconcile", "--answer", DISAGREE[1], "--codes", "", "-p", two)
    assert stored(two, "reconciled") == {DISAGREE[1]: set()}
    summaries = [d["summary"] for d in json.loads(ok("decisions", "--json", "-p", two).stdout)]
    assert f"{DISAGREE[1]} → no code" in summaries
    assert any(s.startswith("15 answers") for s in summaries)


# -- the machine's flagged cells ------------------------------------------------------------
A, B, C = "1:mentor_barriers", "2:mentor_barriers", "3:mentor_barriers"
CELLS = [  # answer, code, present, flagged, confidence
    (A, "Lack of time", True, False, 0.95),
    (A, "Clinical workload", True, True, 0.55),
    (A, "Burnout", False, True, 0.45),
    (B, "Lack of time", True, False, 0.9),
    (C, "No recognition", False, True, 0.48),
]


@pytest.fixture
def machine(tmp_path: Path) -> Path:
    """primary coded the mentor_skills answers; the machine coded three barriers answers."""
    from autocode.project import codings, open_store

    proj = study(tmp_path)
    df = pd.read_csv(DATA / "primary.csv", dtype=str, keep_default_na=False)
    df[df["question"] == "mentor_skills"].to_csv(tmp_path / "skills.csv", index=False)
    assert run("codings", "import", tmp_path / "skills.csv", "--coder", "primary", "-p", proj) == 0
    cells = pd.DataFrame(CELLS, columns=["id", "code", "present", "flagged", "confidence"])
    with open_store(proj, create=False) as store:
        rid = store.start_run("code", {})
        codings.replace_machine(store, rid, [A, B, C], cells)
        codings.record_training(store, rid, [a for a in PRIMARY if a.endswith(":mentor_skills")])
        store.finish_run(rid)
    return proj


def test_flagged_cells_listed_confirmed_and_undone(machine):
    items = open_items(machine)
    want = [(a, c, p, f) for a, c, p, fl, f in CELLS if fl]
    assert [(i["id"], i["code"], i["present"], i["confidence"]) for i in items] == want
    assert {i["kind"] for i in items} == {"flagged"}
    assert items[0]["codes"] == {"autocode": ["Lack of time", "Clinical workload"]}
    assert final(machine)[A] == ("machine", {"Lack of time", "Clinical workload"})

    ok("reconcile", "--answer", A, "--absent", "clinical workload", "-p", machine)
    assert stored(machine, "reconciled") == {A: {"Lack of time"}}
    assert final(machine)[A] == ("reconciled", {"Lack of time"})
    assert [(i["id"], i["code"]) for i in open_items(machine)] == [
        (A, "Burnout"),
        (C, "No recognition"),
    ]
    ok("reconcile", "--answer", A, "--present", "Burnout", "-p", machine)
    assert stored(machine, "reconciled") == {A: {"Lack of time", "Burnout"}}
    a = json.loads(ok("agree", "--coders", "reconciled,autocode", "--json", "-p", machine).stdout)
    assert a["n_units"] == 1
    # undoing the later cell takes back that cell only
    ok("reconcile", "--undo", "-p", machine)
    assert stored(machine, "reconciled") == {A: {"Lack of time"}}
    ok("reconcile", "--undo", "-p", machine)
    assert stored(machine, "reconciled") == {}
    assert final(machine)[A] == ("machine", {"Lack of time", "Clinical workload"})
    assert len(open_items(machine)) == 3
    # interactive: (n) absent, skip, (y) present
    r = ok("reconcile", "-p", machine, stdin="n\nk\ny\nq\n")
    assert "flagged cell: Clinical workload" in r.stdout
    assert stored(machine, "reconciled") == {A: {"Lack of time"}, C: {"No recognition"}}
    assert final(machine)[C] == ("reconciled", {"No recognition"})
    assert [(i["id"], i["code"]) for i in open_items(machine)] == [(A, "Burnout")]
    # a whole answer settled with --codes settles its flagged cells too
    ok("reconcile", "--answer", A, "--codes", "Burnout", "-p", machine)
    assert open_items(machine) == []
    assert final(machine)[A] == ("reconciled", {"Burnout"})


def test_flagged_cell_refusals(machine):
    before = table_counts(machine)
    assert "does not apply" in refused(
        "reconcile", "--answer", A, "--present", "Listening", "-p", machine
    )
    assert "nobody coded it" in refused(
        "reconcile", "--answer", "9:mentor_barriers", "--absent", "Burnout", "-p", machine
    )
    assert "--present/--absent" in refused("reconcile", "--present", "Burnout", "-p", machine)
    assert "choose one of" in refused(
        "reconcile", "--answer", A, "--present", "Burnout", "--absent", "Burnout", "-p", machine
    )
    assert table_counts(machine) == before


def test_undoing_the_undo_of_a_reconcile_brings_the_reconciled_coding_back(two):
    rid = DISAGREE[0]
    ok("reconcile", "--answer", rid, "--take", "secondary", "-p", two)
    assert stored(two, "reconciled") == {rid: SECONDARY[rid]}
    # `autocode undo` (the general one) reverses the reconcile decision, then its own undo
    first = json.loads(ok("undo", "--json", "-p", two).stdout)
    assert stored(two, "reconciled") == {}
    assert final(two)[rid] == ("primary", PRIMARY[rid])
    ok("undo", str(first["id"]), "--json", "-p", two)
    assert stored(two, "reconciled") == {rid: SECONDARY[rid]}
    assert final(two)[rid] == ("reconciled", SECONDARY[rid])
