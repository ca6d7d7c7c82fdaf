"""``autocode next``: which uncoded responses a human should code next.

Uncertainty sampling (Lewis & Gale 1994) with a diversity term, picked greedily as in
maximal marginal relevance (Carbonell & Goldstein 1998): each pick maximises
``lam * uncertainty - (1 - lam) * max cosine similarity to what is already picked``, so a
batch does not spend twenty codings on twenty copies of "Nothing". Uncertainty of a response:

- multi-label: ``max_j exp(-|logit p_j - logit t_j|)`` — 1 when some code sits exactly on
  its threshold ``t_j``;
- single-label: ``1 - (p_top1 - p_top2)``.

Rare codes: a code with few positive seeds is learnt worst and its agreement is the least
certain, and uncertainty sampling alone rarely finds its positives (they are not near a
threshold, they are absent from the model's view). So the priority of a response mixes in a
rarity term, the probability that it carries a code weighted by how few positives that code
has among the human codings so far: ``rarity_i = max_j P_ij / sqrt(1 + n_j)`` (an unseen code
weighs 1, one with 3 positives 1/2, one with 99 positives 1/10) — the "search for rare
classes" of active learning (He & Carbonell 2007 use density; here the coder's own
probability stands in for it). The documented weights (:data:`RARITY`, :data:`LAM`)::

    priority = (1 - RARITY) * uncertainty + RARITY * rarity          RARITY = 0.3
    pick     = argmax  LAM * priority - (1 - LAM) * max cos(picked)    LAM = 0.7

Without a model (no seeds yet) every response is equally uncertain and the batch is the most
diverse one (farthest-first traversal, Gonzalez 1985), starting from the response closest to
the mean — a representative first sample to code by hand. Every step is deterministic: ties
are broken by position (the corpus is in natural id order).
"""

from __future__ import annotations

import numpy as np

#: share of the rarity term in a response's priority (the rest is its uncertainty)
RARITY = 0.3
#: MMR weight of the priority against the similarity to what is already picked
LAM = 0.7


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


def rarity(P: np.ndarray, positives: np.ndarray) -> np.ndarray:
    """Per-response rarity in [0, 1]: ``max_j P_ij / sqrt(1 + n_j)``, ``n_j`` the positive
    human codings of code ``j`` so far (see the module docstring)."""
    n = np.asarray(positives, dtype=float)
    if n.shape != (P.shape[1],):
        raise ValueError(f"positives must have one count per code ({P.shape[1]}), got {n.shape}")
    if not P.shape[1]:
        return np.zeros(len(P))
    w = 1.0 / np.sqrt(1.0 + np.maximum(n, 0.0))
    return (np.clip(P, 0.0, 1.0) * w[None, :]).max(axis=1)


def priority(
    P: np.ndarray,
    thresholds: np.ndarray | None,
    positives: np.ndarray | None = None,
    rarity_weight: float = RARITY,
) -> np.ndarray:
    """``(1 - rarity_weight) * uncertainty + rarity_weight * rarity`` per response, in
    [0, 1]; without ``positives`` (or with ``rarity_weight=0``) plain :func:`uncertainty`.
    ``P`` should be 0 on the cells a response cannot carry (outside a code's questions)."""
    if not 0.0 <= rarity_weight <= 1.0:
        raise ValueError(f"rarity_weight must be in [0, 1], got {rarity_weight}")
    u = uncertainty(P, thresholds)
    if positives is None or rarity_weight == 0.0:
        return u
    return (1.0 - rarity_weight) * u + rarity_weight * rarity(P, positives)


def select(
    E: np.ndarray, u: np.ndarray | None, n: int, lam: float = LAM, pool_factor: int = 10
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
