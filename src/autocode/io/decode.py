"""Bytes to text for delimited files: encoding detection and delimiter sniffing.

Order of tries (never mangle): a byte-order mark (UTF-8, UTF-16, UTF-32) → UTF-16 without a
BOM (NUL bytes in every other position) → strict UTF-8 → cp1252 (the Excel "CSV" encoding on
Windows) when it decodes and reads like Latin text → charset-normalizer's best guess (e.g.
cp1251, Shift-JIS) → latin-1. A file that mixes UTF-8 with another encoding is refused
rather than half-decoded.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

from ..errors import InputError

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
# UTF-8 read as cp1252 shows these pairs ("cafÃ©", "â€™"): the sign of a mixed file.
_MOJIBAKE = re.compile(
    "[\u00c2\u00c3][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2122]|\u00e2\u20ac"
)
_RESAVE = "re-save it as UTF-8 (Excel: Save As → 'CSV UTF-8'), or pass --encoding"


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd = sample[1::2].count(0) / max(1, len(sample[1::2]))
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def _looks_latin(text: str) -> bool:
    """cp1252 text of a Western language: few non-ASCII letters among the letters."""
    sample = text[:200_000]
    letters = sum(1 for ch in sample if ch.isalpha())
    high = sum(1 for ch in sample if ch > "\x7f" and ch.isalpha())
    return letters == 0 or high / letters < 0.3


def decode_bytes(data: bytes, name: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data`` (the bytes of file ``name``); return (text, encoding used)."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(
                f"unknown encoding {encoding!r}", "pass e.g. --encoding utf-8 or cp1252"
            ) from None
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as e:
            raise InputError(
                f"{name}: not valid {encoding} (line {_line_of(data, e.start)})",
                "check --encoding, or leave it out to detect the encoding",
            ) from None
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as e:
                raise InputError(
                    f"{name}: starts with a {enc} byte-order mark but is not valid {enc} "
                    f"(byte {e.start})",
                    _RESAVE,
                ) from None
    enc16 = _utf16_without_bom(data)
    if enc16:
        try:
            return data.decode(enc16), enc16
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:65536]:
        raise InputError(
            f"{name}: binary content, not a CSV/TSV text file",
            "export the survey as CSV, TSV, XLSX or SPSS .sav",
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        first_bad = e.start
    try:
        text = data.decode("cp1252")
        enc = "cp1252"
    except UnicodeDecodeError:
        text, enc = "", ""
    if enc and _MOJIBAKE.search(text):
        raise InputError(
            f"{name}: mixed encodings — most of the file is UTF-8 but line "
            f"{_line_of(data, first_bad)} is not",
            _RESAVE,
        )
    if enc and _looks_latin(text):
        return text, enc
    guess = _charset_normalizer_guess(data)
    if guess:
        try:
            return data.decode(guess), guess
        except (UnicodeDecodeError, LookupError):
            pass
    if enc:
        return text, enc
    return data.decode("latin-1"), "latin-1"


def _charset_normalizer_guess(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    best = from_bytes(data[:200_000]).best()
    return best.encoding if best is not None else None


_CANDIDATES = [",", ";", "\t", "|"]


def sniff_delimiter(text: str, suffix: str) -> str:
    """Pick the delimiter that splits the first records into the same number (> 1) of fields.

    Ties go to the file suffix's delimiter (tab for .tsv/.tab), then to , ; tab |.
    """
    preferred = "\t" if suffix in (".tsv", ".tab") else ","
    sample = text[:65536]
    if len(text) > len(sample):  # do not judge a record cut in half
        cut = sample.rfind("\n")
        sample = sample[:cut] if cut > 0 else sample
    best, best_score = preferred, (0, 0.0, 0)
    order = [preferred] + [d for d in _CANDIDATES if d != preferred]
    for rank, d in enumerate(order):
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=d) if r]
        except csv.Error:
            continue
        rows = rows[:50]
        if not rows:
            continue
        width = len(rows[0])
        if width < 2:
            continue
        same = sum(1 for r in rows if len(r) == width) / len(rows)
        score = (1 if same >= 0.9 else 0, same, width)
        if score > best_score or (score == best_score and rank == 0):
            best, best_score = d, score
    return best
