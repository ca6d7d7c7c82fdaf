"""A run killed with SIGKILL: marked failed when the project is next opened, and the
embeddings it computed so far stay in the cache (they are committed batch by batch)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from autocode import embed
from autocode.cli import main
from autocode.embed import CACHE_BATCH, HashEmbedder
from autocode.io import read_responses
from autocode.project import open_store
from autocode.project.disk import process_token, this_host
from autocode.suggest import run_suggest

# Loaded by the child through PYTHONPATH: the first batch embeds at once, the next one
# hangs, so the child is always killed with exactly one batch committed.
SITECUSTOMIZE = """
import time
from autocode import embed
from autocode.cli import main

_encode = embed.HashEmbedder.encode
_calls = []


def encode(self, texts, progress=None):
    _calls.append(len(texts))
    if len(_calls) > 1:
        time.sleep(600)
    return _encode(self, texts, progress)


embed.HashEmbedder.encode = encode
"""


def _survey(path, n: int):
    words = ["parking", "staff", "waiting", "food", "noise", "nurses", "signs", "beds"]
    lines = ["id,comment"]
    for i in range(n):
        lines.append(f"{i + 1},Answer {i} about the {words[i % 8]} and the {words[(i // 8) % 8]}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _count(db, sql: str) -> int:
    try:
        c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return c.execute(sql).fetchone()[0]
        finally:
            c.close()
    except sqlite3.Error:  # not created yet
        return -1


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL")
def test_a_killed_suggest_run_is_failed_and_keeps_its_embeddings(tmp_path, capsys):
    n = 2 * CACHE_BATCH + 100
    csv = _survey(tmp_path / "survey.csv", n)
    db = tmp_path / "p.db"
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(SITECUSTOMIZE)
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "hook"))
    child = subprocess.Popen(
        [sys.executable, "-m", "autocode", "suggest", str(csv), "--model", "hash", "-p", str(db)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(1200):  # at most 2 minutes: the first batch is committed
            if _count(db, "SELECT COUNT(*) FROM embeddings") >= CACHE_BATCH:
                break
            assert child.poll() is None, child.stderr.read().decode()[-2000:]
            time.sleep(0.1)
        else:
            pytest.fail("the child never committed a batch of embeddings")
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert _count(db, "SELECT COUNT(*) FROM runs WHERE status = 'running'") == 1

    # the next open, even by a command that only reads, notices the process is gone
    capsys.readouterr()
    assert main(["runs", "-p", str(db), "--json"]) == 0
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    assert run["status"] == "failed"
    assert run["finished_at"]
    with open_store(db) as st:
        run = st.latest_run("suggest", status="failed")
        assert run is not None
        assert run["finished_at"]
        assert run["pid"] == child.pid
        assert st.conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == CACHE_BATCH
        # the next run embeds only what the killed one had not
        _, _, info = run_suggest(st, read_responses(csv), HashEmbedder(64))
        assert info == {"embedded": n - CACHE_BATCH, "cached": CACHE_BATCH}


def _insert_run(st, run_id, pid, host, token):
    with st.transaction() as c:
        c.execute(
            "INSERT INTO runs(id, stage, params, versions, started_at, status, pid, host, "
            "process) VALUES (?, 'suggest', '{}', '{}', 'x', 'running', ?, ?, ?)",
            (run_id, pid, host, token),
        )


def test_only_runs_whose_process_is_gone_are_failed(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    me = os.getpid()
    p = tmp_path / "p.db"
    with open_store(p) as st:
        _insert_run(st, "dead", gone.pid, this_host(), None)
        _insert_run(st, "reused-pid", me, this_host(), "another-boot:1")
        _insert_run(st, "alive", me, this_host(), process_token())
        _insert_run(st, "other-host", gone.pid, "elsewhere.example", None)
        _insert_run(st, "before-migration-4", None, None, None)
    with open_store(p) as st:
        status = dict(st.conn.execute("SELECT id, status FROM runs").fetchall())
        finished = dict(st.conn.execute("SELECT id, finished_at FROM runs").fetchall())
    if process_token() is None:  # no /proc: a reused pid cannot be told apart
        status.pop("reused-pid")
    assert status.pop("dead") == "failed"
    assert finished["dead"]
    assert set(status.values()) <= {"failed", "running"}
    assert status == {
        **({"reused-pid": "failed"} if "reused-pid" in status else {}),
        "alive": "running",
        "other-host": "running",
        "before-migration-4": "running",
    }


def test_embeddings_are_committed_batch_by_batch(tmp_path, monkeypatch):
    monkeypatch.setattr(embed, "CACHE_BATCH", 10)
    texts = [f"text number {i}" for i in range(25)]
    calls = []

    class Failing(HashEmbedder):
        def encode(self, batch, progress=None):
            calls.append(len(batch))
            if len(calls) == 3:
                raise KeyboardInterrupt  # Ctrl-C in the third batch
            return super().encode(batch, progress)

    with open_store(tmp_path / "p.db") as st:
        with pytest.raises(KeyboardInterrupt):
            embed.embed_texts(texts, Failing(16), st)
        assert calls == [10, 10, 5]
        assert st.conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == 20
        X, n_new = embed.embed_texts(texts, HashEmbedder(16), st)
    assert n_new == 5
    assert X.shape == (25, 16)
