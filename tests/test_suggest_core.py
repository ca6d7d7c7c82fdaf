"""The suggest pipeline with the deterministic fake embedder (fast)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autocode.embed import HashEmbedder
from autocode.io import read_responses
from autocode.suggest import suggest
from autocode.suggest.cluster import _dissolve_incoherent, adapt_params, knn, knn_vote
from autocode.suggest.exemplars import pick_exemplars
from autocode.suggest.label import PhraseIndex


def _embed(df: pd.DataFrame) -> np.ndarray:
    return HashEmbedder(64).encode(df["text"].tolist())


@pytest.fixture
def example(example_survey):
    return read_responses(example_survey).responses


def test_every_response_is_accounted_for_once(example):
    res = suggest(example, _embed(example))
    seen = [m for s in res.suggestions for m in s.members]
    seen += [m for v in res.unassigned.values() for m in v]
    seen += [m for v in res.non_answers.values() for m in v]
    assert sorted(seen) == sorted(example["id"])
    assert len(seen) == len(set(seen))


def test_suggestions_have_what_a_researcher_reviews(example):
    res = suggest(example, _embed(example))
    assert res.suggestions, "the example must give suggestions"
    ids = [s.id for s in res.suggestions]
    assert ids == [f"S{i + 1}" for i in range(len(ids))]
    text = dict(zip(example["id"], example["text"], strict=True))
    for s in res.suggestions:
        assert s.label
        assert s.label[0].isupper()
        assert len(s.label) <= 60
        assert s.label.lower() not in {"the", "and", "was", "staff and", "(no words)"}
        assert s.keywords
        assert all(k.strip() for k in s.keywords)
        assert s.size == len(s.members)
        assert 0 < s.share <= 1
        assert 1 <= len(s.exemplars) <= 5
        if s.size >= 8:
            assert len(s.exemplars) >= 3
        for e in s.exemplars:
            assert e["id"] in s.members
            assert text[e["id"]] == e["text"]
        assert len({e["text"].lower() for e in s.exemplars}) == len(s.exemplars)
        assert s.theme in {t.id for t in res.themes}


def test_suggestions_are_made_per_question(example):
    res = suggest(example, _embed(example))
    q_of = dict(zip(example["id"], example["question"], strict=True))
    assert {s.question for s in res.suggestions} == set(example["question"])
    for s in res.suggestions:
        assert {q_of[m] for m in s.members} == {s.question}
    for t in res.themes:
        assert all(s.startswith("S") for s in t.suggestions)


def test_non_answers_are_kept_out_and_reported(example):
    res = suggest(example, _embed(example))
    na = set(example.loc[example["non_answer"], "id"])
    assert na
    assert {i for ids in res.non_answers.values() for i in ids} == na
    clustered = {m for s in res.suggestions for m in s.members}
    assert not clustered & na


def test_same_result_whatever_the_row_order(example):
    a = suggest(example, _embed(example)).to_dict()
    shuffled = example.sample(frac=1, random_state=7).reset_index(drop=True)
    b = suggest(shuffled, _embed(shuffled)).to_dict()
    assert a == b


def test_assign_outliers_moves_only_similar_ones(example):
    X = _embed(example)
    base = suggest(example, X)
    more = suggest(example, X, assign_outliers=True, outlier_threshold=0.2)
    n0 = sum(len(v) for v in base.unassigned.values())
    n1 = sum(len(v) for v in more.unassigned.values())
    assert n1 < n0
    moved = {m for s in more.suggestions for m in s.assigned_outliers}
    assert moved
    assert moved <= {i for ids in base.unassigned.values() for i in ids}
    for s in more.suggestions:  # quotes come from the core members only
        assert not {e["id"] for e in s.exemplars} & set(s.assigned_outliers)


def test_twenty_responses_still_give_candidates():
    texts = [
        # waiting
        "The waiting time was far too long",
        "Long waits to be seen",
        "Waited hours",
        "Waiting times need to improve",
        "Too long waiting in reception",
        # staff
        "Staff were kind and friendly",
        "Friendly helpful staff",
        "Lovely kind nurses",
        "Staff very friendly",
        "Kind and caring staff",
        # parking
        "Parking was impossible",
        "Not enough parking spaces",
        "Car park too small",
        "Parking costs too much",
        "Could not find parking",
        # food
        "Food was cold",
        "Better food please",
        "Food was awful",
        "Hot food needed",
        "Food choice was poor",
    ]
    df = pd.DataFrame(
        {"id": [str(i) for i in range(20)], "question": "q", "text": texts, "non_answer": False}
    )
    res = suggest(df, _embed(df))
    assert len(res.suggestions) >= 2
    labels = " ".join(s.label.lower() for s in res.suggestions)
    assert any(w in labels for w in ("wait", "staff", "parking", "food", "kind", "friendly"))


def test_adapted_parameters_grow_with_n():
    small, mid, big = adapt_params(20), adapt_params(10_000), adapt_params(100_000)
    assert small.min_cluster_size == 3
    assert small.dims <= 10
    assert small.min_cluster_size < mid.min_cluster_size < big.min_cluster_size
    assert adapt_params(50, min_cluster_size=7).min_cluster_size == 7


def test_knn_lists_self_first_and_is_symmetric_for_duplicates():
    X = np.eye(4, dtype=np.float32)[[0, 0, 1, 2, 3]]
    ind = knn(X, 2)
    assert list(ind[:, 0]) == [0, 1, 2, 3, 4]
    assert ind[0, 1] == 1
    assert ind[1, 1] == 0


def test_knn_vote_needs_a_plurality():
    labels = np.array([0, 0, 0, 1, -1, -1])
    nbrs = np.array([[1, 2], [0, 2], [0, 1], [4, 5], [0, 1], [3, 4]])
    out = knn_vote(labels, nbrs, frac=0.6)
    assert out[4] == 0  # both neighbours in cluster 0
    assert out[5] == -1  # neighbours split 1 vs 0 (50% each < 60%): stays unassigned
    assert list(out[:4]) == [0, 0, 0, 1]


def _vote_reference(labels, nbrs, frac, rounds=3, cap=0):
    """knn_vote written point by point (each round from the labels it started with; a
    cluster holding ``cap`` points at the round's start takes none)."""
    lab = list(labels)
    k = len(nbrs[0])
    for _ in range(rounds):
        new = list(lab)
        full = {c for c in set(lab) if c >= 0 and cap and lab.count(c) >= cap}
        for i, own in enumerate(lab):
            if own != -1:
                continue
            votes = [lab[j] for j in nbrs[i] if lab[j] >= 0]
            if not votes:
                continue
            best = min(set(votes), key=lambda c: (-votes.count(c), c))
            if votes.count(best) >= frac * k and best not in full:
                new[i] = best
        if new == lab:
            break
        lab = new
    return lab


@pytest.mark.parametrize("seed", range(40))
def test_knn_vote_matches_a_point_by_point_vote(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 120))
    labels = rng.integers(-1, int(rng.integers(1, 6)), size=n)
    labels[rng.random(n) < 0.5] = -1
    nbrs = rng.integers(0, n, size=(n, int(rng.integers(1, 8))))
    frac = float(rng.choice([0.1, 0.3, 0.5, 0.7]))
    assert knn_vote(labels, nbrs, frac).tolist() == _vote_reference(labels, nbrs, frac)
    cap = int(rng.integers(1, 20))
    assert knn_vote(labels, nbrs, frac, cap=cap).tolist() == _vote_reference(
        labels, nbrs, frac, cap=cap
    )


