"""Scripted review sessions (accept/reject/merge/split/undo through the CLI) and bad input."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from _review_project import make_project, state_summary

from autocode.cli import main


@pytest.fixture
def proj(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOCODE_USER", "ana")
    return make_project(tmp_path / "p.db")


def run(proj, *args) -> int:
    return main([*args, "-p", str(proj)])


def snapshot(path) -> dict:
    """Everything a decision can touch."""
    conn = sqlite3.connect(path)
    try:
        return {
            t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("decisions", "codebook_versions", "codings", "suggestions", "themes")
        }
    finally:
        conn.close()


def test_session_ends_in_expected_codebook(proj, capsys):
    assert run(proj, "accept", "S1", "--as", "Staff attitude", "--theme", "People") == 0
    assert "accepted S1 as code 'Staff attitude' in theme 'People': 8 responses" in (
        capsys.readouterr().out
    )
    assert run(proj, "reject", "S5") == 0
    assert run(proj, "merge", "S2", "S3", "--as", "Access problems") == 0
    assert run(proj, "split", "S4", "--k", "2") == 0
    out = capsys.readouterr().out
    assert re.search(r"split S4 into S4a \(4\) '.+', S4b \(4\) '.+' \(decision #4\)", out)
    assert run(proj, "accept", "S4a", "--as", "Food") == 0
    assert run(proj, "accept", "S4b", "--as", "Noise", "--theme", "") == 0
    assert run(proj, "merge", "S1", "S6") == 0  # S6 joins the code S1 became
    assert run(proj, "undo") == 0  # undoes the merge
    assert run(proj, "merge", "S6", "S1", "--as", "Staff manner") == 0
    s = state_summary(proj)
    assert s["themes"] == {
        "People": ["Staff manner"],
        "Access": ["Access problems"],
        "Environment": ["Food"],
    }
    assert s["loose"] == ["Noise"]
    assert s["suggested"] == {"Staff manner": 16, "Access problems": 16, "Food": 4, "Noise": 4}
    assert s["human"] == 1  # the human coding is untouched

    capsys.readouterr()
    assert run(proj, "decisions", "--json") == 0
    log = json.loads(capsys.readouterr().out)
    assert [d["action"] for d in log] == [
        "accept",
        "reject",
        "merge",
        "split",
        "accept",
        "accept",
        "merge",
        "undo",
        "merge",
    ]
    assert {d["user"] for d in log} == {"ana"}
    assert log[6]["active"] is False
    assert log[7]["reverses"] == log[6]["id"]
    assert all(d["run"] == "suggest-1" for d in log if d["action"] != "undo")

    from autocode.codebook import load

    cb = load(proj)
    staff = cb.code("Staff manner")
    assert staff.provenance == {
        "run": "suggest-1",
        "suggestions": ["S1", "S6"],
        "question": "what_was_good",
    }
    assert staff.theme == "People"
    assert staff.examples


def test_codings_records_machine_suggestions(proj, capsys):
    run(proj, "accept", "S2", "--as", "Waiting")
    conn = sqlite3.connect(proj)
    rows = conn.execute(
        "SELECT code, coder, source, present, run_id FROM codings WHERE source='suggested'"
    ).fetchall()
    assert len(rows) == 8
    assert set(rows) == {("Waiting", "autocode", "suggested", 1, "suggest-1")}
    run(proj, "undo")
    assert conn.execute("SELECT COUNT(*) FROM codings WHERE source='suggested'").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM codings WHERE source='human'").fetchone()[0] == 1
    # undo of the undo restores the decision
    last = conn.execute("SELECT MAX(id) FROM decisions").fetchone()[0]
    assert run(proj, "undo", str(last)) == 0
    assert conn.execute("SELECT COUNT(*) FROM codings WHERE source='suggested'").fetchone()[0] == 8
    assert conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 3  # nothing deleted


def test_accept_defaults_to_label_and_candidate_theme(proj, capsys):
    assert run(proj, "accept", "S3", "S5") == 0
    s = state_summary(proj)
    assert s["themes"] == {"Environment": ["parking / car / park"]}
    assert s["loose"] == ["nothing / improve"]


def test_split_is_deterministic_and_chooses_k(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOCODE_USER", "ana")
    parts = []
    for name in ("a.db", "b.db"):
        p = make_project(tmp_path / name)
        assert main(["split", "S4", "-p", str(p)]) == 0
        conn = sqlite3.connect(p)
        parts.append(json.loads(conn.execute("SELECT payload FROM decisions").fetchone()[0]))
    assert parts[0] == parts[1]
    assert [x["id"] for x in parts[0]["parts"]] == ["S4a", "S4b"]  # silhouette picks k=2
    food = parts[0]["parts"][0]
    assert all("food" in e["text"].lower() for e in food["exemplars"])


def test_split_parts_can_be_split_again_and_merged(proj):
    assert run(proj, "split", "S4", "--k", "2") == 0
    assert run(proj, "merge", "S4a", "S4b", "--as", "Ward life") == 0
    assert state_summary(proj)["suggested"] == {"Ward life": 8}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["accept", "S99"], "no suggestion 'S99' in run suggest-1"),
        (["accept", "S1", "S99"], "no suggestion 'S99'"),
        (["reject", "S99"], "no suggestion 'S99'"),
        (["merge", "S2", "S2"], "cannot merge S2 with itself"),
        (["merge", "S2"], "at least two suggestions"),
        (["merge", "S2", "S77"], "no suggestion 'S77'"),
        (["split", "S77"], "no suggestion 'S77'"),
        (["split", "S4", "--k", "1"], "--k must be at least 2"),
        (["split", "S4", "--k", "20"], "too few to split"),
        (["accept", "S1", "S2", "--as", "X"], "--as names one code"),
        (["accept", "S1", "--run", "suggest-9"], "no suggest run 'suggest-9'"),
        (["undo", "999"], "no decision #999"),
        (["accept", "S4a"], "no suggestion 'S4a'"),
    ],
)
def test_bad_input_is_one_clear_error_and_changes_nothing(proj, capsys, args, message):
    run(proj, "accept", "S6")  # some state to protect
    capsys.readouterr()
    before = snapshot(proj)
    assert run(proj, *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert message in err
    assert err.count("\n") == 1
    assert snapshot(proj) == before


def test_deciding_twice_is_refused(proj, capsys):
    assert run(proj, "accept", "S1") == 0
    before = snapshot(proj)
    assert run(proj, "reject", "S1") == 2
    assert "S1 is already accepted (decision #1)" in capsys.readouterr().err
    assert run(proj, "accept", "S6", "--as", "Staff / friendly / KIND", "--theme", "X") == 2
    assert "a code named 'staff / friendly / kind' already exists in theme 'Staff'" in (
        capsys.readouterr().err
    )
    assert run(proj, "undo", "1") == 0
    capsys.readouterr()
    assert run(proj, "undo", "1") == 2
    assert "decision #1 is already undone" in capsys.readouterr().err
    assert snapshot(proj)["decisions"][:1] == before["decisions"]


def test_accepting_under_an_existing_name_joins_that_code(proj, capsys):
    assert run(proj, "accept", "S1", "--as", "Staff") == 0
    assert run(proj, "accept", "S6", "--as", "staff") == 0
    assert "accepted S6 into the existing code 'Staff' in theme 'Staff': 16 responses" in (
        capsys.readouterr().out
    )
    from autocode.codebook import load

    code = load(proj).code("Staff")
    assert code.provenance["suggestions"] == ["S1", "S6"]
    assert state_summary(proj)["suggested"] == {"Staff": 16}
    assert run(proj, "undo") == 0
    assert state_summary(proj)["suggested"] == {"Staff": 8}


def test_undo_out_of_order_voids_dependent_decisions(proj, capsys):
    run(proj, "split", "S4", "--k", "2")
    run(proj, "accept", "S4a", "--as", "Food")
    assert run(proj, "undo", "1") == 0  # the split goes; accepting S4a no longer applies
    assert state_summary(proj)["suggested"] == {}
    capsys.readouterr()
    assert run(proj, "decisions", "--json") == 0
    log = json.loads(capsys.readouterr().out)
    assert log[1]["void"]
    assert "no suggestion 'S4a'" in log[1]["void"]


def test_no_project_or_no_run(tmp_path, capsys):
    assert main(["accept", "S1", "-p", str(tmp_path / "none.db")]) == 2
    assert "no project at" in capsys.readouterr().err
    from autocode.project import open_store

    open_store(tmp_path / "empty.db").close()
    assert main(["reject", "S1", "-p", str(tmp_path / "empty.db")]) == 2
    assert "the project has no suggest run" in capsys.readouterr().err


def test_latest_run_is_the_default(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AUTOCODE_USER", "ana")
    p = make_project(tmp_path / "p.db")
    make_project(p, run_id="suggest-2")
    assert main(["accept", "S1", "-p", str(p), "--as", "New"]) == 0
    assert main(["accept", "S1", "-p", str(p), "--run", "suggest-1", "--as", "Old"]) == 0
    conn = sqlite3.connect(p)
    runs = dict(conn.execute("SELECT json_extract(payload,'$.name'), run_id FROM decisions"))
    assert runs == {"New": "suggest-2", "Old": "suggest-1"}


def test_user_flag_and_env(proj, monkeypatch):
    run(proj, "reject", "S1", "--user", "bo")
    monkeypatch.delenv("AUTOCODE_USER")
    run(proj, "reject", "S2")
    conn = sqlite3.connect(proj)
    users = [r[0] for r in conn.execute("SELECT user FROM decisions ORDER BY id")]
    assert users[0] == "bo"
    assert users[1]
    assert users[1] != "bo"


def test_library_split_with_injected_embedder(proj):
    from autocode import review
    from autocode.embed import HashEmbedder
    from autocode.project import open_store

    with open_store(proj) as store:
        d = review.split(store, "S4", embedder=HashEmbedder(32), user="x")
    assert sorted(len(p["members"]) for p in d.payload["parts"]) == [4, 4]


@pytest.mark.parametrize(
    "cmd",
    [
        ["review"],
        ["accept"],
        ["reject"],
        ["merge"],
        ["split"],
        ["undo"],
        ["decisions"],
        ["codebook"],
        ["codebook", "export"],
        ["codebook", "import"],
        ["codebook", "history"],
    ],
)
def test_every_command_has_help(cmd, capsys):
    assert main([*cmd, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage:" in out
    assert "--project" in out
    assert len(out.split("Options")[0].strip().splitlines()) >= 2  # a description


def test_decisions_table_and_run_filter(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AUTOCODE_USER", "ana")
    p = make_project(tmp_path / "p.db")
    make_project(p, run_id="suggest-2")
    main(["reject", "S1", "--run", "suggest-1", "-p", str(p)])
    main(["reject", "S2", "-p", str(p)])
    main(["undo", "-p", str(p)])
    capsys.readouterr()
    assert main(["decisions", "--run", "suggest-2", "--json", "-p", str(p)]) == 0
    log = json.loads(capsys.readouterr().out)
    assert [(d["action"], d["run"]) for d in log] == [
        ("reject", "suggest-2"),
        ("undo", "suggest-2"),
    ]
    assert main(["decisions", "-p", str(p)]) == 0
    out = capsys.readouterr().out
    assert "undone" in out
    assert "reverses #2" in out
    assert "ana" in out


def test_empty_run(tmp_path, monkeypatch, capsys):
    from autocode.project import open_store

    with open_store(tmp_path / "p.db") as store:
        rid = store.start_run("suggest", {})
        store.finish_run(rid)
    assert main(["review", "-p", str(tmp_path / "p.db")]) == 0
    assert "nothing left to review in suggest-1" in capsys.readouterr().out
    assert main(["decisions", "-p", str(tmp_path / "p.db")]) == 0
    assert "no decisions yet" in capsys.readouterr().out


def test_merge_theme_options(proj):
    assert run(proj, "merge", "S2", "S3", "--theme", "") == 0  # no theme
    assert state_summary(proj)["loose"] == ["waiting / times / long"]
    assert run(proj, "merge", "S2", "S4", "--theme", "Hospital") == 0  # moves the code
    s = state_summary(proj)
    assert s["themes"] == {"Hospital": ["waiting / times / long"]}
    assert s["loose"] == []
    assert s["suggested"] == {"waiting / times / long": 24}
