"""Bootstrap confidence intervals: resample units (responses) with replacement.

Percentile intervals over ``n_boot`` resamples drawn from ``np.random.default_rng(seed)``.
For two coders the resampled contingency tables are one matrix product — resample weights
``(B, n)`` times the one-hot cell indicators ``(n, cells)`` — so 1,000 resamples of
10,000 responses x 50 codes take about a second; with three or more coders each resample
reweights the rater-count patterns. Undefined resamples (e.g. a code nobody used in that resample)
are skipped; a coefficient undefined in every resample gets no interval.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from . import coefficients as C
from . import missing as M

_CHUNK = 125  # resamples per matrix product (fixed: the draws depend on it)
_OUT = {
    "pa": "percent_agreement",
    "cohen_kappa": "cohen_kappa",
    "scott_pi": "scott_pi",
    "krippendorff_alpha": "krippendorff_alpha",
    "gwet_ac1": "gwet_ac1",
    "brennan_prediger": "brennan_prediger",
    "prevalence_index": "prevalence_index",
    "bias_index": "bias_index",
    "fleiss_kappa": "fleiss_kappa",
}


def _weights(rng: np.random.Generator, n: int, n_boot: int) -> Iterator[np.ndarray]:
    """Resample multiplicities ``(chunk, n)``: how often each unit is drawn."""
    done = 0
    while done < n_boot:
        bc = min(_CHUNK, n_boot - done)
        idx = rng.integers(0, n, size=(bc, n)) + (np.arange(bc) * n)[:, None]
        yield np.bincount(idx.ravel(), minlength=bc * n).reshape(bc, n)
        done += bc


def _resampled_tables(cells: np.ndarray, n_cells: int, n_boot: int, seed: int | None) -> np.ndarray:
    """Tables ``(B, K, n_cells)`` from per-unit cell indices ``cells`` ``(n, K)``."""
    n, k = cells.shape
    rng = np.random.default_rng(seed)
    out = np.empty((n_boot, k, n_cells))
    b0 = 0
    if k * n_cells > 4096:  # many cells: weighted counting beats the one-hot product
        flat = (cells + n_cells * np.arange(k)).ravel()
        for w in _weights(rng, n, n_boot):
            for row in w:
                out[b0] = np.bincount(flat, np.repeat(row, k), k * n_cells).reshape(k, n_cells)
                b0 += 1
        return out
    dtype = np.float32 if n < 2**24 else np.float64
    step = max(1, 2_000_000 // max(1, k * n_cells))  # units per one-hot block
    for w in _weights(rng, n, n_boot):
        w = w.astype(dtype)
        acc = np.zeros((w.shape[0], k * n_cells))
        for s in range(0, n, step):
            blk = cells[s : s + step]
            onehot = np.zeros((blk.shape[0], k, n_cells), dtype)
            np.put_along_axis(onehot, blk[:, :, None].astype(np.intp), 1, axis=2)
            acc += w[:, s : s + step] @ onehot.reshape(blk.shape[0], -1)
        out[b0 : b0 + w.shape[0]] = acc.reshape(-1, k, n_cells)
        b0 += w.shape[0]
    return out


def _ci(values: np.ndarray, confidence: float) -> tuple[Any, Any]:
    a = (1 - confidence) / 2 * 100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo = np.nanpercentile(values, a, axis=0)
        hi = np.nanpercentile(values, 100 - a, axis=0)
    if np.ndim(lo) == 0:
        return (None if np.isnan(lo) else float(lo)), (None if np.isnan(hi) else float(hi))
    lo = [None if np.isnan(v) else float(v) for v in lo]
    hi = [None if np.isnan(v) else float(v) for v in hi]
    return lo, hi


def _rename(stats: dict[str, np.ndarray], n_coders: int) -> dict[str, np.ndarray]:
    out = {_OUT[k]: v for k, v in stats.items() if k in _OUT}
    if n_coders == 2:
        out["fleiss_kappa"] = out["scott_pi"]
    out["pabak"] = out["brennan_prediger"]
    return out


def bootstrap_multilabel(
    mats: np.ndarray,
    coded: np.ndarray,
    n_boot: int,
    seed: int | None,
    confidence: float = 0.95,
    applies: np.ndarray | None = None,
) -> dict[str, Any]:
    """Percentile CIs per code, pooled and macro for multi-label 0/1 data ``(m, n, K)``;
    ``applies`` ``(n, K)``: the cells where the code applies (the others are no rating;
    ``mats`` must be False there)."""
    m, _, k = mats.shape
    per: dict[str, list[np.ndarray]] = {}
    pooled: dict[str, list[np.ndarray]] = {}
    macro: dict[str, list[np.ndarray]] = {}
    if m == 2 and coded.all():
        x, y = mats[0], mats[1]
        cells = 2 * x.astype(np.int8) + y.astype(np.int8)
        if applies is None:
            t = _resampled_tables(cells, 4, n_boot, seed).reshape(n_boot, k, 2, 2)
        else:  # a fifth cell for "does not apply", dropped from the tables
            cells = np.where(applies, cells, 4)
            t = _resampled_tables(cells, 5, n_boot, seed)[..., :4].reshape(n_boot, k, 2, 2)
        s = _rename(C.two_rater_stats(t, with_se=False), 2)
        sp = _rename(C.two_rater_stats(t.sum(1), with_se=False), 2)
        batches = [(s, sp)]
    elif m == 2:  # responses coded by one coder only: Gwet (2014) over the nine cells
        cells = M.pair_cells(mats, coded)
        if applies is not None:  # (-1, -1): rated by neither
            cells = np.where(applies, cells, 0)
        t = _resampled_tables(cells, 9, n_boot, seed)  # (B, K, 9)
        s = _rename(M.pair_stats(t, with_se=False), 2)
        sp = _rename(M.pair_stats(t.sum(1), with_se=False), 2)
        batches = [(s, sp)]
    else:
        pres = (mats & coded[:, :, None]).sum(0)
        cells, patterns = C.rating_patterns(pres, coded.sum(0))
        if applies is not None:  # pattern (0 absent, 0 present): no rating
            cells = np.where(applies, cells, 0)
        t = _resampled_tables(cells, patterns.shape[0], n_boot, seed)  # (B, K, P)
        s = _rename(C.multi_rater_stats(patterns, unit_weights=t, with_se=False), m)
        sp = _rename(C.multi_rater_stats(patterns, unit_weights=t.sum(1), with_se=False), m)
        batches = [(s, sp)]
    for s, sp in batches:
        for key, v in s.items():
            per.setdefault(key, []).append(v)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                macro.setdefault(key, []).append(np.nanmean(v, axis=-1))
        for key, v in sp.items():
            pooled.setdefault(key, []).append(np.ravel(v))
    return {
        "per_code": {kk: _ci(np.concatenate(v), confidence) for kk, v in per.items()},
        "pooled": {kk: _ci(np.concatenate(v), confidence) for kk, v in pooled.items()},
        "macro": {kk: _ci(np.concatenate(v), confidence) for kk, v in macro.items()},
    }


def bootstrap_labels(
    idx: np.ndarray,
    q: int,
    level: str,
    scores: Sequence[float] | None,
    n_boot: int,
    seed: int | None,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Percentile CIs for a single-label / ordinal design (``idx``: category indices
    ``(n, m)``, -1 = not coded), by the same formulas as the point estimates."""
    ordered = level != "nominal"
    m = idx.shape[1]
    if M.complete_pairs(idx):  # two coders, same responses: resample the q x q table
        both = (idx >= 0).all(1)
        cells = (idx[both, 0] * q + idx[both, 1]).reshape(-1, 1)
        t = _resampled_tables(cells, q * q, n_boot, seed).reshape(n_boot, q, q)
        res = M.table_label_stats(t, level=level, scores=scores, ordered=ordered, with_se=False)
    else:  # missing ratings or 3+ coders: resample the frequencies of the rating patterns
        pats, inv = M.rater_patterns(idx)
        cells = inv[inv >= 0].reshape(-1, 1)
        f = _resampled_tables(cells, pats.shape[0], n_boot, seed)[:, 0]  # (B, P)
        res = M.pattern_label_stats(
            pats, q, f, level=level, scores=scores, ordered=ordered, with_se=False
        )
    out = _rename(res, m)
    for k in ("cohen_kappa_linear", "cohen_kappa_quadratic", "gwet_ac2", "conger_kappa"):
        if k in res and (m > 2 or k != "conger_kappa"):
            out[k] = res[k]
    return {k: _ci(np.asarray(v, float), confidence) for k, v in out.items()}
