"""``suggest`` at scale: cluster a seeded sample of a question's answers, assign the rest.

Above :data:`SAMPLE_SIZE` answers (per question, or per pool with ``--across-questions``)
clustering every answer costs time and memory that grow faster than n (the kNN graph,
HDBSCAN), while the suggestions stop changing: a sample of 50,000 answers already holds
every idea that has 10+ answers in a million. So:

1. **The sample**: the ``size`` answers whose keys ``blake2b(seed, answer id)`` are smallest
   (:func:`sample_mask`): the same answers for any row order of the input, and another
   sample for another seed. They are clustered, labelled and grouped into themes exactly as
   a smaller survey is (:func:`.core._one_question`, in canonical order).
2. **The rest**, in chunks of :data:`CHUNK` answers: each unit (the answer, or its segments
   when answers are cut into idea units) joins the suggestion whose centroid (the mean of
   its sample units, in the same embedding space) is most similar by cosine, when that
   similarity is at least ``outlier_threshold`` (the rule of ``--assign-outliers``, default
   0.55); otherwise it stays unassigned. A unit that says there is nothing to improve joins
   the "nothing to improve" suggestion, as in the sample (unassigned when the sample had
   none). An answer belongs to every suggestion one of its units joins; an answer none of
   whose units joined is unassigned.
3. **Counts and quotes** come from all answers: members, sizes and shares count the sample
   and the rest; quotes are picked (:func:`.exemplars.pick_exemplars`) among the sample's
   core units and the rest's assigned units, by similarity to the suggestion's centroid.

The sample size, seed and rule are recorded with the run (the question's ``params``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .cluster import nearest_centroid
from .exemplars import pick_exemplars
from .merge import KIND_NOTHING, nothing_mask
from .segments import units_of

if TYPE_CHECKING:  # pragma: no cover
    from .core import Suggestion, Theme, _Options

#: answers clustered per question at most; above it a sample of this many is clustered and
#: the rest assigned (measured: scripts/bench_suggest_results.md, "1M answers")
SAMPLE_SIZE = 50_000
#: answers of the rest assigned per step (their unit vectors are the only copy made)
CHUNK = 50_000
#: candidate quotes kept per suggestion while the rest is assigned (the most central units)
QUOTE_POOL = 300


def sample_mask(ids: Sequence[Any], size: int, seed: int = 0) -> np.ndarray:
    """Which of ``ids`` are in the sample: the ``size`` ids with the smallest
    ``blake2b(f"{seed}:{id}")`` keys (ties by id). Depends on the set of ids and the seed
    only, never on their order."""
    n = len(ids)
    keep = np.zeros(n, dtype=bool)
    if size >= n:
        keep[:] = True
        return keep
    keys = np.fromiter(
        (
            int.from_bytes(hashlib.blake2b(f"{seed}:{i}".encode(), digest_size=8).digest(), "big")
            for i in ids
        ),
        dtype=np.uint64,
        count=n,
    )
    names = np.asarray([str(i) for i in ids], dtype=object)
    order = np.lexsort((names, keys))
    keep[order[:size]] = True
    return keep


def sample_params(size: int, seed: int, n: int, threshold: float) -> dict:
    """What a run records about its sample (in the question's ``params``)."""
    return {
        "size": int(size),
        "seed": int(seed),
        "of": int(n),
        "assign": "nearest suggestion centroid by cosine, at least the threshold",
        "threshold": float(threshold),
    }


def suggest_sampled(
    q: str,
    ans: pd.DataFrame,
    X: np.ndarray,
    clusterer: Any,
    labeler: Any,
    s_offset: int,
    t_offset: int,
    assign_outliers: bool,
    outlier_threshold: float,
    n_exemplars: int,
    opts: _Options,
) -> tuple[list[Suggestion], list[Theme], list[str]]:
    """:func:`.core._one_question` for more than ``opts.sample_size`` answers: the sample
    (drawn with ``opts.seed``) clustered, the rest assigned (module docstring). ``ans`` has
    ``_row``, its rows of ``X`` (the whole matrix: only the sample's rows and one chunk of
    the rest are ever copied)."""
    from .core import _one_question, share

    size, seed = opts.sample_size, opts.seed
    n = len(ans)
    ids = ans["id"].tolist()
    texts = ans["text"].tolist()
    rows = ans["_row"].to_numpy()
    pick = sample_mask(ids, size, seed)
    pos_s = np.flatnonzero(pick)  # the sample, in canonical order
    pos_r = np.flatnonzero(~pick)
    samp = ans.iloc[pos_s].reset_index(drop=True)
    keep: dict = {}
    sugg, themes, unas = _one_question(
        q, samp, X[rows[pos_s]], clusterer, labeler, s_offset, t_offset,
        assign_outliers, outlier_threshold, n_exemplars, opts, keep,
    )  # fmt: skip
    if not sugg:
        return sugg, themes, ids if len(pos_r) else unas
    C = keep["centroids"]
    kinds = keep["kinds"]
    nothing_c = kinds.index(KIND_NOTHING) if KIND_NOTHING in kinds else -1
    regular = np.array([c for c in range(len(sugg)) if c != nothing_c], dtype=int)
    k = len(sugg)
    joined: list[list[np.ndarray]] = [[] for _ in range(k)]  # rest positions per suggestion
    # candidate quotes per suggestion: (similarities, vectors, answer positions, unit texts)
    pools = [(sm, V, pos_s[o], tx) for sm, V, o, tx in keep["quotes"]]
    lost = np.ones(len(pos_r), dtype=bool)
    for start in range(0, len(pos_r), CHUNK):
        part = pos_r[start : start + CHUNK]
        owner, utexts, U = units_of(
            [texts[i] for i in part], X[rows[part]], opts.embed, opts.clauses, opts.whole
        )
        label = np.full(len(utexts), -1)
        nothing = nothing_mask(utexts, opts.nothing)
        if len(regular):
            best, ok = nearest_centroid(U, C[regular], outlier_threshold)
            ok &= ~nothing
            label[ok] = regular[best[ok]]
        if nothing_c >= 0:
            label[nothing] = nothing_c
        lost[start + np.unique(owner[label >= 0])] = False
        for c in np.unique(label[label >= 0]):
            u = np.flatnonzero(label == c)
            joined[c].append(part[np.unique(owner[u])])
            pools[c] = _best(pools[c], U[u] @ C[c], U[u], part[owner[u]], [utexts[i] for i in u])
    unas_pos = np.sort(np.concatenate([pos_s[_positions(samp, unas)], pos_r[lost]]))
    for c, s in enumerate(sugg):
        mine = np.sort(np.concatenate([pos_s[_positions(samp, s.members)], *joined[c]]))
        s.members = [ids[i] for i in mine]
        s.size = len(mine)
        s.share = share(s.size, n)
        _, V, own, utx = pools[c]
        ex = pick_exemplars(V, utx, k=n_exemplars, owner=own, centroid=C[c])
        s.exemplars = [{"id": ids[own[i]], "text": texts[own[i]], "segment": utx[i]} for i in ex]
    return sugg, themes, [ids[i] for i in unas_pos]


def _positions(samp: pd.DataFrame, members: Sequence[str]) -> np.ndarray:
    want = set(members)
    return np.array([i for i, a in enumerate(samp["id"]) if a in want], dtype=int)


def _best(pool: tuple, sims: np.ndarray, V: np.ndarray, owner: np.ndarray, texts: list[str]):
    """The :data:`QUOTE_POOL` most central candidate quotes of ``pool`` and the new ones
    (ties: the earlier answer in canonical order)."""
    s0, V0, o0, t0 = pool
    s = np.concatenate([s0, sims])
    o = np.concatenate([o0, owner])
    top = np.lexsort((o, -s))[:QUOTE_POOL]
    V1 = np.concatenate([V0, V])[top]
    tx = [(t0 + texts)[i] for i in top]
    return s[top], V1, o[top], tx


def quote_pool(
    U: np.ndarray, utexts: list[str], owner: np.ndarray, core: np.ndarray, centroid: np.ndarray
) -> tuple:
    """The sample's candidate quotes of one suggestion (its core units), in the form
    :func:`suggest_sampled` merges the rest into: (similarities, vectors, owners, texts);
    owners are positions in the sample, mapped to all answers by the caller."""
    sims = U[core] @ centroid
    top = np.lexsort((owner[core], -sims))[:QUOTE_POOL]
    sel = core[top]
    return sims[top], U[sel], owner[sel], [utexts[i] for i in sel]
