"""Non-answers of a question in groups by kind ("no answer", "nothing", "don't know"):
kept out of clustering and shown beside the suggestions."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["_KIND_LABELS", "NonAnswerGroup", "non_answer_kind"]


@dataclass
class NonAnswerGroup:
    """Non-answers of one kind for one question (kept out of clustering, shown as a group)."""

    id: str
    question: str
    kind: str  # "no answer" | "nothing" | "don't know"
    label: str
    members: list[str]


_KIND_LABELS = {
    "no answer": "No answer given",
    "nothing": "Nothing / none",
    "don't know": "Don't know / not sure",
}
_NO_ANSWER = re.compile(
    r"^(?:did not answer|didn'?t answer|no answer|no response|not answered|n ?/ ?a|n\.?a\.?|"
    r"#n/a|not applicable|null|[-.?!x_*]+)$"
)
_DONT_KNOW = re.compile(
    r"^(?:i )?(?:don'?t|do not|dont) know|dunno|idk|no idea|not sure|unsure|no opinion"
)


def non_answer_kind(text: str) -> str:
    """Which kind of non-answer: "no answer", "don't know" or "nothing".

    They mean different things in an analysis: "did not answer" is missing data, while
    "nothing" to "what could we improve?" is often a positive verdict.
    """
    from ..io import normalise_answer

    t = normalise_answer(text)
    if _NO_ANSWER.match(t):
        return "no answer"
    if _DONT_KNOW.match(t):
        return "don't know"
    return "nothing"
