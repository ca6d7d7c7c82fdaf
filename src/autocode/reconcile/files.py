"""A decisions file for ``autocode reconcile --file``: one row per answer, columns ``id``
and ``codes`` (``;``-separated; empty: no code applies), and optionally ``question`` (then
``id`` may be the respondent id). CSV (or tab-separated ``.tsv``/``.tab``), any encoding
autocode reads."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from .items import Answers


def _key(s: str) -> str:
    return " ".join(str(s).split()).casefold()


def read_decisions(path: str | Path, ans: Answers) -> tuple[dict[str, list[str]], dict[str, str]]:
    """(answer id -> codes, answer id -> "FILE: row N") read from ``path``. Ids are matched
    to ``ans``; an unknown one is left as written (the decision names it and is refused)."""
    from ..io.decode import decode_bytes
    from ..io.tables import read_bytes
    from . import parse_codes

    p = Path(path)
    text, _ = decode_bytes(read_bytes(p), p.name)
    delim = "\t" if p.suffix.lower() in (".tsv", ".tab") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise InputError(f"{p.name} is empty", "write a header id,codes and one row per answer")
    head = [_key(c) for c in rows[0]]
    if "id" not in head or "codes" not in head:
        raise InputError(
            f"{p.name}: needs columns id and codes (has {', '.join(rows[0][:6]) or 'none'})",
            "one row per answer: id,codes with codes ';'-separated; nothing was stored",
        )
    i_id, i_codes = head.index("id"), head.index("codes")
    i_q = head.index("question") if "question" in head else None
    by_pair = {(ans.respondent[rid], q): rid for rid, q in ans.question.items()}
    out: dict[str, list[str]] = {}
    where: dict[str, str] = {}
    for n, r in enumerate(rows[1:], start=2):
        cell = [*r, *([""] * len(head))]
        rid = cell[i_id].strip()
        if i_q is not None and cell[i_q].strip():
            rid = by_pair.get((rid, cell[i_q].strip()), rid)
        at = f"{p.name}: row {n}"
        if not rid:
            raise InputError(f"{at}: no id", "every row names an answer; nothing was stored")
        if rid in out:
            raise InputError(
                f"{at}: answer {rid!r} again (first on {where[rid].split(': ')[-1]})",
                "one row per answer; nothing was stored",
            )
        out[rid] = parse_codes(cell[i_codes])
        where[rid] = at
    if not out:
        raise InputError(f"{p.name} has no rows", "one row per answer under the header")
    return out, where
