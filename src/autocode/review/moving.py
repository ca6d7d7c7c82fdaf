"""The ``move`` decision: answers moved from one undecided suggestion to another of the same
question (the workbench's "move to"). Both suggestions' members change in the replayed
state (as a split's parts do); accepting either later takes its members as they are then;
``undo`` moves them back. Recorded by :func:`autocode.review.move` (this module is not
named ``move``: importing it would rebind that function's name in the package)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from ..project import Store
    from .state import Decision, ReviewState


def apply_move(state: ReviewState, store: Store, d: Decision) -> None:
    """Check the move against the state, then change both suggestions' members."""
    from .state import _pending, members_of

    p = d.payload
    src = _pending(state, store, d.run_id, str(p["from"]))
    dst = _pending(state, store, d.run_id, str(p["to"]))
    if src.id == dst.id:
        raise InputError(f"cannot move answers from {src.id} to itself", "name another suggestion")
    if (src.question or "") != (dst.question or ""):
        raise InputError(
            f"{src.id} and {dst.id} are suggestions of different questions",
            "move an answer to a suggestion of its own question",
        )
    answers = [str(a) for a in p["answers"]]
    have = members_of(state, src)
    missing = [a for a in answers if a not in have]
    if not answers or missing:
        raise InputError(
            f"answer {(missing or [''])[0]!r} is not a member of {src.id}",
            "see the suggestion's members",
        )
    gone = set(answers)
    state._part_members[(src.run_id, src.id)] = [a for a in have if a not in gone]
    state._part_members[(dst.run_id, dst.id)] = sorted({*members_of(state, dst), *gone})


def summary_of(p: dict) -> str:
    n = len(p["answers"])
    what = p["answers"][0] if n == 1 else f"{n} answers"
    return f"{what}: {p['from']} → {p['to']}"
