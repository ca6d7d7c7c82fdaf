"""The "familiarise" table of a survey (Braun & Clarke's first phase): per question, how
many answered, left it blank, or gave a non-answer, and how long the answers are.

Per question:

- ``answers``: non-blank answers (non-answers included);
- ``blanks``: respondents who left it empty (counted when the export was read);
- ``non_answers``: answers that say nothing ("n/a", "nothing", "don't know" ...: the
  reader's non-answer rule, :mod:`autocode.io.nonanswers`), with the ``top`` most common of
  them (compared case- and space-insensitively, without trailing punctuation; shown as
  most often written);
- ``mean_words``: mean whitespace-separated words per answer, over the answers that are not
  non-answers (None when there are none).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def _key(text: str) -> str:
    return " ".join(str(text).split()).casefold().rstrip(" .!?,;:")


def familiarise(
    responses: pd.DataFrame,
    questions: Sequence[str] | None = None,
    blanks: Mapping[str, int] | None = None,
    labels: Mapping[str, str] | None = None,
    top: int = 3,
) -> list[dict[str, Any]]:
    """One row per question (in ``questions`` order, default: as they appear) from
    ``responses`` (``question, text, non_answer``)."""
    qs = list(questions) if questions is not None else list(dict.fromkeys(responses["question"]))
    out = []
    for q in qs:
        sel = responses[responses["question"] == q]
        na = sel["non_answer"].astype(bool)
        groups: dict[str, Counter[str]] = {}
        for t in sel.loc[na, "text"].astype(str):
            groups.setdefault(_key(t), Counter())[" ".join(t.split())] += 1
        ranked = sorted(groups.values(), key=lambda c: (-sum(c.values()), min(c)))
        common = [
            {"text": sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0], "n": sum(c.values())}
            for c in ranked[:top]
        ]
        real = sel.loc[~na, "text"].astype(str)
        words = [len(t.split()) for t in real]
        out.append(
            {
                "question": str(q),
                "label": (labels or {}).get(q),
                "answers": len(sel),
                "blanks": int((blanks or {}).get(q, 0)),
                "non_answers": int(na.sum()),
                "top_non_answers": common,
                "mean_words": (sum(words) / len(words)) if words else None,
            }
        )
    return out
