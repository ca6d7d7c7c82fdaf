"""Idea units: answers split into sentences (and clauses) before they are clustered.

One home for the splitting rule: the seeded coder's sentence vectors
(:mod:`autocode.classify.vectors`) use :func:`split_sentences`; ``suggest`` clusters
:func:`split_segments`, which splits sentences further where a connective starts a second idea
(" but ", " however ", " and also "), and at the ``clauses`` level at commas and " and "
before a clause too. Measured on the NHS sets (``scripts/bench_suggest_results.md``): the
two sets disagree on the finer level (fft recovers 7/42 codes with it, phase 1 falls from
3/39 to 1/39), so ``suggest --segments`` chooses; the default is sentences.

Pure string work, no model: the same text always gives the same segments.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

_SPLIT = re.compile(r"(?<=[.!?;])\s+|\n+")
# a clause boundary: a comma or "but"/"however"/"although"/"and also"/"whereas" between
# two clauses; the connective starts the second segment's text
_CLAUSE = re.compile(
    r"\s*(?:,\s*)?\b(?=(?:but|however|although|though|whereas|and also|apart from)\b)",
    re.IGNORECASE,
)
# and at commas and at " and " / " & " before two more words (each side must still be
# MIN_WORDS long): "Friendly staff, clean ward, good food" is three ideas
_COMMA = re.compile(r"\s*,\s+|\s+(?:and|&)\s+(?=\w+ \w+)", re.IGNORECASE)
#: a segment shorter than this (in words) stays part of its neighbour
MIN_WORDS = 2


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``: split after . ! ? ; and at line breaks (the text itself if
    that leaves nothing)."""
    parts = [s.strip() for s in _SPLIT.split(text.strip()) if s.strip()]
    return parts or [text.strip()]


def _clauses(sentence: str, commas: bool) -> list[str]:
    parts = [p.strip(" ,") for p in _CLAUSE.split(sentence)]
    if commas:
        parts = [q.strip(" ,") for p in parts for q in _COMMA.split(p)]
    parts = [p for p in parts if p]
    return parts or [sentence]


def _glue(parts: list[str], min_words: int) -> list[str]:
    """Join segments of fewer than ``min_words`` words to the one before (or after)."""
    out: list[str] = []
    for p in parts:
        if out and (len(p.split()) < min_words or len(out[-1].split()) < min_words):
            out[-1] = f"{out[-1]} {p}"
        else:
            out.append(p)
    return out


def split_segments(text: str, clauses: bool = False, min_words: int | None = None) -> list[str]:
    """Idea units of ``text``: its sentences, split where a connective starts another idea
    (" but ", " however ", " and also " ...) and, when ``clauses``, at commas and at " and "
    before a clause too; a unit of fewer than ``min_words`` (default :data:`MIN_WORDS`) words stays
    with its neighbour, so "Very good. Thanks." is one unit. An answer of one idea is one
    segment: itself."""
    return list(_segments(str(text), clauses, MIN_WORDS if min_words is None else min_words))


@lru_cache(maxsize=1 << 16)
def _segments(text: str, clauses: bool, min_words: int) -> tuple[str, ...]:
    """:func:`split_segments`, remembered: ``suggest`` splits each answer when it lists what
    to embed and again when it builds the units (and surveys repeat short answers)."""
    t = text.strip()
    parts: list[str] = []
    for s in split_sentences(t):
        parts += _clauses(s, clauses)
    parts = _glue(parts, min_words)
    if len(parts) <= 1:
        return (t,)
    return tuple(parts)


def segment_table(ans: pd.DataFrame, clauses: bool = False) -> pd.DataFrame:
    """One row per segment of each answer in ``ans`` (columns id, text, ...): ``answer``
    (the position of its answer in ``ans``), ``text`` (the segment) and ``whole`` (True when
    the segment is the whole answer). Rows follow ``ans``; segments in text order."""
    rows: list[tuple[int, str, bool]] = []
    for i, t in enumerate(ans["text"].tolist()):
        segs = split_segments(t, clauses)
        rows += [(i, s, len(segs) == 1) for s in segs]
    return pd.DataFrame(rows, columns=["answer", "text", "whole"])


def segment_texts(texts: Sequence[str], clauses: bool = False) -> list[str]:
    """The distinct segments (of answers of several), sorted: what must be embedded beyond
    the answers themselves."""
    out: set[str] = set()
    for t in texts:
        segs = split_segments(t, clauses)
        if len(segs) > 1:
            out.update(segs)
    return sorted(out)


def answers_of(labels: np.ndarray, seg_answer: np.ndarray, k: int) -> list[np.ndarray]:
    """Per cluster 0..k-1 of segments, the positions of the answers it holds (sorted,
    deduplicated: an answer counts once however many of its segments joined)."""
    return [np.unique(seg_answer[labels == c]) for c in range(k)]


def units_of(
    texts: Sequence[str],
    X: np.ndarray,
    embed: Callable[[list[str]], np.ndarray] | None,
    clauses: bool = False,
    whole: bool = False,
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """The units one question is clustered in: ``(owner, unit texts, unit vectors)``, where
    ``owner[u]`` is the position in ``texts`` of unit ``u``'s answer.

    ``embed`` None: each answer is one unit (its row of ``X``). Otherwise answers are split
    (:func:`split_segments`); an answer of one segment keeps its own vector, the others'
    segments are embedded by ``embed`` (distinct texts, sorted: order-independent).
    """
    n = len(texts)
    if embed is None:
        return np.arange(n), list(texts), X
    owner: list[int] = []
    utexts: list[str] = []
    split: set[str] = set()
    mine: list[bool] = []  # the unit is the answer itself: its own row of X
    for i, t in enumerate(texts):
        segs = split_segments(t, clauses)
        flags = [len(segs) == 1] * len(segs)
        if len(segs) > 1:
            split.update(segs)
            if whole:  # the answer as a unit too, beside its segments
                segs, flags = [t, *segs], [True, *flags]
        mine += flags
        owner += [i] * len(segs)
        utexts += segs
    if not split:
        return np.arange(n), list(texts), X
    todo = sorted(split)
    E = np.asarray(embed(todo), dtype=np.float32)
    norms = np.linalg.norm(E, axis=1, keepdims=True)
    E = (E / np.where(norms == 0, 1, norms)).astype(np.float32)
    row = {s: j for j, s in enumerate(todo)}
    own = np.array(owner)
    U = np.empty((len(utexts), X.shape[1]), dtype=np.float32)
    for u, (i, s) in enumerate(zip(own.tolist(), utexts, strict=True)):
        U[u] = X[i] if mine[u] else E[row[s]]
    return own, utexts, U
