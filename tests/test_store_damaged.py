"""A project file damaged in its data pages: every command that reads it says so in one line
(exit 2), with no traceback and no "internal error" — SQLite notices a damaged page only on
the query that reads it, and the CLI's error boundary turns that into the one message."""

from __future__ import annotations

import random
import sqlite3

import pytest
from _store_project import build, copy, read_commands, write_commands

from autocode.cli import main


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return build(tmp_path_factory.mktemp("damaged") / "project.db")


def _checkpoint(p):
    c = sqlite3.connect(p)
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()


def _pages(p) -> tuple[int, int]:
    head = p.read_bytes()[:100]
    size = int.from_bytes(head[16:18], "big")
    size = 65536 if size == 1 else size
    return size, p.stat().st_size // size


def _garble(p, pages: list[int]) -> None:
    """Write random bytes over whole pages (1-based page numbers)."""
    size, _ = _pages(p)
    rng = random.Random(11)
    data = bytearray(p.read_bytes())
    for n in pages:
        data[(n - 1) * size : n * size] = rng.randbytes(size)
    p.write_bytes(bytes(data))


def _root_page(p, table: str) -> int:
    c = sqlite3.connect(p)
    (n,) = c.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    c.close()
    return n


def _run_all(p, tmp_path, capsys) -> dict[str, tuple[int, str]]:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    results = {}
    for name, cmd in {**read_commands(p, out), **write_commands(p)}.items():
        capsys.readouterr()
        rc = main(cmd)
        cap = capsys.readouterr()
        results[name] = (rc, cap.err.strip())
        assert "Traceback" not in cap.out + cap.err, name
        assert "internal error" not in cap.err, (name, cap.err)
    return results


def _assert_damaged(name: str, rc: int, err: str) -> None:
    assert rc == 2, (name, rc, err)
    assert err.startswith("error: the project file"), (name, err)
    assert "is damaged" in err, (name, err)
    assert "restore it from a backup" in err, (name, err)
    assert "\n" not in err, (name, err)


def test_every_command_says_a_heavily_damaged_project_is_damaged(project, tmp_path, capsys):
    p = copy(project, tmp_path / "p.db")
    _checkpoint(p)
    _, n = _pages(p)
    _garble(p, list(range(2, n + 1)))  # everything but the header page
    for name, (rc, err) in _run_all(p, tmp_path, capsys).items():
        _assert_damaged(name, rc, err)


@pytest.mark.parametrize("table", ["responses", "codings", "decisions"])
def test_a_damaged_table_gives_the_one_message_wherever_it_is_read(
    project, tmp_path, capsys, table
):
    p = copy(project, tmp_path / "p.db")
    _checkpoint(p)
    _garble(p, [_root_page(p, table)])
    results = _run_all(p, tmp_path, capsys)
    hit = {name for name, (rc, _) in results.items() if rc != 0}
    assert hit, f"no command read the damaged {table} table"
    for name in hit:
        _assert_damaged(name, *results[name])


def test_a_damaged_page_in_the_middle(project, tmp_path, capsys):
    p = copy(project, tmp_path / "p.db")
    _checkpoint(p)
    _, n = _pages(p)
    _garble(p, [n // 2])
    for name, (rc, err) in _run_all(p, tmp_path, capsys).items():
        if rc != 0:  # a command that never reads that page may work
            _assert_damaged(name, rc, err)
