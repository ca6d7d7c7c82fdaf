"""The project's schema: numbered migrations, applied in order inside a transaction and
recorded in ``schema_migrations`` (the sqlite-utils / llm pattern). Append only; never edit
a released migration. :mod:`autocode.store` opens projects and owns the writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

from . import project_file
from .errors import StoreError

_M1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    format TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);
CREATE TABLE responses (
    id TEXT PRIMARY KEY,
    respondent TEXT NOT NULL,
    question TEXT NOT NULL,
    text TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    non_answer INTEGER NOT NULL DEFAULT 0,
    source_id INTEGER REFERENCES sources(id),
    UNIQUE (respondent, question)
);
CREATE INDEX responses_question ON responses(question);
CREATE TABLE respondent_attributes (
    respondent TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT,
    PRIMARY KEY (respondent, name)
);
CREATE TABLE embeddings (
    model_id TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model_id, text_hash)
);
CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    stage TEXT NOT NULL,
    params TEXT NOT NULL,
    seed INTEGER,
    model_id TEXT,
    versions TEXT NOT NULL,
    input_hash TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running'
);
CREATE TABLE themes (
    run_id TEXT NOT NULL REFERENCES runs(id),
    id TEXT NOT NULL,
    question TEXT,
    label TEXT NOT NULL,
    PRIMARY KEY (run_id, id)
);
CREATE TABLE suggestions (
    run_id TEXT NOT NULL REFERENCES runs(id),
    id TEXT NOT NULL,
    question TEXT,
    label TEXT NOT NULL,
    keywords TEXT NOT NULL,
    theme_id TEXT,
    size INTEGER NOT NULL,
    exemplars TEXT NOT NULL,
    PRIMARY KEY (run_id, id)
);
CREATE TABLE suggestion_members (
    run_id TEXT NOT NULL,
    suggestion_id TEXT NOT NULL,
    response_id TEXT NOT NULL REFERENCES responses(id),
    score REAL,
    assigned_outlier INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, suggestion_id, response_id)
);
CREATE INDEX suggestion_members_response ON suggestion_members(run_id, response_id);
CREATE TABLE run_responses (
    run_id TEXT NOT NULL,
    response_id TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (run_id, response_id)
);
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT,
    action TEXT NOT NULL,
    payload TEXT NOT NULL,
    user TEXT NOT NULL,
    created_at TEXT NOT NULL,
    reverses INTEGER REFERENCES decisions(id)
);
CREATE TABLE codebook_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    user TEXT,
    source TEXT NOT NULL,
    note TEXT,
    content TEXT NOT NULL
);
CREATE TABLE codings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    response_id TEXT NOT NULL,
    code TEXT NOT NULL,
    coder TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('human', 'machine')),
    status TEXT,
    confidence REAL,
    run_id TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (response_id, code, coder)
);
CREATE INDEX codings_coder ON codings(coder);
"""

# (version, name, SQL script or callable(conn)). Append only; never edit a released migration.
_M2 = """
CREATE TABLE question_labels (
    question TEXT PRIMARY KEY,
    label TEXT NOT NULL
);
"""

_M3 = """
ALTER TABLE run_responses ADD COLUMN group_id TEXT;
ALTER TABLE run_responses ADD COLUMN kind TEXT;
"""

# the process that runs a run, so a run whose process died can be marked failed
_M4 = """
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN host TEXT;
ALTER TABLE runs ADD COLUMN process TEXT;
"""

MIGRATIONS: list[tuple[int, str, str | Callable[[sqlite3.Connection], None]]] = [
    (1, "initial schema", _M1),
    (2, "question labels", _M2),
    (3, "non-answer groups of a suggest run", _M3),
    (4, "the process of a run", _M4),
]


def now_iso() -> str:
    """The time now, UTC, to the second (every timestamp in a project)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def pending(conn: sqlite3.Connection) -> list[int]:
    """Migrations not applied yet; refuses a project written by a newer autocode."""
    has = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")} if has else set()
    known = {v for v, _, _ in MIGRATIONS}
    if done - known:
        raise StoreError(
            f"the project was written by a newer autocode (schema {max(done)})",
            "upgrade autocode to open it",
        )
    return [v for v in sorted(known) if v not in done]


def migrate(conn: sqlite3.Connection) -> None:
    # the mark and the migrations table in one transaction: another process opening the file
    # meanwhile sees either no table at all (a new file) or a marked project
    project_file.retry_locked(lambda: conn.execute("BEGIN IMMEDIATE"))
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        if conn.execute("PRAGMA application_id").fetchone()[0] != project_file.APPLICATION_ID:
            conn.execute(f"PRAGMA application_id = {project_file.APPLICATION_ID}")
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    pending(conn)  # a newer schema is refused before anything else
    done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
    for version, name, step in MIGRATIONS:
        if version in done:
            continue
        project_file.retry_locked(lambda: conn.execute("BEGIN IMMEDIATE"))
        try:
            # re-check under the write lock: another process may have migrated meanwhile
            if conn.execute(
                "SELECT 1 FROM schema_migrations WHERE version = ?", (version,)
            ).fetchone():
                conn.rollback()
                continue
            if isinstance(step, str):
                for stmt in _split_sql(step):
                    conn.execute(stmt)
            else:
                step(conn)
            conn.execute(
                "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?,?,?)",
                (version, name, now_iso()),
            )
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


def _split_sql(script: str) -> list[str]:
    # executescript() would COMMIT implicitly; split so the migration stays in one transaction
    return [s.strip() for s in script.split(";") if s.strip()]
