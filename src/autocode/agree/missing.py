"""Coefficients when coders did not code every unit: Gwet (2014), as R irrCAC computes them.

Gwet, K. L. (2014), *Handbook of Inter-Rater Reliability*, 4th ed., handles missing ratings
in every coefficient the same way: the **chance agreement** uses *all* ratings (a unit coded by
one coder still tells how often categories are used), the **observed agreement** uses only the
units with two or more ratings. irrCAC's ``*.raw`` functions (``pa.coeff.raw``,
``gwet.ac1.raw``, ``fleiss.kappa.raw``, ``conger.kappa.raw``, ``bp.coeff.raw``,
``krippen.alpha.raw``) implement it; :func:`~.coefficients.multi_rater_stats` does for rater
counts, and this module adds what needs to know *which* coder gave which rating:

- :func:`conger_stats` — Conger's (1980) kappa with Gwet's missing-data generalisation and its
  linearisation SE (irrCAC ``conger.kappa.raw``). For two coders this is Cohen's kappa with
  each coder's category distribution taken over every unit that coder rated.
- :func:`rater_patterns` — the distinct per-unit rating patterns (which coder said what,
  -1 = not rated) and their frequencies, so the engines run on a handful of rows and a
  bootstrap only reweights them.
- :func:`pattern_stats` — every coefficient of one nominal/ordinal variable from patterns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import coefficients as C


def rater_patterns(states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of ``states`` ``(n, m)`` (category index, -1 = not rated) and each unit's
    pattern number. Units nobody rated are dropped (pattern number -1)."""
    s = np.asarray(states, np.int64)
    rated = (s >= 0).any(1)
    pats, inv = np.unique(s[rated], axis=0, return_inverse=True)
    out = np.full(s.shape[0], -1, np.int64)
    out[rated] = np.asarray(inv, np.int64).ravel()
    return pats, out


def one_hot(patterns: np.ndarray, q: int) -> np.ndarray:
    """``(P, m, q)`` 0/1 indicators of the patterns' categories (all 0 where not rated)."""
    p = np.asarray(patterns, np.int64)
    x = np.zeros((*p.shape, q))
    ii, gg = np.nonzero(p >= 0)
    x[ii, gg, p[ii, gg]] = 1.0
    return x


@C._quiet
def conger_stats(
    x: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    unit_weights: np.ndarray | None = None,
    with_se: bool = True,
) -> dict[str, np.ndarray]:
    """Conger's kappa from ratings ``x`` ``(P, m, q)`` (one-hot; all 0 = not rated).

    ``unit_weights`` ``(..., P)``: how many units have each row (a batch of resamples may be
    given). Gwet (2014) / irrCAC ``conger.kappa.raw``: ``pa`` over units with >= 2 ratings;
    ``pe = sum_kl w_kl (pbar_k pbar_l - s2_kl / m)`` with ``p_gk`` coder g's share of category
    k among the units g rated, ``pbar`` their mean over coders and ``s2`` their covariance;
    SE by Gwet's linearisation, ``var = sum_i (kappa_i* - kappa)^2 / (n (n - 1))``.
    Returns ``n`` (units with >= 2 ratings), ``pe``, ``conger_kappa`` (+ ``_se``).
    """
    x = np.asarray(x, dtype=float)
    _, m, q = x.shape
    w = np.eye(q) if weights is None else np.asarray(weights, dtype=float)
    f = np.ones(x.shape[0]) if unit_weights is None else np.asarray(unit_weights, float)
    r = x.sum(1)  # (P, q) rater counts
    ri = r.sum(-1)
    rated, two = ri >= 1, ri >= 2
    n = (f * rated).sum(-1)
    n2 = (f * two).sum(-1)
    pa_i = np.where(two, (r * (r @ w.T - 1)).sum(-1) / np.where(two, ri * (ri - 1), 1), 0.0)
    pa = C._div((f * pa_i).sum(-1), n2)
    classif = np.einsum("...p,pgk->...gk", f, x)  # (..., m, q)
    ng = classif.sum(-1)
    pgk = classif / np.where(ng > 0, ng, np.nan)[..., None]
    pbar = pgk.mean(-2)
    outer = pbar[..., :, None] * pbar[..., None, :]
    s2 = (np.einsum("...gk,...gl->...kl", pgk, pgk) - m * outer) / (m - 1)
    pe = (w * (outer - s2 / m)).sum((-2, -1))
    kappa = C._div(pa - pe, 1 - pe)
    out: dict[str, np.ndarray] = {"n": n2, "pe": pe, "conger_kappa": kappa}
    if with_se:
        eps = x.sum(-1)  # (P, m) 1 where coder g rated the unit
        share = ng / n[..., None]  # (..., m)
        pw = pgk @ w.T  # (..., m, q): sum_l w_kl p_gl
        # A_igk = sum_l w_kl (x_igl - (eps_ig - ng_g/n) p_gl)
        a = (x @ w.T) - (eps[..., :, :] - share[..., None, :])[..., None] * pw[..., None, :, :]
        b = (n[..., None] / ng)[..., :, None] * (m * pbar[..., None, :] - pgk)  # (..., m, q)
        lam = (a * b[..., None, :, :]).sum(-1)  # (..., P, m)
        pe_i = lam.sum(-1) / (m * (m - 1))
        pe_, one_pe = pe[..., None], (1 - pe)[..., None]
        ki = C._div(n, n2)[..., None] * (pa_i - pe_ * two) / one_pe
        ki = ki - 2 * (1 - kappa)[..., None] * (pe_i - pe_) / one_pe
        dev = np.where(rated, f * (ki - kappa[..., None]) ** 2, 0.0)
        out["conger_kappa_se"] = np.sqrt(dev.sum(-1) / np.where(n > 1, n * (n - 1), np.nan))
    return C._blank_empty(out, n2 > 0)


