"""Store-side views of the codebook: saved versions and how many responses carry each code."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .model import Codebook

if TYPE_CHECKING:  # pragma: no cover
    from ..store import Store


def counts(store: Store) -> dict[str, dict[str, int]]:
    """Per code name: responses with a suggested (review), other machine, and human coding."""
    out: dict[str, dict[str, int]] = {}
    for r in store.conn.execute(
        "SELECT code, source, status = 'suggested' AND coder = ? AS sugg, "
        "COUNT(DISTINCT response_id) FROM codings GROUP BY 1, 2, 3",
        ("autocode",),
    ):
        key = "suggested" if r[2] else r[1]
        c = out.setdefault(r[0], {"suggested": 0, "machine": 0, "human": 0})
        c[key] += r[3]
    return out


def versions(store: Store) -> list[dict]:
    """The saved codebook versions, oldest first (id, at, user, source, note, codes)."""
    out = []
    for r in store.conn.execute("SELECT * FROM codebook_versions ORDER BY id"):
        doc = json.loads(r["content"])
        cb = Codebook.from_dict(doc, "a stored codebook version")
        out.append(
            {
                "id": r["id"],
                "at": r["created_at"],
                "user": r["user"],
                "source": r["source"],
                "note": r["note"],
                "themes": len(cb.themes),
                "codes": len(cb.all_codes()),
            }
        )
    return out
