"""Files in and out: output paths checked before any work, formats named by the extension,
outputs written atomically, archives read with a size cap.

- :func:`check_output` — every command that writes calls it before it reads or computes
  anything: a folder, a missing folder or one autocode cannot write in is one clear error,
  and nothing is stored first.
- :func:`output_format` — the one rule that turns (``--out`` extension, ``--format``) into the
  format written: the extension names the format; a ``--format`` that disagrees with it, or
  an extension the command cannot write, is refused (never CSV text under ``.xlsx``).
- :func:`atomic_write` — a temporary file beside the target, renamed into place: a crash or
  Ctrl-C half-way never leaves a truncated CSV, report or project export.
- :func:`read_zip_member`, :func:`check_zip`, :func:`gunzip` — archives (``.qdpx``, ``.xlsx``,
  ``.gz``) are inflated with a cap, checking the sizes the archive declares *and* counting
  the bytes actually inflated, so a small "zip bomb" is refused in a moment instead of
  filling the memory.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

from .errors import InputError

#: the most one archive member (or one gzip stream) may inflate to when read into memory
MAX_MEMBER_BYTES = 256 * 1024**2
#: the most all members of an archive handed to another reader (openpyxl) may inflate to
MAX_ARCHIVE_BYTES = 1024**3
_CHUNK = 1024**2


def _opt(option: str | None) -> str:
    return f"{option} " if option else ""


def check_output(path: str | os.PathLike, option: str | None = "--out") -> Path:
    """Refuse an output path that cannot be written, before any work is done.

    Refused: an existing folder, a missing parent folder, a folder or an existing file that
    autocode may not write. The file itself is not created (a failed command leaves none).
    """
    p = Path(path)
    opt = _opt(option)
    if p.is_dir():
        raise InputError(f"{opt}{p} is a folder, not a file", "give the path of a file to write")
    parent = p.parent
    if not parent.exists():
        raise InputError(
            f"{opt}{p}: folder {parent} does not exist", "create it or choose another path"
        )
    if not parent.is_dir():
        raise InputError(f"{opt}{p}: {parent} is not a folder", "choose another path")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(
            f"{opt}{p}: cannot write in folder {parent} (permission denied)",
            "choose another path",
        )
    if p.exists() and not os.access(p, os.W_OK):
        raise InputError(
            f"{opt}{p}: the file is read-only", "choose another path or make it writable"
        )
    return p


def output_format(
    path: str | os.PathLike | None,
    fmt: str | None,
    formats: Mapping[str, Sequence[str]],
    default: str,
    option: str = "--out",
    kind: str = "",
) -> str:
    """The format to write ``path`` in: ``formats`` maps each format to its extensions.

    The extension decides (``x.xlsx`` is XLSX); ``fmt`` (a ``--format``) must agree with it.
    No extension (or no path): ``fmt``, else ``default``. An extension the command does not
    write is refused with the extensions it does. ``fmt`` may also be an extension's name
    (``htm``, ``markdown``); ``kind`` names the format in the error ("report").
    """
    names = {f.lower(): f for f in formats}
    want = None
    if fmt is not None:
        want = names.get(fmt.lower().lstrip("."))
        if want is None:
            by_ext = {e: f for f, exts in formats.items() for e in exts}
            want = by_ext.get("." + fmt.lower().lstrip("."))
        if want is None:
            what = f"{kind} format" if kind else "format"
            raise InputError(f"unknown {what} {fmt!r}", f"use --format {_either(list(formats))}")
    name = Path(path).name if path is not None else ""
    ext = Path(name).suffix.lower()
    if not ext:
        return want or default
    have = next((f for f, exts in formats.items() if ext in exts), None)
    if have is None:
        raise InputError(
            f"{option} {name}: this command does not write {ext} files",
            f"end the name in {_either([e for exts in formats.values() for e in exts])}",
        )
    if want is not None and want != have:
        raise InputError(
            f"{option} {name} ends in {ext} ({have}) but --format is {want}",
            f"end the name in {formats[want][0]} or leave out --format",
        )
    return have


def _either(items: Sequence[str]) -> str:
    return ", ".join(items[:-1]) + " or " + items[-1] if len(items) > 1 else items[0]


def atomic_write(path: str | os.PathLike, write: Callable[[str], object]) -> None:
    """Call ``write(tmp_path)``, then rename the result to ``path`` (default permissions)."""
    p = check_output(path, None)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".autocode-", suffix=p.suffix)
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, p)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# -- archives -------------------------------------------------------------------------------
def _size(n: int) -> str:
    return f"{n // 1024**2} MiB" if n >= 1024**2 else f"{n} bytes"


def _too_big(where: str, what: str, cap: int) -> InputError:
    return InputError(
        f"{where}: {what} inflates to more than {_size(cap)} (a damaged file or a zip bomb)",
        "check the file; export it again from the program that wrote it",
    )


def _read_capped(fh: IO[bytes], cap: int, where: str, what: str) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        chunk = fh.read(_CHUNK)
        if not chunk:
            return b"".join(parts)
        total += len(chunk)
        if total > cap:
            raise _too_big(where, what, cap)
        parts.append(chunk)


def read_zip_member(zf, name: str, where: str, cap: int | None = None) -> bytes:
    """The bytes of one member of an open :class:`zipfile.ZipFile`, at most ``cap`` of them.

    The size the archive declares is checked first; the bytes are then counted as they are
    inflated, in case the header lies.
    """
    cap = MAX_MEMBER_BYTES if cap is None else cap
    info = zf.getinfo(name)
    if info.file_size > cap:
        raise _too_big(where, name, cap)
    with zf.open(info) as fh:
        return _read_capped(fh, cap, where, name)


def check_zip(zf, where: str, cap: int | None = None) -> None:
    """Refuse an archive whose members together declare more than ``cap`` bytes (before it
    is handed to a reader that inflates it, e.g. openpyxl)."""
    cap = MAX_ARCHIVE_BYTES if cap is None else cap
    if sum(i.file_size for i in zf.infolist()) > cap:
        raise _too_big(where, "the archive", cap)


def gunzip(data: bytes, where: str, cap: int | None = None) -> bytes:
    """Inflate gzip ``data`` (all members), at most ``cap`` bytes."""
    import zlib

    cap = MAX_MEMBER_BYTES if cap is None else cap
    out: list[bytes] = []
    total = 0
    rest = data
    try:
        while rest:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            buf = rest
            while not d.eof:
                chunk = d.decompress(buf, _CHUNK)
                total += len(chunk)
                if total > cap:
                    raise _too_big(where, "the gzip stream", cap)
                out.append(chunk)
                buf = d.unconsumed_tail
                if not buf and not chunk:  # no input left and nothing more came out
                    break
            if not d.eof:
                raise zlib.error("truncated gzip stream")
            rest = d.unused_data.lstrip(b"\x00")
    except zlib.error:
        raise InputError(
            f"{where}: a damaged gzip file", "decompress it and pass the CSV"
        ) from None
    return b"".join(out)
