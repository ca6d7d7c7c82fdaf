"""Agreement coefficients: pure numpy, vectorised over a leading batch axis.

Two engines compute every coefficient at once from sufficient statistics:

- :func:`two_rater_stats` takes contingency tables ``T`` of shape ``(..., q, q)`` (rows: coder
  A, columns: coder B) — e.g. ``(n_codes, 2, 2)`` for per-code binary agreement or
  ``(n_resamples, n_codes, 2, 2)`` for a bootstrap — and returns arrays of the same batch shape.
- :func:`multi_rater_stats` takes rater counts ``R`` of shape ``(..., n_units, q)`` (how many
  coders put unit *i* in category *k*; units may have any number of coders, i.e. missing
  ratings are allowed) and returns the multi-rater coefficients.

Undefined values are NaN inside the engines; the friendly wrappers (:func:`cohen_kappa`,
:func:`fleiss_kappa`, :func:`krippendorff_alpha`, ...) turn them into
:class:`Coefficient` objects with ``value=None`` and a ``reason``.

Formulas
--------
Agreement weights ``W`` (1 on the diagonal) are used throughout; unweighted means ``W = I``.

- Percent agreement ``pa = sum(W * P)``; SE from the per-unit linearisation (Gwet 2014).
- Cohen's kappa (Cohen 1960; weighted: Cohen 1968) ``(pa - pe) / (1 - pe)``,
  ``pe = sum(W * outer(p_A, p_B))``; SE: Fleiss, Cohen & Everitt (1969), the non-null
  asymptotic variance, as in statsmodels ``cohens_kappa(...).std_kappa``; 95% CI ``k ± 1.96 SE``.
- Scott's pi (1955) / Fleiss' kappa (1971): ``pe = pi' W pi`` with ``pi`` the mean category
  distribution; for missing ratings Gwet's (2014) generalisation, ``pi_k`` = mean over units of
  ``r_ik / r_i``; SE by Gwet's linearisation (irrCAC ``fleiss.kappa.raw``).
- Gwet's AC1 (2008) / AC2 (weighted): ``pe = T_w / (q (q - 1)) * sum pi_k (1 - pi_k)``.
- Brennan & Prediger (1981): ``pe = T_w / q**2``; for two categories this is PABAK
  (Byrt, Bishop & Carlin 1993), ``2 pa - 1``.
- Krippendorff's alpha (2011, "Computing Krippendorff's alpha-reliability") from the
  coincidence matrix, nominal/ordinal/interval/ratio metrics, units with < 2 values ignored.
- Prevalence index ``(n_11 - n_00) / n`` and bias index ``(n_10 - n_01) / n`` (Byrt et al. 1993)
  for 2x2 tables, category 1 = "present"; bias > 0 means coder A uses the code more.

Conger's (1980) kappa, and Cohen's kappa when two coders did not code the same units, need
to know who gave which rating: :mod:`.missing`.

``q`` (for AC1 and Brennan–Prediger) is the number of categories of the scale: 2 for a
binary code, the number of listed categories otherwise.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from .tables import (  # noqa: F401 - re-exported: part of this module's public API
    contingency_table,
    label_index,
    missing_mask,
    rater_counts,
)

Z95 = 1.959963984540054
_EPS = 1e-12
LEVELS = ("nominal", "ordinal", "interval", "ratio")
_F = TypeVar("_F", bound=Callable[..., Any])


def _quiet(fn: _F) -> _F:
    """Undefined cells are NaN by design: silence numpy's divide/invalid warnings."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore"):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class Coefficient:
    """One agreement coefficient. ``value`` is None when undefined, with a ``reason``."""

    value: float | None
    se: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    reason: str | None = None
    boot_ci_low: float | None = None
    boot_ci_high: float | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``{"value", "se", "ci_low", "ci_high"}`` (+ ``reason`` / bootstrap CI)."""
        d: dict[str, Any] = {
            "value": self.value,
            "se": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
        }
        if self.reason is not None:
            d["reason"] = self.reason
        if self.boot_ci_low is not None or self.boot_ci_high is not None:
            d["boot_ci_low"] = self.boot_ci_low
            d["boot_ci_high"] = self.boot_ci_high
        if self.note is not None:
            d["note"] = self.note
        return d


def _f(x: Any) -> float | None:
    x = float(x)
    return None if not np.isfinite(x) else x


def make_coefficient(
    value: Any,
    se: Any = np.nan,
    reason: str | None = None,
    bounded: bool = True,
    lower: float = -1.0,
) -> Coefficient:
    """Build a :class:`Coefficient` from engine numbers (NaN -> None) with a 95% normal CI.

    The CI is clipped to [lower, 1] (``bounded``): [-1, 1] for chance-corrected coefficients,
    [0, 1] for percent agreement.
    """
    v = _f(value)
    if v is None:
        return Coefficient(None, reason=reason or "undefined")
    s = _f(se)
    if s is None:
        return Coefficient(v)
    lo, hi = v - Z95 * s, v + Z95 * s
    if bounded:
        lo, hi = max(lo, lower), min(hi, 1.0)
    return Coefficient(v, s, lo, hi)


# --------------------------------------------------------------------------- weights
def agreement_weights(
    q: int, kind: str | None = None, scores: Sequence[float] | None = None
) -> np.ndarray:
    """Agreement weights ``W`` (q x q, 1 on the diagonal).

    ``kind``: None/"unweighted" (identity), "linear" (Cicchetti & Allison 1971:
    ``1 - |x_k - x_l| / (x_max - x_min)``) or "quadratic" (Fleiss & Cohen 1973:
    ``1 - (x_k - x_l)**2 / (x_max - x_min)**2``). ``scores`` default to ``0..q-1`` (category
    positions, as scikit-learn's ``cohen_kappa_score`` uses).
    """
    if kind in (None, "unweighted", "none"):
        return np.eye(q)
    x = np.arange(q, dtype=float) if scores is None else np.asarray(scores, dtype=float)
    if x.shape != (q,):
        raise ValueError(f"scores must have {q} values, got {x.shape}")
    rng = x.max() - x.min() if q > 1 else 1.0
    rng = rng or 1.0
    d = np.abs(x[:, None] - x[None, :]) / rng
    if kind == "linear":
        return 1.0 - d
    if kind == "quadratic":
        return 1.0 - d**2
    raise ValueError(f"weights must be None, 'linear' or 'quadratic', got {kind!r}")


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.broadcast_arrays(np.asarray(num, float), np.asarray(den, float))
    out = np.full(num.shape, np.nan)
    ok = np.abs(den) > _EPS
    np.divide(num, den, out=out, where=ok)
    return out


# --------------------------------------------------------------------------- two raters
@_quiet
def two_rater_stats(
    tables: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    level: str = "nominal",
    scores: Sequence[float] | None = None,
    with_se: bool = True,
) -> dict[str, np.ndarray]:
    """All two-coder coefficients from contingency tables of shape ``(..., q, q)``.

    ``weights`` are agreement weights (see :func:`agreement_weights`) used by Cohen's kappa,
    Scott's pi, AC1/AC2, Brennan–Prediger and percent agreement; ``level`` (+ ``scores``, the
    category values) selects Krippendorff's metric. Returns arrays keyed ``n``, ``pa``,
    ``cohen_kappa``, ``scott_pi``, ``gwet_ac1``, ``brennan_prediger``,
    ``krippendorff_alpha`` (+ ``*_se``), and for q = 2 ``prevalence_index``, ``bias_index``.
    """
    t = np.asarray(tables, dtype=float)
    q = t.shape[-1]
    w = np.eye(q) if weights is None else np.asarray(weights, dtype=float)
    n = t.sum(axis=(-2, -1))
    nn = np.where(n > 0, n, np.nan)
    p = t / nn[..., None, None]
    pr, pc = p.sum(-1), p.sum(-2)  # coder A (rows), coder B (columns)
    pa = (w * t).sum((-2, -1)) / nn  # from counts: exactly 1 under perfect agreement
    out: dict[str, np.ndarray] = {"n": n, "pa": pa}

    # Cohen's kappa + Fleiss-Cohen-Everitt (1969) SE
    pe_c = np.einsum("...k,kl,...l->...", pr, w, pc)
    kap = _div(pa - pe_c, 1 - pe_c)
    out["cohen_kappa"] = kap

    # Scott's pi, Gwet AC1/AC2, Brennan-Prediger share pi = mean marginal distribution
    pi = (pr + pc) / 2
    wpi = pi @ w.T  # (W pi)_k
    pe_s = (pi * wpi).sum(-1)
    out["scott_pi"] = scott = _div(pa - pe_s, 1 - pe_s)
    tw = w.sum()
    gfac = tw / (q * (q - 1)) if q > 1 else np.nan
    pe_g = gfac * (pi * (1 - pi)).sum(-1)
    out["gwet_ac1"] = ac1 = _div(pa - pe_g, 1 - pe_g)
    pe_b = tw / q**2
    out["brennan_prediger"] = _div(pa - pe_b, np.full_like(pa, 1 - pe_b))

    if with_se:
        nm1 = np.where(n > 1, n * (n - 1), np.nan)
        # percent agreement: per-unit pa_i = W_kl
        dev = (w - pa[..., None, None]) ** 2
        out["pa_se"] = np.sqrt((t * dev).sum((-2, -1)) / nm1)
        # Cohen (FCE 1969): w_row_i = sum_j pc_j W_ij ; w_col_j = sum_i pr_i W_ij
        w_row = pc @ w.T
        w_col = pr @ w
        one_k = (1 - kap)[..., None, None]
        term = (p * (w - (w_row[..., :, None] + w_col[..., None, :]) * one_k) ** 2).sum((-2, -1))
        var = (term - (kap - pe_c * (1 - kap)) ** 2) / (nn * (1 - pe_c) ** 2)
        out["cohen_kappa_se"] = np.sqrt(np.clip(var, 0, None))
        # Gwet linearisation: c_i* = (pa_i - pe)/(1-pe) - 2 (1-c) (pe_i - pe)/(1-pe)
        for name, c, pe, pe_unit in (
            ("scott_pi", scott, pe_s, (wpi[..., :, None] + wpi[..., None, :]) / 2),
            ("gwet_ac1", ac1, pe_g, gfac * ((1 - pi)[..., :, None] + (1 - pi)[..., None, :]) / 2),
        ):
            pe4 = pe[..., None, None]
            ci = (w - pe4) / (1 - pe4) - 2 * (1 - c)[..., None, None] * (pe_unit - pe4) / (1 - pe4)
            out[name + "_se"] = np.sqrt((t * (ci - c[..., None, None]) ** 2).sum((-2, -1)) / nm1)
        out["brennan_prediger_se"] = out["pa_se"] / (1 - pe_b)

    # Krippendorff's alpha: coincidence matrix of two coders is T + T'
    o = t + np.swapaxes(t, -1, -2)
    out["krippendorff_alpha"] = alpha_from_coincidence(o, level, scores)

    if q == 2:
        out["prevalence_index"] = p[..., 1, 1] - p[..., 0, 0]
        out["bias_index"] = p[..., 1, 0] - p[..., 0, 1]
    return _blank_empty(out, n > 0)


def _blank_empty(out: dict[str, np.ndarray], ok: np.ndarray) -> dict[str, np.ndarray]:
    """Every coefficient is undefined (NaN) where there is no unit to compare."""
    for k, v in out.items():
        if k != "n":
            out[k] = np.where(ok, v, np.nan)
    return out


# --------------------------------------------------------------------------- Krippendorff
def _metric(level: str, q: int, scores: Sequence[float] | None, nc: np.ndarray) -> np.ndarray:
    """Squared difference function delta^2 (Krippendorff 2011), batch shape (..., q, q)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    if level == "nominal":
        return 1.0 - np.eye(q)
    if level == "ordinal":
        # (sum_{g=c}^{k} n_g - (n_c + n_k)/2)^2 with categories in rank order
        cs = np.cumsum(nc, axis=-1)
        lo = np.minimum.outer(np.arange(q), np.arange(q))
        hi = np.maximum.outer(np.arange(q), np.arange(q))
        start = np.concatenate([np.zeros((*nc.shape[:-1], 1)), cs], axis=-1)
        between = start[..., hi + 1] - start[..., lo]
        return (between - (nc[..., :, None] + nc[..., None, :]) / 2) ** 2
    x = np.arange(q, dtype=float) if scores is None else np.asarray(scores, dtype=float)
    if level == "interval":
        return (x[:, None] - x[None, :]) ** 2
    s = x[:, None] + x[None, :]
    return _div((x[:, None] - x[None, :]) ** 2, s**2) if q else np.zeros((0, 0))


