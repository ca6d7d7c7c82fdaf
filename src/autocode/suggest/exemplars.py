"""Representative quotes: central to the group and different from each other.

Maximal marginal relevance (Carbonell & Goldstein 1998) over cosine similarity: each pick
maximises ``λ·sim(quote, centroid) − (1−λ)·max sim(quote, already picked)``. Identical
texts are considered once, and answers of one or two words come after every longer one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def pick_exemplars(
    X: np.ndarray,
    texts: Sequence[str],
    k: int = 5,
    lam: float = 0.7,
    pool: int = 60,
    owner: np.ndarray | None = None,
    centroid: np.ndarray | None = None,
) -> list[int]:
    """Positions (into X/texts) of up to ``k`` quotes, most central first; ``owner[i]``
    (segments of answers): at most one quote per answer. ``centroid``: the group's centre
    when ``X`` holds only some of its members (default: the mean of ``X``)."""
    n = len(texts)
    if n == 0:
        return []
    centroid = X.mean(axis=0) if centroid is None else np.asarray(centroid, dtype=X.dtype)
    norm = np.linalg.norm(centroid)
    centroid = centroid / norm if norm > 0 else centroid
    sim_c = X @ centroid
    # one candidate per distinct (normalised) text; prefer answers with 3+ words
    seen: dict[str, int] = {}
    taken: set[int] = set()
    for i in np.lexsort((np.arange(n), -sim_c)):
        key = " ".join(texts[i].lower().split())
        if key in seen or (owner is not None and int(owner[i]) in taken):
            continue
        seen[key] = int(i)
        if owner is not None:
            taken.add(int(owner[i]))
    cand = list(seen.values())
    longish = [i for i in cand if len(texts[i].split()) >= 3]
    short = [i for i in cand if len(texts[i].split()) < 3]
    picked: list[int] = []
    # answers of 3+ words first; one- and two-word answers ("Patience") only fill what is
    # left, so a group's first quote is never a lone word when a sentence exists
    for tier in (longish, short):
        tier = sorted(tier, key=lambda i: (-sim_c[i], i))[:pool]
        while tier and len(picked) < k:
            red = (X[tier] @ X[picked].T).max(axis=1) if picked else np.zeros(len(tier))
            score = lam * sim_c[tier] - (1 - lam) * red
            best = int(np.argmax(score))  # first max: deterministic
            picked.append(tier.pop(best))
    return picked
