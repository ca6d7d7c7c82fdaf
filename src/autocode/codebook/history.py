"""Store-side views of the codebook: saved versions and how many responses carry each code."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .model import Codebook

if TYPE_CHECKING:  # pragma: no cover
    from ..project import Store


def counts(store: Store) -> dict[str, dict[str, int]]:
    """Per code name: responses with a suggested (review), other machine, and human coding."""
    from ..project.codings import code_counts

    return code_counts(store)


def versions(store: Store) -> list[dict]:
    """The saved codebook versions, oldest first (id, at, user, source, note, codes)."""
    out = []
    from ..project.codebooks import versions as saved

    for r in saved(store):
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
