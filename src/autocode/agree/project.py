"""Agreement from a project, on the study model: :func:`agree_project`.

The one way agreement is computed from a project (``autocode agree --project/--coders`` and
the report call it). The rules it follows (docs/study-model.md):

- **Coders** are human names, ``autocode`` (the machine's decisions), ``reconciled`` (the
  reconcile decisions) and ``final`` (the final coding, :func:`autocode.project.final.load_final`).
  Who coded what comes from ``coded_units``: an answer coded with no code is a coded unit
  with no code, never "missing".
- **The machine's coding is its decisions**: a cell is present or absent; a flagged cell
  (near its threshold, needs review) is a decision like any other and counts as decided. The
  share of the machine's cells and answers that are flagged, among the compared answers, is
  reported (:attr:`ProjectAgreement.flagged`).
- **Scope**: a code is compared only on the answers whose question it applies to
  (``Codebook.applies``, the project's current codebook; no codebook: every code applies
  everywhere). Per code: its applicable answers; *pooled*: every applicable (answer, code)
  cell as one binary variable (the per-code tables summed); *macro*: the mean of the defined
  per-code values. :attr:`ProjectAgreement.per_question` holds the same analysis per question
  (that question's answers and the codes that apply to it).
- **Honest validation**: when ``autocode`` is compared, every answer that the run which made
  the machine's decision trained on is left out (``run_training``). When no answer remains,
  :class:`~autocode.errors.InputError` says how to get some (a validation sample). The
  machine is measured like a classifier on a test set: only answers every compared coder
  coded count, so answers only the machine coded (``coded_by_the_machine_only``) and answers
  it did not code are left out of chance agreement too.
- **Units** (human coders) are the answers coded by two or more of the coders; answers
  coded by one coder only are listed as excluded (``coded_by_one_coder``) but their codes
  still count toward chance agreement (Gwet 2014), as in :func:`autocode.agree.agree`;
  ``missing="as-absent"`` counts them as coded with no code by the others instead.

JSON (:meth:`ProjectAgreement.to_json`) is the document of :meth:`AgreementResult.to_json`
with ``excluded_units`` = ``{"count", "ids", "reasons": {"trained_on",
"coded_by_the_machine_only", "coded_by_one_coder"}}``,
``flagged`` = ``{"coder", "cells", "share_cells", "answers", "share_answers"}`` (null when
no machine decision is compared), ``scope`` = ``{"codebook": bool, "n_cells": int}`` and
``per_question`` = ``{QUESTION: {"n_units", "codes", "overall", "per_code",
"excluded_units"}}``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .analysis import AgreementResult, agree_matrices
from .design import MISSING, _sort_ids

if TYPE_CHECKING:  # pragma: no cover
    from ..codebook.model import Codebook
    from ..project import Store

VALIDATION_HINT = (
    "code a validation sample: `autocode next --validation 40`, then "
    "`autocode codings import SHEET --coder NAME`"
)


@dataclass
class ProjectAgreement:
    """What :func:`agree_project` returns.

    - ``result``: the analysis over every compared answer (per code over its scope, pooled
      over the applicable cells) — an :class:`AgreementResult`;
    - ``per_question``: question -> the same analysis on that question's answers and codes;
    - ``excluded``: ``{"count", "ids", "reasons": {"trained_on": n, "coded_by_one_coder": m}}``
      (the answers left out of the observed agreement and why);
    - ``flagged``: ``{"coder", "cells", "share_cells", "answers", "share_answers"}`` for the
      machine's decisions among the compared answers (None when no machine coder is compared);
    - ``n_cells``: applicable (answer, code) cells of the compared answers;
    - ``questions`` / ``texts``: each compared answer's question and text.
    """

    coders: list[str]
    result: AgreementResult
    per_question: dict[str, AgreementResult]
    excluded: dict[str, Any]
    flagged: dict[str, Any] | None
    n_cells: int
    scoped: bool
    questions: dict[str, str] = field(default_factory=dict, repr=False)
    texts: dict[str, str] = field(default_factory=dict, repr=False)
    trained_on: list[str] = field(default_factory=list)

    @property
    def n_units(self) -> int:
        return self.result.n_units

    def to_json(self) -> dict[str, Any]:
        """The documented JSON document (see the module docstring)."""
        doc = self.result.to_json()
        doc["excluded_units"] = {
            "count": self.excluded["count"],
            "ids": list(self.excluded["ids"]),
            "reasons": dict(self.excluded["reasons"]),
        }
        doc["flagged"] = None if self.flagged is None else dict(self.flagged)
        doc["scope"] = {"codebook": self.scoped, "n_cells": self.n_cells}
        pq: dict[str, Any] = {}
        for q, r in self.per_question.items():
            d = r.to_json()
            pq[q] = {
                "n_units": d["n_units"],
                "codes": list(r.codes) if r.codes else list(d["per_code"]),
                "overall": d["overall"],
                "per_code": d["per_code"],
                "excluded_units": d["excluded_units"],
            }
        doc["per_question"] = pq
        return doc

    def disagreements(self) -> list[dict[str, Any]]:
        """One row per (answer, code) where coders differ (single-label/ratings: per answer):
        ``id, question, text, code, <coder>...`` (1/0; blank = that coder did not code it)."""
        rows = self.result.disagreements(self.texts)
        return [
            {"id": r["id"], "question": self.questions.get(str(r["id"]), ""), **r} for r in rows
        ]

    def disagreement_columns(self) -> list[str]:
        multi = self.result.design == "multi-label"
        return ["id", "question", "text", *(["code"] if multi else []), *self.result.coders]


# -- the coders' codings from the store ----------------------------------------------------
def _coder_sets(
    store: Store, coders: list[str]
) -> tuple[dict[str, dict[str, set[str]]], dict[str, str | None]]:
    """Per coder: answer -> its codes (present); and the machine's run per answer."""
    from ..project import codings as rows
    from ..project.final import load_final

    out: dict[str, dict[str, set[str]]] = {}
    machine_runs: dict[str, str | None] = {}
    stored = [c for c in coders if c != rows.FINAL]
    units = rows.coded_units(store, stored) if stored else None
    cods = rows.codings(store, stored) if stored else None
    for c in coders:
        if c == rows.FINAL:
            fin = load_final(store)
            got: dict[str, set[str]] = {str(r): set() for r in fin.units["response_id"]}
            for rid, code in fin.codings[["response_id", "code"]].itertuples(index=False):
                got.setdefault(str(rid), set()).add(str(code))
            out[c] = got
            continue
        assert units is not None
        assert cods is not None
        source = rows.MACHINE_SOURCE if c == rows.MACHINE else rows.HUMAN
        u = units[(units["coder"] == c) & (units["source"] == source)]
        got = {str(r): set() for r in u["response_id"]}
        sel = cods[(cods["coder"] == c) & (cods["source"] == source) & cods["present"]]
        for rid, code in sel[["response_id", "code"]].itertuples(index=False):
            if str(rid) in got and str(code).strip():
                got[str(rid)].add(str(code))
        out[c] = got
        if c == rows.MACHINE:
            machine_runs = {
                str(r): (None if pd.isna(run) else str(run))
                for r, run in u[["response_id", "run_id"]].itertuples(index=False)
            }
    return out, machine_runs