@_quiet
def alpha_from_coincidence(
    o: np.ndarray, level: str = "nominal", scores: Sequence[float] | None = None
) -> np.ndarray:
    """Krippendorff's alpha ``1 - (n - 1) sum o_ck d_ck / sum n_c n_k d_ck`` per batch item."""
    o = np.asarray(o, dtype=float)
    q = o.shape[-1]
    nc = o.sum(-1)
    ntot = nc.sum(-1)
    d = _metric(level, q, scores, nc)
    d = np.nan_to_num(d)  # ratio metric 0/0 (both values 0) is a zero distance
    do = (o * d).sum((-2, -1))
    de = (nc[..., :, None] * nc[..., None, :] * d).sum((-2, -1))
    return np.where(ntot > 1, 1 - _div((ntot - 1) * do, de), np.nan)


@_quiet
def coincidence_matrix(counts: np.ndarray, unit_weights: np.ndarray | None = None) -> np.ndarray:
    """Coincidence matrix from rater counts ``(..., n_units, q)`` (units with < 2 values drop).

    ``unit_weights`` ``(..., n_units)``: how many times each unit (or unit pattern) occurs.
    """
    r = np.asarray(counts, dtype=float)
    m = r.sum(-1)
    inv = np.where(m >= 2, _div(np.ones_like(m), m - 1), 0.0)
    rm = r * inv[..., None]
    f = np.ones(r.shape[:-1]) if unit_weights is None else np.asarray(unit_weights, float)
    o = np.einsum("...i,...ik,...il->...kl", f, r, rm)
    diag = np.einsum("...i,...ik->...k", f, rm)
    idx = np.arange(r.shape[-1])
    o[..., idx, idx] -= diag
    return o