def test_the_vote_does_not_grow_a_cluster_past_its_cap():
    labels = np.array([0, 0, 0, 1, -1, -1])
    nbrs = np.array([[1, 2], [0, 2], [0, 1], [4, 5], [0, 1], [3, 3]])
    assert knn_vote(labels, nbrs, frac=0.6).tolist() == [0, 0, 0, 1, 0, 1]
    assert knn_vote(labels, nbrs, frac=0.6, cap=3).tolist() == [0, 0, 0, 1, -1, 1]


def test_knn_vote_without_clusters_changes_nothing():
    labels = np.full(4, -1)
    assert knn_vote(labels, np.array([[1], [2], [3], [0]]), 0.3).tolist() == [-1] * 4


def _bundle(rng, n: int, spread: float, dim: int = 32) -> np.ndarray:
    centre = rng.normal(size=dim)
    X = centre / np.linalg.norm(centre) + spread * rng.normal(size=(n, dim)) / np.sqrt(dim)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_a_catch_all_of_a_small_survey_is_broken_up_and_coherent_ones_kept():
    rng = np.random.default_rng(0)
    tight = [_bundle(rng, 4, 0.5) for _ in range(4)]
    # twelve unrelated answers in one cluster (the faculty barriers' catch-all), and two
    # real groups of four inside a fourth, loose one
    loose = rng.normal(size=(12, 32))
    loose /= np.linalg.norm(loose, axis=1, keepdims=True)
    X = np.vstack([*tight, loose])
    labels = np.repeat([0, 1, 2, 3, 4], [4, 4, 4, 4, 12])
    params = adapt_params(len(X))
    assert params.split_share > 0
    out = _dissolve_incoherent(labels, X, params)
    assert (out[:16] == labels[:16]).all()  # the coherent clusters are untouched
    assert (out[16:] == -1).all()  # nothing in the catch-all belongs together
    # a large cluster as coherent as the others stays whole
    X2 = np.vstack([*tight, _bundle(rng, 12, 0.5)])
    assert (_dissolve_incoherent(labels, X2, params) == labels).all()
    # two real groups lumped together: each is kept, as its own cluster
    X3 = np.vstack([*tight, _bundle(rng, 6, 0.3), _bundle(rng, 6, 0.3)])
    out3 = _dissolve_incoherent(labels, X3, params)
    assert len(set(out3[16:22])) == 1
    assert len(set(out3[22:])) == 1
    assert out3[16] != out3[22]
    assert min(out3[16:]) > 4
    # large surveys keep HDBSCAN's clusters as they are
    assert adapt_params(5000).split_share == 0


