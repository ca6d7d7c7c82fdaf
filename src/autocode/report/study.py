"""The study model as the report counts it: coders, their coded answers, the final coding.

Counting rule (stated in the report's notes):

- A coder's column counts **answers**. Per question, a code's *n* is the number of that
  question's answers the coder gave the code, and its *%* is n over the answers to the
  question **that coder coded** (an answer coded with no code counts in the denominator;
  an answer the coder did not code does not).
- Overall (all questions), a code's denominator is the answers the coder coded to the
  questions where the code applies (``Codebook.applies``).
- A theme's *n* is the number of answers with at least one of the theme's codes (that
  apply to the question); overall, over the questions where any of its codes applies.
- A code appears in a question's table only when the codebook says it applies there; a
  stored code outside its question is never counted.

Coders: every human coder by name (in the order they first coded), ``reconciled`` when
reconcile decisions exist, ``autocode`` (the machine's decisions: present cells, flagged
ones included) and ``final`` (:func:`autocode.project.final.load_final`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .data import UNGROUPED, CodeInfo, pseudonyms

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..project import Store
    from ..project.final import FinalCoding

ALL = "all"


@dataclass
class Study:
    """What the report reads from a project (plain values)."""

    responses: pd.DataFrame  # id, respondent, question, text, text_hash, non_answer (in scope)
    questions: list[str]  # in scope, in stored order
    all_questions: list[str]
    codes: list[CodeInfo]
    coders: list[str]  # column order: humans, reconciled, autocode, final
    humans: list[str]  # human coders (reconciled not included)
    primary: str | None
    coded: dict[str, dict[str, set[str]]]  # coder -> answer id -> its (applicable) codes
    flagged: dict[str, set[str]]  # machine answer id -> its flagged codes
    final: FinalCoding
    labels: dict[str, str]  # respondent -> "Respondent N"
    blanks: dict[str, int]
    question_labels: dict[str, str] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=list)
    machine_runs: set[str] = field(default_factory=set)
    scoped: bool = False  # the codebook gives some code a question scope

    @property
    def question_of(self) -> dict[str, str]:
        return dict(zip(self.responses["id"], self.responses["question"], strict=True))

    @property
    def themes(self) -> list[str]:
        return list(dict.fromkeys(c.theme for c in self.codes))

    def codes_for(self, question: str) -> list[CodeInfo]:
        return [c for c in self.codes if c.applies(question)]

    def questions_of(self, code: CodeInfo) -> list[str]:
        return [q for q in self.questions if code.applies(q)]


def load_study(store: Store, question: str | None = None) -> Study:
    """Read the study model of a project, for the questions in scope (one with ``question``)."""
    from ..project import codings as rows
    from ..project import responses as response_rows
    from ..project.final import load_final
    from .data import _blanks, _codebook

    responses = response_rows.load(store)
    all_questions = list(dict.fromkeys(responses["question"]))
    if question is not None:
        question = response_rows.resolve_question(
            question, all_questions, response_rows.question_labels(store)
        )
    questions = [question] if question is not None else all_questions
    attributes = response_rows.attributes(store)
    everyone = list(dict.fromkeys([*responses["respondent"], *attributes.index.astype(str)]))
    labels = pseudonyms(everyone)
    responses = responses[responses["question"].isin(questions)].reset_index(drop=True)
    question_of = dict(zip(responses["id"], responses["question"], strict=True))

    units = rows.coded_units(store)
    cods = rows.codings(store)
    used = list(dict.fromkeys(cods["code"].astype(str)))
    codes, _ = _codebook(store, used)
    nodes: dict[str, list[CodeInfo]] = {}
    for c in codes:  # codes of one name in other questions (an "Other" per question)
        nodes.setdefault(c.name, []).append(c)

    def applicable(rid: str, code: str) -> bool:
        mine = nodes.get(code)
        return mine is None or any(c.applies(question_of[rid]) for c in mine)

    humans = [c for c in rows.human_coders(store) if c != rows.RECONCILED]
    coders: list[str] = list(humans)
    coded: dict[str, dict[str, set[str]]] = {}
    for coder in [*humans, rows.RECONCILED, rows.MACHINE]:
        source = rows.MACHINE_SOURCE if coder == rows.MACHINE else rows.HUMAN
        u = units[(units["coder"] == coder) & (units["source"] == source)]
        got: dict[str, set[str]] = {
            str(r): set() for r in u["response_id"] if str(r) in question_of
        }
        if not got:
            continue
        sel = cods[(cods["coder"] == coder) & (cods["source"] == source) & cods["present"]]
        for rid, code in sel[["response_id", "code"]].itertuples(index=False):
            if str(rid) in got and applicable(str(rid), str(code)):
                got[str(rid)].add(str(code))
        coded[coder] = got
        if coder != rows.MACHINE and coder not in coders:
            coders.append(coder)
    flagged: dict[str, set[str]] = {}
    machine_runs: set[str] = set()
    if rows.MACHINE in coded:
        coders.append(rows.MACHINE)
        m = cods[(cods["source"] == rows.MACHINE_SOURCE) & cods["flagged"]]
        for rid, code in m[["response_id", "code"]].itertuples(index=False):
            if str(rid) in coded[rows.MACHINE] and applicable(str(rid), str(code)):
                flagged.setdefault(str(rid), set()).add(str(code))
        mu = units[
            (units["source"] == rows.MACHINE_SOURCE) & units["response_id"].isin(question_of)
        ]
        machine_runs = {str(r) for r in mu["run_id"].dropna()}
    final = load_final(store)
    fin: dict[str, set[str]] = {
        str(r): set() for r in final.units["response_id"] if str(r) in question_of
    }
    for rid, code in final.codings[["response_id", "code"]].itertuples(index=False):
        if str(rid) in fin and applicable(str(rid), str(code)):
            fin[str(rid)].add(str(code))
    if fin:
        coded[rows.FINAL] = fin
        coders.append(rows.FINAL)
    runs = store.list_runs()
    return Study(
        responses=responses,
        questions=questions,
        all_questions=all_questions,
        codes=codes,
        coders=coders,
        humans=humans,
        primary=rows.primary_coder(store),
        coded=coded,
        flagged=flagged,
        final=final,
        labels=labels,
        blanks=_blanks(runs, responses, everyone, questions),
        question_labels={
            q: lab
            for q, lab in response_rows.question_labels(store).items()
            if q in set(all_questions)
        },
        runs=runs,
        machine_runs=machine_runs,
        scoped=any(c.questions is not None for c in codes),
    )


# -- counts ---------------------------------------------------------------------------------
def pct(n: int, denominator: int) -> float | None:
    """Percent, rounded to one decimal as the report shows it (None without a denominator)."""
    return round(100.0 * n / denominator, 1) if denominator else None


def _count(study: Study, coder: str, questions: list[str], members: list[str]) -> tuple[int, int]:
    """(answers with any of ``members``, answers coded) of ``coder`` in ``questions``."""
    qof = study.question_of
    want = set(questions)
    mine = {rid: codes for rid, codes in study.coded.get(coder, {}).items() if qof[rid] in want}
    need = set(members)
    return sum(1 for codes in mine.values() if codes & need), len(mine)


def scopes(study: Study) -> list[str]:
    """The count tables: ``all`` (when there are several questions), then each question."""
    return ([ALL] if len(study.questions) > 1 else []) + list(study.questions)


def code_counts(study: Study) -> list[dict[str, Any]]:
    """Entries ``{question, theme, code, coder, n, pct, denominator}`` for every scope
    (``all`` and each question), every coder and every code that applies there."""
    out: list[dict[str, Any]] = []
    for scope in scopes(study):
        for c in study.codes:
            qs = study.questions_of(c) if scope == ALL else [scope]
            if not qs or (scope != ALL and not c.applies(scope)):
                continue
            for coder in study.coders:
                n, d = _count(study, coder, qs, [c.name])
                out.append(
                    {
                        "question": scope,
                        "theme": c.theme,
                        "code": c.name,
                        "coder": coder,
                        "n": n,
                        "pct": pct(n, d),
                        "denominator": d,
                    }
                )
    return out


def theme_counts(study: Study) -> list[dict[str, Any]]:
    """Entries ``{question, theme, coder, n, pct, denominator}``: answers with at least one
    of the theme's codes (those that apply to the question)."""
    out: list[dict[str, Any]] = []
    for scope in scopes(study):
        for theme in study.themes:
            codes = [c for c in study.codes if c.theme == theme]
            if scope == ALL:
                qs = [q for q in study.questions if any(c.applies(q) for c in codes)]
                members = [c.name for c in codes]
            else:
                qs = [scope]
                members = [c.name for c in codes if c.applies(scope)]
            if not qs or not members:
                continue
            for coder in study.coders:
                n, d = _count(study, coder, qs, members)
                out.append(
                    {
                        "question": scope,
                        "theme": theme,
                        "coder": coder,
                        "n": n,
                        "pct": pct(n, d),
                        "denominator": d,
                    }
                )
    return out


