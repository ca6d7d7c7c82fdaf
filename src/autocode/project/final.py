"""The final coding of a study: the one rule, on plain DataFrames.

For each answer, in this order:

1. **reconciled** — a ``reconcile`` decision set its codes (coder :data:`RECONCILED`);
2. **human** — human coders coded it and agree (one coder, or several with the same codes);
3. **primary** — human coders coded it and disagree: the primary coder's codes, counted as
   *unreconciled* until a reconcile decision settles it;
4. **machine** — only the machine coded it: its decisions (present cells), flagged cells
   still flagged (counted as *needs review*);
5. otherwise the answer has no final coding (nobody coded it).

The final coding is never stored: it is derived from the stored codings whenever it is
needed, so an undo or a new import changes it at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from .codings import MACHINE, RECONCILED

if TYPE_CHECKING:  # pragma: no cover
    from .db import Store

BASES = ("reconciled", "human", "primary", "machine")


@dataclass
class FinalCoding:
    """``units``: response_id, basis (one of :data:`BASES`), flagged (machine answers with a
    flagged cell); ``codings``: response_id, code (the final codes)."""

    units: pd.DataFrame
    codings: pd.DataFrame

    def count(self, basis: str) -> int:
        return int((self.units["basis"] == basis).sum())


def final_coding(
    units: pd.DataFrame, codings: pd.DataFrame, primary: str | None = None
) -> FinalCoding:
    """``units`` (response_id, coder, source) and ``codings`` (response_id, code, coder,
    source, present, flagged) as read by :mod:`.codings`; ``primary``: the primary human
    coder (settles unreconciled disagreements)."""
    present = codings[codings["present"].astype(bool) & (codings["source"] != "suggested")]
    sets: dict[tuple[str, str, str], frozenset[str]] = {}
    for (rid, coder, source), g in present.groupby(["response_id", "coder", "source"]):
        sets[(str(rid), str(coder), str(source))] = frozenset(g["code"].astype(str))
    flagged_ids = set(
        codings.loc[
            codings["flagged"].astype(bool) & (codings["source"] == "machine"), "response_id"
        ].astype(str)
    )
    by_answer: dict[str, list[tuple[str, str]]] = {}
    for rid, coder, source in units[["response_id", "coder", "source"]].itertuples(index=False):
        by_answer.setdefault(str(rid), []).append((str(coder), str(source)))

    rows_u: list[tuple[str, str, bool]] = []
    rows_c: list[tuple[str, str]] = []
    for rid in sorted(by_answer):
        who = by_answer[rid]
        humans = [c for c, s in who if s == "human" and c != RECONCILED]
        if (RECONCILED, "human") in who:
            basis, codes = "reconciled", sets.get((rid, RECONCILED, "human"), frozenset())
        elif humans:
            got = {sets.get((rid, c, "human"), frozenset()) for c in humans}
            if len(got) == 1:
                basis, codes = "human", next(iter(got))
            else:
                lead = primary if primary in humans else humans[0]
                basis, codes = "primary", sets.get((rid, lead, "human"), frozenset())
        elif (MACHINE, "machine") in who:
            basis, codes = "machine", sets.get((rid, MACHINE, "machine"), frozenset())
        else:  # pragma: no cover - units only hold human and machine coders
            continue
        rows_u.append((rid, basis, basis == "machine" and rid in flagged_ids))
        rows_c += [(rid, c) for c in sorted(codes)]
    return FinalCoding(
        pd.DataFrame(rows_u, columns=["response_id", "basis", "flagged"]),
        pd.DataFrame(rows_c, columns=["response_id", "code"]),
    )


def load_final(store: Store) -> FinalCoding:
    """The project's final coding, from its stored coded answers and codings."""
    from . import codings as coding_rows

    return final_coding(
        coding_rows.coded_units(store),
        coding_rows.codings(store),
        coding_rows.primary_coder(store),
    )
