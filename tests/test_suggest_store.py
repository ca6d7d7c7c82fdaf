"""A suggest run as stored in the project: responses, run record, suggestions, reload."""

from __future__ import annotations

import json

import pytest

from autocode.embed import HashEmbedder
from autocode.errors import NotFoundError
from autocode.io import read_responses
from autocode.store import open_store
from autocode.suggest import load_result, run_suggest
from autocode.suggest.run import result_to_json


def test_stored_run_reloads_as_the_same_document(tmp_path, example_survey):
    rs = read_responses(example_survey)
    with open_store(tmp_path / "p.db") as st:
        run_id, result, info = run_suggest(st, rs, HashEmbedder(64), seed=7)
        assert info["embedded"] > 0 and info["cached"] == 0
        fresh = result_to_json(run_id, result, "hash")
        stored = load_result(st)
        run = st.get_run(run_id)
    assert stored["run_id"] == run_id and run["status"] == "done" and run["seed"] == 7
    params = json.loads(run["params"])
    assert params["blanks"] == rs.blanks and params["cluster"]
    assert run["input_hash"] == rs.content_hash and run["model_id"] == "hash-embedder-v1-64"
    for a, b in zip(fresh["suggestions"], stored["suggestions"]):
        assert (a["id"], a["label"], a["keywords"], a["theme"]) == (
            b["id"],
            b["label"],
            b["keywords"],
            b["theme"],
        )
        assert sorted(a["members"]) == sorted(b["members"]) and a["exemplars"] == b["exemplars"]
    assert [t["suggestions"] for t in fresh["themes"]] == [
        t["suggestions"] for t in stored["themes"]
    ]
    assert sorted(fresh["unassigned"]) == sorted(stored["unassigned"])
    assert sorted(fresh["non_answers"]) == sorted(stored["non_answers"])
    assert stored["n_responses"] == fresh["n_responses"] == len(rs.responses)
    # the non-answer groups ("no answer", "nothing", "don't know") come back as they were
    assert fresh["non_answer_groups"] and stored["non_answer_groups"] == fresh["non_answer_groups"]


def test_no_run_is_a_clear_error(tmp_path):
    with open_store(tmp_path / "p.db") as st, pytest.raises(NotFoundError, match="no suggest run"):
        load_result(st)


def test_a_failed_run_is_marked_and_leaves_no_suggestions(tmp_path, example_survey):
    class Broken(HashEmbedder):
        def encode(self, texts, progress=None):
            raise RuntimeError("model crashed")

    rs = read_responses(example_survey)
    with open_store(tmp_path / "p.db") as st:
        with pytest.raises(RuntimeError):
            run_suggest(st, rs, Broken(16))
        assert st.conn.execute("SELECT status FROM runs").fetchone()[0] == "failed"
        assert st.conn.execute("SELECT COUNT(*) FROM suggestions").fetchone()[0] == 0
        assert st.latest_run("suggest") is None
