"""Representative quotes: central to the group and different from each other.

Maximal marginal relevance (Carbonell & Goldstein 1998) over cosine similarity: each pick
maximises ``λ·sim(quote, centroid) − (1−λ)·max sim(quote, already picked)``. Identical
texts are considered once, and very short answers are used only when nothing longer exists.
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
    if len(longish) >= min(k, len(cand)):
        cand = longish
    cand = sorted(cand, key=lambda i: (-sim_c[i], i))[:pool]
    picked: list[int] = []
    while cand and len(picked) < k:
        red = (X[cand] @ X[picked].T).max(axis=1) if picked else np.zeros(len(cand))
        score = lam * sim_c[cand] - (1 - lam) * red
        best = int(np.argmax(score))  # first max: deterministic
        picked.append(cand.pop(best))
    return picked