# --------------------------------------------------------------------------- many raters
@_quiet
def multi_rater_stats(
    counts: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    unit_weights: np.ndarray | None = None,
    level: str = "nominal",
    scores: Sequence[float] | None = None,
    with_se: bool = True,
) -> dict[str, np.ndarray]:
    """Multi-coder coefficients from rater counts ``(..., n_units, q)``; missing ratings allowed.

    Follows Gwet (2014) / irrCAC's ``*.raw`` functions: units rated by at least one coder enter
    the category distribution ``pi``; units rated by at least two enter ``pa``. Returns
    ``n`` (units with >= 2 ratings), ``pa``, ``fleiss_kappa``, ``gwet_ac1``,
    ``brennan_prediger``, ``krippendorff_alpha`` (+ ``*_se`` except alpha).

    ``unit_weights`` ``(..., n_units)`` counts how often each row occurs: rows can then be
    the distinct rating *patterns* (fast for many units) or a bootstrap resample.
    """
    r = np.asarray(counts, dtype=float)
    q = r.shape[-1]
    w = np.eye(q) if weights is None else np.asarray(weights, dtype=float)
    f = np.ones(r.shape[:-1]) if unit_weights is None else np.asarray(unit_weights, float)
    ri = r.sum(-1)
    rated = ri >= 1
    two = ri >= 2
    n = (f * rated).sum(-1)
    n2 = (f * two).sum(-1)
    rw = r @ w.T  # r*_ik = sum_l w_kl r_il
    pa_i = np.where(two, (r * (rw - 1)).sum(-1) / np.where(two, ri * (ri - 1), 1), 0.0)
    pa = _div((f * pa_i).sum(-1), n2)
    rinv = np.where(rated, 1 / np.where(rated, ri, 1), 0.0)
    pi = _div(np.einsum("...i,...ik->...k", f, r * rinv[..., None]), n[..., None])
    wpi = pi @ w.T
    pe_f = (pi * wpi).sum(-1)
    tw = w.sum()
    gfac = tw / (q * (q - 1)) if q > 1 else np.nan
    pe_g = gfac * (pi * (1 - pi)).sum(-1)
    pe_b = np.full_like(pa, tw / q**2)
    out: dict[str, np.ndarray] = {"n": n2, "pa": pa}
    units = {
        "fleiss_kappa": (pe_f, (r * wpi[..., None, :]).sum(-1) * rinv),
        "gwet_ac1": (pe_g, gfac * (r * (1 - pi)[..., None, :]).sum(-1) * rinv),
        "brennan_prediger": (pe_b, None),
        "pa": (np.zeros_like(pa), None),
    }
    nm1 = np.where(n > 1, n * (n - 1), np.nan)
    for name, (pe, pe_unit) in units.items():
        c = _div(pa - pe, 1 - pe)
        out[name] = c
        if not with_se:
            continue
        pe_ = pe[..., None]
        ci = _div(n, n2)[..., None] * (pa_i - pe_ * two) / (1 - pe_)
        if pe_unit is not None:
            ci = ci - 2 * (1 - c)[..., None] * (pe_unit - pe_) / (1 - pe_)
        dev = np.where(rated, f * (ci - c[..., None]) ** 2, 0.0)
        out[name + "_se"] = np.sqrt(dev.sum(-1) / nm1)
    o = coincidence_matrix(r, f)
    out["krippendorff_alpha"] = alpha_from_coincidence(o, level, scores)
    return _blank_empty(out, n2 > 0)


