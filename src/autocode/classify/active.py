"""``autocode next``: which uncoded responses a human should code next.

Uncertainty sampling (Lewis & Gale 1994) with a diversity term, picked greedily as in
maximal marginal relevance (Carbonell & Goldstein 1998): each pick maximises
``lam * uncertainty - (1 - lam) * max cosine similarity to what is already picked``, so a
batch does not spend twenty codings on twenty copies of "Nothing". Uncertainty of a response:

- multi-label: ``max_j exp(-|logit p_j - logit t_j|)`` — 1 when some code sits exactly on
  its threshold ``t_j``;
- single-label: ``1 - (p_top1 - p_top2)``.

Without a model (no seeds yet) every response is equally uncertain and the batch is the most
diverse one (farthest-first traversal, Gonzalez 1985), starting from the response closest to
the mean — a representative first sample to code by hand.
"""

from __future__ import annotations

import numpy as np


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def uncertainty(P: np.ndarray, thresholds: np.ndarray | None) -> np.ndarray:
    """Per-response uncertainty in [0, 1] (see module docstring)."""
    if thresholds is not None:
        return np.exp(-np.abs(_logit(P) - _logit(thresholds))).max(axis=1)
    s = -np.sort(-P, axis=1)
    second = s[:, 1] if P.shape[1] > 1 else 0.0
    return 1.0 - (s[:, 0] - second)


def select(
    E: np.ndarray, u: np.ndarray | None, n: int, lam: float = 0.7, pool_factor: int = 10
) -> list[int]:
    """Indices of ``n`` rows of ``E`` (unit vectors) to code next; deterministic."""
    m = len(E)
    n = min(n, m)
    if n <= 0:
        return []
    if u is None:
        u = np.zeros(m)
        start = int(np.argmax(E @ E.mean(axis=0)))
        lam = 0.0
    else:
        start = None
    # candidate pool: the most uncertain (stable order breaks ties by position)
    pool = np.argsort(-u, kind="stable")[: max(n * pool_factor, n)] if lam > 0 else np.arange(m)
    Ep, up = E[pool].astype(np.float64), u[pool]
    sim = np.full(len(pool), -1.0)
    picked: list[int] = []
    first = int(np.flatnonzero(pool == start)[0]) if start is not None else int(np.argmax(up))
    for _ in range(n):
        if picked:
            score = lam * up - (1 - lam) * sim
            score[picked] = -np.inf
            i = int(np.argmax(score))
        else:
            i = first
        picked.append(i)
        sim = np.maximum(sim, Ep @ Ep[i])
    return [int(pool[i]) for i in picked]
