"""Agreement between coders: per code, pooled and macro; single-label and ordinal designs.

Entry points (all return :class:`AgreementResult`):

- :func:`agree` — long codings ``DataFrame`` (``id, coder, code``; a row with an empty code
  means "coded, no code").
- :func:`agree_matrices` — multi-label 0/1 matrices ``(n_units, n_codes)``, one per coder
  (what the classifier evaluation calls: human vs predicted).
- :func:`agree_labels` — one label/rating per unit and coder ``(n_units, n_coders)``,
  None/NaN = not coded (single-label and ordinal/interval/ratio designs).

Multi-label: each code is a binary present/absent variable per unit. Per code, every
coefficient is computed from the 2x2 table (two coders) or the rater counts (three or more);
*pooled* treats all (unit, code) cells as one binary variable; *macro* is the unweighted mean
of the per-code values that are defined.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from itertools import combinations
from typing import Any

import numpy as np

from . import coefficients as C
from . import missing as M
from .bootstrap import bootstrap_labels, bootstrap_multilabel
from .result import AgreementResult, CodeResult

# --------------------------------------------------------------------------- helpers
_GWET_COHEN = (
    "some responses were coded by one coder only: chance agreement from each coder's codes "
    "on every response they coded, observed agreement from the shared ones (Gwet 2014); "
    "SE by Gwet's linearisation"
)


def _pattern_summary(patterns: np.ndarray, freq: np.ndarray) -> tuple[float, float, float]:
    """(units with >= 2 coders, present ratings, absent ratings) for undefined-reasons."""
    two = patterns.sum(-1) >= 2
    return float(freq[two].sum()), float(freq @ patterns[:, 1]), float(freq @ patterns[:, 0])


def _binary_reason(
    key: str, t: np.ndarray | None, r: tuple[float, float, float] | None = None
) -> str:
    """Why a binary (present/absent) coefficient is undefined."""
    if t is not None:
        n = t.sum()
        if n == 0:
            return "no response was coded by both coders"
        present = t[1, :].sum() + t[:, 1].sum()
        if present == 0:
            return "no coder used this code (only one category)"
        if t[1, 1] == n:
            return "both coders applied this code to every response (only one category)"
        return "expected agreement is 1"
    assert r is not None
    n2, n_present, n_absent = r
    if n2 == 0:
        return "no response was coded by two or more coders"
    if n_present == 0:
        return "no coder used this code (only one category)"
    if n_absent == 0:
        return "every coder applied this code to every response (only one category)"
    return "expected agreement is 1"


def _coef(
    stats: dict[str, np.ndarray], key: str, idx: Any, reason: str | Callable[[], str]
) -> C.Coefficient:
    """A Coefficient from engine arrays; ``reason`` (or its callable) only used if undefined."""
    se = stats.get(key + "_se")
    value = stats[key][idx]
    if not np.isfinite(value) and callable(reason):
        reason = reason()
    return C.make_coefficient(
        value,
        np.nan if se is None else se[idx],
        reason if isinstance(reason, str) else None,
        bounded=key not in ("prevalence_index", "bias_index"),
        lower=0.0 if key == "pa" else -1.0,
    )


def _binary_coefficients(
    stats: dict[str, np.ndarray],
    idx: Any,
    n_coders: int,
    table: np.ndarray | None,
    counts: tuple[float, float, float] | None,
) -> dict[str, C.Coefficient]:
    """Coefficient objects for one binary variable (a code, or pooled)."""
    out: dict[str, C.Coefficient] = {}

    def reason(k: str) -> Callable[[], str]:
        return lambda: _binary_reason(k, table, counts)

    out["percent_agreement"] = _coef(stats, "pa", idx, reason("pa"))
    if n_coders == 2:
        out["cohen_kappa"] = _coef(stats, "cohen_kappa", idx, reason("k"))
        if "conger_kappa" in stats and out["cohen_kappa"].value is not None:
            out["cohen_kappa"] = replace(out["cohen_kappa"], note=_GWET_COHEN)
        out["scott_pi"] = _coef(stats, "scott_pi", idx, reason("pi"))
        out["fleiss_kappa"] = replace(out["scott_pi"], note="equals Scott's pi for two coders")
    else:
        why = "Cohen's kappa compares two coders; see fleiss_kappa and pairwise"
        out["cohen_kappa"] = C.Coefficient(None, reason=why)
        out["scott_pi"] = C.Coefficient(
            None, reason="Scott's pi is for two coders; see fleiss_kappa"
        )
        out["fleiss_kappa"] = _coef(stats, "fleiss_kappa", idx, reason("f"))
    out["krippendorff_alpha"] = _coef(stats, "krippendorff_alpha", idx, reason("a"))
    out["gwet_ac1"] = _coef(stats, "gwet_ac1", idx, reason("g"))
    out["brennan_prediger"] = _coef(stats, "brennan_prediger", idx, reason("b"))
    out["pabak"] = replace(
        out["brennan_prediger"], note="2 x percent agreement - 1 (equals Brennan-Prediger, q = 2)"
    )
    if n_coders == 2:
        for k in ("prevalence_index", "bias_index"):
            out[k] = _coef(stats, k, idx, "no response was coded by both coders")
    return out


def _macro(per_code: dict[str, CodeResult]) -> dict[str, Any]:
    out: dict[str, Any] = {"n_codes": len(per_code)}
    if not per_code:
        return out
    keys = next(iter(per_code.values())).coefficients.keys()
    for k in keys:
        vals = [r.coefficients[k].value for r in per_code.values()]
        defined = [v for v in vals if v is not None]
        if not defined:
            reasons = {r.coefficients[k].reason for r in per_code.values()}
            out[k] = C.Coefficient(
                None,
                reason="undefined for every code"
                + (f" ({reasons.pop()})" if len(reasons) == 1 else ""),
            )
        else:
            note = None
            if len(defined) < len(vals):
                note = f"mean over {len(defined)} of {len(vals)} codes (others undefined)"
            out[k] = C.Coefficient(float(np.mean(defined)), note=note)
    return out


def _with_boot(coef: C.Coefficient, lo: float | None, hi: float | None) -> C.Coefficient:
    if coef.value is None or lo is None:
        return coef
    return replace(coef, boot_ci_low=lo, boot_ci_high=hi)


# --------------------------------------------------------------------------- multi-label
def agree_matrices(
    matrices: Sequence[np.ndarray] | np.ndarray,
    *,
    codes: Sequence[str] | None = None,
    coders: Sequence[str] | None = None,
    ids: Sequence[str] | None = None,
    coded: np.ndarray | None = None,
    excluded_ids: Sequence[str] = (),
    unknown_codes: Sequence[str] = (),
    missing: str = "exclude",
    bootstrap: int = 0,
    seed: int | None = None,
    confidence: float = 0.95,
    applies: np.ndarray | None = None,
) -> AgreementResult:
    """Multi-label agreement from 0/1 matrices ``(n_units, n_codes)``, one per coder.

    ``coded`` (``(n_coders, n_units)`` bool) marks which units each coder coded; by default
    all. Units coded by two or more coders give the observed agreement (``n_units``); with
    missing codings the chance agreement comes from every coding, units coded by one coder
    included (Gwet 2014, as R irrCAC; two coders: Cohen's kappa with each coder's prevalence
    over the units they coded, SE by Gwet's linearisation). ``bootstrap`` resamples units
    (percentile CIs, ``seed`` for reproducibility).

    ``applies`` (``(n_units, n_codes)`` bool, default all True): the cells where the code
    applies to the unit (a code that belongs to other questions than the unit's). A cell
    outside it is no rating of anyone: each code is analysed over the units it applies to
    (its ``n_units``, prevalences and tables), and *pooled* sums over the applicable
    (unit, code) cells only.
    """
    arrs = [np.asarray(mm).astype(bool, copy=False) for mm in matrices]
    if len(arrs) < 2:
        raise ValueError("agreement needs at least two coders")
    if any(a.ndim != 2 or a.shape != arrs[0].shape for a in arrs):
        raise ValueError("matrices must be (n_units, n_codes) arrays of the same shape")
    m, (n, k) = len(arrs), arrs[0].shape
    scope = None if applies is None else np.asarray(applies, bool)
    if scope is not None and scope.shape != (n, k):
        raise ValueError("applies must be an (n_units, n_codes) array like the matrices")
    if scope is not None and scope.all():
        scope = None
    if scope is not None:  # a cell outside the scope is nobody's rating
        arrs = [a & scope for a in arrs]
    coders = list(coders) if coders is not None else [f"coder{i + 1}" for i in range(m)]
    codes = list(codes) if codes is not None else [f"code{j + 1}" for j in range(k)]
    ids = list(ids) if ids is not None else None  # default: row numbers, made on demand
    per_code: dict[str, CodeResult] = {}

    mats: np.ndarray | _LazyStack
    pairwise: dict[str, dict[str, C.Coefficient]] = {}
    if m == 2 and (coded is None or np.asarray(coded, bool).all()):
        x, y = arrs
        mats = _LazyStack(arrs)
        coded = np.ones((m, n), bool)
        a, b, n11 = _binary_counts(x, y)
        nj = np.full(k, n, np.int64) if scope is None else scope.sum(0).astype(np.int64)
        tables = np.empty((k, 2, 2))
        tables[:, 1, 1] = n11
        tables[:, 1, 0] = a - n11
        tables[:, 0, 1] = b - n11
        tables[:, 0, 0] = nj - a - b + n11
        stats = C.two_rater_stats(tables)
        pooled_t = tables.sum(0)
        pstats = C.two_rater_stats(pooled_t[None])
        n_units = n
        for j, code in enumerate(codes):
            prev = {coders[0]: _p(a[j], nj[j]), coders[1]: _p(b[j], nj[j])}
            per_code[code] = CodeResult(
                int(nj[j]),
                _p(a[j] + b[j], 2 * nj[j]),
                prev,
                _binary_coefficients(stats, j, 2, tables[j], None),
            )
        pooled = _binary_coefficients(pstats, 0, 2, pooled_t, None)
    else:
        mats = stacked = np.stack(arrs)
        coded = np.ones((m, n), bool) if coded is None else np.asarray(coded, bool)
        n_units = int((coded.sum(0) >= 2).sum())
        by_coder, tot_present, freq, patterns = _pattern_counts(stacked, coded, scope=scope)
        summary: list[tuple[float, float, float] | None]
        if m == 2:  # some responses coded by one coder only: Gwet (2014), 9 cells per code
            cells = M.pair_cells(stacked, coded)
            if scope is not None:  # (-1, -1): rated by neither
                cells = np.where(scope, cells, 0)
            f9 = np.stack([np.bincount(cells[:, j], minlength=9) for j in range(k)])
            stats = M.pair_stats(f9)
            pstats = M.pair_stats(f9.sum(0)[None])
            tables = M.overlap_tables(f9)
            pooled_t = tables.sum(0)
            summary = [None] * k
            psummary = None
        else:  # rating patterns (absent, present) per code: a handful instead of n units
            tables = None
            stats = C.multi_rater_stats(patterns, unit_weights=freq)
            pstats = C.multi_rater_stats(patterns, unit_weights=freq.sum(0)[None])
            summary = [_pattern_summary(patterns, f) for f in freq]
            psummary = _pattern_summary(patterns, freq.sum(0))
        # per code: units each coder coded, all ratings, units with >= 2 ratings (in scope)
        sc = np.ones((n, k), bool) if scope is None else scope
        ncoded = coded.astype(np.int64) @ sc  # (m, K)
        nrated = ncoded.sum(0)
        ntwo = (coded.sum(0) >= 2).astype(np.int64) @ sc
        for j, code in enumerate(codes):
            prev = {c: _p(by_coder[i, j], ncoded[i, j]) for i, c in enumerate(coders)}
            tot = _p(tot_present[j], nrated[j])
            per_code[code] = CodeResult(
                int(ntwo[j]),
                tot,
                prev,
                _binary_coefficients(
                    stats, j, m, None if tables is None else tables[j], summary[j]
                ),
            )
        pooled = _binary_coefficients(pstats, 0, m, None if tables is None else pooled_t, psummary)
        if m > 2:
            pairwise = _pairwise_multilabel(stacked, coded, coders, scope)
    macro = _macro(per_code)
    result = AgreementResult(
        coders=coders,
        design="multi-label",
        level="nominal",
        missing=missing,
        n_units=int(n_units),
        ids=ids,
        excluded_ids=list(excluded_ids),
        overall={"pooled": pooled, "macro": macro},
        per_code=per_code,
        unknown_codes=list(unknown_codes),
        pairwise=pairwise,
        data=mats,
        coded=coded,
        codes=codes,
        applies=scope,
    )
    if bootstrap:
        _attach_bootstrap_multilabel(result, bootstrap, seed, confidence)
    return result


class _LazyStack:
    """The coders' matrices, stacked to ``(m, n, K)`` only if someone asks (saves a copy)."""

    def __init__(self, arrs: list[np.ndarray]):
        self._arrs = arrs
        self._stacked: np.ndarray | None = None

    def get(self) -> np.ndarray:
        if self._stacked is None:
            self._stacked = np.stack(self._arrs)
        return self._stacked


def _binary_counts(
    x: np.ndarray, y: np.ndarray, step: int = 16384
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per code: units coded present by A, by B, by both (row blocks stay in cache)."""
    k = x.shape[1]
    a, b, n11 = (np.zeros(k, np.int64) for _ in range(3))
    for s in range(0, x.shape[0], step):
        xs, ys = x[s : s + step].view(np.uint8), y[s : s + step].view(np.uint8)
        a += np.add.reduce(xs, axis=0, dtype=np.int32)
        b += np.add.reduce(ys, axis=0, dtype=np.int32)
        n11 += np.add.reduce(xs & ys, axis=0, dtype=np.int32)
    return a, b, n11


def _p(num: Any, den: Any) -> float | None:
    return float(num) / float(den) if den else None


def _tables_from_two(
    mats: np.ndarray, coded: np.ndarray, scope: np.ndarray | None = None
) -> np.ndarray:
    """2x2 table per code for two coders, over the units both coded (where the code
    applies, with ``scope``)."""
    both = np.all(coded, axis=0)
    x, y = mats[0], mats[1]
    if not both.all():
        x, y = x & both[:, None], y & both[:, None]
    a, b, n11 = _binary_counts(x, y)
    n = int(both.sum()) if scope is None else (both[:, None] & scope).sum(0)
    t = np.empty((x.shape[1], 2, 2))
    t[:, 1, 1] = n11
    t[:, 1, 0] = a - n11
    t[:, 0, 1] = b - n11
    t[:, 0, 0] = n - a - b + n11
    return t


def _pattern_counts(
    mats: np.ndarray, coded: np.ndarray, step: int = 16384, scope: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per coder and code the present count ``(m, K)``; per code the total ``(K,)``; the
    frequency of every (absent, present) rating pattern ``(K, P)`` and the patterns ``(P, 2)``.
    Row blocks keep the temporaries small. ``scope`` ``(n, K)``: cells outside it have no
    rating (pattern (0, 0)); ``mats`` must already be False there."""
    m, n, k = mats.shape
    ncod = coded.sum(0).astype(np.int64)
    base = int(ncod.max()) + 1 if n else 1
    by_coder = np.zeros((m, k), np.int64)
    freq = np.zeros((k, base * base), np.int64)
    offsets = base * base * np.arange(k)
    for s in range(0, n, step):
        blk = mats[:, s : s + step] & coded[:, s : s + step, None]
        by_coder += np.add.reduce(blk, axis=1, dtype=np.int64)
        pres = np.add.reduce(blk, axis=0, dtype=np.int64)  # (rows, K)
        nc = ncod[s : s + step, None]
        if scope is not None:
            nc = nc * scope[s : s + step]
        cells = (nc - pres) * base + pres
        freq += np.bincount((cells + offsets).ravel(), minlength=k * base * base).reshape(k, -1)
    a, p = np.divmod(np.arange(base * base), base)
    patterns = np.stack([a, p], axis=-1).astype(float)
    return by_coder, by_coder.sum(0), freq, patterns


def _pairwise_multilabel(
    mats: np.ndarray, coded: np.ndarray, coders: list[str], scope: np.ndarray | None = None
) -> dict[str, dict[str, C.Coefficient]]:
    out = {}
    for i, j in combinations(range(len(coders)), 2):
        pc = coded[[i, j]]
        if (pc[0] == pc[1]).all():  # the pair coded the same responses
            t = _tables_from_two(mats[[i, j]], pc, scope).sum(0)
            s = C.two_rater_stats(t[None])
        else:  # one of them coded responses the other did not: Gwet (2014)
            cells = M.pair_cells(mats[[i, j]], pc)
            if scope is not None:
                cells = np.where(scope, cells, 0)
            f9 = np.bincount(cells.ravel(), minlength=9)
            s, t = M.pair_stats(f9[None]), M.overlap_tables(f9)
        kappa = _coef(s, "cohen_kappa", 0, _binary_reason("k", t))
        if "conger_kappa" in s and kappa.value is not None:
            kappa = replace(kappa, note=_GWET_COHEN)
        out[f"{coders[i]}|{coders[j]}"] = {
            "percent_agreement": _coef(s, "pa", 0, _binary_reason("pa", t)),
            "cohen_kappa": kappa,
        }
    return out


def _attach_bootstrap_multilabel(
    result: AgreementResult, n_boot: int, seed: int | None, confidence: float
) -> None:
    mats = result.matrices
    assert mats is not None  # agree_matrices sets the data before it attaches a bootstrap
    ci = bootstrap_multilabel(mats, result.coded, n_boot, seed, confidence, result.applies)
    for j, code in enumerate(result.codes):
        coefs = result.per_code[code].coefficients
        for key, (lo, hi) in ci["per_code"].items():
            if key in coefs:
                coefs[key] = _with_boot(coefs[key], lo[j], hi[j])
    for part in ("pooled", "macro"):
        coefs = result.overall[part]
        for key, (lo, hi) in ci[part].items():
            if key in coefs and isinstance(coefs[key], C.Coefficient):
                coefs[key] = _with_boot(coefs[key], lo, hi)
    result.bootstrap = {
        "resamples": n_boot,
        "seed": seed,
        "confidence": confidence,
        "method": "percentile, resampling responses",
    }


# --------------------------------------------------------------------------- single label


def _label_stats(
    idx: np.ndarray,
    q: int,
    level: str = "nominal",
    scores: Sequence[float] | None = None,
    ordered: bool = False,
) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """Engine numbers (batch of one) for category indices ``(n, m)`` (-1 = not coded), and
    the q x q table when two coders coded the same responses (else None: Gwet's missing-data
    formulas over the rating patterns)."""
    if M.complete_pairs(idx):
        both = (idx >= 0).all(1)
        t = np.bincount(idx[both, 0] * q + idx[both, 1], minlength=q * q).reshape(q, q)
        t = t.astype(float)
        s = M.table_label_stats(t[None], level=level, scores=scores, ordered=ordered)
        return s, t
    pats, inv = M.rater_patterns(idx)
    f = np.bincount(inv[inv >= 0], minlength=len(pats)).astype(float)
    s = M.pattern_label_stats(pats, q, f[None], level=level, scores=scores, ordered=ordered)
    return s, None


def agree_labels(
    labels: Any,
    *,
    coders: Sequence[str] | None = None,
    ids: Sequence[str] | None = None,
    level: str = "nominal",
    categories: Sequence[Any] | None = None,
    excluded_ids: Sequence[str] = (),
    unknown_codes: Sequence[str] = (),
    missing: str = "exclude",
    bootstrap: int = 0,
    seed: int | None = None,
    confidence: float = 0.95,
) -> AgreementResult:
    """Agreement on one label (single-label) or rating (ordinal/interval/ratio) per unit.

    ``labels``: ``(n_units, n_coders)``, None/NaN = not coded. Ordinal designs add weighted
    kappa (linear, quadratic; category positions) and Gwet's AC2 (quadratic weights; category
    values for interval/ratio), and Krippendorff's alpha at ``level``. Three or more coders add
    Conger's (1980) kappa. Units coded by one coder count toward chance agreement only (Gwet
    2014, as R irrCAC's ``*.raw`` functions); two coders with such units get Cohen's kappa by
    Gwet's missing-data formula (= irrCAC ``conger.kappa.raw``), otherwise the usual one.
    """
    if level not in C.LEVELS:
        raise ValueError(f"level must be one of {', '.join(C.LEVELS)}, got {level!r}")
    lab = np.asarray(labels, dtype=object)
    if lab.ndim != 2 or lab.shape[1] < 2:
        raise ValueError("labels must be (n_units, n_coders) with at least two coders")
    n, m = lab.shape
    coders = list(coders) if coders is not None else [f"coder{i + 1}" for i in range(m)]
    ids = list(ids) if ids is not None else [str(i) for i in range(n)]
    idx, cats = C.label_index(lab, categories)
    q = len(cats)
    scores = [float(c) for c in cats] if level in ("interval", "ratio") else None
    ordered = level != "nominal"
    design = "single-label" if level == "nominal" else level
    s, t = _label_stats(idx, q, level, scores, ordered)
    gwet = t is None and m == 2  # two coders with missing ratings: Gwet (2014)
    why = (
        C._undefined_reason("coefficient", t)
        if t is not None
        else "no unit was coded by two or more coders, or only one category was used"
    )
    overall: dict[str, Any] = {"n_units": int(s["n"][0])}
    overall["percent_agreement"] = _coef(s, "pa", 0, why)
    if m == 2:
        overall["cohen_kappa"] = _coef(s, "cohen_kappa", 0, why)
        if gwet and overall["cohen_kappa"].value is not None:
            overall["cohen_kappa"] = replace(overall["cohen_kappa"], note=_GWET_COHEN)
        for wk in ("linear", "quadratic") if ordered else ():
            overall[f"cohen_kappa_{wk}"] = _coef(s, f"cohen_kappa_{wk}", 0, why)
        overall["scott_pi"] = _coef(s, "scott_pi", 0, why)
        overall["fleiss_kappa"] = replace(
            overall["scott_pi"], note="equals Scott's pi for two coders"
        )
    else:
        overall["cohen_kappa"] = C.Coefficient(
            None,
            reason="Cohen's kappa compares two coders; see conger_kappa, fleiss_kappa and pairwise",
        )
        overall["fleiss_kappa"] = _coef(s, "fleiss_kappa", 0, why)
        overall["conger_kappa"] = _coef(s, "conger_kappa", 0, why)
    overall["krippendorff_alpha"] = _coef(s, "krippendorff_alpha", 0, why)
    overall["gwet_ac1"] = _coef(s, "gwet_ac1", 0, why)
    if ordered:
        overall["gwet_ac2"] = _coef(s, "gwet_ac2", 0, why)
    overall["brennan_prediger"] = _coef(s, "brennan_prediger", 0, why)
    result = AgreementResult(
        coders=coders,
        design=design,
        level=level,
        missing=missing,
        n_units=overall["n_units"],
        ids=ids,
        excluded_ids=list(excluded_ids),
        overall=overall,
        categories=cats,
        unknown_codes=list(unknown_codes),
        data=lab,
    )
    if m > 2:
        pw = {}
        for i, j in combinations(range(m), 2):
            s2, t2 = _label_stats(idx[:, [i, j]], q)
            why2 = (
                C._undefined_reason("kappa", t2)
                if t2 is not None
                else "no unit was coded by both coders, or only one category was used"
            )
            pw[f"{coders[i]}|{coders[j]}"] = {
                "percent_agreement": _coef(s2, "pa", 0, why2),
                "cohen_kappa": _coef(s2, "cohen_kappa", 0, why2),
            }
        result.pairwise = pw
    if bootstrap:
        ci = bootstrap_labels(idx, q, level, scores, bootstrap, seed, confidence)
        for key, (lo, hi) in ci.items():
            if key in overall and isinstance(overall[key], C.Coefficient):
                overall[key] = _with_boot(overall[key], lo, hi)
        result.bootstrap = {
            "resamples": bootstrap,
            "seed": seed,
            "confidence": confidence,
            "method": "percentile, resampling responses",
        }
    return result
