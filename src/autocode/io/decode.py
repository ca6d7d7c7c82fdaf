"""Bytes to text for delimited files: encoding detection and delimiter sniffing.

Order of tries (never mangle): a byte-order mark (UTF-8, UTF-16, UTF-32) → UTF-16 without a
BOM (NUL bytes in every other position) → strict UTF-8 → cp1252 (the Excel "CSV" encoding on
Windows) when it decodes and reads like Latin text → the best of a short list of plausible
legacy encodings (:data:`PLAUSIBLE`: the other Windows code pages, KOI8, Shift-JIS, GB18030,
Big5, EUC-KR ...) by charset-normalizer, if it reads the file as one script (Latin, Cyrillic,
Greek, CJK ...). Anything else is refused with the line that could not be decoded: no
exotic codec (mac_latin2, EBCDIC ...) is ever guessed, and latin-1 — which decodes any
bytes at all — only when asked for with ``--encoding``. A file in which some lines
are UTF-8 and others are not is refused rather than half-decoded, naming the line; so is
a file that is valid UTF-8 only with characters no survey holds (C1 controls, NKo, a lone
CJK character ...) while it reads as Latin text in cp1252 — the two cannot be told apart.

``--encoding`` must name a character encoding: codecs that transform text (rot13, base64,
unicode_escape, idna ...) are refused. The NUL rule of :mod:`autocode.io.text` applies to
every decoded text.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

from ..errors import InputError
from .text import check_nul, line_of

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
#: legacy encodings tried (by charset-normalizer) when a file is neither UTF-8 nor cp1252
PLAUSIBLE = [
    "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    "cp874", "koi8_r", "koi8_u", "cp932", "shift_jis", "euc_jp", "gb18030", "big5",
    "euc_kr", "cp949",
]  # fmt: skip
# text codecs that are not character encodings of a file: they would decode "successfully"
_NOT_CHARSETS = {
    "unicode-escape", "raw-unicode-escape", "idna", "punycode", "utf-7", "undefined", "charmap",
}  # fmt: skip
_RESAVE = (
    "re-save it as UTF-8 (Excel: Save As → 'CSV UTF-8'), or pass --encoding to read every "
    "line in one encoding"
)
_ENCODINGS = "pass a character encoding, e.g. --encoding utf-8, cp1252 or latin-1"


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


def check_encoding(encoding: str) -> str:
    """The codec name of ``--encoding``; :class:`InputError` unless it encodes text files."""
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}", _ENCODINGS) from None
    try:
        "a\n".encode(info.name)  # rot13, base64, hex ...: LookupError, not a text encoding
        text = info.name not in _NOT_CHARSETS
    except (LookupError, UnicodeError):
        text = False
    if not text:
        raise InputError(f"--encoding {encoding!r} is not a character encoding", _ENCODINGS)
    return info.name


def decode_bytes(data: bytes, name: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data`` (the bytes of file ``name``); return (text, encoding used)."""
    text, enc = _decode(data, name, encoding)
    check_nul(text, name)
    return text, enc


def _decode(data: bytes, name: str, encoding: str | None) -> tuple[str, str]:
    if encoding:
        check_encoding(encoding)
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as e:
            raise InputError(
                f"{name}: not valid {encoding} (line {line_of(data, e.start)})",
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
    check_nul(data, name)  # before guessing: a binary file is refused as such
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        _refuse_doubtful_utf8(text, data, name)
        return text, "utf-8"
    first_bad = _refuse_mixed(data, name)
    legacy: str | None
    try:
        legacy = data.decode("cp1252")
    except UnicodeDecodeError as e:
        legacy, first_bad = None, line_of(data, e.start)
    if legacy is not None and _looks_latin(legacy):
        return legacy, "cp1252"
    guess = _charset_normalizer_guess(data)
    if guess:
        try:
            legacy = data.decode(guess)
        except (UnicodeDecodeError, LookupError):
            legacy = None
        if legacy is not None and len(_scripts(legacy)) <= 1:
            return legacy, guess
    raise InputError(
        f"{name}: cannot tell the encoding (line {first_bad} is not UTF-8, and no likely "
        "encoding reads the file as one script)",
        "pass --encoding (e.g. --encoding latin-1, cp1250 or mac_roman), or re-save it as UTF-8",
    )


_CJK = {"CJK", "HIRAGANA", "KATAKANA", "HALFWIDTH", "FULLWIDTH", "HANGUL", "IDEOGRAPHIC"}
_SCRIPTS = {"LATIN", "CYRILLIC", "GREEK", "ARABIC", "HEBREW", "THAI", "ARMENIAN", "GEORGIAN"}


def _scripts(text: str) -> set[str]:
    """The scripts of the non-ASCII letters of ``text`` (CJK and Hangul count as one).

    A legacy code page holds one script besides ASCII, so a guess that reads a file as
    Latin with one Arabic letter (cp1256 for cp1252 with a stray byte) is a wrong guess."""
    import unicodedata

    seen = set()
    for ch in set(text):
        if ch > "\x7f" and ch.isalpha():
            word = unicodedata.name(ch, "").split(" ")[0]
            if word in _CJK:
                seen.add("CJK")
            elif word in _SCRIPTS:
                seen.add(word)
    return seen


# What UTF-8 text read from a survey never holds, but cp1252 text that happens to be valid
# UTF-8 gives ("ß–" is DF 96, NKo U+07D6 as UTF-8): C1 controls, Syriac/Thaana/NKo, private
# use, and a CJK or Hangul character standing alone (those scripts are written in runs).
_CJK_CLASS = "\u2e80-\u30ff\u3100-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_DOUBTFUL = re.compile(
    f"[\u0080-\u009f\u0700-\u07ff\ue000-\uf8ff]|(?<![{_CJK_CLASS}])[{_CJK_CLASS}](?![{_CJK_CLASS}])"
)


def _refuse_doubtful_utf8(text: str, data: bytes, name: str) -> None:
    """A file that is valid UTF-8 but reads as UTF-8 only with such a character, and as
    Latin text in cp1252, cannot be told apart: refused, naming the line."""
    m = _DOUBTFUL.search(text)
    if m is None:
        return
    try:
        latin = _looks_latin(data.decode("cp1252"))
    except UnicodeDecodeError:
        latin = False
    if latin:
        raise InputError(
            f"{name}: cannot tell whether the file is UTF-8 or cp1252 (line "
            f"{line_of(text, m.start())} reads as UTF-8 only with unlikely characters)",
            "pass --encoding utf-8 or --encoding cp1252",
        )


def _refuse_mixed(data: bytes, name: str) -> int:
    """Refuse a file whose lines are partly UTF-8 and partly not; else the first line that
    is not UTF-8. (A line of another encoding is almost never valid UTF-8 by accident.)"""
    utf8: list[int] = []
    other: list[int] = []
    for n, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            decoded = line.decode("utf-8")
        except UnicodeDecodeError:
            other.append(n)
            continue
        # a legacy line that happens to be valid UTF-8 reads as unlikely characters ("ß–",
        # DF 96 in cp1252, is NKo U+07D6): no evidence of UTF-8 when the rest is not
        (other if _DOUBTFUL.search(decoded) else utf8).append(n)
    if utf8 and other:
        if len(utf8) >= len(other):
            what = f"most of the file is UTF-8 but line {other[0]} is not"
        else:
            what = f"line {utf8[0]} is UTF-8 but the rest of the file is not"
        raise InputError(f"{name}: mixed encodings — {what}", _RESAVE)
    return other[0] if other else 1


def _charset_normalizer_guess(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    best = from_bytes(data[:200_000], cp_isolation=PLAUSIBLE).best()
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
