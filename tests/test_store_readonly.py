"""A read-only project file or folder: commands that only read work (the project is opened
``mode=ro``, ``immutable=1`` in a read-only folder), commands that write fail with one line,
and the file is not changed.

The tests run as root here, and permission bits do not stop root (CAP_DAC_OVERRIDE). So the
commands run in a child process that cannot override them: as root, under
``setpriv --bounding-set=-dac_override,-dac_read_search`` (root without those capabilities
obeys file modes like any user — the same as a read-only mount or a colleague's file);
as another user, directly.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys

import pytest
from _store_project import build, copy, read_commands, sha256, write_commands

from autocode.errors import StoreError
from autocode.project import open_store

DRIVER = """
import contextlib, io, json, sys
from autocode.cli import main
out = {}
for name, cmd in json.loads(sys.argv[1]).items():
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(cmd)
    out[name] = [rc, err.getvalue()]
print(json.dumps(out))
"""


def _unprivileged() -> list[str]:
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    drop = [setpriv, "--bounding-set=-dac_override,-dac_read_search"] if setpriv else []
    if drop and subprocess.run([*drop, "true"], capture_output=True).returncode == 0:
        return drop
    pytest.skip("running as root without setpriv: file permissions cannot be enforced")


def _run(cmds: dict[str, list[str]], cwd) -> dict[str, tuple[int, str]]:
    res = subprocess.run(
        [*_unprivileged(), sys.executable, "-c", DRIVER, json.dumps(cmds)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    return {k: (rc, err) for k, (rc, err) in json.loads(res.stdout.splitlines()[-1]).items()}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    p = build(tmp_path_factory.mktemp("ro") / "project.db")
    open_store(p).close()  # the last connection closes: WAL merged, no -wal/-shm left
    return p


def _readonly(path) -> None:
    path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _check(results, reads, writes):
    for name in reads:
        rc, err = results[name]
        assert rc == 0, (name, err)
    for name in writes:
        rc, err = results[name]
        assert rc == 2, (name, err)
        line = err.strip()
        assert line.startswith("error: the project"), (name, line)
        assert "is read-only" in line, (name, line)
        assert "\n" not in line
        assert "internal error" not in line


@pytest.mark.parametrize("what", ["file", "folder"])
def test_read_commands_work_and_write_commands_fail_on_a_readonly_project(project, tmp_path, what):
    folder = tmp_path / "shared"
    folder.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    p = copy(project, folder / "project.db")
    before = sha256(p)
    _readonly(p)
    if what == "folder":
        _readonly(folder)
    reads, writes = read_commands(p, out), write_commands(p)
    try:
        results = _run({**reads, **writes}, cwd=out)
    finally:
        folder.chmod(0o755)
        p.chmod(0o644)
    _check(results, reads, writes)
    assert sha256(p) == before
    assert (out / "report.html").exists()
    assert (out / "project.qdpx").exists()
    if what == "folder":
        assert sorted(f.name for f in folder.iterdir()) == ["project.db"]


def test_a_readonly_store_refuses_to_write(project, tmp_path):
    p = copy(project, tmp_path / "p.db")
    before = sha256(p)
    with open_store(p, readonly=True) as st:
        assert st.conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0] > 0
        with pytest.raises(StoreError, match="opened read-only"), st.transaction():
            pass
    assert sha256(p) == before
