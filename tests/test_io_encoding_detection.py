"""Encoding detection never garbles: a file is decoded exactly, or refused in one line that
names the line and --encoding. Only plausible encodings are guessed (never mac_latin2, the
issue's "cafť"); --encoding must name a character encoding (not rot13 or base64)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autocode.errors import InputError
from autocode.io import read_responses
from autocode.io.decode import decode_bytes

ISSUE_LINE = "naïve café — “quoted” €"
WORDS = [
    "the", "staff", "were", "kind", "café", "naïve", "Größe", "señor", "garçon", "déjà",
    "über", "£5", "€10", "—", "“quoted”", "‘so’", "waiting", "room", "crème", "brûlée",
]  # fmt: skip


def _csv(lines: list[tuple[str, str]]) -> bytes:
    """id,comment rows, each line encoded in its own encoding."""
    out = [b"id,comment"]
    for i, (text, enc) in enumerate(lines, start=1):
        out.append(f"{i},{text}".encode(enc))
    return b"\n".join(out) + b"\n"


def _refusal(data: bytes) -> tuple[str, int]:
    with pytest.raises(InputError) as e:
        decode_bytes(data, "survey.csv")
    msg = str(e.value)
    assert "\n" not in msg, msg
    assert "--encoding" in msg, msg
    m = re.search(r"line (\d+)", e.value.message)
    assert m, msg
    return msg, int(m.group(1))


def test_the_issues_cp1252_file_with_one_utf8_line_is_refused_naming_that_line():
    rows = [("Le café était froid, très froid", "cp1252")] * 6
    rows.insert(3, (ISSUE_LINE, "utf-8"))
    msg, line = _refusal(_csv(rows))
    assert line == 5
    assert "mixed encodings" in msg
    assert "cafť" not in msg


def test_a_utf8_file_with_one_cp1252_line_is_refused_naming_that_line():
    rows = [(ISSUE_LINE, "utf-8")] * 5 + [("Le café était froid", "cp1252")]
    msg, line = _refusal(_csv(rows))
    assert line == 7
    assert "most of the file is UTF-8" in msg


def test_an_undecodable_legacy_file_is_refused_not_guessed_as_an_exotic_codec():
    # cp1252 with a byte cp1252 leaves undefined (0x81): latin-1 or mac_latin2 would "work"
    data = "id,comment\n1,Le café était froid\n".encode("cp1252") + b"2,bad \x81 byte here\n"
    msg, line = _refusal(data)
    assert line == 3
    assert "cannot tell the encoding" in msg


@pytest.mark.parametrize(
    ("text", "enc", "detected"),
    [
        ("Очень долго ждали врача в приёмном покое, но персонал вежливый.", "cp1251", "cp1251"),
        ("受付の待ち時間がとても長かったです。看護師さんは親切でした。", "shift_jis", None),
        ("Le café était froid mais le personnel très aimable.", "cp1252", "cp1252"),
    ],
)
def test_plausible_legacy_encodings_decode_exactly(text, enc, detected):
    data = _csv([(text, enc)] * 8)
    got, used = decode_bytes(data, "survey.csv")
    assert got.splitlines()[1] == f"1,{text}"
    if detected:
        assert used == detected


@pytest.mark.parametrize("encoding", ["rot13", "base64", "hex", "unicode_escape", "idna", "utf-7"])
def test_an_encoding_that_is_not_a_character_encoding_is_refused(tmp_path, encoding):
    p = tmp_path / "s.csv"
    p.write_text("id,comment\n1,the staff were kind and helpful\n")
    with pytest.raises(InputError, match=f"--encoding '{encoding}' is not a character encoding"):
        read_responses(p, encoding=encoding)


def test_encoding_errors_through_the_command_line(tmp_path):
    p = tmp_path / "s.csv"
    rows = [("Le café était froid, très froid", "cp1252")] * 3 + [(ISSUE_LINE, "utf-8")]
    p.write_bytes(_csv(rows))
    for args, expect in (
        ([], "line 5 is UTF-8 but the rest of the file is not"),
        (["--encoding", "rot13"], "--encoding 'rot13' is not a character encoding"),
        (["--encoding", "klingon-8"], "unknown encoding 'klingon-8'"),
    ):
        res = subprocess.run(
            [sys.executable, "-m", "autocode", "suggest", str(p), "--model", "hash",
             "-p", str(tmp_path / "p.db"), *args],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert res.returncode == 2, res.stderr
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith("error: "), lines
        assert expect in lines[0], lines


_SENTENCE = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_SENTENCE, st.sampled_from(["utf-8", "cp1252"])), min_size=1, max_size=8))
def test_a_file_is_decoded_exactly_or_refused_naming_a_line(lines):
    data = _csv(lines)
    expected = "id,comment\n" + "".join(f"{i},{t}\n" for i, (t, _) in enumerate(lines, 1))
    non_ascii = {enc for t, enc in lines if not t.isascii()}
    try:
        text, _ = decode_bytes(data, "survey.csv")
    except InputError as e:
        assert len(non_ascii) == 2, f"refused a file in one encoding: {e}"
        assert "--encoding" in str(e)
        assert re.search(r"line \d+", e.message)
        return
    assert text == expected  # never garbled


@pytest.mark.parametrize(
    "data",
    [
        "id,comment\n1,Maß–Ecke\n".encode("cp1252"),  # ß– is DF 96: NKo U+07D6 as UTF-8
        "id,comment\n1,é€“ x\n".encode("cp1252"),  # E9 80 93: one CJK ideograph as UTF-8
    ],
)
def test_cp1252_that_is_also_valid_utf8_is_refused_not_misread(data):
    data.decode("utf-8")  # the ambiguity: both readings decode
    msg, line = _refusal(data)
    assert line == 2
    assert "cannot tell whether the file is UTF-8 or cp1252" in msg


@pytest.mark.parametrize(
    "text",
    [
        "“Smart quotes”, café — ok ★ 5/5",
        "寿司 was good and so was 好",  # a lone CJK character, but cp1252 reads no Latin text
        "Очень долго ждали, α-blockers",
        "µg, ½ dose, naïve",
    ],
)
def test_real_utf8_is_still_utf8(text):
    assert decode_bytes(f"id,comment\n1,{text}\n".encode(), "s.csv") == (
        f"id,comment\n1,{text}\n",
        "utf-8",
    )


def test_cp1252_lines_that_happen_to_be_valid_utf8_do_not_make_a_file_mixed():
    # hypothesis found it: "ß" (DF, not UTF-8) on one line and "ß–" (DF 96, NKo U+07D6 as
    # UTF-8) on another is one cp1252 file, not a mixed one
    data = _csv([("ß", "cp1252"), ("ß–", "cp1252")])
    assert decode_bytes(data, "survey.csv") == ("id,comment\n1,ß\n2,ß–\n", "cp1252")
