"""No SQL outside ``src/autocode/project/`` (docs/study-model.md: one package owns the file).

The check of the issue, exactly: ``grep -rn "execute(" src/autocode | grep -v /project/``
must print nothing; plus the other ways a module could talk to SQLite directly."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "autocode"


def _outside_project() -> list[Path]:
    files = sorted(SRC.rglob("*.py"))
    assert files, "the package sources are not where this test looks"
    return [p for p in files if "project" not in p.relative_to(SRC).parts[:1]]


def test_no_execute_call_outside_the_project_package():
    hits = [
        f"{p.relative_to(SRC)}:{n}: {line.strip()}"
        for p in _outside_project()
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if "execute(" in line
    ]
    assert hits == []


def test_no_sqlite_connection_or_query_outside_the_project_package():
    pattern = re.compile(r"\bimport sqlite3\b|executemany\(|executescript\(|read_sql|\.conn\b")
    hits = [
        f"{p.relative_to(SRC)}:{n}: {line.strip()}"
        for p in _outside_project()
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert hits == []


def test_the_check_finds_sql_where_there_is_some():
    # the project package itself is full of it: the scan sees real files and real lines
    inside = [p for p in sorted(SRC.rglob("*.py")) if p.relative_to(SRC).parts[0] == "project"]
    assert any("execute(" in p.read_text(encoding="utf-8") for p in inside)
