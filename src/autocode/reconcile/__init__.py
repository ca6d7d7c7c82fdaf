"""Reconciliation: settle human–human disagreements and the machine's flagged cells.

Each decision is one row of the append-only decision log (action ``reconcile``, see
:mod:`.log` for its payloads), checked and written in one transaction together with the
stored reconciled coding (coder ``reconciled``), which is kept equal to the replayed log: an
undo (a new ``undo`` row, nothing deleted) changes the final coding at once. A decision is
checked before anything is written: the answer must exist and be coded by someone, every code
must be a codable code of the codebook that applies to the answer's question.

- :func:`settle` — the final codes of one or more answers (typed, or from a file);
- :func:`take` — every open disagreement (or one answer) settled with one coder's coding;
- :func:`settle_cell` — one machine cell confirmed present or absent;
- :func:`undo` — reverse this user's latest active reconcile decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InputError, NotFoundError
from .items import DISAGREEMENT, FLAGGED, Answers, Item, load_answers, open_items, ordered
from .log import ACTION, LogState, replay, sync

if TYPE_CHECKING:  # pragma: no cover
    from ..codebook.model import Codebook
    from ..project import Store

__all__ = [
    "ACTION",
    "DISAGREEMENT",
    "FLAGGED",
    "Answers",
    "Item",
    "LogState",
    "load_answers",
    "open_items",
    "ordered",
    "parse_codes",
    "replay",
    "settle",
    "settle_cell",
    "sync",
    "take",
    "undo",
]


def parse_codes(text: str | None) -> list[str]:
    """``"a; b"`` -> ``["a", "b"]`` (an empty string: no code applies)."""
    return [c.strip() for c in str(text or "").split(";") if c.strip()]


# -- checks -------------------------------------------------------------------------------
def _answer(ans: Answers, rid: str, where: str = "") -> str:
    rid = str(rid).strip()
    if rid not in ans.question:
        raise NotFoundError(
            f"{where}no answer {rid!r} in the project",
            "use the answer id `autocode reconcile --list` shows (respondent:question)",
        )
    if not ans.coders.get(rid):
        raise InputError(
            f"{where}answer {rid!r} has no coding to reconcile (nobody coded it)",
            "code it first (autocode codings import FILE --coder NAME); nothing was stored",
        )
    return rid


def _codes(cb: Codebook | None, codes: Iterable[str], question: str, where: str = "") -> list[str]:
    """The codebook's spelling of each code, refused unless codable and in scope."""
    wanted = list(dict.fromkeys(str(c).strip() for c in codes if str(c).strip()))
    if wanted and cb is None:
        raise InputError(
            f"{where}the project has no codebook to take codes from",
            "import one first (autocode codebook import FILE); nothing was stored",
        )
    out: list[str] = []
    for c in wanted:
        node = cb.code(c) if cb is not None else None
        if node is None or not node.codable:
            kind = (
                "is a theme, not a code"
                if cb is not None and cb.theme(c) is not None
                else "cannot be applied (not codable)"
                if node is not None
                else "is not in the codebook"
            )
            raise InputError(
                f"{where}code {c!r} {kind}", "see `autocode codebook`; nothing was stored"
            )
        assert cb is not None
        if not cb.applies(node.name, question):
            qs = ", ".join(cb.questions_of(node.name) or [])
            raise InputError(
                f"{where}code {node.name!r} does not apply to question {question!r} "
                f"(it applies to {qs})",
                "choose a code of this question (see `autocode reconcile --list`); "
                "nothing was stored",
            )
        if node.name not in out:
            out.append(node.name)
    return out


def _record(store: Store, payload: dict, user: str | None) -> int:
    from ..project import decisions, now_iso
    from ..review.state import resolve_user

    return decisions.append(store, None, ACTION, payload, resolve_user(user), now_iso())


