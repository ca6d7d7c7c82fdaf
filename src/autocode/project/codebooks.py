"""Saved versions of the project's codebook (one per change; the latest is current)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .db import Store


def latest_content(store: Store) -> str | None:
    """The JSON document of the current codebook, or None before the first one."""
    row = store.conn.execute(
        "SELECT content FROM codebook_versions ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return None if row is None else str(row[0])


def save_version(
    store: Store, created_at: str, user: str | None, source: str, note: str | None, content: str
) -> int:
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO codebook_versions(created_at, user, source, note, content) "
            "VALUES (?,?,?,?,?)",
            (created_at, user, source, note, content),
        )
        return int(cur.lastrowid or 0)


def versions(store: Store) -> list[dict]:
    """Every saved version, oldest first (id, created_at, user, source, note, content)."""
    return [dict(r) for r in store.conn.execute("SELECT * FROM codebook_versions ORDER BY id")]
