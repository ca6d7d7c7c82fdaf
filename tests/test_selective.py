"""Selective coding (classify/selective.py): the threshold meets the target on the answers it
was chosen on, the promise holds on fresh answers drawn the same way, and kappa is
scikit-learn's."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from autocode.classify.selective import (
    answer_scores,
    apply_threshold,
    cell_confidence,
    choose_threshold,
    pooled_kappa,
)


def _data(n: int, k: int, seed: int):
    """Calibrated probabilities: Y ~ Bernoulli(P), the machine decides P >= 0.5."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(3, size=(n, k), p=[0.8, 0.12, 0.08])  # sure no, sure yes, unsure
    P = np.choose(kind, [rng.beta(1, 60, (n, k)), rng.beta(30, 2, (n, k)), rng.random((n, k))])
    Y = rng.random((n, k)) < P
    return P, Y, P >= 0.5


def test_pooled_kappa_is_sklearns_over_applicable_cells():
    _, Y, A = _data(200, 6, 0)
    M = np.random.default_rng(1).random(Y.shape) < 0.7
    assert pooled_kappa(Y, A, M) == pytest.approx(
        cohen_kappa_score(Y[M].astype(int), A[M].astype(int)), abs=1e-12
    )


def test_scores_are_products_of_cell_confidences():
    P = np.array([[0.9, 0.2], [0.6, 0.5]])
    D = P >= 0.5
    C = cell_confidence(P, D)
    assert C.ravel().tolist() == pytest.approx([0.9, 0.8, 0.6, 0.5])
    assert answer_scores(C).tolist() == pytest.approx([0.72, 0.3])
    assert answer_scores(C, np.array([[True, False], [True, True]])).tolist() == pytest.approx(
        [0.9, 0.3]
    )
    single = cell_confidence(np.array([[0.7, 0.3]]), np.array([[1, 0]]), multilabel=False)
    assert single.tolist() == [[0.7, 0.7]]


@pytest.mark.parametrize("target", [0.8, 0.9])
def test_the_target_is_met_where_chosen_and_held_on_fresh_answers(target):
    P, Y, A = _data(3000, 8, 2)
    C = cell_confidence(P, A)
    sel = choose_threshold(answer_scores(C), Y, A, None, target, bootstrap=50)
    assert sel.threshold is not None
    assert sel.expected_kappa >= target
    keep = answer_scores(C) >= sel.threshold
    assert keep.mean() == pytest.approx(sel.expected_coverage)
    assert sel.coverage_ci[0] <= sel.expected_coverage <= sel.coverage_ci[1]
    # fresh answers from the same process: the promise holds within the bounds
    P2, Y2, A2 = _data(3000, 8, 3)
    C2 = cell_confidence(P2, A2)
    alone, flagged = apply_threshold(answer_scores(C2), C2, None, sel.threshold)
    assert abs(alone.mean() - sel.expected_coverage) < 0.05
    assert abs(pooled_kappa(Y2[alone], A2[alone]) - sel.expected_kappa) < 0.03
    # every answer left for review has a flagged cell; answers coded alone have none
    assert flagged[~alone].any(axis=1).all()
    assert not flagged[alone].any()


def test_an_unreachable_target_codes_nothing_alone():
    P, Y, A = _data(200, 4, 4)
    A = ~A  # a machine that is always wrong
    sel = choose_threshold(answer_scores(cell_confidence(P, A)), Y, A, None, 0.9, bootstrap=5)
    assert sel.threshold is None
    assert sel.expected_coverage == 0.0
    alone, flagged = apply_threshold(np.ones(3), np.ones((3, 2)), None, None)
    assert not alone.any()
    assert flagged.any(axis=1).all()


def _grouped(seed: int):
    """Three questions: 'a' where the machine is good, 'b' where it is poor, 'c' too small
    for a threshold of its own."""
    P, Y, A = _data(1400, 5, seed)
    rng = np.random.default_rng(seed + 100)
    g = np.array(["a"] * 700 + ["b"] * 640 + ["c"] * 60, dtype=object)
    flip = (g == "b")[:, None] & (rng.random(Y.shape) < 0.02)  # b: the human differs more
    return P, Y ^ flip, A, g


