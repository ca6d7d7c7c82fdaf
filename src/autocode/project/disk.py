"""The project file on disk: what may be opened, how, and what its SQLite errors mean.

- **Only autocode projects are written.** A project is marked in its SQLite header
  (``PRAGMA application_id`` = :data:`APPLICATION_ID`, "AuCd"); projects written before the
  mark are recognised by their tables (every table of migration 1 plus ``schema_migrations``)
  and marked when next opened for writing. A new path, an empty (0-byte) file or a SQLite
  file without a single table may become a project; any other file — another application's
  database, a CSV given as ``--project`` — is refused before anything is written, and stays
  byte-identical (it is only ever read through a ``mode=ro`` connection).
- **Read-only projects.** Commands that only read open the project with ``mode=ro``; a WAL
  project in a folder that cannot be written (no ``-shm`` file can be made there) is opened
  ``immutable=1`` instead, unless a ``-wal`` file holds changes not yet in the project.
- **Orphaned runs.** A run records the process that runs it (pid, host, and a token of the
  process's start: boot id and start time, so a reused pid is not mistaken for it); a run
  still ``running`` whose process is gone is marked ``failed`` when the project is next
  opened (by any command, if the file can be written).
- **SQLite errors** met while a command works on the project (a damaged page is only noticed
  by the query that reads it) become one :class:`~autocode.errors.StoreError` through
  :func:`as_store_error`, which the CLI's error boundary calls.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import StoreError

APPLICATION_ID = int.from_bytes(b"AuCd", "big")  # 0x41754364, bytes 68-71 of the header
_SQLITE_MAGIC = b"SQLite format 3\x00"
_OTHER_FILE = "pass --project with the path of an autocode project or a new file name"

# The path of the project most recently opened in this process: named in error messages.
last_opened: Path | None = None


def probe(p: Path, legacy_tables: set[str]) -> str:
    """``"new"`` (may become a project) or ``"autocode"``; :class:`StoreError` for any other
    file. Never writes: the header is read as bytes, the tables through a read-only
    connection."""
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        return "new"
    if size == 0:
        return "new"
    try:
        with open(p, "rb") as f:
            head = f.read(100)
    except PermissionError:
        raise StoreError(
            f"{p}: permission denied", "check the project file's permissions"
        ) from None
    if len(head) < 100 or not head.startswith(_SQLITE_MAGIC):
        raise StoreError(f"{p} is not an autocode project (not a SQLite file)", _OTHER_FILE)
    app = int.from_bytes(head[68:72], "big")
    if app == APPLICATION_ID:
        return "autocode"
    if app != 0:
        raise StoreError(
            f"{p} is another application's SQLite database (application id {app:#x}), "
            "not an autocode project; it was not changed",
            _OTHER_FILE,
        )
    try:
        conn = connect(p, readonly=True)
        try:
            # the header may be stale while another process's WAL holds the mark
            app = conn.execute("PRAGMA application_id").fetchone()[0]
            objects = {r[1] for r in conn.execute("SELECT type, name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        raise damaged(p) from None
    if app == APPLICATION_ID or (app == 0 and legacy_tables <= objects):
        return "autocode"
    if not objects:
        return "new"
    raise StoreError(
        f"{p} is another application's SQLite database, not an autocode project; it was not "
        "changed",
        _OTHER_FILE,
    )


def connect(p: Path, readonly: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (explicit BEGIN/COMMIT only), rows as sqlite3.Row."""
    if not readonly:
        conn = sqlite3.connect(str(p), timeout=30, isolation_level=None)
    else:
        uri = Path(os.path.abspath(p)).as_uri()
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30, isolation_level=None)
        try:
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as e:
            # a WAL database in a folder nobody may write: no -shm file can be created there
            conn.close()
            if "readonly" not in str(e) and "unable to open" not in str(e):
                raise
            wal = p.with_name(p.name + "-wal")
            if wal.exists() and wal.stat().st_size > 0:
                raise StoreError(
                    f"the project {p} is in a read-only folder and its {wal.name} file holds "
                    "changes not yet written into it",
                    "copy the project together with its -wal file to a writable folder",
                ) from None
            conn = sqlite3.connect(
                f"{uri}?mode=ro&immutable=1", uri=True, timeout=30, isolation_level=None
            )
    conn.isolation_level = None
    conn.row_factory = sqlite3.Row
    return conn


