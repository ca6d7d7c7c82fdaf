"""Splitting with the real default embedding model (loaded from the installed package)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from _review_project import make_project

from autocode.cli import main
from autocode.embed import DEFAULT_MODEL_ID, get_embedder


@pytest.mark.slow
def test_split_with_the_default_model(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOCODE_USER", "ana")
    p = make_project(tmp_path / "p.db", model_id=DEFAULT_MODEL_ID)
    assert main(["split", "S4", "-p", str(p)]) == 0
    conn = sqlite3.connect(p)
    parts = json.loads(conn.execute("SELECT payload FROM decisions").fetchone()[0])["parts"]
    assert len(parts) == 2
    topics = [
        {"food" if "food" in m else "noise" for m in _texts(conn, part["members"])}
        for part in parts
    ]
    assert sorted(map(sorted, topics)) == [["food"], ["noise"]]  # a clean split
    # cached for the next time, under the fingerprinted id of the default model (a project
    # made before fingerprints names its suggest run with the bare id: still split with it)
    current = get_embedder(None).model_id
    assert current.startswith(DEFAULT_MODEL_ID + "@")
    n = conn.execute("SELECT COUNT(*) FROM embeddings WHERE model_id = ?", (current,))
    assert n.fetchone()[0] == 8
    # a second split of the same texts (another project file) is identical
    q = make_project(tmp_path / "q.db", model_id=DEFAULT_MODEL_ID)
    assert main(["split", "S4", "-p", str(q)]) == 0
    other = sqlite3.connect(q).execute("SELECT payload FROM decisions").fetchone()[0]
    assert json.loads(other)["parts"] == parts


def _texts(conn, ids):
    q = ",".join("?" * len(ids))
    return [
        r[0].lower() for r in conn.execute(f"SELECT text FROM responses WHERE id IN ({q})", ids)
    ]


@pytest.mark.slow
def test_split_a_run_recorded_with_the_fingerprinted_id(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOCODE_USER", "ana")
    p = make_project(tmp_path / "p.db", model_id=get_embedder(None).model_id)
    assert main(["split", "S4", "-p", str(p)]) == 0
