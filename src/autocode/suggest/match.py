"""Which existing code a new suggestion matches, when ``suggest`` runs again on a project
that already has a codebook and codings (so review need not start from zero).

A suggestion of question *q* is compared with the codebook's codes that apply to *q*
(:meth:`Codebook.codes_for`):

- basis ``members``: the share of its member answers that already carry code X — coded by
  any coder (humans, the machine's present decisions) or as members of an accepted
  suggestion. It matches the code with the most such answers when that share is at least
  :data:`MEMBER_SHARE` (0.5: most of its answers); ties go to the codebook's order.
- basis ``definition``: only when no code matches on members, and only codes that no answer
  carries yet: the cosine similarity of the suggestion's centroid (mean of its members'
  unit embeddings, normalised) to the embedding of the code's text ``"name. definition"``.
  It matches the most similar such code when the similarity is at least
  :data:`DEFINITION_SIMILARITY`.

The threshold 0.55 was measured on the bundled example (NHS FFT survey, 25 suggestions
with the default embedder all-MiniLM-L6-v2, against the example codebook's codes and their
long definitions): each suggestion's most similar code scored 0.16-0.70. At 0.55 three
suggestions match; for two the code is the human coders' most frequent code of its members,
the third ('Staff nice' -> 'Staff manner & personal attributes') is a neighbour of the
humans' 'Positive experience & gratitude'. At 0.5 six match, two of them to a wrong code.
It errs on the side of leaving a suggestion unmatched (it then stays an ordinary pending
suggestion); the fake ``hash`` embedder never reaches it. Similarities are
rounded to 4 decimals and members summed in sorted order, so the match does not depend on
the row order of the input.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from ..codebook.model import Codebook
    from ..embed import Embedder
    from ..project import Store

MEMBER_SHARE = 0.5
DEFINITION_SIMILARITY = 0.55


def coded_answers(store: Store) -> dict[str, set[str]]:
    """Code name (:func:`name_key`) -> the answers that carry it: any coder's present
    codings (human, reconciled, the machine's present decisions) and the members of
    accepted suggestions."""
    from ..codebook.model import name_key
    from ..project import codings as rows

    df = rows.codings(store, suggested=True)
    df = df[df["present"]]
    out: dict[str, set[str]] = {}
    for code, rid in zip(df["code"], df["response_id"], strict=True):
        out.setdefault(name_key(str(code)), set()).add(str(rid))
    return out


def definition_text(code: Any) -> str:
    """The text embedded for a code: ``"name. definition"`` (the name alone without one)."""
    d = " ".join(str(code.definition or "").split())
    return f"{code.name}. {d}" if d else str(code.name)


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


def match_suggestions(
    suggestions: Sequence[Any],
    codebook: Codebook | None,
    coded: Mapping[str, set[str]],
    centroid: Callable[[Sequence[str]], np.ndarray | None] | None = None,
    code_vectors: Mapping[str, np.ndarray] | None = None,
) -> dict[str, dict | None]:
    """Suggestion id -> ``{"code", "basis", "share", "answers", "of", "similarity"}`` or
    None. ``suggestions`` have ``id, question, members``; ``coded`` maps code keys to the
    answers that carry them; ``centroid(members)`` gives a suggestion's mean embedding and
    ``code_vectors`` maps code keys to embeddings of :func:`definition_text` (both only
    needed for the ``definition`` basis)."""
    from ..codebook.model import name_key

    out: dict[str, dict | None] = {}
    for s in suggestions:
        out[s.id] = None
        if codebook is None or not s.members:
            continue
        codes = codebook.codes_for(str(s.question))
        members = set(s.members)
        best: tuple[int, Any] | None = None
        for c in codes:  # document order: the first of equal counts wins
            n = len(members & coded.get(name_key(c.name), set()))
            if n and (best is None or n > best[0]):
                best = (n, c)
        if best is not None and best[0] / len(members) >= MEMBER_SHARE:
            n, c = best
            out[s.id] = {
                "code": c.name,
                "basis": "members",
                "share": round(n / len(members), 4),
                "answers": n,
                "of": len(members),
                "similarity": None,
            }
            continue
        fresh = [c for c in codes if not coded.get(name_key(c.name))]
        if not fresh or centroid is None or not code_vectors:
            continue
        mid = centroid(sorted(members))
        if mid is None:
            continue
        mid = _unit(np.asarray(mid, dtype=np.float64))
        top: tuple[float, Any] | None = None
        for c in fresh:
            v = code_vectors.get(name_key(c.name))
            if v is None:
                continue
            sim = round(float(mid @ _unit(np.asarray(v, dtype=np.float64))), 4)
            if top is None or sim > top[0]:
                top = (sim, c)
        if top is not None and top[0] >= DEFINITION_SIMILARITY:
            out[s.id] = {
                "code": top[1].name,
                "basis": "definition",
                "share": None,
                "answers": 0,
                "of": len(members),
                "similarity": top[0],
            }
    return out


def find_matches(
    store: Store,
    suggestions: Sequence[Any],
    ids: Sequence[str],
    X: np.ndarray,
    embedder: Embedder,
) -> dict[str, dict | None]:
    """:func:`match_suggestions` against the project's current codebook and codings;
    ``X`` holds one embedding per answer id in ``ids``. Code texts are embedded (and
    cached) only for codes that need the ``definition`` basis."""
    from ..codebook import current
    from ..codebook.model import name_key
    from ..embed import embed_texts

    cb = current(store)
    if cb is None or not suggestions:
        return {s.id: None for s in suggestions}
    coded = coded_answers(store)
    row = {rid: i for i, rid in enumerate(ids)}
    need: dict[str, str] = {}
    for q in dict.fromkeys(str(s.question) for s in suggestions):
        for c in cb.codes_for(q):
            if not coded.get(name_key(c.name)):
                need.setdefault(name_key(c.name), definition_text(c))
    vectors: dict[str, np.ndarray] = {}
    if need:
        V, _ = embed_texts(list(need.values()), embedder, store)
        vectors = dict(zip(need, V, strict=True))

    def centroid(members: Sequence[str]) -> np.ndarray | None:
        rows = [row[m] for m in members if m in row]
        if not rows:
            return None
        return np.stack([_unit(np.asarray(X[i], dtype=np.float64)) for i in rows]).mean(axis=0)

    return match_suggestions(suggestions, cb, coded, centroid, vectors)


def describe(m: Mapping[str, Any] | None) -> str:
    """``matches existing code 'Lack of time' (8 of 10 answers)`` (empty for no match)."""
    if not m:
        return ""
    if m.get("basis") == "members":
        return f"matches existing code {m['code']!r} ({m['answers']} of {m['of']} answers)"
    return f"matches existing code {m['code']!r} (definition, similarity {m['similarity']:.2f})"
