"""Non-answers: "n/a", "Nothing.", "don't know", "-" ...

A non-answer is a whole answer that says nothing about the question. They are flagged, not
dropped: suggest keeps them out of clustering and reports them as their own group. Matching
is on the *whole* answer (after trimming punctuation), so "No parking available" and
"Nothing was explained to me" are real answers.

For a question such as "What could we improve?", "nothing" is a real answer: pass
``flag_non_answers=False`` to :func:`autocode.io.read_responses` to keep the defaults off,
and ``non_answers=[...]`` to add your own strings (matched case-insensitively, whole answer).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

# Each pattern must match a whole (normalised) answer. Keep this list conservative: a false
# positive silently removes a real answer from the analysis.
NON_ANSWER_PATTERNS: list[str] = [
    r"n ?/ ?a",
    r"n\.? ?a\.?",
    r"n\\a",
    r"#n/a",
    r"none",
    r"nothing",
    r"nil",
    r"null",
    r"no",
    r"nope",
    r"nah",
    r"no comments?",
    r"no further comments?",
    r"no additional comments?",
    r"no other comments?",
    r"no comments? at (?:this|the moment|present)(?: time)?",
    r"no,? (?:nothing|none)(?: (?:at all|really|else))?",
    r"(?:nothing|none|not) at (?:this time|the moment|present)",
    r"(?:i )?(?:can'?t|cannot) think of anything(?: else)?",
    r"nothing (?:comes|springs) to mind",
    r"(?:nothing|none) (?:that )?i can think of",
    r"none at all",
    r"none really",
    r"nothing at all",
    r"nothing really",
    r"nothing else",
    r"nothing more",
    r"nothing further",
    r"nothing to add",
    r"nothing to say",
    r"nothing to report",
    r"nothing to comment",
    r"not applicable",
    r"(?:i )?(?:don'?t|do not|dont) know",
    r"dunno",
    r"idk",
    r"no idea",
    r"not sure",
    r"unsure",
    r"no opinion",
    r"no answer",
    r"no response",
    r"did not answer",
    r"didn'?t answer",
    r"not answered",
    r"blank",
    r"prefer not to (?:say|answer)",
    r"-+",
    r"_+",
    r"\.+",
    r"\?+",
    r"x+",
    r"/+",
    r"0",
]

# Trailing politeness that does not change a non-answer: "Nothing, thank you." / "No thanks".
_TAIL = r"(?:[\s,;:-]*(?:thank you|thanks|thank u|ty))?"
_DEFAULT_RE = re.compile(r"^(?:" + "|".join(NON_ANSWER_PATTERNS) + r")" + _TAIL + r"$")

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
# Punctuation, quotes and emoticon debris around an answer: "N/A.", "'none'", "Nothing :)".
_EDGES = " \t\r\n\u00a0\"'.,;:!?)(*[]{}~_-/"


@lru_cache(maxsize=1 << 16)
def normalise_answer(text: str) -> str:
    """The form used to compare answers with non-answer strings.

    Case-folded, typographic apostrophes made straight, inner whitespace collapsed, smileys
    dropped and punctuation trimmed from both ends. An answer made only of punctuation
    ("-", "...", "???") is kept as it is, so that it can be matched.
    """
    t = " ".join(text.translate(_APOSTROPHES).casefold().split())
    t = t.replace(":-)", "").replace(":)", "").strip()
    stripped = t.strip(_EDGES)
    return stripped if stripped else t.replace(" ", "")


class NonAnswerMatcher:
    """Decides whether an answer is a non-answer.

    ``use_defaults`` switches the built-in list (:data:`NON_ANSWER_PATTERNS`) on or off;
    ``extra`` adds literal strings, compared with :func:`normalise_answer` on both sides.
    """

    def __init__(self, use_defaults: bool = True, extra: Iterable[str] | None = None):
        self.use_defaults = use_defaults
        self.extra = frozenset(normalise_answer(s) for s in (extra or ()) if s.strip())

    @property
    def active(self) -> bool:
        return self.use_defaults or bool(self.extra)

    def __call__(self, text: str) -> bool:
        t = normalise_answer(text)
        if t in self.extra:
            return True
        return self.use_defaults and bool(_DEFAULT_RE.match(t))


_DEFAULT = NonAnswerMatcher()


def is_non_answer(text: str, extra: Iterable[str] | None = None) -> bool:
    """True for whole answers such as "n/a", "None.", "Nothing, thanks", "don't know", "-".

    ``extra`` adds literal non-answer strings (case-insensitive, whole answer).
    """
    if extra is None:
        return _DEFAULT(text)
    return NonAnswerMatcher(True, extra)(text)