def pattern_stats(
    patterns: np.ndarray,
    q: int,
    *,
    unit_weights: np.ndarray | None = None,
    level: str = "nominal",
    scores: Sequence[float] | None = None,
    ordinal_weights: bool = False,
    with_se: bool = True,
) -> dict[str, Any]:
    """Every coefficient of one variable from rating patterns ``(P, m)`` (-1 = not rated).

    Keys: those of :func:`~.coefficients.multi_rater_stats` plus ``conger_kappa`` (and, with
    ``ordinal_weights``, ``conger_kappa_linear``/``_quadratic`` and ``gwet_ac2``, quadratic
    weights on the category values for interval/ratio, positions otherwise).
    """
    x = one_hot(patterns, q)
    counts = x.sum(1)
    s = C.multi_rater_stats(
        counts, unit_weights=unit_weights, level=level, scores=scores, with_se=with_se
    )
    cg = conger_stats(x, unit_weights=unit_weights, with_se=with_se)
    s["conger_kappa"] = cg["conger_kappa"]
    if with_se:
        s["conger_kappa_se"] = cg["conger_kappa_se"]
    if ordinal_weights:
        for wk in ("linear", "quadratic"):
            cw = conger_stats(
                x, C.agreement_weights(q, wk), unit_weights=unit_weights, with_se=with_se
            )
            s[f"conger_kappa_{wk}"] = cw["conger_kappa"]
            if with_se:
                s[f"conger_kappa_{wk}_se"] = cw["conger_kappa_se"]
        wq = C.agreement_weights(q, "quadratic", scores)
        sq = C.multi_rater_stats(counts, wq, unit_weights=unit_weights, with_se=with_se)
        s["gwet_ac2"] = sq["gwet_ac1"]
        if with_se:
            s["gwet_ac2_se"] = sq["gwet_ac1_se"]
    return s


def complete_pairs(states: np.ndarray) -> bool:
    """True for two coders who rated the same units (no unit rated by only one of them)."""
    s = np.asarray(states)
    return s.shape[1] == 2 and not ((s >= 0).sum(1) == 1).any()


