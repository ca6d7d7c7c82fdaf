"""Code names made distinct within a question, and a draft definition for each suggestion.

A post-pass over a :class:`~.core.SuggestResult` (after every question is clustered and
labelled): no two suggestions of a question share a name (the larger keeps it, the other
takes its next distinctive keyphrase: "Staff and activities"), no name is a member's whole
answer, a theme of one suggestion takes that suggestion's name, and each suggestion gets a
draft definition written from its keyphrases, its quotes and its nearest neighbour
suggestions of the same question::

    definition: Answers about waiting times, e.g. “Long wait to answer phone”.
    inclusion:  Answers that mention waiting times, appointment or phone, in any words.
    exclusion:  Answers mainly about staff attitude (code them as 'Staff attitude').

The definition is a draft (``draft: True``): accepted as a code, it is marked so in the
codebook until a researcher edits it (``autocode define``). Deterministic: it depends only
on the result and the vectors, never on the order of the input rows.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .naming import _VAGUE, _norm, noun_like_phrase, overlaps, tidy_label

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .core import Suggestion, SuggestResult

MAX_WORDS = 6
_QUOTE_CHARS = 80


def finish(
    result: SuggestResult, responses: pd.DataFrame, X: np.ndarray, names: bool = True
) -> None:
    """Distinct names (with ``names``: the default labeler's; a plug-in labeler's labels are
    left as it gave them) and draft definitions for ``result`` (changed in place).

    ``responses`` and ``X`` are what :func:`~.core.suggest` was given (one vector per row)."""
    text = dict(zip(responses["id"].astype(str), responses["text"].astype(str), strict=True))
    row = {str(i): r for r, i in enumerate(responses["id"])}
    by_q: dict[str | None, list[Suggestion]] = {}
    for s in result.suggestions:
        by_q.setdefault(s.question, []).append(s)
    old = {s.id: s.label for s in result.suggestions}
    for group in by_q.values():
        if names:
            distinct_names(group, text)
        _define(group, row, X)
    if not names:
        return
    new = {s.id: s.label for s in result.suggestions}
    themes_by_q: dict[str | None, list] = {}
    for t in result.themes:
        if len(t.suggestions) == 1 and t.label == old.get(t.suggestions[0]):
            t.label = new[t.suggestions[0]]
        themes_by_q.setdefault(t.question, []).append(t)
    for ts in themes_by_q.values():
        seen: set[str] = set()
        for t in ts:
            label = t.label
            extra = [new[s] for s in t.suggestions if _norm(new[s]) != _norm(label)]
            for cand in [label, *(f"{label} and {_lower(e)}" for e in extra)]:
                short = len(cand.split()) <= MAX_WORDS and cand.count(" and ") <= 1
                if _norm(cand) not in seen and short:
                    label = cand
                    break
            else:
                label = f"{label} ({t.id})"
            t.label = label
            seen.add(_norm(label))


def distinct_names(group: Sequence[Suggestion], text: dict[str, str]) -> None:
    """Give the suggestions of one question distinct names (in place): the larger keeps a
    shared name, the other takes "name and next keyphrase", else a keyphrase of its own;
    never a member's whole answer."""
    used: set[str] = set()
    for s in sorted(group, key=lambda s: (-s.size, _id_key(s.id))):
        taken = {_norm(text.get(str(m), "")) for m in s.members}
        for cand in _candidates(s):
            name = tidy_label(cand)
            key = _norm(name)
            short = len(name.split()) <= MAX_WORDS and name.count(" and ") <= 1
            if name and short and key not in used and key not in taken:
                break
        else:
            name = f"{tidy_label(s.label)} ({s.id})"
            key = _norm(name)
        s.label = name
        used.add(key)


def _candidates(s: Suggestion) -> Iterable[str]:
    yield s.label
    # the next distinctive phrases that can name something ("shortage", not "good")
    others = [k for k in s.keywords if not overlaps(k, s.label) and noun_like_phrase(k)]
    if " and " not in s.label:  # never "Ward and staff and good"
        for k in others:
            yield f"{s.label} and {k}"
    for k in others:
        yield k
    for a, b in itertools.pairwise(others):
        yield f"{a} and {b}"


def _id_key(sid: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", sid))


def _lower(label: str) -> str:
    """A name inside a sentence: lower-cased first letter, unless it starts an acronym."""
    if len(label) > 1 and label[:2].isupper():
        return label
    return label[:1].lower() + label[1:]


def _quote(ex: dict) -> str:
    t = " ".join(str(ex.get("segment") or ex.get("text") or "").split())
    if len(t) > _QUOTE_CHARS:
        t = t[: _QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return f"“{t}”"


def _define(group: Sequence[Suggestion], row: dict[str, int], X: np.ndarray) -> None:
    cents = []
    for s in group:
        rows = [row[str(m)] for m in s.members if str(m) in row]
        v = _mean_rows(X, rows) if rows else np.zeros(X.shape[1] if X.ndim == 2 else 1)
        n = float(np.linalg.norm(v))
        cents.append(v / n if n > 0 else v)
    C = np.vstack(cents) if cents else np.zeros((0, 1))
    sims = C @ C.T if len(C) else C
    for i, s in enumerate(group):
        near = [j for j in np.argsort(-sims[i], kind="stable") if j != i][:2] if len(C) else []
        s.definition = draft_definition(s, [group[j] for j in near])


def _mean_rows(X: np.ndarray, rows: list[int], step: int = 65_536) -> np.ndarray:
    """The mean of ``X[rows]``, copying at most ``step`` rows at a time (a suggestion of a
    million answers does not copy its vectors)."""
    if len(rows) <= step:
        return X[rows].mean(axis=0)
    total = np.zeros(X.shape[1], dtype=np.float64)
    for s in range(0, len(rows), step):
        total += X[rows[s : s + step]].sum(axis=0, dtype=np.float64)
    return total / len(rows)


def draft_definition(s: Suggestion, neighbours: Sequence[Suggestion]) -> dict:
    """The draft definition of one suggestion: what it covers (with quotes), what to include
    (its keyphrases) and what to exclude (its nearest neighbours, by name)."""
    topic = _lower(s.label)
    quotes = [_quote(e) for e in s.exemplars[:2] if (e.get("segment") or e.get("text"))]
    eg = f", e.g. {' and '.join(quotes)}" if quotes else ""
    if s.label.lower().startswith("nothing"):
        definition = f"Answers that say there is {topic}{eg}."
    else:
        definition = f"Answers about {topic}{eg}."
    # "lack", "need", "thing" say that something is missing or wanted, not what
    kws = [k for k in s.keywords if not overlaps(k, s.label) and k.lower() not in _VAGUE][:3]
    if kws:
        inclusion = f"Answers that mention {_or([topic, *kws])}, in any words."
    else:
        inclusion = f"Answers that mention {topic}, in any words."
    ex = [f"{_lower(n.label)} (code them as '{n.label}')" for n in neighbours if n.label]
    exclusion = f"Answers mainly about {'; or '.join(ex)}." if ex else ""
    return {"definition": definition, "inclusion": inclusion, "exclusion": exclusion, "draft": True}


def _or(items: Sequence[str]) -> str:
    items = list(dict.fromkeys(items))
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
