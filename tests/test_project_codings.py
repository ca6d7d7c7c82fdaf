"""The study model's store (issue 12): named coders' coded answers, the machine's decisions
with per-cell flags, training answers, the final-coding rule, and the migration of older
projects into it."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from autocode.errors import InputError
from autocode.project import codings, open_store
from autocode.project.final import final_coding
from autocode.project.schema import MIGRATIONS
from autocode.project.sql import now_iso


def _answers(store, ids):
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO responses(id, respondent, question, text, text_hash) VALUES (?,?,?,?,?)",
            [(i, i, "q", f"text {i}", i) for i in ids],
        )


def test_a_coded_answer_with_no_code_is_kept_and_reimport_replaces(tmp_path):
    with open_store(tmp_path / "p.db") as store:
        _answers(store, ["a", "b", "c"])
        n = codings.replace_human(store, "alice", {"a": ["X", "Y"], "b": []})
        assert n == {"answers": 2, "codings": 2, "replaced": 0}
        units = codings.coded_units(store, ["alice"])
        assert sorted(units["response_id"]) == ["a", "b"]  # b: coded, no code applies
        n = codings.replace_human(store, "alice", {"a": ["Z"]})
        assert n["replaced"] == 1
        rows = codings.codings(store, ["alice"])
        assert sorted(zip(rows["response_id"], rows["code"], strict=True)) == [("a", "Z")]
        assert sorted(codings.coded_units(store, ["alice"])["response_id"]) == ["a", "b"]
        assert codings.human_coders(store) == ["alice"]
        assert codings.primary_coder(store) == "alice"


@pytest.mark.parametrize("name", ["autocode", "final", " Reconciled ", "", "a,b"])
def test_reserved_and_odd_coder_names_are_refused(name):
    with pytest.raises(InputError):
        codings.check_coder_name(name)


def test_machine_decisions_replace_only_the_machine_and_record_training(tmp_path):
    with open_store(tmp_path / "p.db") as store:
        _answers(store, ["a", "b"])
        codings.replace_human(store, "alice", {"a": ["X"]})
        cells = pd.DataFrame(
            [
                ("a", "X", True, False, 0.9),
                ("b", "X", False, True, 0.45),
                ("b", "Y", False, False, 0.1),
            ],
            columns=["id", "code", "present", "flagged", "confidence"],
        )
        codings.replace_machine(store, "code-1", ["a", "b"], cells)
        codings.record_training(store, "code-1", ["a"])
        m = codings.codings(store, ["autocode"])
        # an absent cell is kept only when it is flagged
        assert sorted(
            zip(m["response_id"], m["code"], m["present"], m["flagged"], strict=True)
        ) == [
            ("a", "X", True, False),
            ("b", "X", False, True),
        ]
        assert list(codings.status_words(m)) == ["coded", "absent"]
        assert codings.training_answers(store, ["code-1"]) == {"code-1": {"a"}}
        codings.replace_machine(store, "code-2", ["b"], cells.iloc[:0])
        assert len(codings.codings(store, ["alice"])) == 1  # the human's work untouched
        m = codings.codings(store, ["autocode"])
        assert list(m["response_id"]) == ["a"]


def test_final_coding_rule():
    units = pd.DataFrame(
        [
            ("1", "alice", "human"), ("1", "bob", "human"),        # agree
            ("2", "alice", "human"), ("2", "bob", "human"),        # disagree -> primary
            ("3", "alice", "human"), ("3", "bob", "human"), ("3", "reconciled", "human"),
            ("4", "autocode", "machine"),                          # machine only
            ("5", "bob", "human"), ("5", "autocode", "machine"),   # human wins
        ],
        columns=["response_id", "coder", "source"],
    )  # fmt: skip
    rows = [
        ("1", "A", "alice", "human", True, False), ("1", "A", "bob", "human", True, False),
        ("2", "A", "alice", "human", True, False), ("2", "B", "bob", "human", True, False),
        ("3", "A", "alice", "human", True, False), ("3", "C", "reconciled", "human", True, False),
        ("4", "D", "autocode", "machine", True, True),
        ("4", "E", "autocode", "machine", False, True),
        ("5", "B", "bob", "human", True, False), ("5", "D", "autocode", "machine", True, False),
        ("5", "A", "autocode", "suggested", True, False),
    ]  # fmt: skip
    df = pd.DataFrame(
        rows, columns=["response_id", "code", "coder", "source", "present", "flagged"]
    )
    f = final_coding(units, df, primary="bob")
    basis = dict(zip(f.units["response_id"], f.units["basis"], strict=True))
    assert basis == {"1": "human", "2": "primary", "3": "reconciled", "4": "machine", "5": "human"}
    got = sorted(zip(f.codings["response_id"], f.codings["code"], strict=True))
    assert got == [("1", "A"), ("2", "B"), ("3", "C"), ("4", "D"), ("5", "B")]
    assert dict(zip(f.units["response_id"], f.units["flagged"], strict=True))["4"]


def test_an_older_project_migrates_into_the_study_model(tmp_path):
    """A schema-4 project (statuses coded / needs_review / suggested / rejected; seeds as
    coder 'human') opens with coded answers, present/flagged cells and training answers."""
    p = tmp_path / "old.db"
    conn = sqlite3.connect(p, isolation_level=None)
    conn.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at TEXT NOT NULL)"
    )
    for version, name, step in MIGRATIONS[:4]:
        for stmt in str(step).split(";"):
            if stmt.strip():
                conn.execute(stmt)
        conn.execute("INSERT INTO schema_migrations VALUES (?,?,?)", (version, name, now_iso()))
    conn.execute(
        "INSERT INTO runs(id, stage, params, versions, started_at, status) "
        "VALUES ('code-1', 'code', '{}', '{}', ?, 'done')",
        (now_iso(),),
    )
    old = [
        ("a", "X", "human", "human", "coded"),
        ("a", "X", "autocode", "machine", "coded"),
        ("b", "Y", "autocode", "machine", "needs_review"),
        ("b", "Z", "autocode", "machine", "rejected"),
        ("c", "X", "autocode", "machine", "suggested"),
    ]
    conn.executemany(
        "INSERT INTO codings(response_id, code, coder, source, status, confidence, run_id, "
        "created_at) VALUES (?,?,?,?,?,0.5,'code-1',?)",
        [(*r, now_iso()) for r in old],
    )
    conn.close()
    with open_store(p) as store:
        rows = codings.codings(store, suggested=True)
        got = sorted(
            zip(rows["response_id"], rows["code"], rows["source"], rows["flagged"], strict=True)
        )
        assert got == [
            ("a", "X", "human", False),
            ("a", "X", "machine", False),
            ("b", "Y", "machine", True),
            ("c", "X", "suggested", False),
        ]  # the rejected machine coding is gone: it was never a coding
        units = codings.coded_units(store)
        assert sorted(zip(units["response_id"], units["coder"], strict=True)) == [
            ("a", "autocode"),
            ("a", "human"),
            ("b", "autocode"),
        ]
        # an old coding run trained on the human codings (conservatively: all of them)
        assert codings.training_answers(store, ["code-1"]) == {"code-1": {"a"}}
