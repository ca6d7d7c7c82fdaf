"""A researcher's definition of a code (``autocode define``): the ``define`` decision.

It sets a code's definition, inclusion and/or exclusion notes and clears the code's
``draft`` flag (the definition is the researcher's now). Recorded in the decision log like
every review decision, so ``autocode undo`` restores the previous definition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..codebook.model import Codebook, name_key
from ..errors import NotFoundError

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


def unknown_code(cb: Codebook, name: str) -> str:
    """ "no code named X (closest: A, B)": the line for a code name the codebook lacks."""
    import difflib

    names = [c.name for _, c in cb.walk()]
    by_key = {name_key(n): n for n in names}
    close = difflib.get_close_matches(name_key(name), list(by_key), n=3, cutoff=0.4)
    hint = ", ".join(repr(by_key[k]) for k in close) or ", ".join(repr(n) for n in names[:3])
    return f"no code named {name!r}" + (f" (closest: {hint})" if hint else " (no codes yet)")
