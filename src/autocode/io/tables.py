"""Files to a plain table of strings: CSV/TSV, XLSX and SPSS .sav.

Every loader returns a :class:`Table`: a header and rows of stripped-at-the-edges strings
("" for an empty cell), a label per row for error messages ("line 7", "row 7"), and what was
learnt about the file (format, encoding, delimiter, sheet, question labels).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..tabular import unneutralise
from .decode import decode_bytes, sniff_delimiter
from .text import clean_rows, cleaned_note

_FORMATS = "CSV, TSV, XLSX or SPSS .sav"
_SEP_LINE = re.compile(r"^sep=(.)$")
_FIELD_LIMIT = 16 * 1024 * 1024  # one answer may be long; the default is 128 KiB


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    row_labels: list[str]
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    question_labels: dict[str, str] = field(default_factory=dict)
    non_text: set[str] = field(default_factory=set)  # columns known not to be free text
    notes: list[str] = field(default_factory=list)
    unnamed: dict[str, int] = field(default_factory=dict)  # generated name -> column index


def read_bytes(p: Path) -> bytes:
    if not p.exists():
        raise InputError(f"{p}: no such file", "check the path")
    if p.is_dir():
        raise InputError(f"{p} is a directory, not a file", "give the path of the export file")
    try:
        return p.read_bytes()
    except PermissionError:
        raise InputError(f"{p}: permission denied", "check the file's permissions") from None
    except OSError as e:
        raise InputError(f"{p}: cannot be read ({e.strerror})", "check the path") from None


def load_table(
    p: Path, data: bytes, sheet: str | None = None, encoding: str | None = None
) -> Table:
    """Dispatch on content (magic bytes) first, then on the suffix."""
    if not data.strip():
        raise InputError(f"{p}: the file is empty", "export the survey again")
    suffix = p.suffix.lower()
    if data.startswith(b"\x1f\x8b"):  # survey.csv.gz, inflated with a size cap
        from ..files import MAX_ARCHIVE_BYTES, gunzip

        data = gunzip(data, str(p), MAX_ARCHIVE_BYTES)
        suffix = Path(p.stem).suffix.lower()
        if not data.strip():
            raise InputError(f"{p}: the file is empty", "export the survey again")
    if data.startswith(b"PK\x03\x04"):
        return _load_xlsx(p, data, sheet)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"{p}: an old-format .xls or password-protected workbook",
            "save it as .xlsx or CSV (without a password)",
        )
    if data.startswith((b"$FL2", b"$FL3")) or suffix in (".sav", ".zsav"):
        return _load_sav(p)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        raise InputError(f"{p}: not a valid Excel workbook (corrupt?)", f"export as {_FORMATS}")
    if sheet:
        raise InputError(f"--sheet given but {p.name} is not a workbook", "leave out --sheet")
    return _load_delimited(p, data, suffix, encoding)


def _load_delimited(p: Path, data: bytes, suffix: str, encoding: str | None) -> Table:
    text, enc = decode_bytes(data, str(p), encoding)
    text = text.removeprefix("\ufeff")
    first, _, rest = text.partition("\n")
    sep = _SEP_LINE.match(first.strip())
    if sep:  # Excel's "sep=;" hint line
        delim, text = sep.group(1), rest
    else:
        delim = sniff_delimiter(text, suffix)
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)
    # strict: an unclosed or stray quote is an error, not a silently swallowed rest of file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    rows: list[list[str]] = []
    labels: list[str] = []
    header: list[str] | None = None
    last = 0  # the line where the last complete record ended
    try:
        header = next(reader, None)
        if header is not None:
            header = [unneutralise(c) for c in header]
        last = reader.line_num
        for r in reader:
            rows.append([unneutralise(c) for c in r])
            labels.append(f"line {last + 1}")
            last = reader.line_num
    except csv.Error as e:
        raise InputError(
            f"{p}: cannot parse the record starting on line {last + 1} ({e}; a stray or "
            "unclosed quote?)",
            "check the quotes in that line, or re-export the file",
        ) from None
    if header is None:
        raise InputError(f"{p}: the file is empty", "export the survey again")
    fmt = "tsv" if delim == "\t" else "csv"
    return _tidy(p, header, rows, labels, Table([], [], [], fmt, enc, delim))


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    s = str(v)
    if "_x000D_" in s:  # Excel's escaped carriage return
        s = s.replace("_x000D_\n", "\n").replace("_x000D_", "\n")
    return s


def _load_xlsx(p: Path, data: bytes, sheet: str | None) -> Table:
    import zipfile
    import zlib
    from xml.etree.ElementTree import ParseError

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    from ..files import check_zip

    corrupt: tuple[type[Exception], ...] = (
        zipfile.BadZipFile, InvalidFileException, zlib.error, ParseError, KeyError,
        OSError, EOFError, ValueError, TypeError, AttributeError, IndexError,
    )  # fmt: skip
    try:
        import lxml.etree

        corrupt += (lxml.etree.LxmlError,)
    except ImportError:  # pragma: no cover - openpyxl then parses with the standard library
        pass
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:  # refuse a zip bomb before openpyxl
            check_zip(z, str(p))
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except corrupt as e:
        raise InputError(
            f"{p}: not a readable .xlsx workbook ({type(e).__name__})", f"export as {_FORMATS}"
        ) from None
    try:
        name = _pick_sheet(p, wb.sheetnames, sheet)
        raw = _sheet_rows(wb[name])
    except corrupt as e:  # a damaged part of the zip shows up only when it is read
        raise InputError(
            f"{p}: a damaged .xlsx workbook ({type(e).__name__})", f"export as {_FORMATS}"
        ) from None
    finally:
        wb.close()
    if not raw:
        raise InputError(f"{p}: sheet {name!r} is empty", "pick another sheet with --sheet")
    header, rows = raw[0], raw[1:]
    labels = [f"row {i}" for i in range(2, len(rows) + 2)]
    t = Table([], [], [], "xlsx", None, None, name)
    if len(wb.sheetnames) > 1 and sheet is None:
        t.notes.append(
            f"read sheet {name!r} (the first of {len(wb.sheetnames)}; --sheet picks another)"
        )
    return _tidy(p, header, rows, labels, t)


def _pick_sheet(p: Path, names: list[str], sheet: str | None) -> str:
    if sheet is None:
        return names[0]
    if sheet in names:
        return sheet
    folded = [n for n in names if n.casefold() == sheet.casefold().strip()]
    if len(folded) != 1:
        raise InputError(
            f"{p.name} has no sheet {sheet!r}; its sheets are: {', '.join(names)}",
            "pass --sheet with one of these names",
        )
    return folded[0]


def _sheet_rows(ws) -> list[list[str]]:
    raw = []
    empty_run = 0
    for row in ws.iter_rows(values_only=True):
        cells = [_cell(v) for v in row]
        empty_run = 0 if any(cells) else empty_run + 1
        if empty_run > 1000:  # formatting far below the data: stop, do not walk 1M rows
            break
        raw.append(cells)
    return raw


def _load_sav(p: Path) -> Table:
    from .spss import read_sav

    header, raw, var_labels, non_text, encoding = read_sav(p)
    rows = [[_cell(v) for v in r] for r in raw]
    labels = [f"case {i}" for i in range(1, len(rows) + 1)]
    t = Table([], [], [], "sav", encoding)
    t.question_labels = var_labels
    t.non_text = non_text
    return _tidy(p, header, rows, labels, t)


def _tidy(p: Path, header: list[str], rows: list[list[str]], labels: list[str], t: Table) -> Table:
    """Strip names, skip title rows, drop empty rows and unnamed empty columns, refuse ragged
    rows. Every cell passes the character rule of :mod:`autocode.io.text`."""
    cleaned = clean_rows(header, rows, labels, p.name)
    if cleaned:
        t.notes.append(cleaned_note(cleaned))
    skip = _title_rows(header, rows)
    if skip:
        header, rows, labels = rows[skip - 1], rows[skip:], labels[skip:]
        t.notes.append(f"skipped {skip} title row(s) above the column names")
    header = [h.strip() for h in header]
    width = len(header)
    kept_rows, kept_labels = [], []
    for r, lab in zip(rows, labels, strict=True):
        if not any(c.strip() for c in r):
            continue
        if len(r) > width:
            if any(c.strip() for c in r[width:]):
                raise InputError(
                    f"{p}: {lab} has {len(r)} fields but the header has {width}",
                    "check the delimiter and the quoting of that line",
                )
            r = r[:width]
        elif len(r) < width:
            r = r + [""] * (width - len(r))
        kept_rows.append(r)
        kept_labels.append(lab)
    if not any(header):
        raise InputError(f"{p}: the first row (the header) is empty", "put column names first")
    keep = [j for j, h in enumerate(header) if h or any(r[j].strip() for r in kept_rows)]
    if len(keep) < width:
        header = [header[j] for j in keep]
        kept_rows = [[r[j] for j in keep] for r in kept_rows]
    names = set(header)
    seen: set[str] = set()
    for j, h in enumerate(header):
        if not h:
            header[j] = h = f"column_{j + 1}"
            t.unnamed[h] = j
            t.notes.append(f"column {j + 1} has no name; called it {h!r}")
        if h in seen:  # e.g. two REDCap fields with the same label in a labels export
            k = 2
            while f"{h} ({k})" in names or f"{h} ({k})" in seen:
                k += 1
            header[j] = f"{h} ({k})"
            t.notes.append(f"column name {h!r} repeats; column {j + 1} renamed {header[j]!r}")
            h = header[j]
        seen.add(h)
    t.header, t.rows, t.row_labels = header, kept_rows, kept_labels
    return t


def _title_rows(header: list[str], rows: list[list[str]]) -> int:
    """Rows above the real header: "Staff survey 2024" alone in A1, the names further down.

    Only when the first row has a single filled cell and one of the next rows (within 10)
    fills most of the columns; returns how many rows to skip (0: the first row is the header).
    """
    width = max([len(header)] + [len(r) for r in rows[:10]])
    if width < 3 or sum(1 for h in header if h.strip()) != 1:
        return 0
    for i, r in enumerate(rows[:10]):
        filled = sum(1 for c in r if c.strip())
        if filled >= max(2, 0.67 * width):
            return i + 1
        if filled > 1:
            return 0
    return 0