def rating_patterns(pres: np.ndarray, n_coders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pattern index per (unit, code) and the patterns ``(absent, present)`` as rater counts.

    ``pres`` ``(n, K)``: coders who used the code; ``n_coders`` ``(n,)``: coders who coded the
    unit. With m coders there are at most (m + 1)^2 patterns.
    """
    m = int(n_coders.max()) if n_coders.size else 0
    absn = n_coders[:, None] - pres
    cells = absn * (m + 1) + pres
    a, p = np.divmod(np.arange((m + 1) ** 2), m + 1)
    return cells.astype(np.int64), np.stack([a, p], axis=-1).astype(float)


# --------------------------------------------------------------------------- friendly API
def _undefined_reason(name: str, t: np.ndarray) -> str:
    n = t.sum()
    if n == 0:
        return "no unit was coded by both coders"
    used_a, used_b = t.sum(1) > 0, t.sum(0) > 0
    if used_a.sum() == 1 and used_b.sum() == 1:
        return "both coders used the same single category for every unit (expected agreement = 1)"
    return f"{name} is undefined for these data (expected agreement = 1)"


def two_rater_coefficients(
    table: np.ndarray,
    weights: str | None = None,
    *,
    level: str = "nominal",
    scores: Sequence[float] | None = None,
) -> dict[str, Coefficient]:
    """Every two-coder coefficient of one q x q table as :class:`Coefficient` objects."""
    t = np.asarray(table, dtype=float)
    q = t.shape[-1]
    w = agreement_weights(q, weights, scores if level in ("interval", "ratio") else None)
    s = two_rater_stats(t, w, level=level, scores=scores)
    out = {}
    for key in ("pa", "cohen_kappa", "scott_pi", "gwet_ac1", "brennan_prediger"):
        reason = _undefined_reason(key, t) if not np.isfinite(s[key]) else None
        out[key] = make_coefficient(
            s[key], s.get(key + "_se", np.nan), reason, lower=0.0 if key == "pa" else -1.0
        )
    out["krippendorff_alpha"] = make_coefficient(
        s["krippendorff_alpha"],
        reason=_undefined_reason("alpha", t) if not np.isfinite(s["krippendorff_alpha"]) else None,
    )
    if q == 2:
        for key in ("prevalence_index", "bias_index"):
            out[key] = make_coefficient(s[key], reason="no unit was coded by both coders")
    return out


def percent_agreement(a: Sequence[Any], b: Sequence[Any]) -> Coefficient:
    """Proportion of units on which the two coders gave the same label."""
    return two_rater_coefficients(contingency_table(a, b)[0])["pa"]


def cohen_kappa(
    a: Sequence[Any],
    b: Sequence[Any],
    weights: str | None = None,
    categories: Sequence[Any] | None = None,
) -> Coefficient:
    """Cohen's (1960) kappa, or weighted kappa (1968) with ``weights='linear'|'quadratic'``.

    SE: Fleiss, Cohen & Everitt (1969); CI: ``kappa ± 1.96 SE``. Weights use category
    positions in sorted order (``categories`` fixes the order), as scikit-learn does.
    """
    t, _ = contingency_table(a, b, categories)
    return two_rater_coefficients(t, weights)["cohen_kappa"]


def scott_pi(a: Sequence[Any], b: Sequence[Any], weights: str | None = None) -> Coefficient:
    """Scott's (1955) pi (Fleiss' kappa for two coders)."""
    return two_rater_coefficients(contingency_table(a, b)[0], weights)["scott_pi"]


def gwet_ac1(
    a: Sequence[Any],
    b: Sequence[Any],
    weights: str | None = None,
    categories: Sequence[Any] | None = None,
) -> Coefficient:
    """Gwet's AC1 (2008); AC2 when ``weights`` is given. ``q`` = number of categories."""
    t, _ = contingency_table(a, b, categories)
    return two_rater_coefficients(t, weights)["gwet_ac1"]


