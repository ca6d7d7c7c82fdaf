"""A tiny project with one finished suggest run, written straight into the store tables.

Used by the codebook/review tests (no model, no clustering): six suggestions, S4 mixes two
topics (food, noise) so that splitting it has an obvious answer, S1 and S6 are both about
staff (a merge), and one human coding that the review must never touch.
"""

from __future__ import annotations

import json
from pathlib import Path

from autocode.embed import text_hash
from autocode.project import codings as coding_rows
from autocode.project import now_iso, open_store

TOPICS = {
    "S1": (
        "staff / friendly / kind",
        "T1",
        ["The staff were friendly and kind {i}", "Friendly kind staff on the ward {i}"],
    ),
    "S2": (
        "waiting / times / long",
        "T2",
        ["Waiting times were far too long {i}", "Long waiting time in clinic {i}"],
    ),
    "S3": (
        "parking / car / park",
        "T3",
        ["Parking at the car park is hard {i}", "Car parking costs too much {i}"],
    ),
    "S4": (
        "food / noise / ward",
        "T3",
        ["The food was cold and tasteless {i}", "Noise on the ward at night was loud {i}"],
    ),
    "S5": ("nothing / improve", None, ["Nothing to improve {i}", "nothing at all {i}"]),
    "S6": (
        "staff / helpful / caring",
        "T1",
        ["Helpful caring staff {i}", "Staff were helpful and caring {i}"],
    ),
}
THEMES = {"T1": "Staff", "T2": "Access", "T3": "Environment"}
PER_SUGGESTION = 8


def make_project(
    path: Path,
    run_id: str = "suggest-1",
    question: str = "what_was_good",
    model_id: str = "hash-embedder-v1-64",
) -> Path:
    """Create (or add a run to) a project at ``path``; returns the path."""
    store = open_store(path)
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO runs(id, stage, params, seed, model_id, versions, started_at, "
            "finished_at, status) VALUES (?, 'suggest', '{}', 0, ?, '{}', ?, ?, 'done')",
            (run_id, model_id, now_iso(), now_iso()),
        )
        for tid, label in THEMES.items():
            conn.execute(
                "INSERT INTO themes(run_id, id, question, label) VALUES (?,?,?,?)",
                (run_id, tid, question, label),
            )
        n = 0
        for sid, (label, theme, templates) in TOPICS.items():
            members = []
            for i in range(PER_SUGGESTION):
                n += 1
                rid = f"{run_id}-r{n:03d}"
                text = templates[i % 2].format(i=i)
                conn.execute(
                    "INSERT OR IGNORE INTO responses(id, respondent, question, text, text_hash) "
                    "VALUES (?,?,?,?,?)",
                    (rid, rid, question, text, text_hash(text)),
                )
                members.append((rid, text))
            conn.execute(
                "INSERT INTO suggestions(run_id, id, question, label, keywords, theme_id, size, "
                "exemplars) VALUES (?,?,?,?,?,?,?,?)",
                (
                    run_id,
                    sid,
                    question,
                    label,
                    json.dumps(label.split(" / ")),
                    theme,
                    len(members),
                    json.dumps([{"id": r, "text": t} for r, t in members[:3]]),
                ),
            )
            conn.executemany(
                "INSERT INTO suggestion_members(run_id, suggestion_id, response_id, score) "
                "VALUES (?,?,?,1.0)",
                [(run_id, sid, r) for r, _ in members],
            )
        coding_rows.replace_human(store, "alice", {f"{run_id}-r001": ["Staff attitude"]})
    store.close()
    return path


def state_summary(path: Path) -> dict:
    """Codes by theme and the machine-suggested codings, for compact assertions."""
    from autocode.review import load_state

    store = open_store(path, create=False)
    try:
        st = load_state(store)
        cb = st.codebook
        out = {
            "themes": {t.name: [c.name for c in t.codes] for t in cb.themes},
            "loose": [c.name for c in cb.loose],
            "suggested": dict(
                store.conn.execute(
                    "SELECT code, COUNT(*) FROM codings WHERE source='suggested' GROUP BY code"
                ).fetchall()
            ),
            "human": store.conn.execute(
                "SELECT COUNT(*) FROM codings WHERE source='human'"
            ).fetchone()[0],
        }
    finally:
        store.close()
    return out


def decide_many(path: str, user: str, plan: list[tuple[str, str, str]], barrier, out) -> None:
    """Worker for the concurrency test: record (action, run, suggestion) decisions."""
    from autocode import review
    from autocode.errors import AutocodeError
    from autocode.project import open_store

    store = open_store(path)
    barrier.wait()
    ok = 0
    for action, run, sid in plan:
        try:
            if action == "accept":
                review.accept(store, sid, name=f"{run} {sid}", run_id=run, user=user)
            else:
                review.reject(store, sid, run_id=run, user=user)
            ok += 1
        except AutocodeError:
            pass
    store.close()
    out.put((user, ok))