def test_labels_are_phrases_not_stop_words():
    texts = [
        "The waiting times were too long",
        "Long waiting times at reception",
        "waiting times were awful",
        "Staff were friendly",
        "friendly staff",
        "so friendly",
    ]
    ix = PhraseIndex(texts)
    g = ix.describe([0, 1, 2])
    assert g.label == "Waiting times"
    assert "the" not in g.keywords
    assert "were" not in g.keywords
    assert ix.describe([3, 4, 5]).keywords[0] in {"friendly", "friendly staff"}


def test_redaction_placeholders_never_become_labels():
    texts = ["XXXX was great", "XXXX was lovely", "thanks to XXXX", "great parking"]
    g = PhraseIndex(texts).describe([0, 1, 2])
    assert "xxxx" not in g.label.lower()
    assert all("xxxx" not in k for k in g.keywords)


def test_exemplars_are_central_and_diverse():
    X = np.array([[1, 0], [0.99, 0.14], [0.99, 0.14], [0.8, 0.6], [0, 1]], dtype=np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    texts = ["a b c", "d e f", "d e f", "g h i", "j k l"]
    picked = pick_exemplars(X, texts, k=3)
    assert len(picked) == 3
    assert len({texts[i] for i in picked}) == 3  # the duplicate is used once


def test_a_lone_word_never_comes_before_a_sentence():
    # the faculty survey's "Meeting regularly" quoted "Patience" first: the one-word answer
    # was the most central of 3 members, and too few longer ones switched the rule off
    texts = ["Patience", "Consistency - meeting regularly, not just in a crisis", "Follow up often"]
    X = np.array([[1.0, 0.0], [0.8, 0.6], [0.6, 0.8]], dtype=np.float32)
    picked = pick_exemplars(X, texts, k=5)
    assert [texts[i] for i in picked][-1] == "Patience"
    assert sorted(picked) == [0, 1, 2]
    assert pick_exemplars(X[:1], texts[:1], k=5) == [0]  # still quoted when alone


def test_non_answers_are_told_apart():
    from autocode.suggest.core import non_answer_kind

    assert non_answer_kind("Did not answer") == "no answer"
    assert non_answer_kind("N/A") == "no answer"
    assert non_answer_kind("-") == "no answer"
    assert non_answer_kind("Nothing.") == "nothing"
    assert non_answer_kind("No comment") == "nothing"
    assert non_answer_kind("I don't know") == "don't know"
    assert non_answer_kind("not sure") == "don't know"


def test_approximate_knn_finds_most_true_neighbours():
    from autocode.suggest.cluster import knn_approx

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(20, 16))
    X = (centres[rng.integers(0, 20, 3000)] + 0.3 * rng.normal(size=(3000, 16))).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    exact, approx = knn(X, 10), knn_approx(X, 10)
    assert list(approx[:, 0]) == list(range(3000))  # self first
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, approx, strict=True)])
    assert recall > 0.85
