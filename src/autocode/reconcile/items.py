"""What is left to reconcile: human–human disagreements and the machine's flagged cells.

- **disagreement**: an answer that two or more human coders (``reconciled`` aside) coded with
  different sets of codes, and that no active reconcile decision settled;
- **flagged**: a flagged cell of the machine's decisions for an answer that only the machine
  coded, not yet confirmed present or absent (nor settled with the whole answer).

These are exactly the answers whose final coding (:mod:`autocode.project.final`) is
*unreconciled* (basis ``primary``) or *needs review* (basis ``machine``, flagged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .log import LogState, replay

if TYPE_CHECKING:  # pragma: no cover
    from ..codebook.model import Codebook
    from ..project import Store

DISAGREEMENT, FLAGGED = "disagreement", "flagged"


@dataclass
class Item:
    """One open item. ``codes``: each coder's codes of the answer (only codes that apply to
    its question, in codebook order); for a flagged cell, ``code`` is the cell, ``present``
    the machine's decision and ``confidence`` its confidence."""

    kind: str
    id: str
    question: str
    text: str
    codes: dict[str, list[str]]
    code: str | None = None
    present: bool | None = None
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "question": self.question,
            "text": self.text,
            "codes": self.codes,
        }
        if self.kind == FLAGGED:
            out |= {"code": self.code, "present": self.present, "confidence": self.confidence}
        return out


@dataclass
class Answers:
    """The project's answers and who coded them: the context of every reconcile decision.

    ``question``/``text``/``respondent``: answer id -> its question / text / respondent
    (stored order); ``coders``:
    answer id -> [(coder, source)] in the order they coded; ``sets``: (answer, coder,
    source) -> present codes; ``flagged``: answer id -> [(code, present, confidence)] of the
    machine's flagged cells."""

    question: dict[str, str]
    text: dict[str, str]
    respondent: dict[str, str] = field(default_factory=dict)
    coders: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    sets: dict[tuple[str, str, str], set[str]] = field(default_factory=dict)
    flagged: dict[str, list[tuple[str, bool, float | None]]] = field(default_factory=dict)

    def humans(self, rid: str) -> list[str]:
        from ..project.codings import HUMAN, RECONCILED

        return [c for c, s in self.coders.get(rid, []) if s == HUMAN and c != RECONCILED]

    def machine_only(self, rid: str) -> bool:
        from ..project.codings import MACHINE, MACHINE_SOURCE

        return not self.humans(rid) and (MACHINE, MACHINE_SOURCE) in self.coders.get(rid, [])

    def codes_of(self, rid: str, coder: str) -> set[str]:
        """The codes ``coder`` gave answer ``rid`` (the machine's present decisions)."""
        from ..project.codings import HUMAN, MACHINE, MACHINE_SOURCE

        source = MACHINE_SOURCE if coder == MACHINE else HUMAN
        return set(self.sets.get((rid, coder, source), set()))


def load_answers(store: Store) -> Answers:
    """Every answer with its coders' work (suggested rows are nobody's)."""
    from ..project import codings, responses

    df = responses.load(store)
    ans = Answers(
        dict(zip(df["id"], df["question"], strict=True)),
        dict(zip(df["id"], df["text"].astype(str), strict=True)),
        dict(zip(df["id"], df["respondent"], strict=True)),
    )
    units = codings.coded_units(store)
    for rid, coder, source in units[["response_id", "coder", "source"]].itertuples(index=False):
        ans.coders.setdefault(str(rid), []).append((str(coder), str(source)))
    rows = codings.codings(store)
    for rid, code, coder, source, present, flagged, conf in rows[
        ["response_id", "code", "coder", "source", "present", "flagged", "confidence"]
    ].itertuples(index=False):
        key = (str(rid), str(coder), str(source))
        if present:
            ans.sets.setdefault(key, set()).add(str(code))
        if flagged and source == codings.MACHINE_SOURCE:
            c = None if conf is None or conf != conf else float(conf)  # NaN: none
            ans.flagged.setdefault(str(rid), []).append((str(code), bool(present), c))
    return ans


def ordered(codes: set[str] | list[str], question: str, cb: Codebook | None) -> list[str]:
    """``codes`` that apply to ``question``, in codebook order (all, sorted, without one)."""
    if cb is None:
        return sorted(codes)
    rank = {c.name: i for i, c in enumerate(cb.codes)}
    keep = [c for c in codes if cb.applies(c, question)]
    return sorted(keep, key=lambda c: (rank.get(c, len(rank)), c))


def open_items(
    store: Store,
    *,
    answers: Answers | None = None,
    state: LogState | None = None,
    cb: Codebook | None = None,
) -> list[Item]:
    """The open items, disagreements then flagged cells, each in the answers' stored order."""
    from ..codebook import current
    from ..project.codings import MACHINE

    ans = load_answers(store) if answers is None else answers
    state = replay(store) if state is None else state
    cb = current(store) if cb is None else cb
    dis: list[Item] = []
    flg: list[Item] = []
    for rid, q in ans.question.items():
        humans = ans.humans(rid)
        if len(humans) >= 2 and not state.settled(rid):
            sets = {frozenset(ans.codes_of(rid, h)) for h in humans}
            if len(sets) > 1:
                shown = dict.fromkeys(humans)
                if (MACHINE, "machine") in ans.coders.get(rid, []):
                    shown[MACHINE] = None
                codes = {c: ordered(ans.codes_of(rid, c), q, cb) for c in shown}
                dis.append(Item(DISAGREEMENT, rid, q, ans.text[rid], codes))
        elif ans.machine_only(rid) and rid not in state.whole:
            machine = {MACHINE: ordered(ans.codes_of(rid, MACHINE), q, cb)}
            for code, present, conf in ans.flagged.get(rid, []):
                if (rid, code) not in state.cells:
                    flg.append(Item(FLAGGED, rid, q, ans.text[rid], machine, code, present, conf))
    return dis + flg
