"""Reading a codings table (CSV/TSV/XLSX): long or wide, into :class:`RawCodings` rows.

Layouts (the column names are matched case- and punctuation-insensitively):

- **long**: ``id[, question], code`` — one row per (answer, code); several rows per answer;
  an empty code means the answer was coded and no code applies (kept, never dropped).
- **wide**: ``id[, question]`` plus one column per code holding 1/0 (also true/false,
  yes/no, x), ``n/a`` where the code does not apply to the answer's question, and an
  optional ``no_code`` column. A row whose code cells are all blank (or ``n/a``) was not
  coded; a row with any 0/1 was coded. ``text``/``answer``-like columns are ignored, so
  the sheet ``autocode next`` writes reads back as it is.
- a ``coder`` (or ``rater``) column names the coder of each row (one file, several coders).

``id`` is the respondent id (with a question column) or the answer id autocode shows
(``respondent:question``, or the respondent id when it has one answer); ids are matched to
the project's answers in :mod:`.resolve`. The file is read with the survey readers
(:func:`autocode.io.tables.load_table`): any common encoding, NUL and other control
characters, cells autocode wrote with a formula-guarding quote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

ID_NAMES = (
    "id", "answerid", "responseid", "recordid", "respondentid", "respondent", "unit",
    "participantid", "participant", "caseid",
)  # fmt: skip
QUESTION_NAMES = ("question", "questionid", "field", "item")
CODE_NAMES = ("code", "codes", "label", "category")
CODER_NAMES = ("coder", "rater")
NO_CODE_NAMES = ("nocode", "nocodes", "none", "nocodeapplies")
IGNORED_NAMES = (
    "text", "response", "answer", "responsetext", "answertext", "confidence", "status",
    "note", "notes", "comment", "comments", "memo",
)  # fmt: skip
TRUE = {"1", "1.0", "true", "yes", "y", "x"}
FALSE = {"0", "0.0", "false", "no", "n"}
NOT_APPLICABLE = {"n/a", "na", "n.a.", "-"}


def norm(name: str) -> str:
    """A column name as compared: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", str(name).casefold())


@dataclass
class Row:
    """One coding as written: ``code`` None = the answer was coded and no code applies."""

    where: str  # "line 7", "row 3", "source '12 – q1'" (for messages)
    id: str
    question: str | None
    code: str | None
    coder: str | None = None
    text: str | None = None  # a REFI-QDA source's text: matched when its name is not an id


@dataclass
class RawCodings:
    """What a codings file says, before its ids and codes are matched to a project."""

    path: str
    sha256: str
    format: str  # long, wide, qdpx
    rows: list[Row]
    coders: list[str] = field(default_factory=list)  # names the file gives, if any
    one_row_per_answer: bool = False  # wide: an answer on two rows is an error
    notes: list[str] = field(default_factory=list)
    #: wide files: the code columns as written (checked against the codebook)
    code_columns: list[str] = field(default_factory=list)


