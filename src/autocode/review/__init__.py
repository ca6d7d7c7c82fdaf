"""Review decisions: the append-only log and the codebook derived from it.

Every decision (accept, reject, merge, split, skip, move, import, undo) is one row of the
``decisions`` table, written in one ``BEGIN IMMEDIATE`` transaction together with what it
changes: the new codebook version (only when it changed) and the suggested codings of
accepted suggestions (source ``suggested``, never a coder's work; human codings are never
touched), all through the project's repositories (:mod:`autocode.project`). Nothing in the
log is deleted: ``undo`` appends a row whose ``reverses`` names the decision it cancels.
The state is replayed from the log (:mod:`autocode.review.state`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..codebook.model import Codebook
from ..errors import InputError, NotFoundError
from ..project import now_iso
from .state import (
    CODER,
    PENDING,
    Decision,
    ReviewState,
    Suggestion,
    _pending,
    apply,
    load_state,
    members_of,
    natural_key,
    replay,
    resolve_run,
    resolve_user,
    summary,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..embed import Embedder
    from ..project import Store

__all__ = [
    "CODER",
    "PENDING",
    "Decision",
    "ReviewState",
    "Suggestion",
    "accept",
    "check_pending",
    "define",
    "import_codebook",
    "listing",
    "load_state",
    "matched_code",
    "members_of",
    "merge",
    "move",
    "natural_key",
    "record",
    "reject",
    "replay",
    "resolve_run",
    "resolve_user",
    "scope",
    "skip",
    "split",
    "summary",
    "undo",
]


# -- recording ------------------------------------------------------------------------------
def record(
    store: Store,
    action: str,
    payload: dict,
    run_id: str | None = None,
    user: str | None = None,
    reverses: int | None = None,
) -> Decision:
    """Check and append one decision, and save what it changes, in one transaction."""
    from ..project import decisions as log

    d = Decision(None, run_id, action, dict(payload), resolve_user(user), now_iso(), reverses)
    with store.transaction():
        state = replay(store)
        if action == "undo":
            d.run_id = d.run_id or _check_undo(state, reverses).run_id
        else:
            apply(state, store, d)
        d.id = log.append(store, d.run_id, d.action, d.payload, d.user, d.created_at, d.reverses)
        if action in ("undo", "import"):
            state = replay(store)
        d.result = _result(state, d)
        _save_version(store, state, d)
        if action != "skip":
            _sync_codings(store, state)
        if action == "undo":  # an undone reconcile decision changes the reconciled coding
            from ..reconcile import sync
            from ..reconcile.log import ACTION as RECONCILE

            by_id = {x.id: x for x in state.decisions}
            t = by_id[reverses]
            while t.action == "undo" and t.reverses in by_id:  # undoing an undo: its target
                t = by_id[t.reverses]
            if t.action == RECONCILE:
                sync(store)
    return d


def _result(state: ReviewState, d: Decision) -> dict:
    p = d.payload
    if d.action in ("accept", "merge"):
        code = state.codebook.code(p["name"])
        if code is None:  # pragma: no cover - just created
            return {}
        return {
            "code": code.name,
            "theme": code.theme,
            "size": len(state.members.get(code.guid or "", {})),
            "joined": bool(p.get("joined")),
        }
    if d.action == "split":
        return {
            "parts": [
                {"id": x["id"], "label": x["label"], "size": len(x["members"])} for x in p["parts"]
            ]
        }
    if d.action == "undo":
        t = next(x for x in state.decisions if x.id == d.reverses)
        return {"undone": {"id": t.id, "action": t.action, "summary": summary(t)}}
    if d.action == "import":
        cb = state.codebook
        return {"themes": len(cb.themes), "codes": len(cb.all_codes())}
    if d.action == "define":
        c = state.codebook.code(p["code"])
        return {"code": p["code"], "definition": c.description if c else ""}
    if d.action == "scope":
        c = state.codebook.code(p["code"])
        qs = state.codebook.node_questions(c) if c else None
        return {"code": p["code"], "questions": list(p["questions"]), "applies_to": qs}
    return {}


def check_pending(store: Store, sids: list[str], run_id: str | None = None) -> None:
    """Raise unless every id names a suggestion of the run that is still undecided."""
    run = resolve_run(store, run_id)["id"]
    state = load_state(store, run)
    for sid in sids:
        _pending(state, store, run, sid)


def _check_undo(state: ReviewState, target: int | None) -> Decision:
    d = next((x for x in state.decisions if x.id == target), None)
    if d is None:
        raise NotFoundError(f"no decision #{target}", "see `autocode decisions`")
    if not d.active:
        raise InputError(f"decision #{target} is already undone")
    return d


def _save_version(store: Store, state: ReviewState, d: Decision) -> None:
    from ..project import codebooks

    content = json.dumps(state.codebook.to_dict(), ensure_ascii=False)
    last = codebooks.latest_content(store)
    if last is not None and last == content:
        return
    if last is None and not state.codebook.themes and not state.codebook.loose:
        return
    source = "import" if d.action == "import" else "review"
    codebooks.save_version(store, d.created_at, d.user, source, f"#{d.id} {summary(d)}", content)


def _sync_codings(store: Store, state: ReviewState) -> None:
    """Make the machine-suggested codings match the accepted codes and their members."""
    from ..project import codings

    want: dict[tuple[str, str], str] = {}
    for _, c in state.codebook.walk():
        for rid, run in state.members.get(c.guid or "", {}).items():
            want[(rid, c.name)] = run
    codings.sync_suggested(store, want)


# -- the actions --------------------------------------------------------------------------
def accept(store, sid, *, name=None, theme=None, run_id=None, user=None, matched=False) -> Decision:
    """Accept suggestion ``sid`` as a code (``name`` or its label) under ``theme``.

    ``theme=None`` uses the suggestion's candidate theme; ``theme=""`` means no theme.
    ``matched=True``: its members join the existing code the suggestion matched when
    suggest ran (:mod:`autocode.suggest.match`), the same as naming that code.
    """
    run = resolve_run(store, run_id)["id"]
    payload = {"suggestion": sid, "name": name, "theme": theme}
    if matched:
        if name is not None or theme is not None:
            raise InputError(
                "--matched joins the code the suggestion matched; it takes no --as or --theme",
                "leave out --as/--theme, or leave out --matched",
            )
        payload.update(name=matched_code(store, sid, run), matched=True)
    return record(store, "accept", payload, run, user)


def matched_code(store: Store, sid: str, run_id: str) -> str:
    """The name of the existing code suggestion ``sid`` matched (still in the codebook)."""
    state = load_state(store, run_id)
    s = _pending(state, store, run_id, sid)
    if not s.matches:
        raise InputError(
            f"{sid} matches no existing code",
            f"accept it as a new code (`autocode accept {sid}`), or name one with --as",
        )
    code = state.codebook.code(str(s.matches["code"]))
    if code is None:
        raise InputError(
            f"{sid} matched code {s.matches['code']!r}, which is no longer in the codebook",
            f"name the code with `autocode accept {sid} --as NAME`",
        )
    return code.name


def listing(store: Store, run_id: str) -> list[dict]:
    """The run's suggestions in review order: id, label, question, size, status, code
    (once accepted or merged), the decision, and ``matches`` (the existing code it matched
    when suggest ran, or None)."""
    state = load_state(store, run_id)
    return [
        {
            "id": s.id,
            "label": s.label,
            "question": s.question,
            "size": len(members_of(state, s)),
            "status": s.status,
            "code": state.code_name(s.code),
            "decision": s.decision,
            "parent": s.parent,
            "matches": s.matches,
        }
        for s in state.queue(run_id)
    ]


def reject(store: Store, sid: str, *, run_id=None, user=None) -> Decision:
    return record(store, "reject", {"suggestion": sid}, resolve_run(store, run_id)["id"], user)


def skip(store: Store, sid: str, *, run_id=None, user=None) -> Decision:
    return record(store, "skip", {"suggestion": sid}, resolve_run(store, run_id)["id"], user)


def merge(store: Store, sids: list[str], *, name=None, theme=None, run_id=None, user=None):
    """Merge suggestions into one code (joining the code of any already accepted)."""
    run = resolve_run(store, run_id)["id"]
    return record(
        store, "merge", {"suggestions": list(sids), "name": name, "theme": theme}, run, user
    )


def split(
    store: Store,
    sid: str,
    *,
    k: int | None = None,
    embedder: Embedder | None = None,
    model: str | None = None,
    run_id: str | None = None,
    user: str | None = None,
) -> Decision:
    """Re-cluster a suggestion's members into ``k`` parts (2–4 by silhouette when None)."""
    from .recluster import split_parts

    run = resolve_run(store, run_id)
    state = load_state(store, run["id"])
    s = _pending(state, store, run["id"], sid)
    parts = split_parts(store, run, s, members_of(state, s), k=k, embedder=embedder, model=model)
    existing = {x.id for x in state.queue(run["id"])}
    for p in parts:
        if p["id"] in existing:
            raise InputError(f"cannot name the parts of {sid}: {p['id']} exists")
    return record(
        store, "split", {"suggestion": sid, "k": len(parts), "parts": parts}, run["id"], user
    )