def _check_coders(store: Store, coders: Sequence[str] | str) -> list[str]:
    from ..project import codings as rows

    if isinstance(coders, str):
        coders = coders.split(",")
    names = list(dict.fromkeys(str(c).strip() for c in coders if str(c).strip()))
    known = list(dict.fromkeys(c["coder"] for c in rows.coders(store)))
    if not known:
        raise InputError(
            "the project has no codings yet",
            "import a coder's work (autocode codings import FILE --coder NAME) or run "
            "autocode code",
        )
    available = [*known, rows.FINAL]
    if len(names) < 2:
        raise InputError(
            "agreement needs two or more coders; the project has: " + ", ".join(available),
            "pass coders=['NAME1', 'NAME2'] (CLI: --coders NAME1,NAME2)",
        )
    missing = [c for c in names if c not in available]
    if missing:
        raise InputError(
            f"no codings by {', '.join(map(repr, missing))} in the project",
            "coders in this project: " + ", ".join(available),
        )
    return names


def _scope_of(cb: Codebook | None, codes: list[str]) -> dict[str, set[str] | None]:
    if cb is None:
        return dict.fromkeys(codes)
    out: dict[str, set[str] | None] = {}
    for c in codes:
        qs = cb.questions_of(c) if hasattr(cb, "questions_of") else None
        out[c] = None if qs is None else {str(q) for q in qs}
    return out


def _codebook(store: Store) -> Codebook | None:
    from ..codebook import current

    return current(store)


# -- the entry point -----------------------------------------------------------------------
def agree_project(
    store: Store | str | os.PathLike,
    coders: Sequence[str] | str,
    *,
    questions: Sequence[str] | None = None,
    missing: str = "exclude",
    bootstrap: int = 0,
    seed: int | None = None,
    level: str = "nominal",
    confidence: float = 0.95,
) -> ProjectAgreement:
    """Agreement of ``coders`` (names; ``autocode``, ``reconciled`` and ``final`` included)
    on the project in ``store`` (an open :class:`~autocode.project.Store` or a project path),
    following the study model (module docstring). ``questions``: only answers to these.
    ``level``: nominal (codes present/absent, the default); ordinal/interval/ratio compare
    numeric codes as ratings, one per answer, without scope."""
    from ..project import open_store

    if missing not in MISSING:
        raise InputError(f"missing must be exclude or as-absent, got {missing!r}")
    if bootstrap < 0:
        raise InputError(f"bootstrap must be >= 0, got {bootstrap}")
    if isinstance(store, (str, os.PathLike)):
        with open_store(store, create=False, readonly=True) as opened:
            return agree_project(
                opened,
                coders,
                questions=questions,
                missing=missing,
                bootstrap=bootstrap,
                seed=seed,
                level=level,
                confidence=confidence,
            )
    return _agree_store(store, coders, questions, missing, bootstrap, seed, level, confidence)


