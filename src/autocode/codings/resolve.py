"""Matching a codings file to a project: its ids to answers, its codes to the codebook.

Ids (:class:`~.read.Row`):

- with a question (column, or a REFI-QDA source named ``"<respondent> – <question>"``):
  the respondent's answer to that question, else the answer whose id it is (the sheet
  ``autocode next`` writes has both); a question may be given by id or by its wording;
- without one: the answer id autocode shows (``respondent:question``, or the respondent id
  when that respondent has one answer); a respondent with several answers needs the
  question;
- a REFI-QDA source that names no answer is matched by its text when exactly one answer
  has that text (after whitespace is normalised).

Everything is checked before anything is stored: unknown ids and questions, codes that are
not in the codebook (or are not codable), codes applied outside their questions
(:meth:`autocode.codebook.model.Codebook.applies`), an answer on two rows of a wide file,
a file with no codings. Each refusal names one offending row and how many there are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, NotFoundError
from .read import RawCodings, Row

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

    from ..codebook.model import Codebook


@dataclass
class CodingSet:
    """One coder's codings of answers: ``pairs`` (id, code) of applied codes and ``ids`` of
    every coded answer (also those with no code). The interface of the seeds the machine
    coder learns from (:mod:`autocode.classify`)."""

    pairs: pd.DataFrame
    ids: list[str]
    path: str = ""

    @classmethod
    def from_coded(cls, coded: Mapping[str, list[str]], path: str = "") -> CodingSet:
        import pandas as pd

        rows = [(i, c) for i, codes in coded.items() for c in codes]
        return cls(pd.DataFrame(rows, columns=["id", "code"]), sorted(coded), path)

    def matrix(self, ids: list[str], codes: list[str]) -> np.ndarray:
        """0/1 matrix (len(ids) x len(codes)) of the codes."""
        import numpy as np

        row = {i: r for r, i in enumerate(ids)}
        col = {c: j for j, c in enumerate(codes)}
        Y = np.zeros((len(ids), len(codes)), dtype=int)
        for i, c in zip(self.pairs["id"], self.pairs["code"], strict=True):
            if i in row and c in col:
                Y[row[i], col[c]] = 1
        return Y

    def digest(self) -> str:
        """sha256 of the set (sorted pairs and coded ids)."""
        doc = {
            "ids": sorted(self.ids),
            "pairs": sorted(map(list, zip(self.pairs["id"], self.pairs["code"], strict=True))),
        }
        return hashlib.sha256(json.dumps(doc).encode()).hexdigest()


@dataclass
class Resolved:
    """A codings file matched to a project: coder -> answer id -> its codes (the
    codebook's spelling; an empty list: coded, no code applies)."""

    path: str
    sha256: str
    format: str
    coded: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def coding_set(self, coder: str | None = None) -> CodingSet:
        """One coder's codings (``None``: every coder's together, as seeds)."""
        if coder is not None:
            return CodingSet.from_coded(self.coded.get(coder, {}), self.path)
        merged: dict[str, list[str]] = {}
        for work in self.coded.values():
            for rid, codes in work.items():
                merged.setdefault(rid, [])
                merged[rid] += [c for c in codes if c not in merged[rid]]
        return CodingSet.from_coded(merged, self.path)


class _Answers:
    """Indexes of the project's answers for matching ids."""

    def __init__(self, answers: pd.DataFrame, labels: Mapping[str, str] | None):
        ids = answers["id"].astype(str).tolist()
        resp = answers["respondent"].astype(str).tolist()
        qs = answers["question"].astype(str).tolist()
        self.question_of = dict(zip(ids, qs, strict=True))
        self.by_pair = {(r, q): i for i, r, q in zip(ids, resp, qs, strict=True)}
        self.by_resp: dict[str, list[str]] = {}
        for i, r in zip(ids, resp, strict=True):
            self.by_resp.setdefault(r, []).append(i)
        self.questions = list(dict.fromkeys(qs))
        self.q_key = {_key(q): q for q in self.questions}
        for q, lab in (labels or {}).items():
            if q in self.question_of.values():
                self.q_key.setdefault(_key(lab), q)
        self.by_text: dict[str, list[str]] = {}
        if "text" in answers.columns:
            for i, t in zip(ids, answers["text"].astype(str), strict=True):
                self.by_text.setdefault(" ".join(t.split()), []).append(i)

    def question(self, q: str) -> str | None:
        return q if q in self.question_of.values() else self.q_key.get(_key(q))

    def find(self, row: Row) -> tuple[str | None, str]:
        """(answer id or None, why not)."""
        rid = row.id.strip()
        if row.question is not None:
            q = self.question(row.question)
            if q is None:
                return None, f"question {row.question[:60]!r} is not one of the project's"
            if (rid, q) in self.by_pair:
                return self.by_pair[(rid, q)], ""
            if self.question_of.get(rid) == q:
                return rid, ""
        elif rid in self.question_of:
            return rid, ""
        elif len(self.by_resp.get(rid, [])) == 1:
            return self.by_resp[rid][0], ""
        elif rid in self.by_resp:
            return None, (
                f"respondent {rid!r} answered {len(self.by_resp[rid])} questions and the row "
                "names none"
            )
        if row.text is not None:
            same = self.by_text.get(" ".join(row.text.split()), [])
            if len(same) == 1:
                return same[0], ""
        return None, ""


def _key(s: str) -> str:
    return " ".join(str(s).split()).casefold()


def resolve(
    raw: RawCodings,
    answers: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    codebook: Codebook | None = None,
    coder: str | None = None,
    need_coder: bool = True,
) -> Resolved:
    """Match ``raw`` to the project's ``answers`` (``id, respondent, question[, text]``) and
    ``codebook``; ``coder`` names the coder of a file that names none, or picks one of the
    coders (REFI-QDA users, a coder column) a file names. ``need_coder=False`` (seeds)
    accepts a file without coder names. Raises :class:`InputError` naming one offending
    row; returns every coder's codings."""
    from ..project.codings import check_coder_name

    name = Path(raw.path).name
    if answers.empty:
        raise NotFoundError(
            "the project has no answers to match the codings to",
            "import the survey first (autocode import SURVEY)",
        )
    rows = _pick_coder(raw, name, coder, need_coder)
    if raw.coders:
        coder = None  # a coder the file names keeps the file's spelling
    idx = _Answers(answers, labels)
    unknown: list[tuple[Row, str]] = []
    matched: list[tuple[Row, str]] = []
    for r in rows:
        rid, why = idx.find(r)
        if rid is None:
            unknown.append((r, why))
        else:
            matched.append((r, rid))
    if unknown:
        r, why = unknown[0]
        what = f"{r.id!r}" + (f" (question {r.question!r})" if r.question else "")
        more = f"; {len(unknown)} rows name no answer" if len(unknown) > 1 else ""
        raise InputError(
            f"{name}: {r.where}: no answer {what} in the project"
            + (f": {why}" if why else "")
            + more,
            "use the respondent id with a question column, or the answer id autocode shows "
            "(see `autocode export codings`); nothing was stored",
        )
    codes = _check_codes(matched, codebook, idx, name, raw)
    out: dict[str, dict[str, list[str]]] = {}
    seen_row: dict[tuple[str, str], str] = {}
    for (r, rid), code in zip(matched, codes, strict=True):
        who = coder if coder is not None else (r.coder or "")
        who = check_coder_name(who) if (who or need_coder) else ""
        if raw.one_row_per_answer:
            first = seen_row.setdefault((who, rid), r.where)
            if first != r.where:
                raise InputError(
                    f"{name}: {r.where} codes answer {rid!r} again (first on {first})",
                    "a wide file has one row per answer",
                )
        work = out.setdefault(who, {}).setdefault(rid, [])
        if code is not None and code not in work:
            work.append(code)
    if not out:
        raise InputError(
            f"{name} holds no codings",
            "a coded answer has a code, an empty code (long) or 0/1 cells (wide); "
            "nothing was stored",
        )
    return Resolved(raw.path, raw.sha256, raw.format, out)


def _pick_coder(raw: RawCodings, name: str, coder: str | None, need: bool) -> list[Row]:
    rows = list(raw.rows)
    if not rows:
        raise InputError(
            f"{name} holds no codings",
            "a coded answer has a code, an empty code (long) or 0/1 cells (wide)",
        )
    if raw.coders:
        if coder is None:
            return rows
        pick = [r for r in rows if _key(r.coder or "") == _key(coder)]
        if not pick:
            who = "users" if raw.format == "qdpx" else "coders"
            raise InputError(
                f"{name} has no coder {coder!r}; its {who}: "
                + ", ".join(repr(c) for c in raw.coders[:10]),
                "name one of them as the coder, or leave the coder out to import every one of them",
            )
        return pick
    if coder is None and need:
        raise InputError(
            f"{name} does not say whose codings these are",
            "name the coder (e.g. --coder alice): every human coding belongs to a named coder",
        )
    return rows


def _check_codes(
    matched: list[tuple[Row, str]],
    cb: Codebook | None,
    idx: _Answers,
    name: str,
    raw: RawCodings,
) -> list[str | None]:
    """The codebook's spelling of each row's code (None: no code applies), checked."""
    wanted = [r.code for r, _ in matched]
    if not any(c is not None for c in wanted) and not raw.code_columns:
        return wanted
    if cb is None:
        raise InputError(
            f"{name} applies codes and the project has no codebook",
            "import a codebook first (autocode codebook import FILE); nothing was stored",
        )
    spelled: dict[str, str | None] = {}
    for c in [*raw.code_columns, *(c for c in wanted if c is not None)]:
        if c not in spelled:
            node = cb.code(c)
            spelled[c] = node.name if node is not None and node.codable else None
    bad = [c for c in raw.code_columns if spelled[c] is None]
    bad_rows = [(r, r.code) for r, _ in matched if r.code is not None and spelled[r.code] is None]
    if bad or bad_rows:
        first = bad[0] if bad else str(bad_rows[0][1])
        where = f"column {first!r}" if bad else bad_rows[0][0].where
        node = cb.code(first)
        kind = (
            "is a theme, not a code"
            if cb.theme(first) is not None
            else "cannot be applied (not codable)"
            if node is not None
            else "is not in the codebook"
        )
        n = len({*bad, *(c for _, c in bad_rows)})
        raise InputError(
            f"{name}: {where}: code {first!r} {kind}" + (f" ({n} codes are not)" if n > 1 else ""),
            "fix the name, or add the code to the codebook first; nothing was stored",
        )
    out: list[str | None] = []
    outside: list[tuple[Row, str, str]] = []
    for (r, rid), want in zip(matched, wanted, strict=True):
        got = spelled[want] if want is not None else None
        q = idx.question_of[rid]
        if got is not None and not cb.applies(got, q):
            outside.append((r, got, q))
        out.append(got)
    if outside:
        r, code, q = outside[0]
        qs = ", ".join(cb.questions_of(code) or [])
        raise InputError(
            f"{name}: {r.where}: code {code!r} does not apply to question {q!r} (it applies "
            f"to {qs})" + (f"; {len(outside)} rows do this" if len(outside) > 1 else ""),
            "fix the row, or add the question to the code's questions in the codebook; "
            "nothing was stored",
        )
    return out
