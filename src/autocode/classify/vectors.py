"""Response vectors for the seeded coder: the whole answer's embedding and the mean of its
sentences' embeddings, side by side.

A long answer often raises several things ("the staff were lovely. the wait was far too
long.") and its single embedding blurs them; a sentence encoder also truncates long texts
(all-MiniLM-L6-v2 reads 256 word pieces). The mean of the sentence embeddings keeps every
sentence's topic at equal weight. Benchmarked on nhs_fft_qdc_v6 (3 splits; the second
block added to the shipped features): macro per-code kappa +.008 with 20% seeds and +.006
with 10 seeds per code, pooled kappa +.001 / +.005 (`scripts/bench_code_results.md`).

Sentences are embedded through the same cache as whole answers, so an answer of one
sentence costs nothing extra and a second run embeds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import overload

import numpy as np

from ..suggest.segments import split_sentences

__all__ = ["response_vectors", "split_sentences", "widen"]


def response_vectors(
    texts: Sequence[str],
    embedder,
    store=None,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """``(n, 2d)`` float32: columns ``[:d]`` embed each whole text, ``[d:]`` are the mean of
    the embeddings of its sentences (:func:`split_sentences`)."""
    from ..embed import embed_texts

    texts = [str(t) for t in texts]
    if not texts:
        return np.zeros((0, 2 * embedder.dim), dtype=np.float32)
    units = [split_sentences(t) for t in texts]
    extra = sorted({s for u in units if len(u) > 1 for s in u})
    E, _ = embed_texts(texts + extra, embedder, store, progress=progress)
    whole = E[: len(texts)]
    row = {s: len(texts) + i for i, s in enumerate(extra)}
    mean = whole.copy()
    for i, u in enumerate(units):
        if len(u) > 1:
            mean[i] = E[[row[s] for s in u]].mean(axis=0)
    return np.hstack([whole, mean]).astype(np.float32, copy=False)


@overload
def widen(D: np.ndarray, E: np.ndarray) -> np.ndarray: ...
@overload
def widen(D: None, E: np.ndarray) -> None: ...
def widen(D: np.ndarray | None, E: np.ndarray) -> np.ndarray | None:
    """Give codebook texts (definitions, examples) the same two blocks as ``E``: a codebook
    text stands for itself in both (it is one description, not an answer to split)."""
    if D is None or D.shape[1] == E.shape[1]:
        return D
    if 2 * D.shape[1] == E.shape[1]:
        return np.hstack([D, D])
    raise ValueError(f"embedding widths differ: {D.shape[1]} vs {E.shape[1]}")