def _agree_store(
    store: Store,
    coders_in: Sequence[str] | str,
    questions: Sequence[str] | None,
    missing: str,
    bootstrap: int,
    seed: int | None,
    level: str,
    confidence: float,
) -> ProjectAgreement:
    from ..project import codings as rows
    from ..project import responses as response_rows

    coders = _check_coders(store, coders_in)
    answers = response_rows.load(store)
    question_of = dict(zip(answers["id"], answers["question"], strict=True))
    if questions is not None:
        keep_q: set[str] | None = set(response_rows.stored_questions(store, questions))
    else:
        keep_q = None
    sets, machine_runs = _coder_sets(store, coders)

    # honest validation: the machine is never compared on what it learned from
    trained: set[str] = set()
    if rows.MACHINE in coders:
        runs = {r for r in machine_runs.values() if r}
        training = rows.training_answers(store, runs)
        trained = {
            rid for rid, run in machine_runs.items() if run and rid in training.get(run, set())
        }
    all_ids = set().union(*(set(s) for s in sets.values()))
    if keep_q is not None:
        all_ids = {i for i in all_ids if question_of.get(i) in keep_q}
    trained &= all_ids
    # the machine is measured like any classifier, on the answers every compared coder coded
    # (held out): its coding of the rest (it codes every answer) and a human's answers it
    # did not code are neither agreement nor chance agreement
    machine_only: set[str] = set()
    partial: set[str] = set()
    if rows.MACHINE in coders and len(coders) > 1:
        others = [c for c in coders if c != rows.MACHINE]
        rest = all_ids - trained
        machine_only = {i for i in rest if not any(i in sets[c] for c in others)}
        partial = {i for i in rest - machine_only if not all(i in sets[c] for c in coders)}
    ids = _sort_ids(all_ids - trained - machine_only - partial)
    m, n = len(coders), len(ids)
    coded = np.array([[i in sets[c] for i in ids] for c in coders], bool).reshape(m, n)
    if missing == "as-absent":
        coded[:] = True
    two = coded.sum(0) >= 2
    if not two.any():
        _refuse(coders, trained, all_ids, sets)
    one_coder = [i for i, t in zip(ids, two, strict=True) if not t]

    cb = _codebook(store)
    used = sorted({code for s in sets.values() for i in ids for code in s.get(i, ())})
    book = list(dict.fromkeys(c.name for c in cb.codes)) if cb is not None else []
    codes = book + [c for c in used if c not in set(book)]
    scope = _scope_of(cb, codes)
    qs = [question_of.get(i, "") for i in ids]

    if level != "nominal":
        result = _ratings(sets, coders, ids, coded, one_coder, missing, level, bootstrap, seed)
        per_question: dict[str, AgreementResult] = {}
        n_cells = n
        applies = np.ones((n, 0), bool)
    else:
        applies = np.ones((n, len(codes)), bool)
        for j, c in enumerate(codes):
            allowed = scope[c]
            if allowed is not None:
                applies[:, j] = [q in allowed for q in qs]
        mats = np.zeros((m, n, len(codes)), bool)
        pos = {c: j for j, c in enumerate(codes)}
        for ci, c in enumerate(coders):
            for u, i in enumerate(ids):
                for code in sets[c].get(i, ()):
                    mats[ci, u, pos[code]] = True
        mats &= applies[None]
        unknown = [c for c in used if cb is not None and c not in set(book)]
        result = agree_matrices(
            mats,
            codes=codes,
            coders=coders,
            ids=ids,
            coded=coded,
            excluded_ids=one_coder,
            unknown_codes=unknown,
            missing=missing,
            bootstrap=bootstrap,
            seed=seed,
            confidence=confidence,
            applies=applies,
        )
        n_cells = int(applies[two].sum())
        per_question = {}
        order = [q for q in response_rows.questions(store) if q in set(qs)]
        for q in order:
            rsel = np.array([x == q for x in qs], bool)
            csel = applies[rsel].any(0) if rsel.any() else np.zeros(len(codes), bool)
            if not csel.any():
                continue
            qcodes = [c for c, s in zip(codes, csel, strict=True) if s]
            qids = [i for i, s in zip(ids, rsel, strict=True) if s]
            per_question[q] = agree_matrices(
                mats[:, rsel][:, :, csel],
                codes=qcodes,
                coders=coders,
                ids=qids,
                coded=coded[:, rsel],
                excluded_ids=[i for i in qids if i in set(one_coder)],
                missing=missing,
                bootstrap=bootstrap,
                seed=seed,
                confidence=confidence,
            )

    flagged = _flag_shares(store, coders, ids, two, coded, codes, applies, sets, level)
    excluded_ids = _sort_ids(trained | machine_only | partial | set(one_coder))
    excluded = {
        "count": len(excluded_ids),
        "ids": excluded_ids,
        "reasons": {
            "trained_on": len(trained),
            "coded_by_the_machine_only": len(machine_only),
            "coded_by_one_coder": len(one_coder) + len(partial),
        },
    }
    texts = response_rows.texts(store, ids)
    return ProjectAgreement(
        coders=coders,
        result=result,
        per_question=per_question,
        excluded=excluded,
        flagged=flagged,
        n_cells=n_cells,
        scoped=bool(cb is not None and any(s is not None for s in scope.values())),
        questions=dict(zip(ids, qs, strict=True)),
        texts=texts,
        trained_on=_sort_ids(trained),
    )


