"""Reading survey exports into responses.

``read_responses(path, ...)`` returns a :class:`ResponseSet`: one row per non-blank answer
(respondent × question), with non-answers flagged, blanks counted, and the other columns
kept as respondent attributes. Nothing here writes to disk.

Supported: CSV/TSV (delimiter sniffed; UTF-8, UTF-8 with BOM, UTF-16, cp1252/latin-1 and
other encodings detected), XLSX (``sheet=``), SPSS ``.sav`` (with pyreadstat installed);
REDCap exports (raw or labels, events and repeated instruments), Qualtrics CSV/XLSX exports
(three header rows, or the legacy two) and SurveyMonkey exports (two header rows); wide (one
column per question) or long (id, question, text) layouts.

Response ids: the respondent id when no respondent can have two answers (a wide file with one
text column; a long file where nobody answers two questions, e.g. one row per comment);
otherwise ``"<respondent>:<question>"`` (e.g. a wide file with two open-ended questions).

Modules: ``tables`` (files to a table of strings), ``decode`` (encodings, delimiters),
``exports`` (Qualtrics/REDCap), ``columns`` (id/text/question detection), ``nonanswers``,
``responses`` (layout, ids, blanks, canonical order, hashes).
"""

from __future__ import annotations

from .nonanswers import NON_ANSWER_PATTERNS, NonAnswerMatcher, is_non_answer, normalise_answer
from .responses import ResponseSet, file_sha256, natural_key, read_columns, read_responses

__all__ = [
    "NON_ANSWER_PATTERNS",
    "NonAnswerMatcher",
    "ResponseSet",
    "file_sha256",
    "is_non_answer",
    "natural_key",
    "normalise_answer",
    "read_columns",
    "read_responses",
]