def read_file(
    path: str | Path,
    *,
    id: str | None = None,
    question: str | None = None,
    code: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
) -> RawCodings:
    """Read a codings file: a table (long or wide) or a REFI-QDA ``.qdpx``.

    ``id``, ``question`` and ``code`` name columns (default: found by name); ``sheet`` an
    XLSX sheet; ``encoding`` overrides detection. Raises :class:`InputError` naming the
    problem; nothing is matched to a project here.
    """
    from ..io.responses import file_sha256
    from ..io.tables import load_table, read_bytes

    p = Path(path)
    if p.suffix.lower() == ".qdpx":
        from .qdpx import read_qdpx

        for name, value in (("id", id), ("question", question), ("code", code), ("sheet", sheet)):
            if value is not None:
                raise InputError(
                    f"{p.name} is a REFI-QDA project: {name} names a column of a table",
                    f"leave out {name} for a .qdpx file",
                )
        return read_qdpx(p)
    data = read_bytes(p)
    t = load_table(p, data, sheet=sheet, encoding=encoding)
    if not t.rows:
        raise InputError(f"{p.name} has no rows", "export the codings with one row per answer")
    header = list(t.header)
    cols = {h: [r[j].strip() for r in t.rows] for j, h in enumerate(header)}
    idc = _column(header, id, ID_NAMES, "id", p, "the answer or respondent id")
    if idc is None:
        raise InputError(
            f"{p.name} has no id column (columns: {_names(header)})",
            "name it 'id' (answer or respondent id), or say which column it is (id=COLUMN)",
        )
    qc = _column(header, question, QUESTION_NAMES, "question", p, "the question")
    cc = _column(header, code, CODE_NAMES, "code", p, "the code")
    coderc = _column(header, None, CODER_NAMES, "coder", p, "the coder")
    ids = cols[idc]
    for j, v in enumerate(ids):
        if not v:
            raise InputError(f"{p.name}: {t.row_labels[j]} has no id", "every row needs an id")
    qs = cols[qc] if qc else [""] * len(ids)
    coders = cols[coderc] if coderc else [""] * len(ids)
    if coderc:
        for j, v in enumerate(coders):
            if not v:
                raise InputError(
                    f"{p.name}: {t.row_labels[j]} has no coder in column {coderc!r}",
                    "name the coder on every row, or remove the column",
                )
    sha = file_sha256(p)
    names = list(dict.fromkeys(c for c in coders if c))
    if cc is not None:  # long
        rows = [
            Row(t.row_labels[j], ids[j], qs[j] or None, cols[cc][j] or None, coders[j] or None)
            for j in range(len(ids))
        ]
        return RawCodings(str(p), sha, "long", rows, names, notes=list(t.notes))
    skip = {idc, qc, coderc}
    other = {*IGNORED_NAMES, *ID_NAMES, *QUESTION_NAMES, *CODER_NAMES}
    value_cols = [h for h in header if h not in skip and norm(h) not in other]
    no_code = next((h for h in value_cols if norm(h) in NO_CODE_NAMES), None)
    code_cols = [h for h in value_cols if h != no_code]
    if not code_cols:
        raise InputError(
            f"{p.name} has an id column but no codes (columns: {_names(header)})",
            "add a 'code' column (long: one row per code) or one 0/1 column per code (wide)",
        )
    rows = _wide_rows(p, t.row_labels, ids, qs, coders, cols, code_cols, no_code)
    return RawCodings(str(p), sha, "wide", rows, names, True, list(t.notes), code_columns=code_cols)


def _wide_rows(
    p: Path,
    labels: Sequence[str],
    ids: list[str],
    qs: list[str],
    coders: list[str],
    cols: dict[str, list[str]],
    code_cols: list[str],
    no_code: str | None,
) -> list[Row]:
    checked = [*code_cols, no_code] if no_code is not None else code_cols
    values = {h: [v.casefold() for v in cols[h]] for h in checked}
    allowed = TRUE | FALSE | NOT_APPLICABLE | {""}
    for h, vs in values.items():
        bad = next((j for j, v in enumerate(vs) if v not in allowed), None)
        if bad is not None:
            raise InputError(
                f"{p.name} looks wide (one column per code) but {labels[bad]} has "
                f"{cols[h][bad][:40]!r} in column {h!r}",
                "use 1/0 (blank: not coded, n/a: the code does not apply) in every code "
                "column, or a long file with id, question, code",
            )
    rows: list[Row] = []
    for j in range(len(ids)):
        on = [h for h in code_cols if values[h][j] in TRUE]
        coded = any(values[h][j] in TRUE | FALSE for h in code_cols)
        none = no_code is not None and values[no_code][j] in TRUE
        if no_code is not None and values[no_code][j] in TRUE | FALSE:
            coded = True
        if none and on:
            raise InputError(
                f"{p.name}: {labels[j]} says {no_code!r} and also codes {on[0]!r}",
                f"clear {no_code!r} or the codes on that row",
            )
        if not coded:
            continue  # every code cell blank: not coded yet
        q = qs[j] or None
        who = coders[j] or None
        if on:
            rows += [Row(labels[j], ids[j], q, h, who) for h in on]
        else:
            rows.append(Row(labels[j], ids[j], q, None, who))
    return rows


def _column(
    header: list[str],
    wanted: str | None,
    candidates: Sequence[str],
    what: str,
    p: Path,
    meaning: str,
) -> str | None:
    if wanted is not None:
        if wanted in header:
            return wanted
        folded = [h for h in header if norm(h) == norm(wanted)]
        if len(folded) == 1:
            return folded[0]
        raise InputError(
            f"{p.name} has no column {wanted!r} for {meaning} (columns: {_names(header)})",
            f"name one of those as the {what} column",
        )
    by_norm: dict[str, str] = {}
    for h in header:
        by_norm.setdefault(norm(h), h)
    return next((by_norm[c] for c in candidates if c in by_norm), None)


def _names(header: Sequence[str]) -> str:
    shown = ", ".join(repr(h) for h in header[:12])
    return shown + (f" and {len(header) - 12} more" if len(header) > 12 else "")
