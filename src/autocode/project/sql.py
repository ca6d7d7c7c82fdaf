"""Small helpers every repository of the project package uses (and nothing else does)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TypeVar

T = TypeVar("T")

#: SQLite's default limit on host parameters is 999: ``IN (?, …)`` lists stay below it
CHUNK = 900


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size`` (for ``IN (?, …)`` queries)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def placeholders(n: int) -> str:
    """``?,?,…`` for ``n`` parameters."""
    return ",".join("?" * n)


def now_iso() -> str:
    """The time now, UTC, to the second (every timestamp in a project)."""
    return datetime.now(UTC).isoformat(timespec="seconds")
