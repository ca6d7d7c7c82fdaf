"""Segments, merged near-duplicates and the one "nothing to improve" suggestion (issue 14).

Fast: the fake embedder, or hand-made vectors with a stub clusterer so the membership rules
are tested apart from HDBSCAN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autocode.embed import HashEmbedder
from autocode.io import read_responses
from autocode.suggest import suggest
from autocode.suggest.merge import merge_near, says_nothing
from autocode.suggest.segments import split_segments, split_sentences, units_of


def test_answers_split_into_idea_units():
    assert split_segments("Food is nice. Staff are good.") == ["Food is nice.", "Staff are good."]
    assert split_segments("The staff were lovely but the wait was far too long") == [
        "The staff were lovely",
        "but the wait was far too long",
    ]
    # one idea: the answer itself, unchanged
    assert split_segments("The staff were lovely") == ["The staff were lovely"]
    assert split_segments("  nothing ") == ["nothing"]
    # a unit too short to be an idea stays with its neighbour
    assert split_segments("Very good. Thanks.") == ["Very good. Thanks."]
    hostile = "=cmd|' /C calc'!A0. <script>x</script> \x00"
    parts = split_segments(hostile)  # text, never acted on: each unit is a piece of it
    assert parts == ["=cmd|' /C calc'!A0.", "<script>x</script> \x00"]
    assert split_segments("Friendly staff, clean ward, good food") == [
        "Friendly staff, clean ward, good food"
    ]
    assert split_segments("Friendly staff, clean ward, good food", clauses=True) == [
        "Friendly staff",
        "clean ward",
        "good food",
    ]
    assert split_segments("Fish and chips", clauses=True) == ["Fish and chips"]
    assert split_segments("Staff were lovely.", clauses=False) == ["Staff were lovely."]
    # the coder's sentence rule lives here too (one home)
    from autocode.classify import vectors

    assert vectors.split_sentences is split_sentences


# -- two topics, hand-made vectors -----------------------------------------------------------
FOOD, STAFF = np.eye(8, dtype=np.float32)[0], np.eye(8, dtype=np.float32)[1]


def _vec(text: str) -> np.ndarray:
    t = text.lower()
    v = 0.0 * FOOD
    if "food" in t or "meal" in t:
        v = v + FOOD
    if "staff" in t or "nurse" in t:
        v = v + STAFF
    if not v.any():
        v = np.eye(8, dtype=np.float32)[2]
    h = sum(map(ord, text)) % 97 / 9700  # a little deterministic spread
    v = v + h * np.eye(8, dtype=np.float32)[3]
    return (v / np.linalg.norm(v)).astype(np.float32)


def _embed(texts):
    return np.vstack([_vec(t) for t in texts])


class ByAxis:
    """Stub clusterer: a unit's cluster is its largest coordinate (0 food, 1 staff)."""

    def fit_predict(self, X):
        lab = X[:, :3].argmax(axis=1)
        return np.where(lab == 2, -1, lab)


def _frame(texts: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(len(texts))],
            "question": "q",
            "text": texts,
            "non_answer": False,
        }
    )


TEXTS = [
    "Food is nice. Staff are good.",
    "The food was hot",
    "Lovely meals every day",
    "Good food and a nice menu",
    "Food was tasty. Meals on time.",
    "Staff were kind",
    "The nurses listened",
    "Helpful friendly staff",
    "The parking is awful",
]


def test_an_answer_joins_every_suggestion_one_of_its_segments_joins():
    df = _frame(TEXTS)
    res = suggest(df, _embed(TEXTS), clusterer=ByAxis(), embed_segments=_embed,
                  merge_threshold=1.0)  # fmt: skip
    by_label = {frozenset(s.members): s for s in res.suggestions}
    food = {"r0", "r1", "r2", "r3", "r4"}
    staff = {"r0", "r5", "r6", "r7"}
    assert set(by_label) == {frozenset(food), frozenset(staff)}
    for s in res.suggestions:
        # members are answers, once each, and size/share count answers
        assert len(s.members) == len(set(s.members)) == s.size
        assert s.share == round(s.size / len(TEXTS), 4)
        for e in s.exemplars:
            assert e["id"] in s.members
            assert e["segment"] in df.set_index("id").loc[e["id"], "text"]
        assert len({e["id"] for e in s.exemplars}) == len(s.exemplars)  # one quote per answer
    # "Food was tasty. Meals on time." has two food segments: counted once
    assert by_label[frozenset(food)].size == 5
    assert res.unassigned["q"] == ["r8"]
    # the segment of r0 that joined each suggestion is the one quoted
    quotes = {e["segment"] for s in res.suggestions for e in s.exemplars if e["id"] == "r0"}
    assert quotes == {"Food is nice.", "Staff are good."}
    # without segments the two-idea answer joins one suggestion only
    whole = suggest(df, _embed(TEXTS), clusterer=ByAxis(), merge_threshold=1.0)
    assert sum("r0" in s.members for s in whole.suggestions) == 1


