"""``autocode runs``: every run of the project, read-only."""

from __future__ import annotations

import json
import re

import pytest

from autocode.cli import main
from autocode.project import open_store

KEYS = {"id", "stage", "status", "started_at", "finished_at", "seed", "model_id", "params"}


@pytest.fixture
def project(tmp_path):
    """One finished suggest run (bundled example, hash embedder), one failed and one running."""
    p = tmp_path / "p.db"
    assert main(["suggest", "--example", "--model", "hash", "-p", str(p), "--json"]) == 0
    with open_store(p) as store:
        failed = store.start_run("code", {"band": 0.5, "seeds": "s.csv"}, seed=7, model_id="m")
        store.finish_run(failed, "failed")
        store.start_run("code", {"band": 1.0}, seed=None)
    return p


def test_json_lists_every_run_in_order_with_its_parameters(project, capsys):
    capsys.readouterr()
    assert main(["runs", "-p", str(project), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert list(doc) == ["runs"]
    runs = doc["runs"]
    assert [(r["id"], r["stage"], r["status"]) for r in runs] == [
        ("suggest-1", "suggest", "done"),
        ("code-1", "code", "failed"),
        ("code-2", "code", "running"),
    ]
    assert all(set(r) == KEYS for r in runs)
    s, f, r = runs
    assert s["model_id"] == "hash-embedder-v1-64"
    assert s["seed"] == 0
    assert s["params"]["questions"] == ["what_was_good", "what_could_we_do_better"]
    assert s["finished_at"] >= s["started_at"]
    assert f["params"] == {"band": 0.5, "seeds": "s.csv"}
    assert f["seed"] == 7
    assert r["finished_at"] is None
    assert r["seed"] is None


def test_table_shows_status_times_and_parameters(project, capsys):
    capsys.readouterr()
    assert main(["runs", "--project", str(project)]) == 0
    out = capsys.readouterr().out
    for text in ("suggest-1", "code-1", "code-2", "done", "failed", "running", "hash-embedder"):
        assert text in out
    assert "code-1: band=0.5 seeds=s.csv" in out
    row = next(line for line in out.splitlines() if line.startswith("suggest-1"))
    assert re.search(r"│ \d+ s", row)  # its duration, e.g. "3 s"


def test_stage_filter(project, capsys):
    capsys.readouterr()
    assert main(["runs", "-p", str(project), "--stage", "code", "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)["runs"]] == ["code-1", "code-2"]


def test_a_project_without_runs(tmp_path, capsys):
    p = tmp_path / "empty.db"
    open_store(p).close()
    assert main(["runs", "-p", str(p)]) == 0
    assert capsys.readouterr().out.strip() == "no runs yet"
    assert main(["runs", "-p", str(p), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"runs": []}


def test_missing_project_is_one_line_and_not_created(tmp_path, capsys):
    p = tmp_path / "none.db"
    assert main(["runs", "-p", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no project at")
    assert err.count("\n") == 1
    assert not p.exists()


def test_runs_does_not_write_to_the_project(project):
    before = project.read_bytes()
    assert main(["runs", "-p", str(project), "--json"]) == 0
    assert project.read_bytes() == before


def test_durations():
    from autocode.cli.runs import _took

    assert _took("2026-01-01T10:00:00+00:00", "2026-01-01T10:00:05+00:00") == "5 s"
    assert _took("2026-01-01T10:00:00+00:00", "2026-01-01T10:03:20+00:00") == "3 min 20 s"
    assert _took("2026-01-01T10:00:00+00:00", "2026-01-01T12:05:00+00:00") == "2 h 05 min"
    assert _took("2026-01-01T10:00:00+00:00", None) == ""