def responses_summary(study: Study) -> list[dict[str, Any]]:
    """Per question: answers (non-blank), blanks, non-answers, answers coded per coder."""
    out = []
    qof = study.question_of
    for q in study.questions:
        r = study.responses[study.responses["question"] == q]
        row: dict[str, Any] = {
            "question": q,
            "label": study.question_labels.get(q, ""),
            "answered": len(r),
            "blank": int(study.blanks.get(q, 0)),
            "non_answers": int(r["non_answer"].astype(bool).sum()),
            "coded": {
                coder: sum(1 for rid in study.coded[coder] if qof[rid] == q)
                for coder in study.coders
            },
        }
        out.append(row)
    return out


def coverage(study: Study) -> dict[str, Any]:
    """Answers in scope by the basis of their final coding, and the flagged share."""
    from ..project.final import BASES

    ids = set(study.responses["id"])
    u = study.final.units[study.final.units["response_id"].astype(str).isin(ids)]
    by_basis = {b: int((u["basis"] == b).sum()) for b in BASES}
    machine = int((u["basis"] == "machine").sum())
    flagged = int((u["basis"].eq("machine") & u["flagged"].astype(bool)).sum())
    return {
        "answers": len(ids),
        "final": len(u),
        "not_coded": len(ids) - len(u),
        "by_basis": by_basis,
        "machine_flagged": flagged,
        "machine_flagged_share": round(flagged / machine, 4) if machine else None,
    }


def codebook_rows(study: Study) -> list[dict[str, Any]]:
    """The codebook appendix: theme, code, definition, questions it applies to."""
    return [
        {
            "theme": c.theme if c.theme != UNGROUPED else "",
            "code": c.name,
            "definition": c.definition,
            "questions": list(c.questions) if c.questions is not None else None,
        }
        for c in study.codes
    ]
