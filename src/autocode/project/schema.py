"""The project's schema: numbered migrations, applied in order inside a transaction and
recorded in ``schema_migrations`` (the sqlite-utils / llm pattern). Append only; never edit
a released migration. :mod:`autocode.project.db` opens projects; the repositories beside
it own the writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from ..errors import StoreError
from . import disk
from .sql import now_iso

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

# the study model (issue 12): named coders' coded answers, machine decisions with per-cell
# flags, the training answers of each coding run, blanks recorded when a survey is loaded
_M5 = """
CREATE TABLE codings_v5 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    response_id TEXT NOT NULL,
    code TEXT NOT NULL,
    coder TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('human', 'machine', 'suggested')),
    present INTEGER NOT NULL DEFAULT 1 CHECK (present IN (0, 1)),
    flagged INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
    confidence REAL,
    run_id TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (response_id, code, coder, source)
);
INSERT INTO codings_v5(id, response_id, code, coder, source, present, flagged, confidence,
                       run_id, created_at)
    SELECT id, response_id, code, coder,
           CASE WHEN source = 'machine' AND status = 'suggested' THEN 'suggested' ELSE source END,
           CASE WHEN status = 'rejected' THEN 0 ELSE 1 END,
           CASE WHEN source = 'machine' AND status = 'needs_review' THEN 1 ELSE 0 END,
           confidence, run_id, created_at
    FROM codings WHERE status IS NULL OR status != 'rejected';
DROP TABLE codings;
ALTER TABLE codings_v5 RENAME TO codings;
CREATE INDEX codings_coder ON codings(coder, source);
CREATE INDEX codings_response ON codings(response_id);
CREATE TABLE coded_units (
    response_id TEXT NOT NULL,
    coder TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('human', 'machine')),
    run_id TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (response_id, coder, source)
);
INSERT INTO coded_units(response_id, coder, source, run_id, created_at)
    SELECT response_id, coder, source, MAX(run_id), MIN(created_at) FROM codings
    WHERE source IN ('human', 'machine') GROUP BY response_id, coder, source;
CREATE TABLE run_training (
    run_id TEXT NOT NULL,
    response_id TEXT NOT NULL,
    PRIMARY KEY (run_id, response_id)
);
INSERT INTO run_training(run_id, response_id)
    SELECT r.id, u.response_id FROM runs r, coded_units u
    WHERE r.stage = 'code' AND u.source = 'human';
CREATE TABLE question_blanks (
    question TEXT PRIMARY KEY,
    blanks INTEGER NOT NULL
);
"""

MIGRATIONS: list[tuple[int, str, str | Callable[[sqlite3.Connection], None]]] = [
    (1, "initial schema", _M1),
    (2, "question labels", _M2),
    (3, "non-answer groups of a suggest run", _M3),
    (4, "the process of a run", _M4),
    (5, "the study model: coded answers, machine decisions, training answers, blanks", _M5),
]


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
    disk.retry_locked(lambda: conn.execute("BEGIN IMMEDIATE"))
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        if conn.execute("PRAGMA application_id").fetchone()[0] != disk.APPLICATION_ID:
            conn.execute(f"PRAGMA application_id = {disk.APPLICATION_ID}")
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    pending(conn)  # a newer schema is refused before anything else
    done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
    for version, name, step in MIGRATIONS:
        if version in done:
            continue
        disk.retry_locked(lambda: conn.execute("BEGIN IMMEDIATE"))
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
