"""What each screen shows, gathered from the library (no rule of its own, no SQL).

Each function takes an open :class:`~autocode.project.Store` and returns plain values for
its template; the rules (what a suggestion's members are, which codes apply to a question,
who coded what) are the library's: :mod:`autocode.review`, :mod:`autocode.codebook`,
:mod:`autocode.codings`, :mod:`autocode.io.familiarise`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..project import Store
    from ..review import ReviewState

#: members shown with each suggestion on the board; the rest on its own page
BOARD_MEMBERS = 12
#: members per page of a suggestion's own page
PAGE = 100
#: coding sources: key -> what the screen calls it
SOURCES = {
    "next": "next batch (seed sample)",
    "validation": "validation sample",
    "review": "machine's review queue",
}


_CACHE: dict[str, Any] = {}


def review_state(store: Store, run_id: str) -> ReviewState:
    """:func:`autocode.review.load_state` for ``run_id``, replayed again only when the
    decision log changed (a suggest run's suggestions never change once written). Pages
    only read it; every decision replays the log itself inside its own transaction."""
    from .. import review
    from ..project import decisions

    key = (str(Path(store.path).resolve()), run_id, decisions.version(store))
    hit = _CACHE.get("state")
    if hit is not None and hit[0] == key:
        return hit[1]
    state = review.load_state(store, run_id)
    _CACHE["state"] = (key, state)
    return state


def overview(store: Store) -> dict[str, Any]:
    """Questions (answers, blanks, non-answers, suggestions), runs, coders and the next step."""
    from .. import codebook as codebooks
    from .. import review
    from ..codings.store import coder_table
    from ..io.familiarise import familiarise
    from ..project import responses

    df = responses.load(store)
    qs = familiarise(
        df,
        responses.questions(store),
        responses.question_blanks(store),
        responses.question_labels(store),
    )
    run = store.latest_run("suggest")
    per_q: dict[str, dict[str, int]] = {}
    if run is not None:
        for x in review_state(store, run["id"]).queue(run["id"]):
            d = per_q.setdefault(str(x.question or ""), {"all": 0, "pending": 0})
            d["all"] += 1
            d["pending"] += x.status in review.PENDING
    for q in qs:
        q["suggestions"] = per_q.get(q["question"], {"all": 0, "pending": 0})
    cb = codebooks.current(store)
    coders = coder_table(store)
    runs = store.list_runs()
    return {
        "questions": qs,
        "runs": runs[-15:][::-1],
        "n_runs": len(runs),
        "coders": coders,
        "run": run,
        "codes": len(cb.all_codes()) if cb is not None else 0,
        "next": next_step(len(df), run, per_q, cb is not None, coders),
    }


def next_step(n: int, run, per_q: dict, has_codebook: bool, coders: list[dict]) -> dict:
    """Where the study is, as one sentence and the screen that takes it further."""
    humans = [c for c in coders if c["kind"] == "human"]
    if not n:
        return {"text": "Load a survey: autocode suggest FILE (or --example).", "href": None}
    if run is None:
        return {"text": "Run autocode suggest to get candidate codes.", "href": None}
    pending = sum(d["pending"] for d in per_q.values())
    if pending:
        return {"text": f"Review the {pending} undecided suggestions.", "href": "/board"}
    if not has_codebook:
        return {"text": "Accept suggestions to build a codebook.", "href": "/board"}
    if not humans:
        return {"text": "Code a first batch of answers by hand.", "href": "/code"}
    return {"text": "Code more answers, or run autocode code to code the rest.", "href": "/code"}


def _questions_of(listing: list[dict]) -> list[str]:
    return list(dict.fromkeys(str(s["question"] or "") for s in listing))


def board(
    store: Store, question: str | None, find: str = "", run_id: str | None = None
) -> dict[str, Any]:
    """One question's suggestions: label, size, keywords, status, code, quotes and members
    (those containing ``find``, when given)."""
    from .. import review
    from ..project import responses

    run = review.resolve_run(store, run_id)
    state = review_state(store, run["id"])
    queue = state.queue(run["id"])
    questions = list(dict.fromkeys(str(s.question or "") for s in queue))
    q = question if question in questions else (questions[0] if questions else "")
    shown = [s for s in queue if str(s.question or "") == q]
    members = {s.id: review.members_of(state, s) for s in shown}
    texts = responses.texts(store, (rid for m in members.values() for rid in m))
    key = find.casefold().strip()
    items = []
    for s in shown:
        mem = [(rid, texts.get(rid, "")) for rid in members[s.id]]
        if key:
            mem = [(rid, t) for rid, t in mem if key in t.casefold()]
            if not mem:
                continue
        items.append(
            {
                "id": s.id,
                "label": s.label,
                "size": len(members[s.id]),
                "keywords": s.keywords,
                "status": s.status,
                "pending": s.status in review.PENDING,
                "code": state.code_name(s.code),
                "decision": s.decision,
                "parent": s.parent,
                "quotes": [str(e.get("text", "")) for e in s.exemplars[:3]],
                "members": mem[:BOARD_MEMBERS],
                "matched": len(mem),
            }
        )
    return {
        "run": run["id"],
        "question": q,
        "questions": questions,
        "labels": responses.question_labels(store),
        "items": items,
        "find": find,
        "total": len(shown),
    }


def members_page(
    store: Store, sid: str, page: int = 1, find: str = "", run_id: str | None = None
) -> dict[str, Any]:
    """Every member of one suggestion, ``PAGE`` at a time (those containing ``find``)."""
    from .. import review
    from ..errors import NotFoundError
    from ..project import responses

    run = review.resolve_run(store, run_id)
    state = review_state(store, run["id"])
    s = state.suggestions.get((run["id"], sid))
    if s is None:
        raise NotFoundError(f"no suggestion {sid!r} in run {run['id']}")
    ids = review.members_of(state, s)
    texts = responses.texts(store, ids)
    mem = [(rid, texts.get(rid, "")) for rid in ids]
    key = find.casefold().strip()
    if key:
        mem = [(rid, t) for rid, t in mem if key in t.casefold()]
    pages = max(1, -(-len(mem) // PAGE))
    page = min(max(1, page), pages)
    targets = [
        {"id": x.id, "label": f"{x.id} {x.label}"}
        for x in state.queue(run["id"])
        if x.id != s.id and x.status in review.PENDING and (x.question or "") == (s.question or "")
    ]
    asked = {s.question} if s.question else set(s.questions)
    for c, qs in state.codebook.node_scopes():  # accepted codes that take its answers in
        if c.codable and (not qs or asked & set(qs)):
            targets.append({"id": "code:" + c.name, "label": f"code {c.name} (accepted)"})
    return {
        "run": run["id"],
        "s": s,
        "pending": s.status in review.PENDING,
        "targets": targets,
        "code": state.code_name(s.code),
        "members": mem[(page - 1) * PAGE : page * PAGE],
        "matched": len(mem),
        "size": len(ids),
        "page": page,
        "pages": pages,
        "find": find,
    }


def source_ids(store: Store, source: str, answers: pd.DataFrame | None = None) -> list[str]:
    """The answers a coding source offers, in order: ``next`` the latest `next` batch (else
    every answer that is not a non-answer), ``validation`` the latest validation sample,
    ``review`` the answers with open items to reconcile (disagreements, flagged cells)."""
    from ..errors import InputError
    from ..project import responses

    if source in ("next", "validation"):
        run = store.latest_run(source)
        if run is not None:
            return [str(x) for x in json.loads(run["params"] or "{}").get("ids", [])]
        if source == "validation":
            raise InputError(
                "the project has no validation sample",
                "draw one: autocode next --validation 30",
            )
        df = responses.load(store) if answers is None else answers
        return df.loc[~df["non_answer"], "id"].tolist()
    if source == "review":
        from ..reconcile.items import open_items

        return list(dict.fromkeys(i.id for i in open_items(store)))
    raise InputError(f"unknown coding source {source!r}", "one of: " + ", ".join(SOURCES))


def coding_item(
    store: Store, coder: str, source: str, at: str | None = None, after: str | None = None
) -> dict[str, Any]:
    """The answer to code next for ``coder`` from ``source`` (``at``: that one; ``after``:
    the first not yet coded after it), with the codes that apply to its question and the
    coder's codes of it."""
    from .. import codebook as codebooks
    from ..project import codings, responses

    df = responses.load(store)
    ids = source_ids(store, source, df)
    done_df = codings.coded_units(store, [coder])
    done = set(done_df.loc[done_df["source"] == codings.HUMAN, "response_id"])
    coded = sum(1 for i in ids if i in done)
    rid = None
    if at is not None and at in ids:
        rid = at
    else:
        start = ids.index(after) + 1 if after in ids else 0
        rest = [i for i in ids[start:] + ids[:start] if i not in done and i != after]
        rid = rest[0] if rest else None
    base = {"source": source, "label": SOURCES.get(source, source), "total": len(ids)}
    base |= {"coded": coded, "coder": coder}
    if rid is None:
        return base | {"answer": None}
    row = df[df["id"] == rid].iloc[0]
    cb = codebooks.current(store)
    codes = cb.codes_for(str(row["question"])) if cb is not None else []
    mine = codings.codings(store, [coder])
    mine = mine[(mine["response_id"] == rid) & (mine["source"] == codings.HUMAN)]
    return base | {
        "answer": {"id": rid, "question": str(row["question"]), "text": str(row["text"])},
        "codes": [
            {"name": c.name, "definition": c.definition, "theme": c.theme, "key": i + 1}
            for i, c in enumerate(codes)
        ],
        "checked": set(mine["code"]),
        "was_coded": rid in done,
        "position": ids.index(rid) + 1,
        "labels": responses.question_labels(store),
    }


def coder_names(store: Store) -> list[str]:
    """The coders agreement can compare: every coder with stored work, and ``final``."""
    from ..codings.store import coder_table
    from ..project.codings import FINAL

    return [*dict.fromkeys(c["coder"] for c in coder_table(store)), FINAL]


def agreement(store: Store, a: str | None, b: str | None) -> dict[str, Any]:
    """Per-code Cohen's κ with its 95% CI for coders ``a`` and ``b``
    (:func:`autocode.agree.agree_project`, as ``autocode agree --coders A,B``), the pooled
    value, and the disagreements, each marked open when reconciliation has not settled it."""
    from ..agree import agree_project
    from ..reconcile.items import DISAGREEMENT, open_items

    names = coder_names(store)
    out: dict[str, Any] = {"names": names, "a": a, "b": b, "doc": None}
    if not a or not b:
        return out
    pa = agree_project(store, [a, b])
    doc = pa.to_json()
    open_ids = {i.id for i in open_items(store) if i.kind == DISAGREEMENT}
    answers: dict[str, dict[str, Any]] = {}
    for row in pa.disagreements():
        d = answers.setdefault(
            str(row["id"]),
            {"id": str(row["id"]), "question": row["question"], "text": row["text"], "codes": []},
        )
        d["codes"].append({"code": row["code"], "a": row.get(a), "b": row.get(b)})
        d["open"] = str(row["id"]) in open_ids
    codes = [
        {"code": code, "n": v.get("n_units"), **(v.get("cohen_kappa") or {})}
        for code, v in doc["per_code"].items()
    ]
    return out | {
        "doc": doc,
        "codes": codes,
        "pooled": (doc["overall"].get("pooled") or {}).get("cohen_kappa") or {},
        "disagreements": list(answers.values()),
    }


def report_html(store: Store) -> str:
    """The study report as HTML (:func:`autocode.report.build_report`, as ``autocode report``)."""
    from ..report import build_report
    from ..report.html import render_html

    return render_html(build_report(store))


def codebook_view(store: Store) -> dict[str, Any]:
    """The current codebook: themes with their codes (definition, inclusion, exclusion,
    the questions each applies to, whether the definition is still autocode's draft)."""
    from .. import codebook as codebooks
    from ..project.responses import questions as project_questions

    cb = codebooks.current(store)
    if cb is None:
        return {"groups": [], "empty": True}

    def row(c) -> dict[str, Any]:
        return {
            "name": c.name,
            "own_questions": list(c.questions),
            "definition": c.definition,
            "inclusion": c.inclusion,
            "exclusion": c.exclusion,
            "questions": cb.questions_of(c.name),
            "draft": c.draft,
            "codable": c.codable,
        }

    groups: list[dict[str, Any]] = [
        {"theme": t.name, "codes": [row(c) for _, c in _walk(t.codes)]} for t in cb.themes
    ]
    if cb.loose:
        groups.append({"theme": None, "codes": [row(c) for _, c in _walk(cb.loose)]})
    return {"groups": groups, "empty": False, "all_questions": project_questions(store)}


def _walk(codes: list) -> list:
    out = []
    for c in codes:
        out.append((c.name, c))
        out += _walk(c.codes)
    return out