def move(
    store: Store,
    answers: list[str],
    source: str | None,
    target: str | None,
    *,
    to_code: str | None = None,
    from_code: str | None = None,
    run_id: str | None = None,
    user: str | None = None,
) -> Decision:
    """Move ``answers`` from undecided suggestion ``source`` (or from code ``from_code``)
    to undecided suggestion ``target`` of the same question, or to the accepted code
    ``to_code`` whose questions take them in: the code's suggested codings change (one
    decision; ``undo`` moves them back)."""
    if (target is None) == (to_code is None) or (source is None) == (from_code is None):
        raise InputError(
            "name the suggestion or code to move from and to (one each, not both)",
            "e.g. move(store, ids, 'S4', None, to_code='Parking')",
        )
    if from_code is not None and to_code is None:
        raise InputError("answers of a code move to another code", "name it with to_code")
    run = resolve_run(store, run_id)["id"]
    payload: dict = {"answers": [str(a) for a in answers]}
    payload.update({"from": source} if from_code is None else {"from_code": from_code})
    payload.update({"to": target} if to_code is None else {"to_code": to_code})
    return record(store, "move", payload, run, user)


def import_codebook(store: Store, codebook: Codebook, source: str, user=None) -> Decision:
    """Replace the project's codebook (recorded as a decision; `undo` restores the old one)."""
    doc = codebook.finalize().to_dict()
    return record(store, "import", {"source": source, "codebook": doc}, None, user)


