"""`autocode code --tune`: SetFit-style fine-tuning of the embedding model on the seeds."""

from __future__ import annotations

import importlib.resources
import itertools
import json

import numpy as np
import pandas as pd
import pytest

from autocode.classify.evaluation import evaluate
from autocode.classify.pipeline import BookInfo, Corpus, SeedCheck
from autocode.classify.tune import combine, pairs_for
from autocode.errors import InputError, ModelError

DATA = importlib.resources.files("autocode") / "data"
SURVEY, BOOK = (str(DATA / f) for f in ("example_survey.csv", "example_codebook.csv"))


def test_pairs_are_balanced_per_code_and_correct():
    rng = np.random.default_rng(0)
    Y = np.zeros((30, 3), dtype=int)
    Y[:10, 0] = 1
    Y[5:20, 1] = 1
    Y[25, 2] = 1  # one positive: no pairs for code 2
    P = pairs_for(Y, 7, np.random.default_rng(1))
    assert len(P) == 2 * 7 * 2
    for i, j, t in P:
        shared = Y[i] & Y[j]
        if t == 1.0:
            assert i != j
            assert shared[:2].any()
        else:  # a positive of some code and a negative of that code
            assert any(Y[i, c] and not Y[j, c] for c in range(2))
    assert P == pairs_for(Y, 7, np.random.default_rng(1))  # seeded
    assert P != pairs_for(Y, 7, rng)
    assert pairs_for(np.zeros((5, 2), dtype=int), 3, rng) == []


def test_combine_keeps_the_two_blocks_and_unit_length():
    rng = np.random.default_rng(0)

    def unit(n, d):
        x = rng.normal(size=(n, d))
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    A = np.hstack([unit(4, 3), unit(4, 3)])  # [whole | sentence mean], base model
    B = np.hstack([unit(4, 5), unit(4, 5)])  # tuned model (another width on purpose)
    C = combine(A, B, wide=True)
    assert C.shape == (4, 16)
    assert C.dtype == np.float32
    r = np.sqrt(2)
    assert np.allclose(C[:, :3] * r, A[:, :3])
    assert np.allclose(C[:, 3:8] * r, B[:, :5])
    assert np.allclose(C[:, 8:11] * r, A[:, 3:])
    assert np.allclose(C[:, 11:] * r, B[:, 5:])
    assert np.allclose(np.linalg.norm(C[:, :8], axis=1), 1, atol=1e-5)  # whole block: unit
    D = combine(unit(2, 3), unit(2, 5), wide=False)
    assert D.shape == (2, 8)
    assert np.allclose(np.linalg.norm(D, axis=1), 1, atol=1e-5)
    assert combine(None, B, True) is None


def test_evaluate_refreshes_vectors_from_each_folds_training_seeds_only():
    """--tune --evaluate: the tuned vectors of a fold never see that fold's test seeds."""
    rng = np.random.default_rng(0)
    n, k = 60, 3
    E = rng.normal(size=(n, 8)).astype(np.float32)
    Y = np.zeros((n, k), dtype=int)
    Y[np.arange(n), np.arange(n) % k] = 1
    corpus = Corpus([f"r{i}" for i in range(n)], [f"text {i}" for i in range(n)], [""] * n)
    book = BookInfo(["a", "b", "c"], ["a.", "b.", "c."], [[], [], []], False, "d")
    chk = SeedCheck(np.arange(40), Y[:40])
    D = rng.normal(size=(k, 8)).astype(np.float32)
    seen = []

    def refresh(rows, Yf):
        seen.append(set(rows.tolist()))
        assert np.array_equal(Yf, Y[rows])
        return E * 2, D, None

    res = evaluate(corpus, E, book, chk, D, folds=4, refresh=refresh)
    assert len(seen) == 4
    assert res["folds"] == 4
    assert all(len(s) == 30 for s in seen)  # 3 of 4 folds of the 40 seeds
    held = [set(range(40)) - s for s in seen]
    assert set().union(*held) == set(range(40))  # every seed tested once, never tuned on