def brennan_prediger(
    a: Sequence[Any], b: Sequence[Any], categories: Sequence[Any] | None = None
) -> Coefficient:
    """Brennan & Prediger (1981) free-marginal kappa, ``(pa - 1/q) / (1 - 1/q)``."""
    t, _ = contingency_table(a, b, categories)
    return two_rater_coefficients(t)["brennan_prediger"]


def pabak(a: Sequence[Any], b: Sequence[Any]) -> Coefficient:
    """Prevalence- and bias-adjusted kappa (Byrt et al. 1993), ``2 pa - 1`` (binary codes)."""
    t, _ = contingency_table(a, b)
    c = two_rater_coefficients(t)["pa"]
    if c.value is None:
        return c
    return make_coefficient(2 * c.value - 1, 2 * c.se if c.se is not None else np.nan)


def prevalence_index(a: Sequence[Any], b: Sequence[Any]) -> Coefficient:
    """Byrt et al. (1993) prevalence index ``(n_11 - n_00) / n`` for 0/1 codings."""
    t, _ = contingency_table(a, b, categories=[0, 1])
    return two_rater_coefficients(t)["prevalence_index"]


def bias_index(a: Sequence[Any], b: Sequence[Any]) -> Coefficient:
    """Byrt et al. (1993) bias index ``(n_10 - n_01) / n`` for 0/1 codings (A yes, B no)."""
    t, _ = contingency_table(a, b, categories=[0, 1])
    return two_rater_coefficients(t)["bias_index"]


