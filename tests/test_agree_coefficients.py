"""Agreement coefficients against published worked examples, reference implementations
(scikit-learn, statsmodels, krippendorff) and properties (hypothesis)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autocode.agree import (
    agreement_weights,
    bias_index,
    brennan_prediger,
    cohen_kappa,
    contingency_table,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac1_multi,
    krippendorff_alpha,
    landis_koch,
    multi_rater_stats,
    pabak,
    percent_agreement,
    prevalence_index,
    rater_counts,
    scott_pi,
    two_rater_stats,
)
from autocode.agree.coefficients import two_rater_coefficients

DATA = Path(__file__).parent / "data" / "agree"

# Cohen (1960), Table 1: two judges, 200 units, 3 categories; p_o = .70, p_c = .41, k = .492
COHEN_1960 = np.array([[88, 14, 18], [10, 40, 10], [2, 6, 12]])
# irrCAC (Gwet) cont3x3abstractors, with the values printed in the irrCAC README
ABSTRACTORS = np.array([[13, 0, 0], [0, 20, 7], [0, 4, 56]])
# irrCAC distrib.6raters: 15 subjects x 5 categories, 6 raters each
DISTRIB_6 = np.array(
    [
        [0, 0, 0, 6, 0],
        [0, 3, 0, 0, 3],
        [0, 1, 4, 0, 1],
        [0, 0, 0, 0, 6],
        [0, 3, 0, 3, 0],
        [2, 0, 4, 0, 0],
        [0, 0, 4, 0, 2],
        [2, 0, 3, 1, 0],
        [2, 0, 0, 4, 0],
        [0, 0, 0, 0, 6],
        [1, 0, 0, 5, 0],
        [1, 1, 0, 4, 0],
        [0, 3, 3, 0, 0],
        [1, 0, 0, 5, 0],
        [0, 2, 0, 3, 1],
    ]
)


def _expand(table: np.ndarray) -> tuple[list[int], list[int]]:
    a, b = [], []
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            a += [i] * int(table[i, j])
            b += [j] * int(table[i, j])
    return a, b


def _kripp() -> np.ndarray:
    return pd.read_csv(DATA / "krippendorff2011.csv").set_index("unit").to_numpy(float)


# ----------------------------------------------------------------------------- published
def test_cohen_1960_kappa_492():
    a, b = _expand(COHEN_1960)
    k = cohen_kappa(a, b)
    assert round(k.value, 3) == 0.492
    assert percent_agreement(a, b).value == pytest.approx(0.70)
    assert k.ci_low < k.value < k.ci_high


def test_fleiss_1971_kappa_430():
    ratings = pd.read_csv(DATA / "fleiss1971.csv").set_index("subject").to_numpy()
    assert ratings.shape == (30, 6)
    k = fleiss_kappa(ratings)
    assert round(k.value, 3) == 0.430
    assert k.value == pytest.approx(0.43024452006014074, abs=1e-12)


def test_krippendorff_2011_reliability_data_with_missing_values():
    data = _kripp()
    assert krippendorff_alpha(data).value == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(data).value == pytest.approx(0.743421052631579, abs=1e-12)
    # the other levels as published (Krippendorff 2011: interval .849, ratio .797)
    assert krippendorff_alpha(data, "interval").value == pytest.approx(0.849, abs=5e-4)
    assert krippendorff_alpha(data, "ratio").value == pytest.approx(0.797, abs=5e-4)
    assert krippendorff_alpha(data, "ordinal").value == pytest.approx(0.815, abs=5e-4)


def test_gwet_irrcac_raw_four_raters():
    """irrCAC README, cac.raw4raters (same data as Krippendorff 2011): AC1 .77544 (SE .14295)."""
    counts, _ = rater_counts(_kripp())
    s = multi_rater_stats(counts)
    assert s["gwet_ac1"] == pytest.approx(0.77544, abs=5e-6)
    assert s["gwet_ac1_se"] == pytest.approx(0.14295, abs=5e-6)
    assert s["pa"] == pytest.approx(0.8181818, abs=1e-7)
    assert s["fleiss_kappa"] == pytest.approx(0.76117, abs=5e-6)
    assert s["fleiss_kappa_se"] == pytest.approx(0.15302, abs=5e-6)
    assert s["brennan_prediger"] == pytest.approx(0.77273, abs=5e-6)
    assert s["brennan_prediger_se"] == pytest.approx(0.14472, abs=5e-6)
    assert s["pa_se"] == pytest.approx(0.12561, abs=5e-6)
    assert s["krippendorff_alpha"] == pytest.approx(0.74342, abs=5e-6)
    assert gwet_ac1_multi(_kripp()).value == pytest.approx(0.77544, abs=5e-6)


def test_gwet_irrcac_distribution_six_raters():
    s = multi_rater_stats(DISTRIB_6)
    assert s["gwet_ac1"] == pytest.approx(0.4448007, abs=1e-7)
    assert s["gwet_ac1_se"] == pytest.approx(0.08418757, abs=1e-8)
    assert s["fleiss_kappa"] == pytest.approx(0.4139265, abs=1e-7)
    assert s["fleiss_kappa_se"] == pytest.approx(0.08119291, abs=1e-8)
    assert s["brennan_prediger"] == pytest.approx(0.4388889, abs=1e-7)
    assert s["brennan_prediger_se"] == pytest.approx(0.08312142, abs=1e-8)
    assert s["krippendorff_alpha"] == pytest.approx(0.4204384, abs=1e-7)


def test_gwet_irrcac_contingency_table():
    """irrCAC README, cont3x3abstractors. Values match exactly; irrCAC's *table* functions
    divide the linearised variance by n^2 where its raw-data functions (and we) use n(n-1)."""
    c = two_rater_coefficients(ABSTRACTORS)
    n = ABSTRACTORS.sum()
    f = np.sqrt((n - 1) / n)
    assert c["cohen_kappa"].value == pytest.approx(0.7964094, abs=1e-7)
    assert c["cohen_kappa"].se == pytest.approx(0.05891072, abs=1e-8)  # FCE 1969
    assert c["scott_pi"].value == pytest.approx(0.7962397, abs=1e-7)
    assert c["gwet_ac1"].value == pytest.approx(0.8493305, abs=1e-7)
    assert c["gwet_ac1"].se * f == pytest.approx(0.04321747, abs=1e-8)
    assert c["brennan_prediger"].value == pytest.approx(0.835, abs=1e-9)
    assert c["brennan_prediger"].se * f == pytest.approx(0.04693346, abs=1e-8)
    assert c["krippendorff_alpha"].value == pytest.approx(0.7972585, abs=1e-7)
    assert c["pa"].value == pytest.approx(0.89)
    assert c["pa"].se * f == pytest.approx(0.03128898, abs=1e-8)


# ----------------------------------------------------------------------------- references
@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_equals_sklearn_and_statsmodels(weights):
    from sklearn.metrics import cohen_kappa_score
    from statsmodels.stats.inter_rater import cohens_kappa

    rng = np.random.default_rng(7)
    for q in (2, 3, 5):
        for _ in range(5):
            a = rng.integers(0, q, 300)
            b = np.where(rng.random(300) < 0.6, a, rng.integers(0, q, 300))
            k = cohen_kappa(a, b, weights=weights, categories=list(range(q)))
            assert k.value == pytest.approx(cohen_kappa_score(a, b, weights=weights), abs=1e-9)
            t, _ = contingency_table(a, b, list(range(q)))
            sm = cohens_kappa(t, wt=weights, weights=None if weights is None else np.arange(q))
            assert k.value == pytest.approx(sm.kappa, abs=1e-9)
            assert k.se == pytest.approx(sm.std_kappa, abs=1e-9)


def test_fleiss_kappa_equals_statsmodels():
    from statsmodels.stats.inter_rater import aggregate_raters
    from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

    rng = np.random.default_rng(3)
    for m, q in ((2, 2), (3, 4), (6, 5)):
        truth = rng.integers(0, q, 200)
        ratings = np.where(rng.random((200, m)) < 0.5, truth[:, None], rng.integers(0, q, (200, m)))
        counts = aggregate_raters(ratings, n_cat=q)[0]
        assert fleiss_kappa(counts, counts=True).value == pytest.approx(sm_fleiss(counts), abs=1e-9)
        assert fleiss_kappa(ratings).value == pytest.approx(sm_fleiss(counts), abs=1e-9)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_alpha_equals_krippendorff_package(level):
    import krippendorff

    rng = np.random.default_rng(11)
    for _ in range(4):
        truth = rng.integers(1, 6, 150)
        data = np.where(
            rng.random((150, 4)) < 0.7, truth[:, None], rng.integers(1, 6, (150, 4))
        ).astype(float)
        data[rng.random((150, 4)) < 0.2] = np.nan  # missing values
        ours = krippendorff_alpha(data, level).value
        ref = krippendorff.alpha(reliability_data=data.T, level_of_measurement=level)
        assert ours == pytest.approx(ref, abs=1e-9)


def test_two_rater_engine_is_vectorised_over_codes():
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(5)
    x = rng.random((400, 20)) < 0.3
    y = x ^ (rng.random((400, 20)) < 0.15)
    t = np.empty((20, 2, 2))
    t[:, 1, 1] = (x & y).sum(0)
    t[:, 1, 0] = (x & ~y).sum(0)
    t[:, 0, 1] = (~x & y).sum(0)
    t[:, 0, 0] = (~x & ~y).sum(0)
    s = two_rater_stats(t)
    for j in range(20):
        assert s["cohen_kappa"][j] == pytest.approx(cohen_kappa_score(x[:, j], y[:, j]), abs=1e-12)
        assert s["scott_pi"][j] == pytest.approx(scott_pi(x[:, j], y[:, j]).value, abs=1e-12)


def test_scott_pi_equals_fleiss_for_two_raters_and_pabak():
    a, b = _expand(ABSTRACTORS)
    assert scott_pi(a, b).value == pytest.approx(fleiss_kappa(np.c_[a, b]).value, abs=1e-12)
    x = [1, 1, 0, 0, 1, 0, 0, 0]
    y = [1, 0, 0, 0, 1, 0, 1, 0]
    assert pabak(x, y).value == pytest.approx(2 * 6 / 8 - 1)
    assert brennan_prediger(x, y).value == pytest.approx(pabak(x, y).value)
    assert prevalence_index(x, y).value == pytest.approx((2 - 4) / 8)
    assert bias_index(x, y).value == pytest.approx((1 - 1) / 8)


def test_weighted_ac2_matches_definition():
    a, b = _expand(COHEN_1960)
    w = agreement_weights(3, "quadratic")
    t, _ = contingency_table(a, b)
    p = t / t.sum()
    pi = (p.sum(0) + p.sum(1)) / 2
    pa = (w * p).sum()
    pe = w.sum() / 6 * (pi * (1 - pi)).sum()
    assert gwet_ac1(a, b, weights="quadratic").value == pytest.approx((pa - pe) / (1 - pe))


# ----------------------------------------------------------------------------- undefined
def test_undefined_values_have_reasons_not_zero_or_nan():
    k = cohen_kappa([0, 0, 0, 0], [0, 0, 0, 0])
    assert k.value is None
    assert "single category" in k.reason
    d = k.to_dict()
    assert d["value"] is None
    assert d["reason"]
    assert krippendorff_alpha([[1, 1], [1, 1]]).value is None
    assert cohen_kappa([], []).value is None
    # AC1 stays defined (pe < 1) when kappa is not
    assert gwet_ac1([0, 0, 0], [0, 0, 0], categories=[0, 1]).value == 1.0
    # one coder always says 1, the other always 0: kappa is defined (0)
    assert cohen_kappa([1, 1, 1], [0, 0, 0]).value == 0.0


def test_landis_koch_labels():
    assert landis_koch(None) == "undefined"
    assert landis_koch(-0.1) == "poor"
    assert landis_koch(0.492) == "moderate"
    assert landis_koch(0.85) == "almost perfect"


# ----------------------------------------------------------------------------- properties
labels = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=2, max_size=40)


@settings(max_examples=60, deadline=None)
@given(labels)
def test_symmetric_in_coders(pairs):
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    for f in (cohen_kappa, scott_pi, gwet_ac1, percent_agreement, brennan_prediger):
        x, y = f(a, b), f(b, a)
        assert (x.value is None) == (y.value is None)
        if x.value is not None:
            assert x.value == pytest.approx(y.value, abs=1e-12)
            if x.se is not None:
                assert x.se == pytest.approx(y.se, abs=1e-12)
    r = np.c_[a, b]
    x, y = krippendorff_alpha(r).value, krippendorff_alpha(r[:, ::-1]).value
    assert (x is None and y is None) or x == pytest.approx(y, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=2, max_size=40))
def test_perfect_agreement_gives_one(a):
    assert percent_agreement(a, a).value == 1.0
    assert gwet_ac1(a, a, categories=range(5)).value == pytest.approx(1.0)
    if len(set(a)) > 1:
        for f in (cohen_kappa, scott_pi):
            assert f(a, a).value == pytest.approx(1.0)
        assert krippendorff_alpha(np.c_[a, a, a]).value == pytest.approx(1.0)
        assert fleiss_kappa(np.c_[a, a, a]).value == pytest.approx(1.0)
    else:
        assert cohen_kappa(a, a).value is None


@settings(max_examples=60, deadline=None)
@given(labels, st.permutations(["w", "x", "y", "z"]))
def test_relabelling_leaves_unweighted_values_unchanged(pairs, perm):
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    ra, rb = [perm[v] for v in a], [perm[v] for v in b]
    for f in (cohen_kappa, scott_pi, gwet_ac1, percent_agreement):
        x, y = f(a, b).value, f(ra, rb).value
        assert (x is None and y is None) or x == pytest.approx(y, abs=1e-12)
    x = krippendorff_alpha(np.c_[a, b]).value
    y = krippendorff_alpha(np.array([ra, rb], dtype=object).T).value
    assert (x is None and y is None) or x == pytest.approx(y, abs=1e-12)
