"""Question wording from the export (Qualtrics, REDCap, SPSS) is stored and reported."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd

from autocode.io import read_responses
from autocode.project import open_store
from autocode.project.responses import question_labels, save_responses
from autocode.report.build import build_report

DATA = Path(__file__).parent / "data" / "io"


def _responses_table(report):
    return next(
        b for s in report.sections for b in s.blocks if getattr(b, "key", "") == "responses"
    )


def test_labels_stored_and_shown_in_the_report(tmp_path):
    rs = read_responses(DATA / "qualtrics.csv")
    with open_store(tmp_path / "p.db") as st:
        save_responses(st, rs)
        assert question_labels(st) == rs.question_labels
        table = _responses_table(build_report(st))
    assert table.columns[:2] == ["Question", "Question text"]
    rows = {r[0]: r[1] for r in table.rows}
    assert rows["Q2"] == "What is the biggest barrier to teaching on your ward?"


def test_reloading_updates_a_label_and_keeps_the_rest(tmp_path):
    rs = read_responses(DATA / "qualtrics.csv")
    with open_store(tmp_path / "p.db") as st:
        save_responses(st, rs)
        rs.question_labels["Q2"] = "Barriers to teaching?"
        save_responses(st, rs)
        got = question_labels(st)
    assert got["Q2"] == "Barriers to teaching?"
    assert set(got) == set(rs.question_labels)


def test_plain_csv_has_no_question_text_column(tmp_path):
    p = tmp_path / "s.csv"
    pd.DataFrame({"id": ["1", "2"], "comment": ["Kind staff", "Long wait"]}).to_csv(p, index=False)
    with open_store(tmp_path / "p.db") as st:
        save_responses(st, read_responses(p))
        assert question_labels(st) == {}
        table = _responses_table(build_report(st))
    assert "Question text" not in table.columns


def test_project_from_schema_1_is_migrated(tmp_path):
    from autocode.project.schema import _M1, MIGRATIONS

    p = tmp_path / "old.db"
    c = sqlite3.connect(p)  # a project as the first release wrote it: migration 1 only
    c.executescript(_M1)
    c.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at TEXT NOT NULL)"
    )
    c.execute("INSERT INTO schema_migrations VALUES (1, 'initial schema', 'x')")
    c.execute("INSERT INTO run_responses(run_id, response_id, status) VALUES ('s-1', 'a', 'x')")
    c.commit()
    c.close()
    with open_store(p) as st:
        assert st.schema_version() == max(v for v, _, _ in MIGRATIONS)
        save_responses(st, read_responses(DATA / "qualtrics.csv"))
        assert question_labels(st)["Q2"].startswith("What is the biggest barrier")
        row = st.conn.execute("SELECT status, group_id, kind FROM run_responses").fetchone()
        assert tuple(row) == ("x", None, None)  # old rows kept, new columns empty