def test_units_keep_a_one_segment_answer_its_own_vector():
    X = _embed(TEXTS)
    calls: list[list[str]] = []

    def embed(ts):
        calls.append(list(ts))
        return _embed(ts)

    owner, _texts, U = units_of(TEXTS, X, embed)
    assert owner.tolist() == [0, 0, 1, 2, 3, 4, 4, 5, 6, 7, 8]
    segs = ["Food is nice.", "Staff are good.", "Food was tasty.", "Meals on time."]
    assert calls == [sorted(segs)]  # once, sorted: what the answers' order cannot change
    np.testing.assert_array_equal(U[2], X[1])  # one segment: the answer's own vector
    np.testing.assert_allclose(U[0], _vec("Food is nice."), atol=1e-6)
    assert units_of(TEXTS, X, None)[1] == TEXTS
    # the clause level: commas and "and" too, and each split answer is a unit of its own
    owner, texts, U = units_of(TEXTS, X, _embed, clauses=True, whole=True)
    assert texts[:3] == ["Food is nice. Staff are good.", "Food is nice.", "Staff are good."]
    assert texts[5:8] == ["Good food and a nice menu", "Good food", "a nice menu"]
    np.testing.assert_array_equal(U[0], X[0])
    assert owner.tolist()[:8] == [0, 0, 0, 1, 2, 3, 3, 3]


def test_near_duplicate_clusters_are_merged():
    rng = np.random.default_rng(0)
    base = np.eye(16)[:3]
    # clusters 0 and 1 are one idea (centroid cosine ~.97); cluster 2 is another
    centres = np.vstack([base[0], base[0] + 0.25 * base[1], base[2]])
    X = np.vstack([c + 0.05 * rng.standard_normal((10, 16)) for c in centres])
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    labels = np.repeat([0, 1, 2], 10)
    labels[-1] = -1
    C = np.vstack([X[labels == c].mean(axis=0) for c in range(3)])
    C /= np.linalg.norm(C, axis=1, keepdims=True)
    assert C[0] @ C[1] > 0.9 > C[0] @ C[2]
    merged = merge_near(labels, X, 0.9)
    assert merged.tolist() == [0] * 20 + [1] * 9 + [-1]
    assert merge_near(labels, X, 1.0).tolist() == labels.tolist()
    # through suggest: three clusters in, two suggestions out; sizes add up
    df = _frame([f"answer {i:02d}" for i in range(30)])  # canonical order = this order

    class Given:
        def fit_predict(self, _X):
            return labels

    res = suggest(df, X.astype(np.float32), clusterer=Given(), gather_nothing=False)
    assert sorted(s.size for s in res.suggestions) == [9, 20]
    kept = suggest(df, X.astype(np.float32), clusterer=Given(), merge_threshold=1.0)
    assert sorted(s.size for s in kept.suggestions) == [9, 10, 10]


@pytest.fixture
def example(example_survey):
    return read_responses(example_survey).responses


def test_nothing_to_improve_is_one_suggestion_on_the_bundled_example(example):
    X = HashEmbedder(64).encode(example["text"].tolist())
    res = suggest(example, X, embed_segments=HashEmbedder(64).encode)
    q = "what_could_we_do_better"
    text = dict(zip(example["id"], example["text"], strict=True))
    nothing = [s for s in res.suggestions if s.question == q and s.kind == "nothing to improve"]
    assert len(nothing) == 1
    (s,) = nothing
    assert s.label == "Nothing to improve"
    said = {text[m] for m in s.members}
    # what the issue found split over S15, S17, S19, S22 and S23
    for t in [
        "Nothing, all was good.",
        "Not really, its all good.",
        "Nothing I can think of at this moment in time.",
        "Excellent service, could not be improved.",
        "No one could do better.",
        "Nothing could have been done better.",
    ]:
        assert t in said
    # an answer of another suggestion that says so is in this one too (its other segment
    # said something else: "Nothing considering lockdown and Covid has affected everyone")
    others = [x for x in res.suggestions if x.question == q and x is not s]
    assert others
    for x in others:
        for m in x.members:
            assert not says_nothing(text[m]) or m in s.members, text[m]
    # and one answer of each such segment joined it: every answer that says nothing is in it
    for m, t in text.items():
        if m.endswith(q) and says_nothing(t) and m not in bare_of(res, q):
            assert m in s.members, t
    # and it stays beside the non-answer groups: the bare "nothing"s are not in it
    bare = {m for g in res.non_answer_groups if g.question == q for m in g.members}
    assert bare
    assert not bare & set(s.members)
    assert says_nothing("Nothing, all good.")
    assert not says_nothing("More staff at night")
    assert not says_nothing("Nothing to do on the ward at weekends")


def bare_of(res, q):
    return {m for g in res.non_answer_groups if g.question == q for m in g.members}


def _canon(res):
    return [
        (s.question, s.label, sorted(s.members), s.size, [e["id"] for e in s.exemplars], s.kind)
        for s in res.suggestions
    ], {q: sorted(v) for q, v in res.unassigned.items()}


def test_segments_do_not_depend_on_row_order(example):
    emb = HashEmbedder(64)
    X = emb.encode(example["text"].tolist())
    a = suggest(example, X, embed_segments=emb.encode)
    perm = np.random.default_rng(3).permutation(len(example))
    b = suggest(example.iloc[perm].reset_index(drop=True), X[perm], embed_segments=emb.encode)
    assert _canon(a) == _canon(b)
    c = suggest(example, X, embed_segments=emb.encode, across_questions=True)
    d = suggest(
        example.iloc[perm].reset_index(drop=True), X[perm], embed_segments=emb.encode,
        across_questions=True,
    )  # fmt: skip
    assert _canon(c) == _canon(d)
