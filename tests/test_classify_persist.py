"""Saved coders: npz + JSON (no pickle), identical after a round trip, refused on mismatch."""

from __future__ import annotations

import importlib.resources
import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from autocode.classify.persist import load_model, save_model
from autocode.classify.pipeline import BookInfo, Corpus, check_seeds, train
from autocode.classify.seeds import read_seeds
from autocode.cli import main
from autocode.codebook import load as load_codebook
from autocode.embed import HashEmbedder
from autocode.errors import ModelError

DATA = importlib.resources.files("autocode") / "data"


@pytest.fixture(scope="module")
def fitted():
    from autocode.io import read_responses

    df = read_responses(str(DATA / "example_survey.csv")).responses
    corpus = Corpus.from_frame(df)
    book = BookInfo.from_codebook(load_codebook(str(DATA / "example_codebook.csv")))
    seeds = read_seeds(str(DATA / "example_codings.csv"))
    emb = HashEmbedder(32)
    E, D = emb.encode(corpus.texts), emb.encode(book.texts)
    chk = check_seeds(corpus, book, seeds)
    model = train(corpus, E, book, chk, D, seed=1)
    return model, corpus, E, book, emb


def test_round_trip_identical(tmp_path, fitted):
    model, corpus, E, book, emb = fitted
    save_model(model, tmp_path / "m", {"embedding_model_id": emb.model_id, "seeds_digest": "x"})
    again = load_model(tmp_path / "m", book.digest, emb.model_id)
    np.testing.assert_allclose(again.proba(corpus, E), model.proba(corpus, E), rtol=0, atol=1e-12)
    a1, r1 = model.decide(model.proba(corpus, E))
    a2, r2 = again.decide(again.proba(corpus, E))
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(r1, r2)
    man = json.loads((tmp_path / "m" / "manifest.json").read_text())
    for key in (
        "codebook_digest",
        "seeds_digest",
        "embedding_model_id",
        "package_versions",
        "codes",
        "format",
    ):
        assert key in man
    with zipfile.ZipFile(tmp_path / "m" / "weights.npz") as z:  # plain arrays only
        assert all(n.endswith(".npy") for n in z.namelist())
    with np.load(tmp_path / "m" / "weights.npz", allow_pickle=False) as z:
        assert all(z[k].dtype != object for k in z.files)


def test_mismatch_refused(tmp_path, fitted):
    model, _, _, book, emb = fitted
    save_model(model, tmp_path / "m", {"embedding_model_id": emb.model_id})
    with pytest.raises(ModelError, match="different codebook"):
        load_model(tmp_path / "m", "0" * 64, emb.model_id)
    with pytest.raises(ModelError, match="embedding model"):
        load_model(tmp_path / "m", book.digest, "another-model")
    with pytest.raises(ModelError, match="no saved coder"):
        load_model(tmp_path / "nothing", book.digest, emb.model_id)


def test_cli_load_refuses_other_codebook(tmp_path, capsys, fitted):
    model = fitted[0]
    save_model(model, tmp_path / "m", {"embedding_model_id": "hash-embedder-v1-64"})
    cb = pd.read_csv(DATA / "example_codebook.csv", dtype=str, keep_default_na=False)
    cb.loc[0, "description"] = "Changed."
    cb.to_csv(tmp_path / "cb.csv", index=False)
    rc = main(
        [
            "code",
            str(DATA / "example_survey.csv"),
            "-c",
            str(tmp_path / "cb.csv"),
            "--load",
            str(tmp_path / "m"),
            "--model",
            "hash",
            "-p",
            str(tmp_path / "p.db"),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("error:")
    assert "different codebook" in err
    rc = main(
        [
            "code",
            str(DATA / "example_survey.csv"),
            "-c",
            str(DATA / "example_codebook.csv"),
            "--load",
            str(tmp_path / "m"),
            "--model",
            "hash:32",
            "-p",
            str(tmp_path / "p.db"),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2
    assert "embedding model" in err


def test_round_trip_whitened(tmp_path, fitted):
    """The partial whitening (statistics of all responses) is saved as plain arrays."""
    _, corpus, E, book, emb = fitted
    seeds = read_seeds(str(DATA / "example_codings.csv"))
    D = emb.encode(book.texts)
    chk = check_seeds(corpus, book, seeds)
    model = train(corpus, E, book, chk, D, seed=1, params={"whiten": 3.0})
    assert model.featurizer.white_proj_ is not None
    save_model(model, tmp_path / "w", {"embedding_model_id": emb.model_id, "seeds_digest": "x"})
    again = load_model(tmp_path / "w", book.digest, emb.model_id)
    np.testing.assert_allclose(again.proba(corpus, E), model.proba(corpus, E), rtol=0, atol=1e-12)
