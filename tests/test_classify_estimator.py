"""SeededCoder follows the scikit-learn contract; thresholds maximise Cohen's kappa."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from autocode.classify.estimator import SeededCoder
from autocode.classify.thresholds import bagged_threshold, best_threshold, kappa_curve


def _expected_failures(estimator):
    return {
        "check_classifier_multioutput": "by design: multi-label decisions use per-code "
        "kappa-optimal thresholds and give every response at least one code, so they are not "
        "predict_proba().round()",
    }


@parametrize_with_checks(
    [SeededCoder(threshold_cv=0), SeededCoder(threshold_cv=3, random_state=0)],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_contract(estimator, check):
    check(estimator)


def test_kappa_curve_matches_sklearn():
    rng = np.random.default_rng(0)
    p = rng.random(200).round(2)  # ties on purpose
    y = (p + rng.normal(0, 0.3, 200) > 0.6).astype(int)
    ts, ks = kappa_curve(p, y)
    for t, k in zip(ts, ks, strict=True):
        assert k == pytest.approx(cohen_kappa_score(y, (p >= t).astype(int)), abs=1e-12)


def test_best_threshold_separable_and_one_class():
    p = np.array([0.1, 0.2, 0.3, 0.7, 0.8])
    y = np.array([0, 0, 0, 1, 1])
    t, k = best_threshold(p, y)
    assert 0.3 < t < 0.7
    assert k == pytest.approx(1.0)
    t, k = best_threshold(p, np.zeros(5, int))
    assert t == 0.5
    assert np.isnan(k)


def test_bagged_threshold_deterministic_and_sensible():
    rng = np.random.default_rng(1)
    y = (rng.random(300) < 0.1).astype(int)
    p = np.clip(0.3 * y + rng.normal(0.2, 0.1, 300), 0.001, 0.999)
    t1, k1 = bagged_threshold(p, y, 30, np.random.default_rng(0))
    t2, k2 = bagged_threshold(p, y, 30, np.random.default_rng(0))
    assert (t1, k1) == (t2, k2)
    t0, k0 = best_threshold(p, y)
    assert k1 == k0
    assert 0.2 < t1 < 0.6
    assert bagged_threshold(p, y, 0) == (t0, k0)  # no resamples: the plain argmax
    t, k = bagged_threshold(np.array([0.1, 0.9]), np.array([0, 1]), 20)
    assert 0.1 < t < 0.9
    assert k == pytest.approx(1.0)


def _multilabel(n=120, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    Y = (X[:, :k] + rng.normal(0, 0.5, (n, k)) > 0.8).astype(int)
    return X, Y


def test_multilabel_fit_predict_shapes_and_min_codes():
    X, Y = _multilabel()
    est = SeededCoder(random_state=0).fit(X, Y)
    P = est.predict_proba(X)
    assert P.shape == Y.shape
    assert ((P >= 0) & (P <= 1)).all()
    pred = est.predict(X)
    assert pred.shape == Y.shape
    assert (pred.sum(1) >= 1).all()
    assert est.thresholds_.shape == (3,)
    assert est.calib_.shape == (3, 2)
    assert (SeededCoder(random_state=0, min_codes=0).fit(X, Y).predict(X).sum(1) == 0).any()


def test_determinism_same_seed():
    X, Y = _multilabel()
    a = SeededCoder(random_state=3).fit(X, Y)
    b = SeededCoder(random_state=3).fit(X, Y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    np.testing.assert_array_equal(a.thresholds_, b.thresholds_)


def test_single_class_code_is_refused():
    X, Y = _multilabel()
    Y[:, 1] = 0
    with pytest.raises(ValueError, match="single class"):
        SeededCoder().fit(X, Y)


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ({"C": 0}, "C must be"),
        ({"class_weight": "x"}, "class_weight"),
        ({"threshold_cv": 1}, "threshold_cv"),
        ({"single_cv": 1}, "single_cv"),
        ({"min_codes": 2}, "min_codes"),
    ],
)
def test_parameter_errors_name_the_parameter(bad, match):
    X, Y = _multilabel()
    with pytest.raises(ValueError, match=match):
        SeededCoder(**bad).fit(X, Y)


def test_threshold_folds_keep_rare_positives_in_every_training_part():
    rng = np.random.default_rng(1)
    Y = np.zeros((90, 3), dtype=int)
    Y[:, 0] = 1  # a common code on every row
    Y[rng.choice(90, 3, replace=False), 1] = 1  # a rare code: 3 positives
    Y[rng.choice(90, 2, replace=False), 2] = 1  # rarer than the fold count: pooled
    est = SeededCoder(threshold_cv=3, random_state=0)
    folds = list(est._folds(Y, 3, seed=0))
    assert sorted(np.concatenate([te for _, te in folds]).tolist()) == list(range(90))
    for tr, _ in folds:
        assert Y[tr, 1].sum() == 2  # stratified: each held-out fold takes one of the three
    plain = SeededCoder(threshold_stratify=False)
    assert len(list(plain._folds(Y, 3, seed=0))) == 3


def test_single_label_out_of_fold_probabilities_match_scikit_learn():
    """``single_cv``: each training row's probabilities come from a regression that never saw
    it — recomputed with scikit-learn's own folds and a cold-started LogisticRegression (the
    warm start reaches the same optimum)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.utils import check_random_state

    rng = np.random.default_rng(3)
    y = rng.integers(0, 4, 240)
    y[:2] = 4  # a class on fewer rows than folds: pooled into the largest for the split
    X = rng.normal(size=(240, 12)) + np.eye(5)[y] @ rng.normal(size=(5, 12)) * 1.5
    est = SeededCoder(single_cv=3, random_state=7, tol=1e-8, max_iter=2000).fit(X, y)
    assert est.oof_proba_.shape == (240, 5)
    values, counts = np.unique(y, return_counts=True)
    strat = np.where(np.isin(y, values[counts < 3]), values[np.argmax(counts)], y)
    want = np.zeros((240, 5))
    seed = check_random_state(7).randint(0, 2**31 - 1)  # the coder's seed from random_state
    for tr, te in StratifiedKFold(3, shuffle=True, random_state=seed).split(X, strat):
        lr = LogisticRegression(C=8.0, class_weight="balanced", tol=1e-8, max_iter=2000)
        lr.fit(X[tr], y[tr])
        want[np.ix_(te, lr.classes_)] = lr.predict_proba(X[te])
    assert np.allclose(est.oof_proba_, want, atol=1e-4)
    # out of fold, so less sure of its own rows than the model fitted on all of them
    full = est.predict_proba(X)[np.arange(240), y].mean()
    assert est.oof_proba_[np.arange(240), y].mean() < full
    assert not hasattr(SeededCoder(random_state=7).fit(X, y), "oof_proba_")  # off by default
