"""The reconciled coding, replayed from the decision log, and kept stored (coder ``reconciled``).

Reconcile decisions are rows of the project's append-only decision log with action
:data:`ACTION`; an undo is a row of action ``undo`` whose ``reverses`` names the decision it
cancels (the review stage's rule of which decisions are active is the one rule:
:func:`autocode.review.state.replay`). Two kinds of payload:

- ``{"kind": "codes", "answers": {answer id: [codes]}, "via": ...}`` — the final codes of one
  or more answers (a typed coding, a coder's coding taken, a decisions file);
- ``{"kind": "cell", "answer": id, "code": c, "present": bool, "base": [codes]}`` — one
  flagged machine cell confirmed present or absent; ``base`` is the machine's present codes
  when it was decided.

Replaying the active decisions in log order gives each answer's reconciled codes: a
``codes`` decision sets them; a ``cell`` decision starts from the codes so far (else its
``base``) and sets or unsets its cell. So undoing one cell decision takes back that cell only.
The stored coding of coder ``reconciled`` is made equal to the replay by :func:`sync` after
every decision and undo, so the final coding (:func:`autocode.project.final.load_final`)
changes at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..project import Store

ACTION = "reconcile"


@dataclass
class LogState:
    """The active reconcile decisions and what they settle.

    ``codes``: answer id -> its reconciled codes; ``whole``: answers settled by a ``codes``
    decision; ``cells``: (answer, code) cells settled by a ``cell`` decision; ``decisions``:
    the active reconcile rows (``id, user, payload, created_at``), oldest first."""

    codes: dict[str, set[str]] = field(default_factory=dict)
    whole: set[str] = field(default_factory=set)
    cells: set[tuple[str, str]] = field(default_factory=set)
    decisions: list[dict[str, Any]] = field(default_factory=list)

    def settled(self, answer: str) -> bool:
        return answer in self.codes


def replay(store: Store) -> LogState:
    """The reconciled coding from the active ``reconcile`` decisions of the log."""
    from ..review.state import replay as replay_log

    state = LogState()
    for d in replay_log(store).decisions:
        if d.action != ACTION or not d.active:
            continue
        p = d.payload
        state.decisions.append(
            {"id": d.id, "user": d.user, "payload": p, "created_at": d.created_at}
        )
        if p.get("kind") == "cell":
            rid, code = str(p["answer"]), str(p["code"])
            codes = state.codes.setdefault(rid, {str(c) for c in p.get("base", [])})
            if p.get("present"):
                codes.add(code)
            else:
                codes.discard(code)
            state.cells.add((rid, code))
        else:
            for rid, codes_of in dict(p.get("answers", {})).items():
                state.codes[str(rid)] = {str(c) for c in codes_of}
                state.whole.add(str(rid))
    return state


def stored(store: Store) -> dict[str, set[str]]:
    """The stored coding of coder ``reconciled``: answer id -> codes."""
    from ..project import codings

    units = codings.coded_units(store, [codings.RECONCILED])
    rows = codings.codings(store, [codings.RECONCILED])
    out: dict[str, set[str]] = {
        str(r): set() for r in units.loc[units["source"] == codings.HUMAN, "response_id"]
    }
    for rid, code in zip(rows["response_id"], rows["code"], strict=True):
        out.setdefault(str(rid), set()).add(str(code))
    return out


def sync(store: Store, state: LogState | None = None) -> dict[str, int]:
    """Make the stored reconciled coding equal the replayed log (one transaction). Also
    repairs it after ``autocode undo`` reversed a reconcile decision. Returns counts of the
    answers written and removed."""
    from ..project import codings

    with store.transaction():
        state = replay(store) if state is None else state
        have = stored(store)
        changed = {
            rid: sorted(codes) for rid, codes in state.codes.items() if have.get(rid) != codes
        }
        gone = set(have) - set(state.codes)
        if changed:
            codings.replace_reconciled(store, changed)
        if gone:
            codings.clear_reconciled(store, keep=state.codes)
    return {"written": len(changed), "removed": len(gone)}