def _refuse(
    coders: list[str], trained: set[str], all_ids: set[str], sets: dict[str, dict[str, set[str]]]
) -> None:
    from ..project.codings import MACHINE

    if trained:
        others = [c for c in coders if c != MACHINE]
        shared = {i for i in all_ids if sum(i in sets[c] for c in coders) >= 2}
        raise InputError(
            f"no answer is left to compare {' and '.join(others)} with autocode: "
            f"{len(shared & trained)} of the {len(shared)} answers both coded are ones the "
            "machine trained on",
            VALIDATION_HINT,
        )
    raise InputError(
        f"no answer was coded by two of the coders ({', '.join(coders)})",
        "code the same answers with two coders, or pass missing='as-absent' "
        "(CLI: --missing as-absent)",
    )


def _ratings(
    sets: dict[str, dict[str, set[str]]],
    coders: list[str],
    ids: list[str],
    coded: np.ndarray,
    one_coder: list[str],
    missing: str,
    level: str,
    bootstrap: int,
    seed: int | None,
) -> AgreementResult:
    """Numeric codes as ratings (one per answer and coder), through :func:`agree`."""
    from .design import agree

    recs: list[tuple[str, str, str | None]] = []
    for ci, c in enumerate(coders):
        for u, i in enumerate(ids):
            if coded[ci, u] and i in sets[c]:
                got = sorted(sets[c][i])
                recs += [(i, c, g) for g in got] or [(i, c, None)]
    df = pd.DataFrame(recs, columns=["id", "coder", "code"])
    return agree(
        df,
        coders=coders,
        level=level,
        missing=missing,
        bootstrap=bootstrap,
        seed=seed,
    )


def _flag_shares(
    store: Store,
    coders: list[str],
    ids: list[str],
    two: np.ndarray,
    coded: np.ndarray,
    codes: list[str],
    applies: np.ndarray,
    sets: dict[str, dict[str, set[str]]],
    level: str,
) -> dict[str, Any] | None:
    """The machine's flagged cells and answers among the compared answers (coded by two or
    more coders), over its applicable cells there. The machine is ``autocode``; else the
    ``final`` coding on the answers whose final codes are the machine's."""
    from ..project import codings as rows

    if rows.MACHINE in coders:
        who = rows.MACHINE
        mine = set(sets[rows.MACHINE])
    elif rows.FINAL in coders:
        from ..project.final import load_final

        who = rows.FINAL
        fin = load_final(store).units
        mine = set(fin.loc[fin["basis"] == "machine", "response_id"].astype(str))
    else:
        return None
    cols = {c: j for j, c in enumerate(codes)}
    units = [(u, i) for u, i in enumerate(ids) if two[u] and i in mine]
    n_cells = len(units) if level != "nominal" else int(sum(applies[u].sum() for u, _ in units))
    cells = rows.codings(store, [rows.MACHINE])
    cells = cells[(cells["source"] == rows.MACHINE_SOURCE) & cells["flagged"]]
    pos = {i: u for u, i in units}
    flagged_cells: set[tuple[str, str]] = set()
    for rid, code in cells[["response_id", "code"]].itertuples(index=False):
        rid, code = str(rid), str(code)
        if rid not in pos:
            continue
        if level == "nominal" and (code not in cols or not applies[pos[rid], cols[code]]):
            continue
        flagged_cells.add((rid, code))
    answers = {rid for rid, _ in flagged_cells}
    return {
        "coder": who,
        "cells": len(flagged_cells),
        "share_cells": (len(flagged_cells) / n_cells) if n_cells else None,
        "answers": len(answers),
        "share_answers": (len(answers) / len(units)) if units else None,
    }
