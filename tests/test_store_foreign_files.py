"""Only autocode projects are ever written: another application's SQLite file (or any other
file) given as --project is refused by every command, reading or writing, and left
byte-identical; empty files and projects of earlier versions still open."""

from __future__ import annotations

import sqlite3

import pytest
from _store_project import SURVEY, read_commands, sha256, write_commands

from autocode.cli import main
from autocode.errors import StoreError
from autocode.project import open_store
from autocode.project.disk import APPLICATION_ID
from autocode.project.schema import _M1, MIGRATIONS


def _other_app_db(p, application_id: int = 0):
    c = sqlite3.connect(p)
    c.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    c.executemany("INSERT INTO customers(name) VALUES (?)", [("Ada",), ("Grace",)])
    if application_id:
        c.execute(f"PRAGMA application_id = {application_id}")
    c.commit()
    c.close()
    return p


def _all_commands(p, tmp_path):
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    return {**read_commands(p, out), **write_commands(p)}


@pytest.mark.parametrize("application_id", [0, 0x47504B47])  # none, GeoPackage's
def test_another_applications_database_is_refused_and_untouched(tmp_path, capsys, application_id):
    p = _other_app_db(tmp_path / "crm.db", application_id)
    before = sha256(p)
    for name, cmd in _all_commands(p, tmp_path).items():
        capsys.readouterr()
        rc = main(cmd)
        err = capsys.readouterr().err.strip()
        assert rc == 2, name
        assert err.startswith("error: "), (name, err)
        assert "\n" not in err, (name, err)
        assert "not an autocode project" in err, (name, err)
        assert "--project" in err, (name, err)
        assert sha256(p) == before, f"{name} changed the file"
    c = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
    tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master")}
    c.close()
    assert tables == {"customers"}


def test_a_text_file_is_refused_and_untouched(tmp_path, capsys):
    p = tmp_path / "notes.db"
    p.write_text("id,comment\n1,not a database\n")
    before = sha256(p)
    for name, cmd in _all_commands(p, tmp_path).items():
        assert main(cmd) == 2, name
        assert "not an autocode project" in capsys.readouterr().err
        assert sha256(p) == before, name


@pytest.mark.parametrize("start", ["missing", "zero bytes", "sqlite without tables"])
def test_a_new_path_or_empty_file_becomes_a_marked_project(tmp_path, start):
    p = tmp_path / "new.db"
    if start == "zero bytes":
        p.write_bytes(b"")
    elif start == "sqlite without tables":
        sqlite3.connect(p).execute("VACUUM").connection.close()
        assert p.stat().st_size > 0
    assert main(["suggest", str(SURVEY), "--model", "hash", "-p", str(p), "--json"]) == 0
    assert int.from_bytes(p.read_bytes()[68:72], "big") == APPLICATION_ID


def test_read_commands_on_an_empty_file_say_there_is_no_project(tmp_path, capsys):
    p = tmp_path / "empty.db"
    p.write_bytes(b"")
    assert main(["decisions", "-p", str(p)]) == 2
    assert "no project at" in capsys.readouterr().err
    assert p.read_bytes() == b""


def _legacy_project(p):
    """A project as autocode wrote it before the application id (schema 3, no mark)."""
    c = sqlite3.connect(p)
    c.executescript(_M1)
    c.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at TEXT NOT NULL)"
    )
    c.execute("CREATE TABLE question_labels (question TEXT PRIMARY KEY, label TEXT NOT NULL)")
    c.execute("ALTER TABLE run_responses ADD COLUMN group_id TEXT")
    c.execute("ALTER TABLE run_responses ADD COLUMN kind TEXT")
    c.executemany(
        "INSERT INTO schema_migrations VALUES (?, ?, 'x')",
        [(1, "initial schema"), (2, "question labels"), (3, "non-answer groups")],
    )
    c.execute(
        "INSERT INTO decisions(run_id, action, payload, user, created_at) "
        "VALUES ('suggest-1', 'reject', '{\"suggestion\": \"S1\"}', 'ada', '2024-01-01T00:00:00')"
    )
    c.commit()
    c.close()
    return p


def test_projects_of_earlier_versions_still_open(tmp_path, capsys):
    p = _legacy_project(tmp_path / "old.db")
    before = sha256(p)
    assert main(["decisions", "-p", str(p), "--json"]) == 0  # reading: migrated in memory
    assert '"ada"' in capsys.readouterr().out
    assert sha256(p) == before
    with open_store(p) as st:  # writing: migrated and marked
        assert st.schema_version() == max(v for v, _, _ in MIGRATIONS)
        assert st.conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_a_table_set_that_only_resembles_a_project_is_refused(tmp_path):
    p = tmp_path / "rails.db"
    c = sqlite3.connect(p)
    c.execute("CREATE TABLE schema_migrations (version TEXT PRIMARY KEY)")
    c.execute("CREATE TABLE responses (id INTEGER PRIMARY KEY, body TEXT)")
    c.commit()
    c.close()
    before = sha256(p)
    with pytest.raises(StoreError, match="another application's SQLite database"):
        open_store(p)
    assert sha256(p) == before
