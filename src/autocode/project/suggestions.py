"""The output of ``autocode suggest``: themes, suggestions, their members and each answer's
status in a run (clustered, assigned, unassigned, non-answer and its group)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .db import Store

_BY_NUMBER = "ORDER BY CAST(SUBSTR(id, 2) AS INTEGER), id"


def save(store: Store, run_id: str, result: Any) -> None:
    """Write a SuggestResult's themes, suggestions, members and response statuses."""
    with store.transaction() as c:
        c.executemany(
            "INSERT INTO themes(run_id, id, question, label) VALUES (?,?,?,?)",
            [(run_id, t.id, t.question, t.label) for t in result.themes],
        )
        c.executemany(
            "INSERT INTO suggestions(run_id, id, question, label, keywords, theme_id, size, "
            "exemplars) VALUES (?,?,?,?,?,?,?,?)",
            [
                (
                    run_id,
                    s.id,
                    s.question,
                    s.label,
                    json.dumps(s.keywords, ensure_ascii=False),
                    s.theme,
                    s.size,
                    json.dumps(s.exemplars, ensure_ascii=False),
                )
                for s in result.suggestions
            ],
        )
        rows = []
        # one status per response: an answer in several suggestions (its segments joined
        # several) is 'clustered' when it is a core member of one, else 'assigned'
        joined: dict[str, str] = {}
        for s in result.suggestions:
            extra = set(s.assigned_outliers)
            for m in s.members:
                rows.append((run_id, s.id, m, None, int(m in extra)))
                if joined.get(m) != "clustered":
                    joined[m] = "assigned" if m in extra else "clustered"
        status: list[tuple[str, str, str, str | None, str | None]] = [
            (run_id, m, st, None, None) for m, st in joined.items()
        ]
        c.executemany(
            "INSERT INTO suggestion_members(run_id, suggestion_id, response_id, score, "
            "assigned_outlier) VALUES (?,?,?,?,?)",
            rows,
        )
        for ids in result.unassigned.values():
            status += [(run_id, m, "unassigned", None, None) for m in ids]
        group = {
            m: (g.id, g.kind) for g in getattr(result, "non_answer_groups", []) for m in g.members
        }
        for ids in result.non_answers.values():
            status += [(run_id, m, "non_answer", *group.get(m, (None, None))) for m in ids]
        c.executemany(
            "INSERT INTO run_responses(run_id, response_id, status, group_id, kind) "
            "VALUES (?,?,?,?,?)",
            status,
        )


def suggestions(store: Store, run_id: str) -> list[dict]:
    """The run's suggestions (S1, S2 … in number order), keywords and exemplars decoded."""
    out = []
    for r in store.conn.execute(
        f"SELECT * FROM suggestions WHERE run_id = ? {_BY_NUMBER}", (run_id,)
    ):
        d = dict(r)
        d["keywords"] = list(json.loads(d["keywords"] or "[]"))
        d["exemplars"] = list(json.loads(d["exemplars"] or "[]"))
        out.append(d)
    return out


def themes(store: Store, run_id: str) -> list[dict]:
    return [
        dict(r)
        for r in store.conn.execute(
            f"SELECT * FROM themes WHERE run_id = ? {_BY_NUMBER}", (run_id,)
        )
    ]


def members(store: Store, run_id: str) -> list[tuple[str, str, bool]]:
    """(suggestion id, response id, assigned as an outlier) in the order written."""
    return [
        (str(s), str(m), bool(x))
        for s, m, x in store.conn.execute(
            "SELECT suggestion_id, response_id, assigned_outlier FROM suggestion_members "
            "WHERE run_id = ? ORDER BY rowid",
            (run_id,),
        )
    ]


def statuses(
    store: Store, run_id: str
) -> list[tuple[str, str, str | None, str | None, str | None]]:
    """(response id, status, non-answer group id, group kind, question) in the order written."""
    return [
        (r[0], r[1], r[2], r[3], r[4])
        for r in store.conn.execute(
            "SELECT r.response_id, r.status, r.group_id, r.kind, x.question FROM run_responses r "
            "LEFT JOIN responses x ON x.id = r.response_id WHERE r.run_id = ? ORDER BY r.rowid",
            (run_id,),
        )
    ]
