"""Coders' work from files: one reader for every codings file autocode accepts.

- :func:`read_file` reads a table (CSV/TSV/XLSX; long ``id, question, code`` or wide 0/1
  per code) or a REFI-QDA ``.qdpx`` into rows as written (:mod:`.read`, :mod:`.qdpx`);
- :func:`resolve` matches them to a project's answers and codebook and checks them
  (:mod:`.resolve`), giving each coder's codings (answer -> codes; an empty list = coded,
  no code applies);
- :func:`import_codings` stores them as a named coder's work (``autocode codings import``)
  and :func:`coder_table` lists the coders (:mod:`.store`).

:class:`CodingSet` (``pairs`` of (id, code), ``ids`` of coded answers) is the shape the
machine coder's seeds take.
"""

from __future__ import annotations

from .read import RawCodings, Row, read_file
from .resolve import CodingSet, Resolved, resolve
from .store import coder_table, import_codings, read_for_project, set_primary

__all__ = [
    "CodingSet",
    "RawCodings",
    "Resolved",
    "Row",
    "coder_table",
    "import_codings",
    "read_file",
    "read_for_project",
    "resolve",
    "set_primary",
]