def fleiss_kappa(
    ratings: Any, categories: Sequence[Any] | None = None, counts: bool = False
) -> Coefficient:
    """Fleiss' (1971) kappa for ``(n_units, n_coders)`` ratings (or counts if ``counts``).

    With missing ratings, Gwet's (2014) generalisation; SE by Gwet's linearisation.
    """
    r = np.asarray(ratings, float) if counts else rater_counts(ratings, categories)[0]
    s = multi_rater_stats(r)
    return make_coefficient(
        s["fleiss_kappa"], s["fleiss_kappa_se"], "expected agreement = 1 (one category only)"
    )


def krippendorff_alpha(
    ratings: Any, level: str = "nominal", categories: Sequence[Any] | None = None
) -> Coefficient:
    """Krippendorff's alpha for ``(n_units, n_coders)`` ratings; None/NaN = missing.

    For interval/ratio the category values themselves are the scores; for ordinal their
    rank order. (Note: the ``krippendorff`` package expects coders x units.)
    """
    r, cats = rater_counts(ratings, categories)
    scores = cats if level in ("interval", "ratio") else None
    a = alpha_from_coincidence(coincidence_matrix(r), level, scores)
    return make_coefficient(
        a,
        reason="fewer than two values, or only one distinct value, "
        "in units coded by two or more coders",
    )


def gwet_ac1_multi(
    ratings: Any, weights: str | None = None, categories: Sequence[Any] | None = None
) -> Coefficient:
    """Gwet's AC1/AC2 for ``(n_units, n_coders)`` ratings with missing values (irrCAC raw)."""
    r, cats = rater_counts(ratings, categories)
    s = multi_rater_stats(r, agreement_weights(len(cats), weights))
    return make_coefficient(s["gwet_ac1"], s["gwet_ac1_se"], "no unit has two ratings")


def landis_koch(value: float | None) -> str:
    """Landis & Koch (1977) benchmark label for a kappa-like value (a label, not a verdict)."""
    if value is None:
        return "undefined"
    if value < 0:
        return "poor"
    for cut, label in ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial")):
        if value <= cut:
            return label
    return "almost perfect"