# -- decisions ----------------------------------------------------------------------------
def settle(
    store: Store,
    coded: Mapping[str, Iterable[str]],
    *,
    via: str = "codes",
    user: str | None = None,
    where: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Record the final codes of the answers in ``coded`` (answer id -> codes; empty: no code
    applies) as one decision. ``where`` names each answer's origin for messages (a file's
    row). Returns ``{"decision", "answers": {id: codes}}``."""
    from ..codebook import current

    if not coded:
        raise InputError("no answers to settle", "nothing was stored")
    with store.transaction():
        ans = load_answers(store)
        cb = current(store)
        clean: dict[str, list[str]] = {}
        for rid, codes in coded.items():
            at = (where or {}).get(rid, "")
            at = f"{at}: " if at else ""
            key = _answer(ans, rid, at)
            if key in clean:
                raise InputError(f"{at}answer {key!r} is settled twice", "nothing was stored")
            clean[key] = ordered(_codes(cb, codes, ans.question[key], at), ans.question[key], cb)
        payload = {"kind": "codes", "answers": clean, "via": via}
        did = _record(store, payload, user)
        sync(store)
    return {"decision": did, "answers": clean}


def take(
    store: Store, coder: str, *, answer: str | None = None, user: str | None = None
) -> dict[str, Any]:
    """Settle every open disagreement that ``coder`` coded (or only ``answer``) with
    ``coder``'s coding, as one decision. Returns ``{"decision" (None when nothing was open),
    "answers", "left"}`` (``left``: open disagreements ``coder`` did not code)."""
    from ..project.codings import RECONCILED

    ans = load_answers(store)
    known = list(dict.fromkeys(c for who in ans.coders.values() for c, _ in who if c != RECONCILED))
    if coder not in known:
        raise NotFoundError(
            f"no coder {coder!r} in the project",
            "its coders: " + (", ".join(known) if known else "none yet"),
        )
    if answer is not None:
        rid = _answer(ans, answer)
        if coder not in [c for c, _ in ans.coders[rid]]:
            raise InputError(f"{coder} did not code answer {rid!r}", "nothing was stored")
        picked, left = [rid], 0
    else:
        dis = [i for i in open_items(store, answers=ans) if i.kind == DISAGREEMENT]
        picked = [i.id for i in dis if coder in i.codes]
        left = len(dis) - len(picked)
    if not picked:
        return {"decision": None, "answers": {}, "left": left}
    coded = {rid: sorted(ans.codes_of(rid, coder)) for rid in picked}
    done = settle(store, coded, via=f"take:{coder}", user=user)
    return done | {"left": left}


def settle_cell(
    store: Store, answer: str, code: str, present: bool, *, user: str | None = None
) -> dict[str, Any]:
    """Confirm one cell of the machine's coding of an answer only the machine coded:
    ``code`` present or absent. Returns ``{"decision", "answer", "code", "present",
    "codes"}`` (the answer's reconciled codes after it)."""
    from ..codebook import current
    from ..project.codings import MACHINE

    with store.transaction():
        ans = load_answers(store)
        rid = _answer(ans, answer)
        if not ans.machine_only(rid):
            raise InputError(
                f"answer {rid!r} is coded by human coders, not only the machine",
                'settle its codes with --answer ID --codes "a;b"; nothing was stored',
            )
        q = ans.question[rid]
        (name,) = _codes(current(store), [code], q)
        base = sorted(ans.codes_of(rid, MACHINE))
        payload = {"kind": "cell", "answer": rid, "code": name, "present": bool(present)}
        did = _record(store, payload | {"base": base}, user)
        state = replay(store)
        sync(store, state)
    codes = ordered(state.codes.get(rid, set()), q, current(store))
    return {"decision": did, **payload, "codes": codes}


def undo(store: Store, user: str | None = None) -> dict[str, Any]:
    """Reverse this user's latest active reconcile decision (an ``undo`` row in the log).
    Returns ``{"decision" (the undo), "undone" (its id), "payload" (what it had decided)}``."""
    from ..review import record
    from ..review.state import resolve_user

    who = resolve_user(user)
    with store.transaction():
        mine = [d for d in replay(store).decisions if d["user"] == who]
        if not mine:
            raise NotFoundError(
                f"no reconcile decision of user {who!r} to undo", "see `autocode decisions`"
            )
        target = mine[-1]
        d = record(store, "undo", {}, None, who, reverses=int(target["id"]))
        sync(store)
    return {"decision": d.id, "undone": target["id"], "payload": target["payload"]}
