"""The one rule for the characters of text input (autocode.io.text): a NUL is refused with its
line or row wherever it is — at the top or after the first 64 KiB, in a survey export (CSV,
TSV, long or wide, UTF-16), a codings file or a CSV codebook; other control characters are
cleaned on the way in, so nothing stored can crash an export later."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autocode.chars import first_not_xml
from autocode.cli import main
from autocode.errors import InputError
from autocode.io import read_responses
from autocode.io.text import clean_text
from autocode.project import open_store

DATA = files("autocode") / "data"


def _wide(n_rows: int, bad_row: int | None = None, bad: str = "\x00", sep: str = ",") -> str:
    lines = [sep.join(["id", "site", "comment"])]
    for i in range(1, n_rows + 1):
        text = f"Answer {i}: the staff were kind but the wait was long"
        if i == bad_row:
            text = text.replace("kind", f"ki{bad}nd")
        lines.append(sep.join([str(i), "north" if i % 2 else "south", text]))
    return "\n".join(lines) + "\n"


def _nul_line(err: InputError) -> int:
    m = re.search(r"line (\d+) contains a NUL byte", str(err))
    assert m, str(err)
    assert err.hint, str(err)
    assert "\n" not in str(err), str(err)
    return int(m.group(1))


@pytest.mark.parametrize("row", [1, 5, 2000])  # 2000: well past the first 64 KiB
@pytest.mark.parametrize(("suffix", "sep"), [(".csv", ","), (".tsv", "\t")])
def test_a_nul_anywhere_in_a_delimited_file_is_refused_naming_its_line(tmp_path, row, suffix, sep):
    p = tmp_path / f"survey{suffix}"
    p.write_text(_wide(2100, row, sep=sep), encoding="utf-8")
    assert row < 100 or p.read_bytes().index(b"\x00") > 65536
    with pytest.raises(InputError) as e:
        read_responses(p)
    assert _nul_line(e.value) == row + 1  # the header is line 1


def test_a_nul_in_a_long_file_and_in_utf16(tmp_path):
    long = "id,question,answer\n" + "".join(
        f"{i},Q{i % 2},Answer number {i} is long enough to be text\n" for i in range(1, 3001)
    )
    lines = long.splitlines(keepends=True)
    lines[2500] = lines[2500].replace("number", "num\x00ber")
    p = tmp_path / "long.csv"
    p.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_responses(p)
    assert _nul_line(e.value) == 2501
    q = tmp_path / "utf16.txt"
    q.write_bytes(_wide(50, 7, sep="\t").encode("utf-16"))
    with pytest.raises(InputError) as e:
        read_responses(q)
    assert _nul_line(e.value) == 8


def test_a_nul_in_a_codings_file_or_a_csv_codebook_is_refused(tmp_path, capsys):
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    rows = "".join(f"{i},{'Staff' if i % 2 else 'Waiting'}\n" for i in range(1, 3000))
    a.write_text("id,code\n" + rows, encoding="utf-8")
    b.write_text("id,code\n" + rows.replace("2999,Staff", "2999,St\x00aff"), encoding="utf-8")
    assert main(["agree", str(a), str(b)]) == 2
    err = capsys.readouterr().err
    assert "b.csv: line 3000 contains a NUL byte" in err
    assert err.count("\n") == 1
    cb = tmp_path / "cb.csv"
    cb.write_text("name,description\nStaff,Kind\x00 staff\n", encoding="utf-8")
    assert main(["codebook", "import", str(cb), "--yes", "-p", str(tmp_path / "p.db")]) == 2
    assert "cb.csv: line 2 contains a NUL byte" in capsys.readouterr().err


def test_control_characters_are_cleaned_on_the_way_in(tmp_path):
    p = tmp_path / "s.csv"
    rows = [
        "id,si\x01te,comment",
        "1,nor\x02th,First line\x0bsecond line\x0cthird \x01line of a long answer",
        "2,south,An answer without anything odd in it at all",
        "3,ea\x1fst,Tab\tand CRLF kept\x7f as they are in this answer",
    ]
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    rs = read_responses(p)
    texts = list(rs.responses["text"])
    assert texts[0] == "First line\nsecond line\nthird line of a long answer"
    assert texts[2] == "Tab\tand CRLF kept\x7f as they are in this answer"
    assert list(rs.attributes.columns) == ["site"]
    assert list(rs.attributes["site"]) == ["north", "south", "east"]
    assert any(n.startswith("4 cell(s) held control characters") for n in rs.notes)


def test_cleaned_answers_export_everywhere(tmp_path, capsys):
    """What the issue saw crash (export qdpx, report --format xlsx, xlsx sheets)."""
    src = DATA / "example_survey.csv"
    text = src.read_text(encoding="utf-8").replace("Over all", "Over\x01 all\x0c\x1b")
    p = tmp_path / "survey.csv"
    p.write_text(text, encoding="utf-8")
    db = str(tmp_path / "p.db")
    assert main(["suggest", str(p), "--model", "hash", "-p", db, "--json"]) == 0
    assert main(["accept", "S1", "S2", "-p", db]) == 0
    for cmd in (
        ["report", "-p", db, "-f", "xlsx", "-o", str(tmp_path / "r.xlsx")],
        ["export", "qdpx", "-p", db, "-o", str(tmp_path / "p.qdpx")],
        ["export", "codings", "-p", db, "-o", str(tmp_path / "c.xlsx")],
    ):
        assert main(cmd) == 0, (cmd, capsys.readouterr().err)
    with open_store(db, readonly=True) as st:
        stored = [r[0] for r in st.conn.execute("SELECT text FROM responses")]
    assert all(first_not_xml(t) is None for t in stored)
    assert any("Over all\n" in t for t in stored)


_NO_NUL = st.text(st.characters(blacklist_characters="\x00"), max_size=60)


@given(_NO_NUL)
def test_clean_text_leaves_nothing_an_xml_file_cannot_hold(text):
    out = clean_text(text)
    assert first_not_xml(out) is None
    assert clean_text(out) == out  # idempotent
    if first_not_xml(text) is None and "\x0b" not in text and "\x0c" not in text:
        assert out == text  # clean text is never changed


@given(_NO_NUL, _NO_NUL)
def test_clean_text_refuses_every_nul(a, b):
    with pytest.raises(InputError, match="NUL byte"):
        clean_text(a + "\x00" + b, "f.csv", "row 3")


def test_the_rule_applies_to_spss_cells_too(tmp_path):
    import pandas as pd
    import pyreadstat

    df = pd.DataFrame(
        {
            "resp_id": ["1", "2"],
            "comment": ["Kind\x01 staff\x0bbut a long wait for the doctor", "Clean wards and food"],
        }
    )
    p = tmp_path / "s.sav"
    pyreadstat.write_sav(df, str(p))
    rs = read_responses(p, text=["comment"], id="resp_id")
    assert list(rs.responses["text"]) == [
        "Kind staff\nbut a long wait for the doctor",
        "Clean wards and food",
    ]
