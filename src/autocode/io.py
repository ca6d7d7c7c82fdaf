"""Reading survey exports into responses.

``read_responses(path, ...)`` returns a :class:`ResponseSet`: one row per non-blank answer
(respondent × question), with non-answers flagged, blanks counted, and the other columns
kept as respondent attributes. Nothing here writes to disk.

Response ids: the respondent id when it is unique in the input; otherwise
``"<respondent>:<question>"`` (e.g. a wide file with two open-ended questions).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import InputError

# Non-answers: kept out of clustering and reported as their own group (configurable).
NON_ANSWER_PATTERNS = [
    r"n/?a",
    r"none",
    r"nothing",
    r"nil",
    r"no",
    r"nope",
    r"no comments?",
    r"none at all",
    r"nothing at all",
    r"nothing else",
    r"nothing to add",
    r"not applicable",
    r"don'?t know",
    r"do not know",
    r"dunno",
    r"idk",
    r"not sure",
    r"unsure",
    r"-+",
    r"\.+",
    r"\?+",
    r"x+",
    r"did not answer",
    r"no answer",
    r"no response",
    r"no opinion",
]
_NON_ANSWER_RE = re.compile(
    r"^\s*(?:" + "|".join(NON_ANSWER_PATTERNS) + r")\s*[.!]*\s*$", re.IGNORECASE
)


def is_non_answer(text: str) -> bool:
    """True for answers such as "n/a", "None.", "nothing", "don't know", "-"."""
    t = text.strip().replace("\u2019", "'")
    return bool(_NON_ANSWER_RE.match(t))


@dataclass
class ResponseSet:
    """Responses read from one export.

    ``responses`` has columns id, respondent, question, text, non_answer (bool), sorted by
    (question order, respondent order in file). ``attributes`` is indexed by respondent.
    """

    responses: pd.DataFrame
    attributes: pd.DataFrame
    questions: list[str]
    blanks: dict[str, int]
    path: str
    sha256: str
    format: str
    layout: str
    encoding: str | None = None
    question_labels: dict[str, str] = field(default_factory=dict)

    @property
    def n_non_answers(self) -> int:
        return int(self.responses["non_answer"].sum())


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_responses(
    path: str | Path,
    text: list[str] | None = None,
    id: str | None = None,  # noqa: A002 - mirrors the --id option
    question: str | None = None,
    sheet: str | None = None,
    flag_non_answers: bool = True,
) -> ResponseSet:
    """Read a CSV/TSV/XLSX export (wide or long) into a :class:`ResponseSet`."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file", "check the path")
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    cols = list(df.columns)
    id_col = id or ("record_id" if "record_id" in cols else "id" if "id" in cols else None)
    if id_col is None or id_col not in cols:
        raise InputError(f"no id column; columns are: {', '.join(cols)}", "pass --id COL")
    if question:
        text_cols = text or ["text"]
        long = df[[id_col, question, text_cols[0]]].rename(
            columns={id_col: "respondent", question: "question", text_cols[0]: "text"}
        )
        layout = "long"
    else:
        text_cols = text or [c for c in cols if c != id_col]
        long = df.melt(id_vars=[id_col], value_vars=text_cols, var_name="question", value_name="text")
        long = long.rename(columns={id_col: "respondent"})
        layout = "wide"
    long["text"] = long["text"].astype(str).str.strip()
    blank = long["text"] == ""
    blanks = long[blank].groupby("question").size().to_dict()
    long = long[~blank].copy()
    questions = list(dict.fromkeys(long["question"]))
    unique = not long["respondent"].duplicated().any()
    long["id"] = long["respondent"] if unique else long["respondent"] + ":" + long["question"]
    long["non_answer"] = long["text"].map(is_non_answer) if flag_non_answers else False
    long = long[["id", "respondent", "question", "text", "non_answer"]].reset_index(drop=True)
    attrs = df.drop(columns=[c for c in text_cols if c in df.columns]).set_index(id_col)
    return ResponseSet(
        responses=long,
        attributes=attrs,
        questions=questions,
        blanks={q: int(blanks.get(q, 0)) for q in questions},
        path=str(p),
        sha256=file_sha256(p),
        format="csv",
        layout=layout,
        encoding="utf-8",
    )
