"""One idea, one suggestion: merging near-duplicate clusters and gathering the answers that
say there is nothing to improve.

- **Near-duplicates**: HDBSCAN often splits one idea into clusters that differ in wording
  only ("more staff", "short staffed"). Clusters whose centroids have cosine similarity
  ≥ ``threshold`` are merged (single linkage over the pairs, so a chain of near-duplicates
  becomes one suggestion). The threshold was measured on the NHS sets against the human codes
  (``scripts/bench_suggest_results.md``).
- **Nothing to improve**: "nothing, all good", "can't think of anything", "no improvements
  needed" are not non-answers (they are a verdict, and often coded as positive), but they
  are one idea however they are worded: segments that say so are kept out of clustering and
  become one suggestion, shown beside the non-answer groups.
"""

from __future__ import annotations

import re

import numpy as np

from .cluster import _normalise, _renumber
from .density import find_root

# an answer (or segment) that says there is nothing to improve / nothing to add: a leading
# "nothing"-type phrase, then at most a short comment ("nothing, all good", "nothing
# really, I was very happy"); or a phrase that says it could not be better
_NOTHING_START = re.compile(
    r"^(?:absolutely |honestly |really |just |no,? |um+,? |well,? |i think |i can'?t? thing? of )?"
    # "nothing to do (here)" / "nothing happens" are complaints, not verdicts
    r"(?:nothing(?! to do| happen| was (?:done|happening)| is (?:done|happening))"
    r"|none|nil|no(?:thing)? (?:really|at all|comment|complaints?|improvements?|better)"
    r"|not (?:really|a lot|much|anything|that i can think of)|nope|no$"
    r"|(?:i )?(?:can'?t|cannot|could ?n'?o?t) think of (?:any|anything|nothing)"
    r"|no(?:thing)? (?:to|i would) (?:improve|change|add)"
    r"|all (?:good|fine|ok|okay|great)"
    r"|(?:just )?(?:keep (?:doing|up|it up|on doing)|carry on|continue (?:what|doing|the))"
    r")\b"
)
_NOTHING_ANYWHERE = re.compile(
    r"\b(?:could ?n'?o?t|can'?t|cannot|can not) (?:be|have been) (?:improved|better|done better)"
    r"|\bno ?one could do (?:it )?better|\bnothing could (?:have been|be) (?:done )?better"
    r"|\b(?:could not|couldn'?t|can'?t|cannot|could) (?:do|have done) (?:anything|any) ?"
    r"(?:more|better)"
    r"|\bno (?:room for )?improvements? (?:needed|necessary|required)"
    r"|\bnothing (?:needs|to be) (?:improv|chang)"
)
#: longest "nothing to improve" segment, in words ("nothing, I was very happy with my care")
MAX_WORDS = 12
KIND_NOTHING = "nothing to improve"


def nothing_mask(texts, on: bool = True) -> np.ndarray:
    """:func:`says_nothing` of each text as a bool array (all False when ``on`` is off)."""
    if not on:
        return np.zeros(len(texts), dtype=bool)
    return np.array([says_nothing(t) for t in texts], dtype=bool)


def says_nothing(text: str) -> bool:
    """Whether ``text`` (an answer or a segment) says there is nothing to improve or add."""
    from ..io import normalise_answer

    t = normalise_answer(text)
    if len(t.split()) > MAX_WORDS:
        return False
    return bool(_NOTHING_START.match(t) or _NOTHING_ANYWHERE.search(t))


def nothing_label(question: str) -> str:
    """The label of a question's "nothing" suggestion: about improvement when the question
    asks for it (its key or label), else neutral."""
    q = question.casefold()
    if re.search(r"better|improv|change|differen|suggest|could", q):
        return "Nothing to improve"
    return "Nothing in particular"


def merge_near(labels: np.ndarray, X: np.ndarray, threshold: float) -> np.ndarray:
    """Clusters (``labels`` 0..k-1, -1 unassigned, over rows of ``X``) merged when their
    centroids' cosine ≥ ``threshold``; renumbered by size. ``threshold`` ≥ 1: unchanged."""
    k = int(labels.max()) + 1 if len(labels) else 0
    if k < 2 or threshold >= 1:
        return labels
    C = _normalise(np.vstack([X[labels == c].mean(axis=0) for c in range(k)]))
    S = C @ C.T
    parent = list(range(k))
    ii, jj = np.where(np.triu(S, 1) >= threshold)
    for a, b in sorted(zip(ii.tolist(), jj.tolist(), strict=True)):
        ra, rb = find_root(parent, a), find_root(parent, b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    m = np.array([find_root(parent, c) for c in range(k)])
    out = np.where(labels >= 0, m[np.clip(labels, 0, None)], -1)
    return _renumber(out)