def test_the_promise_per_question_is_recomputed_from_the_answers_coded_alone():
    P, Y, A, g = _grouped(5)
    C = cell_confidence(P, A)
    s = answer_scores(C)
    sel = choose_threshold(s, Y, A, None, 0.85, groups=g, bootstrap=0)
    assert not sel.per_question
    assert sel.thresholds == {}
    keep = s >= sel.threshold
    assert [r["question"] for r in sel.by_question] == ["a", "b", "c"]
    for r in sel.by_question:
        m = g == r["question"]
        assert r["n_seeds"] == m.sum()
        assert r["threshold"] == sel.threshold
        assert not r["own_threshold"]
        assert r["expected_coverage"] == pytest.approx((keep & m).sum() / m.sum(), abs=1e-4)
        km = keep & m
        assert r["expected_kappa"] == pytest.approx(
            cohen_kappa_score(Y[km].ravel(), A[km].ravel()), abs=1e-4
        )


def test_per_question_thresholds_meet_the_target_in_each_question_at_the_largest_coverage():
    P, Y, A, g = _grouped(5)
    C = cell_confidence(P, A)
    s = answer_scores(C)
    target = 0.85
    sel = choose_threshold(s, Y, A, None, target, groups=g, per_question=True, bootstrap=20)
    assert sel.per_question
    assert set(sel.thresholds) == {"a", "b"}  # 'c' has fewer than MIN_QUESTION_SEEDS answers
    cuts = sel.cuts(s, g)
    # on the seeds themselves, the promised shares select what the thresholds selected
    assert ((s >= cuts)[g == "c"] == (s >= sel.threshold)[g == "c"]).all()
    assert set(sel.applied) == {"a", "b", ""}
    for q in ("a", "b"):
        m = g == q
        t = sel.thresholds[q]
        assert t is not None
        assert ((s >= cuts)[m] == (s >= t)[m]).all()
        km = m & (s >= t)
        assert cohen_kappa_score(Y[km].ravel(), A[km].ravel()) >= target
        # no lower threshold (more answers coded alone) still meets the target
        lower = np.unique(s[m & (s < t)])[::-1][:40]
        for t2 in lower:
            k2 = m & (s >= t2)
            assert cohen_kappa_score(Y[k2].ravel(), A[k2].ravel()) < target
    keep = s >= cuts
    assert sel.expected_coverage == pytest.approx(keep.mean())
    assert sel.expected_kappa == pytest.approx(
        cohen_kappa_score(Y[keep].ravel(), A[keep].ravel()), abs=1e-9
    )
    # the poorer question gets the stricter threshold, so it codes less alone
    by = {r["question"]: r for r in sel.by_question}
    assert by["b"]["expected_coverage"] < by["a"]["expected_coverage"]
    # applied to new answers: each answer is held to its own question's threshold
    alone, flagged = apply_threshold(s, C, None, cuts)
    assert (alone == (s >= cuts)).all()
    assert flagged[~alone].any(axis=1).all()
    assert not flagged[alone].any()
    # a question whose answers a human all coded: its share is taken of all its answers
    assert (sel.cuts(s, g, g != "a")[g == "a"] == cuts[g == "a"]).all()
    # a question the seeds never saw is held to the common share, with 'c'
    z = sel.cuts(np.r_[s, s[g == "c"]], list(g) + ["z"] * int((g == "c").sum()))
    assert z[-1] == z[np.flatnonzero(g == "c")[0]]


def test_new_answers_are_coded_alone_at_the_promised_share_the_surest_first():
    """The coder that codes new answers (fitted on every seed) is surer than the fold models
    the promise came from: the cut is the promised share of the answers no human coded, the
    most confident first — not the out-of-fold score, which would code more alone."""
    P, Y, A = _data(3000, 8, 2)
    s = answer_scores(cell_confidence(P, A))
    sel = choose_threshold(s, Y, A, None, 0.9, bootstrap=0)
    assert 0.3 < sel.expected_coverage < 0.9
    P2, _, A2 = _data(4000, 8, 3)
    surer = answer_scores(cell_confidence(P2, A2)) ** 0.5  # same ranking, higher scores
    coded = np.zeros(4000, bool)
    coded[:1000] = True  # seeds: not part of the share
    cut = sel.cuts(surer, None, ~coded)
    alone = surer >= cut
    assert alone[~coded].sum() == round(sel.expected_coverage * 3000)
    assert surer[alone & ~coded].min() >= surer[~alone & ~coded].max()
    assert (surer >= sel.threshold).mean() > alone.mean()  # the raw threshold: more alone
    assert sel.applied == {"": float(cut[0])}
    assert sel.to_json()["cuts_applied"] == {"": float(cut[0])}