def writable(p: Path) -> bool:
    """Whether the project file (if it exists) and its folder (for -wal/-shm) can be written."""
    folder = p.parent if str(p.parent) else Path(".")
    return (not p.exists() or os.access(p, os.W_OK)) and os.access(folder, os.W_OK)


def retry_locked(fn: Callable[[], object], attempts: int = 50) -> object:
    """``fn()``, retried while another process holds the write lock (beyond the 30 s busy
    timeout of a BEGIN IMMEDIATE)."""
    for i in range(attempts):
        try:
            return fn()
        except sqlite3.OperationalError as e:  # pragma: no cover - timing dependent
            if "locked" not in str(e) or i == attempts - 1:
                raise
            time.sleep(0.05 * (i + 1))
    return None


def check_writable(p: Path) -> None:
    """Refuse, in one line, to write a project whose file or folder cannot be written."""
    if not writable(p):
        raise StoreError(
            f"the project {p} is read-only (its file or folder cannot be written)",
            "make it writable, or copy it to a writable folder; commands that only read "
            "(report, export, decisions, codebook, agree, runs) work on it as it is",
        )


def damaged(p: Path | None) -> StoreError:
    where = f"the project file {p}" if p is not None else "the project file"
    return StoreError(
        f"{where} is damaged (SQLite cannot read part of it)",
        "restore it from a backup (or start a new --project); nothing was changed",
    )


# SQLite primary result codes (https://sqlite.org/rescode.html)
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26


def as_store_error(exc: BaseException) -> StoreError | None:
    """The :class:`StoreError` for a SQLite error anywhere in ``exc``'s cause chain (pandas
    wraps them in its own DatabaseError), or None when there is none or it is a bug (e.g. a
    wrong SQL statement), which stays an internal error. Messages never quote SQLite's text:
    some of it carries stored values."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, sqlite3.DatabaseError):
            return _classify(e)
        e = e.__cause__ or e.__context__
    return None


def _classify(e: sqlite3.DatabaseError) -> StoreError | None:
    code = (getattr(e, "sqlite_errorcode", None) or 0) & 0xFF
    msg = str(e).lower()
    p = last_opened
    where = f"the project {p}" if p is not None else "the project"
    if (
        code in (_CORRUPT, _NOTADB)
        or "malformed" in msg
        or "not a database" in msg
        or msg.startswith("could not decode to utf-8")  # garbage bytes in a text value
    ):
        return damaged(p)
    if code == _READONLY or "readonly" in msg or "read-only" in msg:
        return StoreError(
            f"{where} is read-only (its file or folder cannot be written)",
            "make it writable, or copy it to a writable folder",
        )
    if code in (_BUSY, _LOCKED) or "locked" in msg:
        return StoreError(
            f"{where} is busy: another autocode process kept it locked for 30 s",
            "wait for the other command to finish, then run this one again",
        )
    if code == _FULL or "disk is full" in msg:
        return StoreError(f"no space left on the disk of {where}", "free some space and retry")
    if code == _IOERR or "disk i/o error" in msg:
        return StoreError(
            f"{where} could not be read or written (disk I/O error)",
            "check the disk; restore the project from a backup if the file is damaged",
        )
    if code == _CANTOPEN or "unable to open" in msg:
        return StoreError(f"cannot open {where}", "check that the file and its folder exist")
    return None


# -- which process runs a run ---------------------------------------------------------------
def this_host() -> str:
    return socket.gethostname()


def process_token(pid: int | None = None) -> str | None:
    """``"<boot id>:<start time>"`` of a process (Linux /proc; None elsewhere or if gone)."""
    pid = os.getpid() if pid is None else pid
    state_start = _proc_stat(pid)
    if state_start is None:
        return None
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        boot = ""
    return f"{boot}:{state_start[1]}"


def _proc_stat(pid: int) -> tuple[str, str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # the name in (...) may hold spaces
    return (fields[0], fields[19]) if len(fields) > 19 else None  # state, starttime (field 22)


def alive(pid: int, token: str | None) -> bool:
    """Whether the process that started a run (pid and :func:`process_token`) still runs on
    this host. Unknown (e.g. Windows, where signal 0 would terminate) counts as alive."""
    if os.name == "nt":  # pragma: no cover - no orphan detection on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        pass
    except OSError:  # pragma: no cover
        return True
    stat = _proc_stat(pid)
    if stat is not None and stat[0] in ("Z", "X"):  # killed, not yet reaped by its parent
        return False
    if token and stat is not None:
        now = process_token(pid)
        return now is None or now == token
    return True
