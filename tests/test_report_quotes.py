"""Quote selection: typical (central) first, then different from each other (MMR)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from autocode.report.quotes import mmr, select_quotes, shorten


def test_mmr_picks_the_centre_then_diverse():
    # a tight cluster of 4 near-duplicates around e0, plus two other directions
    v = np.array(
        [
            [1, 0.01, 0],
            [1, 0.02, 0],
            [1, 0.0, 0.01],
            [1, 0.015, 0.005],
            [0.6, 0.8, 0],
            [0.6, 0, 0.8],
        ]
    )
    v = v / np.linalg.norm(v, axis=1, keepdims=True)
    picked = mmr(v, 3, lam=0.5)
    assert picked[0] in (0, 1, 2, 3)
    assert {4, 5} & set(picked[1:])  # a near-duplicate of the first is not second
    assert mmr(v, 10)
    assert len(mmr(v, 10)) == 6
    assert len(set(mmr(v, 10))) == 6
    assert mmr(np.zeros((0, 3)), 2) == []


def frame(texts):
    n = len(texts)
    return pd.DataFrame({
        "id": [f"{i:03d}" for i in range(n)], "respondent": [f"r{i}" for i in range(n)],
        "question": "q", "text": texts, "text_hash": [f"h{i}" for i in range(n)],
        "non_answer": False,
    })  # fmt: skip


def test_text_fallback_prefers_typical_and_skips_non_answers():
    texts = [
        "The staff were kind and caring and listened to me",
        "Kind caring staff who listened",
        "The staff were kind and caring",
        "Parking was a nightmare at the hospital",
        "Nothing",
        "The staff were kind and caring and listened to me",  # duplicate text
    ]
    df = frame(texts)
    df.loc[4, "non_answer"] = True
    labels = {f"r{i}": f"Respondent {i + 10}" for i in range(len(texts))}
    quotes, method = select_quotes(df, labels, k=3)
    assert method == "tf-idf"
    assert [q.text for q in quotes].count(texts[0]) <= 1
    assert all(q.text != "Nothing" for q in quotes)
    assert "kind" in quotes[0].text.lower()
    assert all(q.label.startswith("Respondent ") for q in quotes)


def test_embeddings_are_used_when_every_answer_has_one():
    df = frame(["alpha beta gamma delta", "beta gamma delta epsilon", "zeta eta theta iota"])
    vecs = {"h0": np.array([1.0, 0, 0]), "h1": np.array([0.9, 0.1, 0]), "h2": np.array([0, 0, 1.0])}
    quotes, method = select_quotes(df, {}, k=2, vectors=vecs)
    assert method == "embeddings"
    assert len(quotes) == 2
    _, method = select_quotes(df, {}, k=2, vectors={"h0": vecs["h0"]})
    assert method == "tf-idf"  # one answer not embedded: text-based for this code


def test_shorten_cuts_at_a_word():
    long = "word " * 100
    s = shorten(long, 50)
    assert s.endswith("\u2026")
    assert len(s) <= 51
    assert "  " not in s
    assert shorten("  short   text ") == "short text"
