"""The append-only decision log (review, codebook imports, reconciliation, undo).

Rows are only ever appended: an undo is a new row whose ``reverses`` names the decision it
cancels. Callers replay the log to derive their state (:mod:`autocode.review.state`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .db import Store


def append(
    store: Store,
    run_id: str | None,
    action: str,
    payload: dict,
    user: str,
    created_at: str,
    reverses: int | None = None,
) -> int:
    """Append one decision (inside the caller's transaction); returns its id."""
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO decisions(run_id, action, payload, user, created_at, reverses) "
            "VALUES (?,?,?,?,?,?)",
            (
                run_id,
                action,
                json.dumps(payload, ensure_ascii=False, sort_keys=True),
                user,
                created_at,
                reverses,
            ),
        )
        return int(cur.lastrowid or 0)


def all_rows(store: Store) -> list[dict]:
    """Every decision, oldest first, with its payload decoded."""
    return [
        dict(r) | {"payload": json.loads(r["payload"])}
        for r in store.conn.execute("SELECT * FROM decisions ORDER BY id")
    ]


def version(store: Store) -> tuple[int, int]:
    """(decisions, highest id): changes whenever a decision is appended (by any process), so
    a state replayed from the log can be reused while it stays the same."""
    n, top = store.conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM decisions").fetchone()
    return int(n), int(top)