def test_tune_refused_with_hash_embedder_or_load(tmp_path, seeds):
    from autocode.classify.api import code

    with pytest.raises(InputError, match="sentence-transformers"):
        code(tmp_path / "p.db", SURVEY, codebook=BOOK, seeds=seeds, model="hash", tune=True)
    with pytest.raises(InputError, match="--load"):
        code(tmp_path / "p.db", SURVEY, codebook=BOOK, seeds=seeds, load=tmp_path, tune=True)


@pytest.mark.slow
def test_tuned_coder_codes_saves_loads_and_ranks(tmp_path, seeds):
    """The real model, tuned briefly (2 pairs per code): coding, the saved tuned encoder, a
    --load round trip with identical output, `next` on the tuned coder, refusals."""
    from autocode.classify.api import code, next_batch
    from autocode.classify.persist import read_manifest
    from autocode.classify.tune import load_tuned
    from autocode.embed import SentenceTransformerEmbedder

    db = tmp_path / "p.db"
    small = {"pairs": 2}
    out1 = tmp_path / "m1.csv"
    res = code(db, SURVEY, codebook=BOOK, seeds=seeds, tune=small, out=out1)
    folder = res["model_dir"]
    man = read_manifest(folder)
    entry = man["tuned_encoder"]
    assert entry["params"]["pairs"] == 2
    assert entry["params"]["lr"] == 2e-4
    assert entry["model_id"].startswith(man["embedding_model_id"] + "+tuned:")
    base = SentenceTransformerEmbedder()
    tuned = load_tuned(base, folder, entry)
    texts = ["The nurses were kind.", "The food was cold."]
    assert not np.allclose(tuned.encode(texts), base.encode(texts), atol=1e-3)  # it moved
    assert man["estimator"]["n_features_in"] > 0
    assert pd.read_csv(out1)["id"].nunique() == 407

    # the saved coder brings its tuned encoder back: identical codings
    out2 = tmp_path / "m2.csv"
    code(db, SURVEY, codebook=BOOK, load=folder, out=out2)
    pd.testing.assert_frame_equal(pd.read_csv(out1), pd.read_csv(out2))
    sheet = next_batch(db, n=5, codebook=BOOK, seeds=seeds, load=folder)
    assert len(sheet) == 5
    assert not set(sheet["id"]) & set(pd.read_csv(seeds)["id"])

    # tampered weights are refused, not silently used
    from safetensors.torch import load_file, save_file

    f = tmp_path / "m1" / "encoder.safetensors"
    (tmp_path / "m1").mkdir()
    tuned.save(tmp_path / "m1")
    state = load_file(str(f))
    key = sorted(state)[3]
    state[key] = state[key] + 0.01
    save_file(state, str(f))
    with pytest.raises(ModelError, match="does not hold the weights"):
        load_tuned(base, tmp_path / "m1", entry)
    with pytest.raises(ModelError, match="tuned from"):
        load_tuned(base, folder, {**entry, "base_model_id": "local:other:123"})
    run = json.loads(
        __import__("sqlite3")
        .connect(db)
        .execute("SELECT params FROM runs WHERE id = ?", (res["run_id"],))
        .fetchone()[0]
    )
    assert run["tune"] == small
    assert run["tuned_model_id"] == entry["model_id"]


@pytest.mark.slow
def test_tuning_is_seeded_and_needs_two_seeds_of_a_code():
    from autocode.classify.tune import tune
    from autocode.embed import SentenceTransformerEmbedder

    base = SentenceTransformerEmbedder()
    texts = ["kind nurses", "caring staff", "rude doctor", "cold food", "late bus", "no parking"]
    Y = np.array([[1, 0], [1, 0], [0, 0], [0, 1], [0, 1], [0, 0]])
    a = tune(base, texts, Y, seed=3, params={"pairs": 2})
    b = tune(base, texts, Y, seed=3, params={"pairs": 2})
    c = tune(base, texts, Y, seed=4, params={"pairs": 2})
    assert a.model_id == b.model_id != c.model_id != base.model_id
    assert np.array_equal(a.encode(texts), b.encode(texts))
    with pytest.raises(InputError, match="two or more seeds"):
        tune(base, texts, np.eye(6, 2, dtype=int), params={"pairs": 2})