def table_label_stats(
    tables: np.ndarray,
    *,
    level: str = "nominal",
    scores: Sequence[float] | None = None,
    ordered: bool = False,
    with_se: bool = True,
) -> dict[str, np.ndarray]:
    """Two coders, no missing rating: every coefficient from q x q tables ``(..., q, q)``
    (Cohen's kappa with the Fleiss–Cohen–Everitt SE, as statsmodels)."""
    t = np.asarray(tables, float)
    q = t.shape[-1]
    s = C.two_rater_stats(t, level=level, scores=scores, with_se=with_se)
    s["fleiss_kappa"] = s["scott_pi"]
    if with_se:
        s["fleiss_kappa_se"] = s["scott_pi_se"]
    if ordered:
        for wk in ("linear", "quadratic"):
            sw = C.two_rater_stats(t, C.agreement_weights(q, wk), with_se=with_se)
            s[f"cohen_kappa_{wk}"] = sw["cohen_kappa"]
            if with_se:
                s[f"cohen_kappa_{wk}_se"] = sw["cohen_kappa_se"]
        sq = C.two_rater_stats(t, C.agreement_weights(q, "quadratic", scores), with_se=with_se)
        s["gwet_ac2"] = sq["gwet_ac1"]
        if with_se:
            s["gwet_ac2_se"] = sq["gwet_ac1_se"]
    return s


def pattern_label_stats(
    patterns: np.ndarray,
    q: int,
    unit_weights: np.ndarray,
    *,
    level: str = "nominal",
    scores: Sequence[float] | None = None,
    ordered: bool = False,
    with_se: bool = True,
) -> dict[str, np.ndarray]:
    """Any number of coders, missing ratings allowed (Gwet 2014): every coefficient from the
    rating patterns. Two coders get ``cohen_kappa`` (= Conger's) and ``scott_pi``
    (= Fleiss'); three or more get ``conger_kappa``."""
    m = np.asarray(patterns).shape[1]
    s = pattern_stats(
        patterns,
        q,
        unit_weights=unit_weights,
        level=level,
        scores=scores,
        ordinal_weights=ordered,
        with_se=with_se,
    )
    if m == 2:
        for src, dst in (("conger_kappa", "cohen_kappa"), ("fleiss_kappa", "scott_pi")):
            for suf in ("", "_se") if with_se else ("",):
                s[dst + suf] = s[src + suf]
        for wk in ("linear", "quadratic") if ordered else ():
            for suf in ("", "_se") if with_se else ("",):
                s[f"cohen_kappa_{wk}{suf}"] = s[f"conger_kappa_{wk}{suf}"]
    return s


# two coders, one binary variable (a code present/absent): each unit is one of nine cells
# (coder A's state, coder B's state), state -1 = did not code the unit, 0 absent, 1 present
PAIR_PATTERNS = np.array([(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)], np.int64)
_OVERLAP = [4, 5, 7, 8]  # the cells where both coded: (0,0) (0,1) (1,0) (1,1)


def pair_cells(mats: np.ndarray, coded: np.ndarray) -> np.ndarray:
    """Cell index into :data:`PAIR_PATTERNS` per (unit, code) for two coders' 0/1 matrices
    ``(2, n, K)`` and coded masks ``(2, n)``."""
    st = np.where(coded[:, :, None], mats.astype(np.int8), np.int8(-1)).astype(np.int64)
    return (st[0] + 1) * 3 + (st[1] + 1)


def pair_stats(freq: np.ndarray, *, with_se: bool = True) -> dict[str, np.ndarray]:
    """Two coders with missing codings, binary variables: every coefficient from cell
    frequencies ``(..., 9)`` (Gwet 2014, see :func:`pattern_label_stats`); prevalence and
    bias indices from the 2x2 table of the responses both coded."""
    f = np.asarray(freq, float)
    s = pattern_label_stats(PAIR_PATTERNS, 2, f, with_se=with_se)
    st = C.two_rater_stats(overlap_tables(f), with_se=False)
    s["prevalence_index"], s["bias_index"] = st["prevalence_index"], st["bias_index"]
    return s


def overlap_tables(freq: np.ndarray) -> np.ndarray:
    """The 2x2 tables ``(..., 2, 2)`` of the responses both coders coded."""
    f = np.asarray(freq, float)
    return f[..., _OVERLAP].reshape((*f.shape[:-1], 2, 2))
