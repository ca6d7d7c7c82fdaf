"""The ``move`` decision: answers moved from an undecided suggestion to another of the same
question (the workbench's "move to"), or from an undecided suggestion or an accepted code to
an accepted code whose questions take them in. Both sides' members change in the replayed
state (as a split's parts do; a code's members are its suggested codings): accepting a
suggestion later takes its members as they are then; ``undo`` moves them back. Recorded by
:func:`autocode.review.move` (this module is not named ``move``: importing it would rebind
that function's name in the package)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import InputError, NotFoundError

if TYPE_CHECKING:  # pragma: no cover
    from ..codebook.model import Code
    from ..project import Store
    from .state import Decision, ReviewState


def apply_move(state: ReviewState, store: Store, d: Decision) -> None:
    """Check the move against the state, then change both sides' members."""
    from .state import _pending, members_of

    p = d.payload
    if p.get("to_code") is not None:
        _move_to_code(state, store, d)
        return
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
    _check_members(answers, set(have), src.id)
    gone = set(answers)
    state._part_members[(src.run_id, src.id)] = [a for a in have if a not in gone]
    state._part_members[(dst.run_id, dst.id)] = sorted({*members_of(state, dst), *gone})


def _move_to_code(state: ReviewState, store: Store, d: Decision) -> None:
    """Answers of an undecided suggestion (``from``) or of a code (``from_code``) become
    members of code ``to_code`` (their suggested coding moves with them)."""
    from ..project.responses import question_of
    from .state import _pending, members_of

    p = d.payload
    answers = [str(a) for a in p["answers"]]
    dst = _code(state, str(p["to_code"]))
    if not dst.codable:
        raise InputError(
            f"code {dst.name!r} is not codable (a grouping)", "move to one of its codes"
        )
    if p.get("from_code") is not None:
        src = _code(state, str(p["from_code"]))
        if src is dst:
            raise InputError(
                f"cannot move answers from {dst.name!r} to itself", "name another code"
            )
        held = state.members.get(src.guid or "", {})
        _check_members(answers, set(held), f"code {src.name!r}")
        runs = {a: held[a] for a in answers}
    else:
        s = _pending(state, store, d.run_id, str(p["from"]))
        have = members_of(state, s)
        _check_members(answers, set(have), s.id)
        runs = dict.fromkeys(answers, s.run_id)
    mem = state.members.get(dst.guid or "", {})
    already = [a for a in answers if a in mem]
    if already:
        raise InputError(
            f"answer {already[0]!r} is already a member of code {dst.name!r}",
            "untick it, or move it elsewhere",
        )
    scope = state.codebook.node_questions(dst)
    if scope is not None:
        qs = question_of(store, answers)
        outside = [a for a in answers if qs.get(a) not in scope]
        if outside:
            raise InputError(
                f"answer {outside[0]!r} is to question {qs.get(outside[0])!r}, which code "
                f"{dst.name!r} does not apply to",
                f"widen its scope first (`autocode scope {dst.name!r} ...`)",
            )
    # checked; now change both sides
    if p.get("from_code") is not None:
        held = state.members[src.guid or ""]
        for a in answers:
            del held[a]
    else:
        gone = set(answers)
        state._part_members[(s.run_id, s.id)] = [a for a in have if a not in gone]
    state.members.setdefault(dst.guid or "", {}).update(runs)
    p["to_code"] = dst.name
    if p.get("from_code") is not None:
        p["from_code"] = src.name


def _code(state: ReviewState, name: str) -> Code:
    from .define import unknown_code

    code = state.codebook.code(name)
    if code is None:
        raise NotFoundError(unknown_code(state.codebook, name))
    return code


def _check_members(answers: list[str], have: set[str], where: str) -> None:
    missing = [a for a in answers if a not in have]
    if not answers or missing:
        raise InputError(
            f"answer {(missing or [''])[0]!r} is not a member of {where}",
            "see the suggestion's members",
        )


def summary_of(p: dict) -> str:
    n = len(p["answers"])
    what = p["answers"][0] if n == 1 else f"{n} answers"
    src = f"code {p['from_code']!r}" if p.get("from_code") is not None else p["from"]
    dst = f"code {p['to_code']!r}" if p.get("to_code") is not None else p["to"]
    return f"{what}: {src} → {dst}"
