"""Two processes recording decisions at the same time lose nothing."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3

from _review_project import TOPICS, decide_many, make_project

from autocode.codebook import load


def test_two_writers_lose_nothing(tmp_path):
    p = tmp_path / "p.db"
    runs = [f"suggest-{i}" for i in range(1, 5)]
    for r in runs:
        make_project(p, run_id=r)
    sids = list(TOPICS)
    plan_a = [("accept", r, s) for r in runs[:2] for s in sids] + [("accept", "suggest-4", "S6")]
    plan_b = [("reject", r, s) for r in runs[2:] for s in sids]
    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=decide_many, args=(str(p), "A", plan_a, barrier, out)),
        ctx.Process(target=decide_many, args=(str(p), "B", plan_b, barrier, out)),
    ]
    for proc in procs:
        proc.start()
    got = dict(out.get(timeout=120) for _ in procs)
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    ok_a, ok_b = got["A"], got["B"]
    # suggest-4 S6 was contested: exactly one of the two writers got it
    assert ok_a + ok_b == 12 + 12
    conn = sqlite3.connect(p)
    rows = conn.execute("SELECT user, action, run_id, payload FROM decisions").fetchall()
    assert len(rows) == 24
    ids = [r[0] for r in conn.execute("SELECT id FROM decisions ORDER BY id")]
    assert ids == list(range(1, 25))
    cb = load(p)
    accepted = sum(1 for r in rows if r[1] == "accept")
    assert len(cb.codes) == accepted
    n = conn.execute("SELECT COUNT(*) FROM codings WHERE source='suggested'").fetchone()[0]
    assert n == 8 * accepted
    versions = conn.execute("SELECT COUNT(*) FROM codebook_versions").fetchone()[0]
    assert versions == accepted  # one saved version per change of the codebook