def test_batches_keep_every_pair_once_and_group_by_length():
    from autocode.classify.tune import batches

    rng = np.random.default_rng(0)
    lengths = [int(x) for x in rng.integers(3, 120, size=40)]
    pairs = pairs_for(np.eye(40, 4, dtype=int) + np.eye(40, 4, k=-4, dtype=int), 9, rng)
    plain = batches(pairs, lengths, 5, False, np.random.default_rng(1))
    assert [p for b in plain for p in b] == pairs  # today's recipe: slices in order
    assert all(len(b) == 5 for b in plain[:-1])
    grouped = batches(pairs, lengths, 5, True, np.random.default_rng(1))
    assert sorted(p for b in grouped for p in b) == sorted(pairs)
    assert grouped == batches(pairs, lengths, 5, True, np.random.default_rng(1))  # seeded
    width = [max(max(lengths[i], lengths[j]) for i, j, _ in b) for b in grouped]
    low = [min(max(lengths[i], lengths[j]) for i, j, _ in b) for b in grouped]
    # batches are runs of the length order: no batch's range overlaps another's inside
    ranges = sorted(zip(low, width, strict=True))
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(ranges))
    # and padding is far below the ungrouped one (each batch pads to its longest text)
    plain_width = [max(max(lengths[i], lengths[j]) for i, j, _ in b) for b in plain]
    assert sum(width) < 0.8 * sum(plain_width)
    assert width != sorted(width)  # the batches are shuffled, not shortest first


@pytest.mark.slow
def test_frozen_parts_stay_and_whole_answer_vectors_stand_in_for_sentences():
    import torch

    from autocode.classify.tune import tune, tuned_vectors
    from autocode.classify.vectors import response_vectors
    from autocode.embed import SentenceTransformerEmbedder

    base = SentenceTransformerEmbedder()
    texts = ["kind nurses. Lovely.", "caring staff", "rude doctor", "cold food", "late bus"]
    Y = np.array([[1, 0], [1, 0], [0, 0], [0, 1], [0, 1]])
    ref = {k: v.clone() for k, v in base._load().state_dict().items()}
    prm = {"pairs": 2, "freeze_embeddings": True, "freeze_layers": 1, "sentences": False}
    t = tune(base, texts, Y, seed=1, params=prm)
    st = t._load().state_dict()
    emb = [k for k in st if ".embeddings." in k]
    lay0 = [k for k in st if ".encoder.layer.0." in k]
    lay1 = [k for k in st if ".encoder.layer.1." in k]
    assert emb
    assert lay0
    assert lay1
    assert all(torch.equal(st[k], ref[k]) for k in emb + lay0)
    assert any(not torch.equal(st[k], ref[k]) for k in lay1)
    assert all(p.requires_grad for p in t._load().parameters())  # nothing left frozen
    u = tune(base, texts, Y, seed=1, params={"pairs": 2})  # today's recipe: all of it moves
    assert any(not torch.equal(u._load().state_dict()[k], ref[k]) for k in emb)
    V = tuned_vectors(texts, t)
    whole = t.encode(texts)
    assert np.allclose(V[:, :384], whole, atol=1e-6)
    assert np.allclose(V[:, 384:], whole, atol=1e-6)
    W = tuned_vectors(texts, u)
    assert np.allclose(W, response_vectors(texts, u), atol=1e-6)
    assert not np.allclose(W[0, 384:], W[0, :384], atol=1e-3)  # two sentences: their mean