def undo(store: Store, decision_id: int | None = None, user: str | None = None) -> Decision:
    """Reverse ``decision_id`` (default: this user's latest active decision)."""
    who = resolve_user(user)
    if decision_id is None:
        state = replay(store)
        mine = [
            d
            for d in state.decisions
            if d.active and d.action != "undo" and d.user == who and not d.void
        ]
        if not mine:
            raise NotFoundError(f"nothing to undo for user {who!r}", "see `autocode decisions`")
        decision_id = mine[-1].id
    return record(store, "undo", {}, None, who, reverses=decision_id)


def define(
    store: Store,
    code: str,
    definition: str | None = None,
    *,
    inclusion: str | None = None,
    exclusion: str | None = None,
    user: str | None = None,
) -> Decision:
    """Set code ``code``'s definition (and/or inclusion, exclusion notes; None keeps one),
    clearing its draft flag; recorded as a ``define`` decision (``undo`` restores the old)."""
    from ..chars import xml_safe
    from ..codebook import current
    from .define import unknown_code

    if definition is None and inclusion is None and exclusion is None:
        raise InputError(
            "nothing to define", "give the definition text, --inclusion or --exclusion"
        )
    cb = current(store)
    if cb is None or cb.code(code) is None:
        raise NotFoundError(unknown_code(cb or Codebook(), code))
    # text a codebook file cannot hold (NUL, other control characters) never gets stored
    definition, inclusion, exclusion = (
        None if t is None else xml_safe(t) for t in (definition, inclusion, exclusion)
    )
    payload = {
        "code": code,
        "definition": definition,
        "inclusion": inclusion,
        "exclusion": exclusion,
    }
    return record(store, "define", payload, None, user)


def scope(
    store: Store,
    code: str,
    questions: list[str],
    *,
    user: str | None = None,
) -> Decision:
    """Set the questions code ``code`` applies to (a subset of the project's questions;
    empty: its theme's or parent's scope, else every question); recorded as a ``scope``
    decision (``undo`` restores the old one). An unknown question is refused, nothing
    stored."""
    from ..codebook import current
    from ..project.responses import stored_questions
    from .define import unknown_code

    cb = current(store)
    if cb is None or cb.code(code) is None:
        raise NotFoundError(unknown_code(cb or Codebook(), code))
    wanted = stored_questions(store, questions)
    return record(store, "scope", {"code": code, "questions": wanted}, None, user)
