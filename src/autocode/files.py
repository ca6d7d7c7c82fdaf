"""Writing output files safely: a temporary file beside the target, renamed into place.

A crash or Ctrl-C half-way never leaves a truncated CSV, report or project export where
the researcher expects a whole one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import InputError


def atomic_write(path: str | os.PathLike, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)``, then rename the result to ``path`` (default permissions)."""
    p = Path(path)
    if not p.parent.exists():
        raise InputError(f"folder {p.parent} does not exist", "create it or choose another path")
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
