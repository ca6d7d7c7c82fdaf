"""From a loaded table to a :class:`ResponseSet`: layout, ids, blanks, non-answers, order.

Responses are ordered canonically — by question (column order for a wide file, natural
order of the question names for a long one), then by respondent id in natural order
("2" < "10") — so that shuffling the rows of a file gives an identical ResponseSet and an
identical ``content_hash``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .columns import id_candidates, profile, question_candidates
from .exports import recognise
from .nonanswers import NonAnswerMatcher
from .tables import Table, load_table, read_bytes
from .text import trim_answer


@dataclass
class ResponseSet:
    """Responses read from one export.

    ``responses``: columns id, respondent, question, text, non_answer (bool), one row per
    non-blank answer, in canonical order (question order, then respondent in natural order).
    ``attributes``: the other columns (strings, "" when empty), indexed by respondent, one
    row for every respondent in the file — also those who left every question blank, so it
    is the denominator for "n (%) of respondents".
    ``sha256`` hashes the file's bytes; ``content_hash`` hashes the canonical content, so
    it does not change when the rows are shuffled.
    """

    responses: pd.DataFrame
    attributes: pd.DataFrame
    questions: list[str]
    blanks: dict[str, int]
    path: str
    sha256: str
    format: str  # csv, tsv, xlsx, sav
    layout: str  # wide or long
    encoding: str | None = None
    question_labels: dict[str, str] = field(default_factory=dict)
    content_hash: str = ""
    notes: list[str] = field(default_factory=list)
    export: str | None = None  # "qualtrics", "redcap" or None
    id_column: str | None = None  # None: respondents were numbered 1..n in file order
    text_columns: list[str] = field(default_factory=list)
    question_column: str | None = None
    delimiter: str | None = None
    sheet: str | None = None

    @property
    def n_non_answers(self) -> int:
        return int(self.responses["non_answer"].sum())

    @property
    def n_respondents(self) -> int:
        return len(self.attributes)

    def counts(self) -> pd.DataFrame:
        """Per question: answers, of which non-answers, and blanks (dropped)."""
        r = self.responses
        rows = []
        for q in self.questions:
            sel = r["question"] == q
            rows.append(
                {
                    "question": q,
                    "answers": int(sel.sum()),
                    "non_answers": int(r.loc[sel, "non_answer"].sum()),
                    "blanks": int(self.blanks.get(q, 0)),
                }
            )
        return pd.DataFrame(rows, columns=["question", "answers", "non_answers", "blanks"])

    def summary(self) -> dict:
        """What was read, as plain JSON-able values (for ``--json`` and the terminal)."""
        per_q = self.counts().to_dict("records")
        for row in per_q:
            row["label"] = self.question_labels.get(row["question"])
        return {
            "path": self.path,
            "format": self.format,
            "encoding": self.encoding,
            "export": self.export,
            "sheet": self.sheet,
            "layout": self.layout,
            "id_column": self.id_column,
            "question_column": self.question_column,
            "text_columns": list(self.text_columns),
            "attributes": [str(c) for c in self.attributes.columns],
            "n_respondents": self.n_respondents,
            "n_responses": len(self.responses),
            "n_non_answers": self.n_non_answers,
            "questions": per_q,
            "notes": list(self.notes),
            "sha256": self.sha256,
            "content_hash": self.content_hash,
        }


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_DIGITS = re.compile(r"[0-9]+")


def _pad(m: re.Match) -> str:
    return m.group().zfill(24)


def natural_key(s: str) -> tuple[str, str]:
    """Sort key with numbers compared as numbers ("p2" < "p10"), case-insensitive first,
    ties broken by the string itself, so the order is total and deterministic."""
    return (_DIGITS.sub(_pad, s.casefold()), s)


def _cols(header: Sequence[str]) -> str:
    """Column names for a one-line message (a name may hold a line break: Qualtrics labels)."""
    shown = ", ".join(" ".join(str(h).split()) for h in header[:40])
    return shown + (f", … ({len(header)} in all)" if len(header) > 40 else "")


def _resolve(name: str, header: list[str], flag: str) -> str:
    if name in header:
        return name
    folded = [h for h in header if h.casefold() == name.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    raise InputError(
        f"no column {name!r} (given with {flag}); the columns are: {_cols(header)}",
        f"pass {flag} with one of these names",
    )


def _resolve_many(pattern: str, header: list[str]) -> list[str]:
    """A --text value: a column name, or a glob such as "Q*_TEXT" (columns in file order)."""
    if pattern in header or not any(ch in pattern for ch in "*?["):
        return [_resolve(pattern, header, "--text")]
    from fnmatch import fnmatchcase

    hits = [h for h in header if fnmatchcase(h.casefold(), pattern.strip().casefold())]
    if not hits:
        raise InputError(
            f"no column matches {pattern!r} (given with --text); the columns are: {_cols(header)}",
            "pass --text with a column name or a pattern such as 'Q*_TEXT'",
        )
    return hits


_INSTANCE_COLUMNS = {"redcap_repeat_instance", "Repeat Instance"}


def read_columns(
    path: str | Path, sheet: str | None = None, encoding: str | None = None
) -> list[str]:
    """The column names of an export, as :func:`read_responses` sees them (after Qualtrics /
    SurveyMonkey header rows are handled) — e.g. to tell whether ``--question`` names a column
    or a question."""
    p = Path(path)
    t = load_table(p, read_bytes(p), sheet, encoding)
    recognise(t)
    return list(t.header)


def read_responses(
    path: str | Path,
    text: Sequence[str] | str | None = None,
    id: str | None = None,
    question: str | None = None,
    sheet: str | None = None,
    flag_non_answers: bool = True,
    non_answers: Iterable[str] | None = None,
    encoding: str | None = None,
) -> ResponseSet:
    """Read a survey export (CSV/TSV/XLSX/SPSS; wide or long; REDCap or Qualtrics).

    ``text``: the open-ended column(s); ``id``: the respondent id column; ``question``: the
    question column of a long file. Each is detected when left out and unambiguous, and an
    :class:`~autocode.errors.InputError` listing the columns is raised otherwise.
    ``flag_non_answers`` switches the built-in non-answer list on or off; ``non_answers``
    adds strings of your own (whole answer, case-insensitive). ``encoding`` overrides
    detection for CSV/TSV.
    """
    p = Path(path)
    data = read_bytes(p)
    t = load_table(p, data, sheet, encoding)
    ex = recognise(t)
    notes = t.notes + ex.notes
    if not t.rows:
        raise InputError(f"{p}: a header but no data rows", "export the survey with its responses")
    header = t.header
    columns = {h: [r[j] for r in t.rows] for j, h in enumerate(header)}
    text_cols = [text] if isinstance(text, str) else list(text or [])
    text_cols = list(dict.fromkeys(c for pat in text_cols for c in _resolve_many(pat, header)))
    id_col = _resolve(id, header, "--id") if id else None
    q_col = _resolve(question, header, "--question") if question else None

    if id_col is None:
        id_col = ex.id_column
    if id_col is None:
        cands = [c for c in id_candidates(header, columns) if c not in text_cols and c != q_col]
        if len(cands) > 1:
            raise InputError(
                f"several columns could be the respondent id: {_cols(cands)}",
                "pass --id COL",
            )
        if cands:
            id_col = cands[0]
    reserved = {id_col, q_col} | ex.meta | set(ex.structure)
    if q_col is None and len(text_cols) <= 1:
        qc = [c for c in question_candidates(header) if c not in reserved and c not in text_cols]
        if len(qc) > 1:
            raise InputError(
                f"several columns could name the question: {_cols(qc)}",
                "pass --question COL for a long file, or --text COL ... for a wide one",
            )
        if qc:
            q_col = qc[0]
            reserved.add(q_col)
            notes.append(f"long layout: question column {q_col!r}")
    if not text_cols:
        text_cols = _detect_text(p, t, header, columns, reserved, q_col is not None, notes)
    if q_col is not None and len(text_cols) > 1:
        raise InputError(
            f"a long file has one text column, got {len(text_cols)}: {_cols(text_cols)}",
            "pass one --text COL with --question, or leave out --question for a wide file",
        )
    for c in text_cols:
        if c in (id_col, q_col):
            raise InputError(f"column {c!r} cannot be both text and id/question", "check the flags")
    if id_col is None:
        notes.append("no respondent id column: respondents numbered 1..n in file order (--id COL)")

    matcher = NonAnswerMatcher(flag_non_answers, non_answers)
    return _build(p, data, t, ex, notes, id_col, q_col, text_cols, matcher)


def _detect_text(
    p: Path,
    t: Table,
    header: list[str],
    columns: dict[str, list[str]],
    reserved: set,
    long: bool,
    notes: list[str],
) -> list[str]:
    cands = [h for h in header if h not in reserved and h not in t.non_text]
    kinds = {h: profile(h, columns[h]).kind() for h in cands}
    found = [h for h in cands if kinds[h] == "text"]
    maybe = [h for h in cands if kinds[h] == "maybe"]
    if not found:
        if maybe:
            raise InputError(
                f"no column is clearly open-ended text; short free text in: {_cols(maybe)}",
                "pass --text COL (repeatable) for each open-ended column",
            )
        raise InputError(
            f"{p.name}: no open-ended text column found; the columns are: {_cols(header)}",
            "pass --text COL (repeatable) for each open-ended column",
        )
    if long and len(found) > 1:
        raise InputError(
            f"a question column and several text-like columns: {_cols(found)}",
            "pass --text COL for the answers (or --text A --text B and no --question, if wide)",
        )
    notes.append(f"open-ended text columns (detected): {_cols(found)}")
    if maybe:
        notes.append(f"kept as attributes (short free text? --text to include): {_cols(maybe)}")
    return found


def _build(p, data, t, ex, notes, id_col, q_col, text_cols, matcher) -> ResponseSet:
    header = t.header
    idx = {h: j for j, h in enumerate(header)}
    struct = [idx[c] for c in ex.structure]
    long = q_col is not None
    attr_cols = [
        h for h in header if h not in set(text_cols) | {id_col, q_col} | ex.meta | set(ex.structure)
    ]
    text_idx = [idx[c] for c in text_cols]

    # 1. One entry per (unit, question); identical repeats collapse, differing ones fail.
    seen: dict[tuple, tuple[tuple, str]] = {}
    entries: list[tuple[str, tuple, str, str]] = []  # base, extras, question, text
    unit_rows: dict[str, list[list[str]]] = {}
    wide_seen: dict[tuple, tuple[tuple, str]] = {}
    collapsed = 0
    for n, (row, lab) in enumerate(zip(t.rows, t.row_labels, strict=True), start=1):
        base = row[idx[id_col]].strip() if id_col else str(n)
        texts = tuple(trim_answer(row[j]) for j in text_idx)
        if id_col and not base:
            if not any(texts):
                continue
            raise InputError(
                f"{p.name}: {lab} has answers but no respondent id in column {id_col!r}",
                "fill in the id, or pass --id with another column",
            )
        extras = tuple(row[j].strip() for j in struct)
        unit_rows.setdefault(base, []).append(row)
        if long:
            q = row[idx[q_col]].strip()
            if not q:
                if not texts[0]:
                    continue
                raise InputError(
                    f"{p.name}: {lab} has an answer but no question in column {q_col!r}",
                    "fill in the question, or pass --question with another column",
                )
            key = (base, extras, q)
            if key in seen:
                if seen[key][0] != texts:
                    raise InputError(
                        f"{p.name}: respondent {base!r} has two different answers to question "
                        f"{q!r} ({seen[key][1]} and {lab})",
                        "each (id, question) must be unique; pass --id with the right column",
                    )
                collapsed += 1
                continue
            seen[key] = (texts, lab)
            entries.append((base, extras, q, texts[0]))
        else:
            unit = (base, extras)
            if unit in wide_seen:
                if wide_seen[unit][0] != texts:
                    raise InputError(
                        f"{p.name}: respondent id {base!r} appears twice with different "
                        f"answers ({wide_seen[unit][1]} and {lab})",
                        "ids must be unique: remove the duplicate or pass --id with another column",
                    )
                collapsed += 1
                continue
            wide_seen[unit] = (texts, lab)
            entries.extend((base, extras, q, tx) for q, tx in zip(text_cols, texts, strict=True))
    if collapsed:
        notes.append(f"{collapsed} repeated row(s) with identical answers collapsed")
    if not entries:
        raise InputError(f"{p.name}: no rows with a respondent id", "check --id")

    # 2. Respondent ids: REDCap events / repeat instances become part of the id if needed.
    per_q: dict[tuple[str, str], int] = {}
    for base, _extras, q, tx in entries:
        if tx:
            per_q[(base, q)] = per_q.get((base, q), 0) + 1
    split = any(v > 1 for v in per_q.values())
    if split:
        notes.append(
            "REDCap events/repeat instances are part of the respondent id (record/event/instance)"
        )

    def respondent(base: str, extras: tuple) -> str:
        parts = [e for e in extras if e]
        return "/".join([base, *parts]) if split and parts else base

    # 3. Questions, blanks, response ids.
    if long:
        questions = sorted({q for _b, _e, q, _t in entries}, key=natural_key)
        n_q: dict[str, set] = {}
        for b, e, q, _tx in entries:
            n_q.setdefault(respondent(b, e), set()).add(q)
        composite = any(len(v) > 1 for v in n_q.values())
    else:
        questions = list(text_cols)
        composite = len(text_cols) > 1
    # REDCap: a field left empty on an event/instrument that never carries it is not a blank.
    inst = [k for k, c in enumerate(ex.structure) if c in _INSTANCE_COLUMNS]

    def form(extras: tuple) -> tuple:
        return tuple(e for k, e in enumerate(extras) if k not in inst)

    carries = {(form(e), q) for _b, e, q, tx in entries if tx} if struct else None
    blanks = dict.fromkeys(questions, 0)
    recs = []
    flags: dict[str, bool] = {}
    for base, extras, q, tx in entries:
        if not tx:
            if carries is None or (form(extras), q) in carries:
                blanks[q] += 1
            continue
        r = respondent(base, extras) if split else base
        rid = f"{r}:{q}" if composite else r
        flag = flags.get(tx)
        if flag is None:
            flag = flags[tx] = matcher(tx) if matcher.active else False
        recs.append((rid, r, q, tx, flag))
    if not recs:
        raise InputError(
            f"{p.name}: every answer in {_cols(questions[:10])} is blank",
            "check --text (the open-ended columns)",
        )
    qpos = {q: i for i, q in enumerate(questions)}
    recs.sort(key=lambda x: (qpos[x[2]], natural_key(x[1]), x[0]))
    ids = [x[0] for x in recs]
    if len(set(ids)) != len(ids):
        raise InputError(f"{p.name}: response ids collide", "pass --id with a column of unique ids")
    responses = pd.DataFrame(recs, columns=["id", "respondent", "question", "text", "non_answer"])
    responses["non_answer"] = responses["non_answer"].astype(bool)

    # 4. Attributes: one row per respondent; a column that varies within one is dropped.
    attrs = _attributes(unit_rows, attr_cols, idx, notes)
    if split:
        base_of = {respondent(b, e): b for b, e, _q, _t in entries}
        units = sorted(base_of, key=natural_key)
        attrs = attrs.reindex([base_of[u] for u in units]).set_axis(units).fillna("")
        attrs.index.name = "respondent"
    labels = {q: t.question_labels[q] for q in questions if q in t.question_labels}
    return ResponseSet(
        responses=responses,
        attributes=attrs,
        questions=questions,
        blanks=blanks,
        path=str(p),
        sha256=hashlib.sha256(data).hexdigest(),
        format=t.format,
        layout="long" if long else "wide",
        encoding=t.encoding,
        question_labels=labels,
        content_hash=_content_hash(questions, recs, attrs),
        notes=notes,
        export=ex.kind,
        id_column=id_col,
        text_columns=list(text_cols),
        question_column=q_col,
        delimiter=t.delimiter,
        sheet=t.sheet,
    )


def _attributes(unit_rows, attr_cols, idx, notes) -> pd.DataFrame:
    varying = []
    values: dict[str, list[str]] = {}
    groups = list(unit_rows.values())
    for c in attr_cols:
        j = idx[c]
        col = []
        for rows in groups:
            if len(rows) == 1:
                col.append(rows[0][j].strip())
                continue
            vals = {r[j].strip() for r in rows} - {""}
            if len(vals) > 1:
                varying.append(c)
                break
            col.append(vals.pop() if vals else "")
        else:
            values[c] = col
    if varying:
        notes.append(
            f"not kept as attributes (differ between rows of one respondent): {_cols(varying)}"
        )
    units = list(unit_rows)
    order = sorted(range(len(units)), key=lambda i: natural_key(units[i]))
    data = {c: [v[i] for i in order] for c, v in values.items()}
    index = pd.Index([units[i] for i in order], name="respondent", dtype=object)
    return pd.DataFrame(data, index=index, columns=list(values), dtype=object)


def _content_hash(questions, recs, attrs: pd.DataFrame) -> str:
    doc = {
        "questions": questions,
        "responses": [list(r) for r in recs],
        "attributes": {
            "columns": [str(c) for c in attrs.columns],
            "index": [str(i) for i in attrs.index],
            "values": attrs.to_numpy().tolist(),
        },
    }
    blob = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
