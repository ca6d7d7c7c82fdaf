"""A researcher's definition of a code (``autocode define``): the ``define`` decision;
and the questions it applies to (``autocode scope``): the ``scope`` decision.

``define`` sets a code's definition, inclusion and/or exclusion notes and clears the code's
``draft`` flag (the definition is the researcher's now). ``scope`` sets the code's own
``questions`` (empty: its theme's or parent's scope, else every question: the rule of
:meth:`Codebook.node_scopes`). Both are recorded in the decision log like every review
decision, so ``autocode undo`` restores the previous definition or scope.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..codebook.model import Codebook, name_key
from ..errors import InputError, NotFoundError

if TYPE_CHECKING:  # pragma: no cover
    from ..project import Store
    from .state import Decision, ReviewState


def _apply_define(state: ReviewState, store: Store, d: Decision) -> None:
    """A researcher's definition of a code (no longer a draft); fields left out stay."""
    p = d.payload
    code = state.codebook.code(str(p["code"]))
    if code is None:
        raise NotFoundError(unknown_code(state.codebook, str(p["code"])))
    for f in ("definition", "inclusion", "exclusion"):
        if p.get(f) is not None:
            setattr(code, f, str(p[f]))
    code.draft = False
    p["code"] = code.name


def _apply_scope(state: ReviewState, store: Store, d: Decision) -> None:
    """A code's own questions. Refused (state unchanged) when an answer the code holds is
    to a question left out (its members never carry a code outside its questions), or when
    the codebook would then hold two codes of one name for the same question."""
    from ..project.responses import question_of

    p = d.payload
    code = state.codebook.code(str(p["code"]))
    if code is None:
        raise NotFoundError(unknown_code(state.codebook, str(p["code"])))
    old = list(code.questions)
    code.questions = sorted({str(q) for q in p["questions"]})
    try:
        scope = state.codebook.node_questions(code)
        if scope is not None:
            held = state.members.get(code.guid or "", {})
            outside = sorted({q for q in question_of(store, held).values() if q not in scope})
            if outside:
                raise InputError(
                    f"{code.name!r} holds answers to question {outside[0]!r}, "
                    "which the scope leaves out",
                    f"keep {outside[0]!r} in its questions, or move those answers first",
                )
        state.codebook.validate("the scoped codebook")
    except InputError:
        code.questions = old
        raise
    p["code"] = code.name


def scope_summary(p: dict) -> str:
    qs = p.get("questions") or []
    return f"scope of {p.get('code')!r}: " + (", ".join(qs) if qs else "every question")


def unknown_code(cb: Codebook, name: str) -> str:
    """ "no code named X (closest: A, B)": the line for a code name the codebook lacks."""
    import difflib

    names = [c.name for _, c in cb.walk()]
    by_key = {name_key(n): n for n in names}
    close = difflib.get_close_matches(name_key(name), list(by_key), n=3, cutoff=0.4)
    hint = ", ".join(repr(by_key[k]) for k in close) or ", ".join(repr(n) for n in names[:3])
    return f"no code named {name!r}" + (f" (closest: {hint})" if hint else " (no codes yet)")
