"""The SQLite project store: migrations, transactions, the embedding cache."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from autocode.embed import HashEmbedder, embed_texts
from autocode.errors import InputError, StoreError
from autocode.project import open_store
from autocode.project.schema import MIGRATIONS


def test_created_on_first_use_with_recorded_migrations(tmp_path):
    p = tmp_path / "p.db"
    with open_store(p) as st:
        assert st.schema_version() == max(v for v, _, _ in MIGRATIONS)
        rows = st.conn.execute("SELECT version, name FROM schema_migrations").fetchall()
        assert [r[0] for r in rows] == sorted(v for v, _, _ in MIGRATIONS)
    with open_store(p) as st:  # reopening migrates nothing twice
        assert st.conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] == len(
            MIGRATIONS
        )


def test_missing_project_refused_when_not_creating(tmp_path):
    with pytest.raises(StoreError, match="no project"):
        open_store(tmp_path / "nope.db", create=False)
    assert not (tmp_path / "nope.db").exists()


def test_newer_schema_is_refused(tmp_path):
    p = tmp_path / "p.db"
    open_store(p).close()
    c = sqlite3.connect(p)
    c.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'x')")
    c.commit()
    c.close()
    with pytest.raises(StoreError, match="newer autocode"):
        open_store(p)


def test_not_a_database_is_one_clear_error(tmp_path):
    p = tmp_path / "p.db"
    p.write_text("hello, I am a CSV\n1,2,3\n")
    with pytest.raises(StoreError, match="not an autocode project"):
        open_store(p)
    assert p.read_text().startswith("hello")


def test_failed_transaction_leaves_nothing(tmp_path):
    with open_store(tmp_path / "p.db") as st:

        def crash_mid_write() -> None:
            with st.transaction() as c:
                c.execute(
                    "INSERT INTO decisions(run_id, action, payload, user, created_at) "
                    "VALUES ('r', 'accept', '{}', 'u', 't')"
                )
                raise RuntimeError("crash mid-write")

        with pytest.raises(RuntimeError, match="crash mid-write"):
            crash_mid_write()
        assert st.conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 0


def test_a_project_made_by_a_refused_command_is_removed_and_an_old_one_kept(tmp_path):
    """Bad input (an AutocodeError) out of the ``with`` block undoes the file this open
    made, and only that: an existing project, an empty file given as the project, or an
    interrupt (a killed run keeps what it embedded) stay."""
    new = tmp_path / "new.db"

    def refused(path):
        with open_store(path) as store:
            store.start_run("code", {})
            raise InputError("no codebook given")

    with pytest.raises(InputError):
        refused(new)
    assert not list(tmp_path.glob("new.db*"))
    old = tmp_path / "old.db"
    with open_store(old) as store:
        store.start_run("suggest", {})
    with pytest.raises(InputError), open_store(old):
        raise InputError("bad")
    with open_store(old, readonly=True) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(InputError), open_store(empty):
        raise InputError("bad")
    assert empty.exists()
    killed = tmp_path / "killed.db"
    with pytest.raises(KeyboardInterrupt), open_store(killed):
        raise KeyboardInterrupt
    assert killed.exists()


def test_runs_are_numbered_per_stage_and_record_versions(tmp_path):
    with open_store(tmp_path / "p.db") as st:
        a = st.start_run("suggest", {"x": 1}, seed=3, model_id="m", input_hash="h")
        b = st.start_run("suggest", {"x": 2}, seed=3, model_id="m", input_hash="h")
        st.finish_run(b)
        assert (a, b) == ("suggest-1", "suggest-2")
        run = st.latest_run("suggest")
        assert run["id"] == b
        assert run["seed"] == 3
        assert run["model_id"] == "m"
        assert "numpy" in run["versions"]
        assert run["finished_at"]


def test_a_run_interrupted_is_marked_failed_and_a_recorded_run_is_done(tmp_path):
    with open_store(tmp_path / "p.db") as st:
        rid = st.start_run("code", {})
        with pytest.raises(KeyboardInterrupt), st.failed_if_raised(rid):
            raise KeyboardInterrupt  # Ctrl-C in the middle of a run
        status = st.conn.execute("SELECT status FROM runs WHERE id = ?", (rid,)).fetchone()[0]
        assert status == "failed"
        ok = st.start_run("code", {})
        with st.failed_if_raised(ok):
            st.finish_run(ok)
        assert st.latest_run("code")["id"] == ok
        rec = st.record_run("validation", {"n": 3}, seed=7)
        run = st.latest_run("validation")
        assert run["id"] == rec
        assert run["seed"] == 7
        assert run["finished_at"]


class CountingEmbedder(HashEmbedder):
    def __init__(self):
        super().__init__(16)
        self.calls: list[int] = []

    def encode(self, texts, progress=None):
        self.calls.append(len(texts))
        return super().encode(texts, progress)


def test_embedding_cache_embeds_each_text_once(tmp_path):
    e = CountingEmbedder()
    with open_store(tmp_path / "p.db") as st:
        X1, n1 = embed_texts(["a b", "c d", "a b"], e, st)
        X2, n2 = embed_texts(["c d", "a b"], e, st)
    assert (n1, n2) == (2, 0)
    assert e.calls == [2]
    assert np.array_equal(X1[0], X1[2])
    assert np.array_equal(X1[1], X2[0])
    assert X1.dtype == np.float32
