"""Sentence-mean response vectors and self-training on uncoded responses (issue 5)."""

from __future__ import annotations

import importlib.resources

import numpy as np
import pytest

from autocode.classify.estimator import SeededCoder
from autocode.classify.persist import load_model, save_model
from autocode.classify.pipeline import BookInfo, Corpus, check_seeds, train
from autocode.classify.seeds import read_seeds
from autocode.classify.vectors import response_vectors, split_sentences, widen
from autocode.codebook import load as load_codebook
from autocode.embed import HashEmbedder
from autocode.project import open_store

DATA = importlib.resources.files("autocode") / "data"


def test_split_sentences():
    assert split_sentences("Staff were lovely. The wait was long!") == [
        "Staff were lovely.",
        "The wait was long!",
    ]
    assert split_sentences("parking; food\nnoise") == ["parking;", "food", "noise"]
    assert split_sentences("Dr. Smith") == ["Dr.", "Smith"]  # naive on purpose: cheap
    assert split_sentences("nothing") == ["nothing"]
    assert split_sentences("   ") == [""]


def test_response_vectors_blocks_and_cache(tmp_path):
    emb = HashEmbedder(16)
    texts = ["Great staff.", "Great staff. Long wait.", "no"]
    with open_store(tmp_path / "p.autocode") as store:
        V = response_vectors(texts, emb, store)
        assert V.shape == (3, 32)
        assert V.dtype == np.float32
        whole = emb.encode(texts)
        np.testing.assert_allclose(V[:, :16], whole, atol=1e-6)
        # one sentence: the mean is the answer itself
        np.testing.assert_allclose(V[0, 16:], V[0, :16], atol=1e-6)
        np.testing.assert_allclose(V[2, 16:], V[2, :16], atol=1e-6)
        parts = emb.encode(["Great staff.", "Long wait."])
        np.testing.assert_allclose(V[1, 16:], parts.mean(axis=0), atol=1e-6)
        # every sentence is cached: a second call embeds nothing
        calls = []
        orig = emb.encode
        emb.encode = lambda t, progress=None: calls.append(list(t)) or orig(t, progress=progress)
        again = response_vectors(list(reversed(texts)), emb, store)
        assert calls == []
        np.testing.assert_array_equal(again[::-1], V)
    assert response_vectors([], emb).shape == (0, 32)


def test_widen():
    E = np.zeros((2, 8))
    D = np.ones((3, 4))
    assert widen(D, E).shape == (3, 8)
    assert widen(D, np.zeros((2, 4))) is D
    assert widen(None, E) is None
    with pytest.raises(ValueError, match="embedding widths differ: 5 vs 8"):
        widen(np.ones((3, 5)), E)


@pytest.fixture(scope="module")
def example():
    from autocode.io import read_responses

    df = read_responses(str(DATA / "example_survey.csv")).responses
    corpus = Corpus.from_frame(df)
    book = BookInfo.from_codebook(load_codebook(str(DATA / "example_codebook.csv")))
    chk = check_seeds(corpus, book, read_seeds(str(DATA / "example_codings.csv")))
    emb = HashEmbedder(32)
    return corpus, book, chk, emb, response_vectors(corpus.texts, emb), emb.encode(book.texts)


def test_wide_model_round_trip_and_narrow_input_refused(tmp_path, example):
    corpus, book, chk, _, V, D = example
    model = train(corpus, V, book, chk, D, seed=3)
    assert model.featurizer.sent_
    assert model.featurizer.dim_ == 32
    narrow = train(corpus, V[:, :32], book, chk, D, seed=3)
    assert not narrow.featurizer.sent_
    # the sentence block is a real input: changing it changes the scores
    assert not np.allclose(model.proba(corpus, V), narrow.proba(corpus, V[:, :32]))
    again = load_model(save_model(model, tmp_path / "m", {}))
    np.testing.assert_allclose(again.proba(corpus, V), model.proba(corpus, V), atol=1e-12)
    with pytest.raises(ValueError, match="sentence means"):
        model.proba(corpus, V[:, :32])


def test_pseudo_labels_count_and_switch(example):
    from autocode.classify.pipeline import SeedCheck

    corpus, book, full, _, V, D = example
    chk = SeedCheck(full.rows[::2], full.Y[::2])  # half coded by hand, half to code
    model = train(corpus, V, book, chk, D, seed=0)
    est = model.estimator
    assert model.multilabel  # the example codebook's codes are not exclusive
    n_pool = len(corpus.ids) - len(chk.rows)
    assert n_pool > 0
    # one pseudo-positive per positive training row (seeds + the definition), capped
    npos = chk.Y.sum(0) + 1
    np.testing.assert_array_equal(est.n_pseudo_, np.minimum(npos, n_pool))
    off = train(corpus, V, book, chk, D, seed=0, params={"pseudo_weight": 0.0})
    assert not off.estimator.n_pseudo_.any()


def test_estimator_pseudo_labels_move_the_model():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5))
    Y = np.column_stack([(X[:, 0] > 0.8), (X[:, 1] > 0)]).astype(int)
    Xu = rng.normal(size=(200, 5))
    plain = SeededCoder(random_state=0).fit(X, Y)
    assert not plain.n_pseudo_.any()
    st = SeededCoder(random_state=0).fit(X, Y, X_unlabeled=Xu)
    np.testing.assert_array_equal(st.n_pseudo_, Y.sum(0))
    assert not np.allclose(st.coef_, plain.coef_)
    zero = SeededCoder(random_state=0, pseudo_weight=0).fit(X, Y, X_unlabeled=Xu)
    np.testing.assert_allclose(zero.coef_, plain.coef_)
    # the pool's row order does not matter
    perm = rng.permutation(len(Xu))
    st2 = SeededCoder(random_state=0).fit(X, Y, X_unlabeled=Xu[perm])
    np.testing.assert_allclose(st2.coef_, st.coef_, atol=1e-6)
    np.testing.assert_allclose(st2.thresholds_, st.thresholds_, atol=1e-6)
    with pytest.raises(ValueError, match="pseudo_weight"):
        SeededCoder(pseudo_weight=-1).fit(X, Y)


def test_coding_in_slices_and_capped_pseudo_pool(example, monkeypatch):
    import autocode.classify.pipeline as pl
    from autocode.classify.pipeline import SeedCheck

    corpus, book, full, _, V, D = example
    chk = SeedCheck(full.rows[::2], full.Y[::2])
    model = train(corpus, V, book, chk, D, seed=0)
    whole = model.proba(corpus, V)
    monkeypatch.setattr(pl, "CHUNK", 37)  # a large survey is featurised in slices
    np.testing.assert_allclose(model.proba(corpus, V), whole, atol=1e-12)
    monkeypatch.setattr(pl, "PSEUDO_POOL_MAX", 50)  # and searched on an even sample
    capped = train(corpus, V, book, chk, D, seed=0)
    assert capped.estimator.n_pseudo_.max() == 50 < len(corpus.ids) - len(chk.rows)
    again = train(corpus, V, book, chk, D, seed=0)
    np.testing.assert_array_equal(again.estimator.coef_, capped.estimator.coef_)
