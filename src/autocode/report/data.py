"""Read a project for the exports and the joint display: responses, attributes, codings
(with their status words), the codebook (:class:`CodeInfo`, with each code's question
scope), pseudonyms and blanks. The report's counts live in :mod:`.study` (the study
model: answers per coder and the final coding).

Review suggestions are nobody's coding and are not read; a machine cell decided absent
(kept because flagged) is not applied, a flagged cell decided present is.

Codes are grouped into themes by the current codebook (``autocode.codebook.current``);
without that module the latest ``codebook_versions`` row is read, and without any codebook
the codes found in ``codings`` are listed under "Ungrouped".
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..project import Store

UNGROUPED = "Ungrouped"
# Machine cells with this status were decided absent (kept because flagged): not applied.
# A flagged cell decided present (``needs_review``) is applied, as in ``autocode agree``.
NOT_PRESENT_STATUSES = ("absent",)


@dataclass
class CodeInfo:
    """One code of the codebook as the report needs it."""

    name: str
    theme: str = UNGROUPED
    definition: str = ""
    guid: str | None = None
    colour: str | None = None
    parent: str | None = None  # parent code of a sub-code
    theme_guid: str | None = None
    questions: list[str] | None = None  # the questions the code applies to (None: every one)

    def applies(self, question: str) -> bool:
        return self.questions is None or str(question) in self.questions


@dataclass
class Rater:
    """A column of counts: one human coder, or the machine (one per machine coder)."""

    key: str  # coder name as stored
    label: str  # "Human", "Human: alice", "Machine"
    source: str  # 'human' | 'machine'


@dataclass
class ProjectData:
    """Everything read from the store for a report or an export (plain pandas values)."""

    responses: pd.DataFrame  # id, respondent, question, text, text_hash, non_answer
    attributes: pd.DataFrame  # index respondent, one column per attribute
    codings: pd.DataFrame  # response_id, code, coder, source, status, confidence, run_id, ...
    codes: list[CodeInfo]
    questions: list[str]  # questions in scope, in stored order
    all_questions: list[str]
    blanks: dict[str, int]
    labels: dict[str, str]  # respondent -> "Respondent N"
    raters: list[Rater]
    codebook_source: str
    project_path: str = ""
    runs: list[dict[str, Any]] = field(default_factory=list)
    question_labels: dict[str, str] = field(default_factory=dict)  # id -> export wording

    @property
    def themes(self) -> list[str]:
        return list(dict.fromkeys(c.theme for c in self.codes))

    def code_theme(self) -> dict[str, str]:
        return {c.name: c.theme for c in self.codes}

    def rater_rows(self, rater: Rater) -> pd.DataFrame:
        """Every stored coding row of one rater (whatever its status)."""
        c = self.codings
        return c[(c["coder"] == rater.key) & (c["source"] == rater.source)]

    def rater_codings(self, rater: Rater) -> pd.DataFrame:
        """Codings of one rater that count as applied (see ``NOT_PRESENT_STATUSES``)."""
        c = self.rater_rows(rater)
        return c[~c["status"].fillna("").isin(NOT_PRESENT_STATUSES)]


def pseudonyms(respondents: list[str]) -> dict[str, str]:
    """Stable pseudonyms "Respondent N": N is the rank of sha256(id), never the id itself.

    The same project always gives the same labels (whatever --question or row order), and
    the label cannot be turned back into the record id without the data.
    """
    key = {r: hashlib.sha256(f"autocode-respondent:{r}".encode()).hexdigest() for r in respondents}
    ordered = sorted(set(respondents), key=lambda r: (key[r], r))
    return {r: f"Respondent {i}" for i, r in enumerate(ordered, start=1)}


def natural_key(value: Any) -> tuple:
    """Sort "2" before "10" and numbers before text."""
    s = "" if value is None else str(value)
    try:
        return (0, float(s), s)
    except ValueError:
        return (1, 0.0, s.lower())


def load_project(store: Store, question: str | None = None) -> ProjectData:
    """Read responses, attributes, codings and the codebook of a project."""

    from ..project import codings as coding_rows
    from ..project import responses as response_rows
    from ..project.responses import question_labels

    responses = response_rows.load(store)
    all_questions = list(dict.fromkeys(responses["question"]))
    set_of_questions = set(all_questions)
    if question is not None:
        questions = [
            response_rows.resolve_question(question, all_questions, question_labels(store))
        ]
    else:
        questions = all_questions
    attributes = response_rows.attributes(store)
    everyone = list(dict.fromkeys([*responses["respondent"], *attributes.index.astype(str)]))
    labels = pseudonyms(everyone)

    # the coders' work only: review suggestions are nobody's coding (docs/study-model.md)
    codings = coding_rows.codings(store)
    codings["status"] = coding_rows.status_words(codings)
    meta = responses.set_index("id")[["respondent", "question"]]
    codings = codings.join(meta, on="response_id", how="inner")
    in_scope_ids = set(responses.loc[responses["question"].isin(questions), "id"])
    codings = codings[codings["response_id"].isin(in_scope_ids)].reset_index(drop=True)
    responses = responses[responses["question"].isin(questions)].reset_index(drop=True)

    codes, source = _codebook(store, list(dict.fromkeys(codings["code"])))
    runs = store.list_runs()
    blanks = _blanks(runs, responses, everyone, questions)
    return ProjectData(
        responses=responses,
        attributes=attributes,
        codings=codings,
        codes=codes,
        questions=questions,
        all_questions=all_questions,
        blanks=blanks,
        labels=labels,
        raters=_raters(codings),
        codebook_source=source,
        project_path=str(store.path),
        runs=runs,
        question_labels={
            q: lab for q, lab in question_labels(store).items() if q in set_of_questions
        },
    )


def _raters(codings: pd.DataFrame) -> list[Rater]:
    out: list[Rater] = []
    for source, word in (("human", "Human"), ("machine", "Machine")):
        coders = sorted(set(codings.loc[codings["source"] == source, "coder"]))
        for coder in coders:
            label = word if len(coders) == 1 else f"{word}: {coder}"
            out.append(Rater(key=coder, label=label, source=source))
    return out


def _blanks(runs: list[dict], responses: pd.DataFrame, everyone: list[str], questions: list[str]):
    """Blank answers per question: from the latest suggest run's params when recorded,
    otherwise respondents known to the project who have no stored answer to the question."""
    recorded: dict[str, int] = {}
    for run in runs:
        if run.get("stage") != "suggest":
            continue
        params = run.get("params") or {}
        if isinstance(params.get("blanks"), dict):
            recorded.update({str(k): int(v) for k, v in params["blanks"].items()})
    out = {}
    for q in questions:
        if q in recorded:
            out[q] = recorded[q]
        else:
            answered = responses.loc[responses["question"] == q, "respondent"].nunique()
            out[q] = max(len(everyone) - answered, 0)
    return out


def _codebook(store: Store, coded: list[str]) -> tuple[list[CodeInfo], str]:
    codes: list[CodeInfo] = []
    source = "codings"
    from ..errors import AutocodeError

    try:
        from .. import codebook as cbmod

        cb = cbmod.current(store)
    except (ImportError, AttributeError, AutocodeError, ValueError):
        cb = None
    if cb is not None:
        source = "codebook"
        theme_guids = {t.name: getattr(t, "guid", None) for t in getattr(cb, "themes", [])}
        for c in getattr(cb, "codes", []):
            theme = getattr(c, "theme", None)
            codes.append(
                CodeInfo(
                    name=str(c.name),
                    theme=str(theme) if theme else UNGROUPED,
                    definition=str(
                        getattr(c, "definition", None) or getattr(c, "description", None) or ""
                    ),
                    guid=getattr(c, "guid", None),
                    colour=getattr(c, "colour", None) or getattr(c, "color", None),
                    parent=getattr(c, "parent", None),
                    theme_guid=theme_guids.get(theme) if theme else None,
                    questions=cb.node_questions(c)
                    if hasattr(cb, "node_questions")
                    else cb.questions_of(str(c.name)),
                )
            )
    else:
        from ..project.codebooks import latest_content

        content = latest_content(store)
        if content is not None:
            source = "codebook_versions"
            codes = _parse_codebook_json(content)
    known = {c.name for c in codes}
    for name in coded:
        if name not in known:
            codes.append(CodeInfo(name=name))
            known.add(name)
    return codes, source


def _parse_codebook_json(content: str) -> list[CodeInfo]:
    try:
        doc = json.loads(content)
    except ValueError:
        return []
    items: list[tuple[dict, str | None]] = []
    if isinstance(doc, dict):
        for c in doc.get("codes", []) or []:
            items.append((c, None))
        for t in doc.get("themes", []) or []:
            if isinstance(t, dict):
                for c in t.get("codes", []) or []:
                    items.append((c, t.get("name")))
    elif isinstance(doc, list):
        items = [(c, None) for c in doc]
    out = []
    for c, theme in items:
        if isinstance(c, str):
            out.append(CodeInfo(name=c, theme=theme or UNGROUPED))
            continue
        if not isinstance(c, dict) or not c.get("name"):
            continue
        th = theme or c.get("theme") or c.get("parent")
        out.append(
            CodeInfo(
                name=str(c["name"]),
                theme=str(th) if th else UNGROUPED,
                definition=str(c.get("definition") or c.get("description") or ""),
                guid=c.get("guid"),
                colour=c.get("colour") or c.get("color"),
            )
        )
    return out


# -- counts ---------------------------------------------------------------------------------


def code_respondents(
    data: ProjectData, rater: Rater, questions: list[str] | None = None
) -> dict[str, set[str]]:
    """code -> set of respondents the rater gave that code (in the questions given)."""
    c = data.rater_codings(rater)
    if questions is not None:
        c = c[c["question"].isin(questions)]
    out: dict[str, set[str]] = {}
    for code, resp in zip(c["code"], c["respondent"], strict=True):
        out.setdefault(code, set()).add(resp)
    return out
