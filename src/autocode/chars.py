"""Characters that autocode's output files cannot hold.

XML 1.0 — and so XLSX, REFI-QDA ``.qdc`` and ``.qdpx`` — allows tab, line feed, carriage
return and everything from U+0020 except lone surrogates and U+FFFE/U+FFFF
(https://www.w3.org/TR/xml/#charsets). openpyxl and lxml raise on anything else, so a
stored vertical tab or ``\\x01`` would crash an export half-way. One rule for all writers:
such a character is written as a space (a vertical tab in a survey answer is usually a line
break that Excel or Word put there).
"""

from __future__ import annotations

import re

#: one character XML 1.0 cannot hold
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def first_not_xml(text: str) -> str | None:
    """The first character of ``text`` that XML cannot hold, or None."""
    m = NOT_XML.search(text)
    return m.group() if m else None


def xml_safe(text: str) -> str:
    """``text`` with every character XML cannot hold replaced by a space (length kept)."""
    return NOT_XML.sub(" ", text) if NOT_XML.search(text) else text
