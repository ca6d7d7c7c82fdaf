"""The one rule for the characters of text input.

Every cell of every survey export (CSV, TSV, XLSX, SPSS; wide or long: answers, ids, column
names, attribute values) passes :func:`clean_rows` in :func:`autocode.io.tables.load_table`,
and every text file decoded by :func:`autocode.io.decode.decode_bytes` (exports, codings
files, CSV codebooks) passes the NUL check, wherever in the file the character is:

- **NUL** (U+0000) is refused, naming the line (text files) or row (XLSX, SPSS cases): it is
  the mark of a binary or damaged file, never part of an answer;
- **vertical tab and form feed** (U+000B, U+000C) become a line break ("\\n"): Excel, Word
  and FileMaker put them in cells as line and paragraph breaks;
- the **other C0 control characters** (U+0001–U+0008, U+000E–U+001F) and the non-characters
  U+FFFE and U+FFFF are removed: they are invisible and no XML file (XLSX, REFI-QDA) can hold
  them;
- a **lone surrogate** (U+D800–U+DFFF, e.g. from an XLSX ``_xD800_`` escape) becomes U+FFFD,
  the replacement character.

Tab, line feed and carriage return, and every other character, are kept as they are. How
many cells were cleaned is added to the notes of what was read, so nothing changes silently.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..chars import NOT_XML
from ..errors import InputError

# the characters no XML file can hold (autocode.chars: the one definition) are what input
# cleaning handles: NUL refused, VT/FF to line breaks, the rest removed or replaced
_UNCLEAN = NOT_XML
_REPLACE = {"\x0b": "\n", "\x0c": "\n"}
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def line_of(data: str | bytes, pos: int) -> int:
    """The 1-based line of position ``pos`` in ``data``."""
    nl = b"\n" if isinstance(data, bytes) else "\n"
    return data.count(nl, 0, pos) + 1  # type: ignore[arg-type]


def nul_error(name: str, where: str) -> InputError:
    return InputError(
        f"{name}: {where} contains a NUL byte (binary content or a damaged export, not text)",
        "remove the NUL bytes, or export the file again as CSV (UTF-8), TSV, XLSX or SPSS .sav",
    )


def check_nul(data: str | bytes, name: str) -> None:
    """Refuse a text (or the bytes of a text file) holding a NUL, naming its line."""
    pos = data.find(b"\x00" if isinstance(data, bytes) else "\x00")  # type: ignore[arg-type]
    if pos >= 0:
        raise nul_error(name, f"line {line_of(data, pos)}")


def _fix(m: re.Match) -> str:
    ch = m.group()
    if ch in _REPLACE:
        return _REPLACE[ch]
    return "\ufffd" if "\ud800" <= ch <= "\udfff" else ""


def clean_text(text: str, name: str = "input", where: str = "a cell") -> str:
    """``text`` under the rule above (:class:`InputError` for a NUL)."""
    if not _UNCLEAN.search(text):
        return text
    if "\x00" in text:
        raise nul_error(name, where)
    return _UNCLEAN.sub(_fix, text)


def clean_rows(
    header: list[str], rows: Sequence[list[str]], labels: Sequence[str], name: str
) -> int:
    """Clean a table's header and cells in place; returns how many cells changed."""
    changed = 0
    for j, h in enumerate(header):
        if _UNCLEAN.search(h):
            header[j] = clean_text(h, name, "the header row")
            changed += 1
    for row, lab in zip(rows, labels, strict=True):
        if not _UNCLEAN.search("\n".join(row)):  # one search per row: the usual case
            continue
        for j, cell in enumerate(row):
            if _UNCLEAN.search(cell):
                row[j] = clean_text(cell, name, lab)
                changed += 1
    return changed


def cleaned_note(n: int) -> str:
    return (
        f"{n} cell(s) held control characters: vertical tabs and form feeds became line "
        "breaks, others were removed"
    )


def trim_answer(text: str) -> str:
    """An answer as it is stored, from a cleaned cell: line ends made "\\n", whitespace (and
    zero-width characters) trimmed at both ends. The one rule for the survey reader and the
    chunked reader of ``code --load --engine``."""
    t = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if t and (t[0] in _INVISIBLE or t[-1] in _INVISIBLE):
        t = t.strip(_INVISIBLE + " \t\n\u00a0").strip()
    return t
