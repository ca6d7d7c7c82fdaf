"""What mypy found when it was first run on src/ (issue 11 §7): values typed ``X | None``
that the code used as if they could not be None. Each test fails on the code before the fix.
"""

from __future__ import annotations

import numpy as np
import pytest

from autocode.classify.estimator import SeededCoder
from autocode.codebook.yaml_io import loads
from autocode.embed import SentenceTransformerEmbedder


class _ModelWithoutDimension:
    """A sentence-transformers model whose modules do not state their output width
    (``get_embedding_dimension()`` is then None, as sentence-transformers documents)."""

    def get_embedding_dimension(self):
        return None

    def encode(self, texts, **kw):
        return np.ones((len(texts), 5), dtype=np.float32)


def test_an_embedder_measures_the_width_a_model_does_not_state(tmp_path):
    (tmp_path / "modules.json").write_text("[]")
    emb = SentenceTransformerEmbedder(tmp_path)
    emb._model = _ModelWithoutDimension()  # loaded: what _load() would return
    assert emb.dim == 5  # was int(None): TypeError, an internal error for the user
    assert emb.encode(["a", "bb"]).shape == (2, 5)


def test_per_code_thresholds_of_a_single_label_coder_are_a_clear_error():
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.1, 0.9], [0.9, 0.1]])
    est = SeededCoder(threshold_cv=0).fit(X, np.array([0, 1, 0, 1]))
    assert est.thresholds_ is None
    with pytest.raises(ValueError, match="multi-label coder"):  # was a TypeError on None
        est.decide(est.predict_proba(X))
    assert list(est.predict(X)) == [0, 1, 0, 1]  # single-label prediction is unaffected


def test_a_set_member_named_in_yaml_stays_a_name_until_the_codebook_is_finalized():
    cb = loads(
        "name: study\n"
        "themes:\n"
        "  - name: Access\n"
        "    codes:\n"
        "      - name: Waiting\n"
        "sets:\n"
        "  - name: Key codes\n"
        "    codes: [Waiting]\n"
    )
    # before finalize the member is pending; the dictionary form names the code
    assert cb.to_dict()["sets"][0]["codes"] == ["Waiting"]  # was ("name", "Waiting")
    cb.finalize()
    guid = cb.code("Waiting").guid
    assert cb.sets[0].members == [guid]
    assert cb.to_dict()["sets"][0]["codes"] == ["Waiting"]
