"""Which column is the respondent id, which columns are open-ended text, is the file long?

Text detection profiles each column's non-empty values. Open-ended answers are mostly
non-numeric, not dates, several words long and mostly distinct; attributes are numbers
(Likert items, scores), dates, or categories with few distinct values. A column whose name
says "comment", "feedback", "explain" ... needs less evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .nonanswers import is_non_answer

_NUMBER = re.compile(r"^[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?%?$")
_DATE = re.compile(
    r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$|"
    r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}( \d{1,2}:\d{2}(:\d{2})?( ?[AaPp][Mm])?)?$|"
    r"^\d{1,2}:\d{2}(:\d{2})?$|"
    r"^(\d{1,2}(st|nd|rd|th)? )?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
    r"( \d{1,2}(st|nd|rd|th)?)?,? \d{4}$",
    re.IGNORECASE,
)
_TEXT_NAME = re.compile(
    r"comment|feedback|explain|describe|why|improv|suggest|remark|opinion|thought|"
    r"free.?text|open|_text$|^text$|response$|answer$|verbatim|other|specify|reason|barrier|"
    r"what|how|please",
    re.IGNORECASE,
)
_ID_NAME = re.compile(
    r"^(id|record(id|no|number)?|respondent(id|no|number)?|responseid|participant(id|no|number)?|"
    r"subject(id)?|studyid|case(id|no|number)?|pid|uid|userid|personid|patientid|studentid|"
    r"submissionid|respid|ppid|identifier)$"
)
_QUESTION_NAME = re.compile(r"^(question(id|name|code)?|item(id)?|prompt)$")


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.casefold())


@dataclass
class Profile:
    name: str
    n: int  # non-empty values
    distinct: int
    numeric: float  # share of values that are numbers
    dates: float
    words: float  # mean words per value
    top: float  # share of the most frequent value

    @property
    def distinct_ratio(self) -> float:
        return self.distinct / self.n if self.n else 0.0

    def kind(self) -> str:
        """'text' (open-ended), 'maybe' (short free text, ask the user) or 'attribute'."""
        if self.n == 0 or self.numeric >= 0.5 or self.dates >= 0.5:
            return "attribute"
        if self.n >= 20 and (self.distinct <= max(10, 0.1 * self.n) or self.top > 0.5):
            return "attribute"  # a category
        hinted = bool(_TEXT_NAME.search(self.name))
        if self.words >= 8 and self.distinct_ratio >= 0.3:
            return "text"
        if self.words >= 3 and self.distinct_ratio >= 0.6:
            return "text"
        if hinted and self.words >= 2 and self.distinct_ratio >= 0.5:
            return "text"
        if self.words >= 2 and self.distinct_ratio >= 0.8 and self.n >= 5:
            return "maybe"
        return "attribute"


def profile(name: str, values: list[str]) -> Profile:
    """Profile the non-empty values that are not non-answers ("No", "Nothing", "n/a"): a
    comment column where most people wrote "No" is still a comment column."""
    counts: dict[str, int] = {}
    for v in values:
        v = v.strip()
        if v:
            counts[v] = counts.get(v, 0) + 1
    counts = {v: c for v, c in counts.items() if not is_non_answer(v)}
    n = sum(counts.values())
    if not n:
        return Profile(name, 0, 0, 0.0, 0.0, 0.0, 0.0)
    numeric = sum(c for v, c in counts.items() if _NUMBER.match(v)) / n
    dates = sum(c for v, c in counts.items() if _DATE.match(v)) / n
    words = sum(len(v.split()) * c for v, c in counts.items()) / n
    return Profile(name, n, len(counts), numeric, dates, words, max(counts.values()) / n)


def id_candidates(header: list[str], columns: dict[str, list[str]]) -> list[str]:
    """Columns named like a respondent id whose values are mostly filled in."""
    out = []
    for h in header:
        if not _ID_NAME.match(_norm(h)):
            continue
        vals = [v.strip() for v in columns[h]]
        if sum(1 for v in vals if v) < 0.5 * len(vals):
            continue
        out.append(h)
    return out


def question_candidates(header: list[str]) -> list[str]:
    return [h for h in header if _QUESTION_NAME.match(_norm(h))]
