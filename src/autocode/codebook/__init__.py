"""Codebooks: the model, its file formats (YAML, REFI-QDA ``.qdc``, CSV) and diffs.

Stable entry points used by the other stages:

- :func:`load` — a codebook from a file (by extension) or from a project store;
- :func:`current` — the project's current codebook (or ``None`` before the first decision);
- :class:`Codebook` — ``.codes`` (flat, each with ``.name``, ``.definition``, ``.theme``,
  ``.parent``, ``.examples``), ``.themes``, ``.exclusive``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, NotFoundError
from .model import Code, Codebook, CodeSet, Example, Theme, path_guid

if TYPE_CHECKING:  # pragma: no cover
    from ..project import Store

__all__ = [
    "FORMATS",
    "Code",
    "CodeSet",
    "Codebook",
    "Example",
    "Theme",
    "current",
    "dumps",
    "export_format",
    "load",
    "path_guid",
    "read_file",
    "write_file",
]

#: export formats and their file extensions
FORMATS = {"yaml": ".yaml", "qdc": ".qdc", "csv": ".csv"}
_BY_EXT = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".qdc": "qdc",
    ".xml": "qdc",
    ".qde": "qdc",
    ".qdpx": "qdpx",
    ".csv": "csv",
}
_STORE_EXT = {".db", ".sqlite", ".sqlite3", ".autocode"}
#: the extensions that name each export format
EXPORT_EXTENSIONS = {"yaml": (".yaml", ".yml"), "qdc": (".qdc",), "csv": (".csv",)}


def export_format(path: str | os.PathLike | None, fmt: str | None = None) -> str:
    """The format to export to ``path``: its extension's; ``fmt`` must agree; no extension
    (or stdout): ``fmt``, else yaml. See :func:`autocode.files.output_format`."""
    from ..files import output_format

    return output_format(path, fmt, EXPORT_EXTENSIONS, "yaml")


def format_of(path: str | os.PathLike) -> str:
    """``yaml``, ``qdc`` or ``csv`` from a file name; :class:`InputError` otherwise."""
    ext = Path(path).suffix.lower()
    if ext not in _BY_EXT:
        raise InputError(
            f"{Path(path).name}: unknown codebook file type {ext or '(no extension)'!r}",
            "use .yaml/.yml, .qdc or .qdpx (REFI-QDA) or .csv",
        )
    return _BY_EXT[ext]


def read_file(path: str | os.PathLike, fmt: str | None = None) -> Codebook:
    """Parse a codebook file without filling in missing GUIDs (see :meth:`Codebook.finalize`)."""
    from . import csv_io, qdc, yaml_io

    p = Path(path)
    fmt = fmt or format_of(p)
    if p.is_dir():
        raise InputError(f"{p} is a folder", "pass a codebook file")
    reader = {"yaml": yaml_io.read, "qdc": qdc.read, "qdpx": qdc.read_qdpx, "csv": csv_io.read}[fmt]
    cb = reader(p)
    cb.validate(p.name)
    cb.check_characters(p.name)
    return cb


def load(path_or_store: str | os.PathLike | Store) -> Codebook:
    """A codebook from a YAML/``.qdc``/CSV file or a project store (its current codebook)."""
    from ..project import Store, open_store

    if isinstance(path_or_store, Store):
        cb = current(path_or_store)
        if cb is None:
            raise NotFoundError(
                "the project has no codebook yet",
                "accept suggestions with `autocode review` or `autocode codebook import FILE`",
            )
        return cb
    p = Path(path_or_store)
    if p.suffix.lower() in _STORE_EXT:
        with open_store(p, readonly=True) as store:
            return load(store)
    return read_file(p).finalize(p.name)


def current(store: Store) -> Codebook | None:
    """The project's current codebook: the latest saved version, or None if there is none."""
    from ..project.codebooks import latest_content

    content = latest_content(store)
    if content is None:
        return None
    return Codebook.from_dict(json.loads(content), "the stored codebook").finalize()


def write_file(codebook: Codebook, path: str | os.PathLike, fmt: str | None = None) -> str:
    """Write the codebook to ``path`` in the format its extension names (``fmt`` must
    agree), atomically; returns the format."""
    from ..files import atomic_write, check_output

    f = export_format(path, fmt)
    check_output(path)
    data = dumps(codebook, f)
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(raw))
    return f


def dumps(codebook: Codebook, fmt: str) -> str | bytes:
    """The codebook as ``yaml`` (str), ``qdc`` (UTF-8 bytes) or ``csv`` (str)."""
    from . import csv_io, qdc, yaml_io

    writers: dict[str, Callable[[Codebook], str | bytes]] = {
        "yaml": yaml_io.dumps,
        "qdc": qdc.dumps,
        "csv": csv_io.dumps,
    }
    if fmt not in writers:
        raise InputError(f"unknown codebook format {fmt!r}", "use yaml, qdc or csv")
    return writers[fmt](codebook.finalize())
