"""Per-code decision thresholds chosen to maximise Cohen's kappa with the human coder.

For one code, given out-of-fold probabilities ``p`` on the human seeds and the human 0/1
codes ``y``, every distinct value of ``p`` is a candidate cut; the one with the highest
binary Cohen (1960) kappa wins. All candidates are scored at once from cumulative counts
(O(n log n)), so this costs nothing next to the model fits.
"""

from __future__ import annotations

import numpy as np


def kappa_curve(p: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Binary Cohen's kappa of ``p >= t`` against ``y`` for every candidate ``t``.

    Returns ``(thresholds, kappas)``; thresholds descend. kappa = (p_o - p_e) / (1 - p_e);
    where 1 - p_e == 0 (one class everywhere) the kappa is NaN (undefined).
    """
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=int)
    n = len(p)
    order = np.argsort(-p, kind="mergesort")
    ps, ys = p[order], y[order]
    # last index of each run of equal scores: the cut includes all ties
    last = np.r_[np.nonzero(np.diff(ps))[0], n - 1]
    tp = np.cumsum(ys)[last].astype(float)
    pred_pos = (last + 1).astype(float)
    pos = float(ys.sum())
    fp = pred_pos - tp
    fn = pos - tp
    tn = n - tp - fp - fn
    po = (tp + tn) / n
    pe = (pred_pos * pos + (n - pred_pos) * (n - pos)) / (n * n)
    with np.errstate(invalid="ignore", divide="ignore"):
        kap = np.where(pe < 1, (po - pe) / (1 - pe), np.nan)
    return ps[last], kap


def best_threshold(p: np.ndarray, y: np.ndarray, default: float = 0.5) -> tuple[float, float]:
    """The cut on ``p`` that maximises kappa with ``y`` and that kappa.

    The cut is placed half-way between the chosen score and the next lower one, so a new
    response scored like a seed lands on the same side. Returns ``(default, nan)`` when
    ``y`` has one class only.
    """
    y = np.asarray(y, dtype=int)
    if y.min(initial=0) == y.max(initial=0) or len(y) == 0:
        return default, float("nan")
    t, k = kappa_curve(p, y)
    if np.all(np.isnan(k)):
        return default, float("nan")
    i = int(np.nanargmax(k))
    lower = t[i + 1] if i + 1 < len(t) else 0.0
    return float((t[i] + lower) / 2.0), float(k[i])


def bagged_threshold(
    p: np.ndarray,
    y: np.ndarray,
    n_boot: int = 50,
    rng: np.random.Generator | None = None,
    default: float = 0.5,
) -> tuple[float, float]:
    """Bootstrap-aggregated (bagged; Breiman 1996) kappa-optimal cut on ``p``.

    The argmax-kappa cut of a code with a handful of positive seeds jumps with every seed;
    the mean, on the logit scale, of the cuts chosen on ``n_boot`` bootstrap resamples of
    (``p``, ``y``) is a smoother estimate of the same optimum. Resamples with one class or
    no cut above chance are skipped. Returns ``(cut, kappa of the full-sample optimum)``;
    ``(default, kappa)`` when the full sample has no cut above chance, and the plain
    :func:`best_threshold` when ``n_boot`` is 0 or every resample was skipped.
    """
    t0, k0 = best_threshold(p, y, default)
    if not k0 > 0 or not n_boot:
        return t0, k0
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=int)
    rng = rng if rng is not None else np.random.default_rng(0)
    n = len(y)
    logits = []
    for _ in range(int(n_boot)):
        i = rng.integers(0, n, n)
        yi = y[i]
        if yi.min() == yi.max():
            continue
        t, k = best_threshold(p[i], yi, default)
        if k > 0:
            t = min(max(t, 1e-4), 1 - 1e-4)
            logits.append(np.log(t / (1 - t)))
    if not logits:
        return t0, k0
    return float(1.0 / (1.0 + np.exp(-np.mean(logits)))), k0
