"""A suggest run as stored in the project: responses, run record, suggestions, reload."""

from __future__ import annotations

import json

import pytest

from autocode.embed import HashEmbedder
from autocode.errors import NotFoundError
from autocode.io import read_responses
from autocode.project import open_store
from autocode.suggest import load_result, run_suggest
from autocode.suggest.run import load_suggest_result, result_to_json


@pytest.mark.parametrize("question", [None, "what_was_good"])
def test_stored_run_reloads_as_the_same_document(tmp_path, example_survey, question):
    rs = read_responses(example_survey)
    emb = HashEmbedder(64)
    with open_store(tmp_path / "p.db") as st:
        run_id, result, info = run_suggest(
            st, rs, emb, seed=7, question=question, assign_outliers=True, outlier_threshold=0.3
        )
        assert info["embedded"] > 0
        assert info["cached"] == 0
        fresh = result_to_json(run_id, result, emb.model_id)
        stored = load_result(st)
        rid, reloaded, model_id = load_suggest_result(st, run_id)
        run = st.get_run(run_id)
    # the whole result, field by field (share, questions, assigned outliers, groups ...)
    assert (rid, model_id) == (run_id, emb.model_id)
    assert reloaded == result
    assert stored == fresh
    assert any(s["assigned_outliers"] for s in fresh["suggestions"])  # the case is covered
    assert fresh["non_answer_groups"]
    assert run["status"] == "done"
    assert run["seed"] == 7
    params = json.loads(run["params"])
    assert params["blanks"] == {q: rs.blanks[q] for q in params["questions"]}
    assert params["cluster"]
    assert run["input_hash"] == rs.content_hash


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
