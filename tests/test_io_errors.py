"""autocode.io: bad input gets one clear line (InputError), never a traceback from pandas."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autocode.errors import InputError
from autocode.io import read_responses

DATA = Path(__file__).parent / "data" / "io"


def _error(path, **kw) -> InputError:
    with pytest.raises(InputError) as e:
        read_responses(path, **kw)
    err = e.value
    assert "\n" not in str(err), "one line"
    assert err.hint, "every input error says how to fix it"
    return err


@pytest.mark.parametrize(
    ("name", "kw", "pattern"),
    [
        ("missing.csv", {}, r"missing\.csv: no such file"),
        ("empty.csv", {}, "the file is empty"),
        ("binary.csv", {}, "binary content"),
        ("corrupt.xlsx", {}, r"not a readable \.xlsx workbook"),
        ("old_format.xls", {}, r"old-format \.xls"),
        ("header_only.csv", {}, "a header but no data rows"),
        ("ragged.csv", {}, "line 3 has 3 fields but the header has 2"),
        (
            "no_text.csv",
            {},
            "no open-ended text column found; the columns are: record_id, role, q1, q2, visit_date",
        ),
        (
            "wide_dup.csv",
            {},
            r"respondent id '7' appears twice with different answers \(line 2 and line 4\)",
        ),
        (
            "long_dup.csv",
            {"id": "participant_id"},
            "respondent 'P1' has two different answers to question 'Q1'",
        ),
        (
            "wide_utf8.csv",
            {"text": ["comments"]},
            "no column 'comments' \\(given with --text\\); the columns are: record_id, role",
        ),
        ("wide_utf8.csv", {"id": "resp"}, "no column 'resp' \\(given with --id\\)"),
        ("long.csv", {"question": "item"}, "no column 'item' \\(given with --question\\)"),
        ("survey.xlsx", {"sheet": "Nope"}, "its sheets are: Responses, Wave 2, Notes"),
    ],
)
def test_bad_input_is_one_clear_line(name, kw, pattern):
    err = _error(DATA / name, **kw)
    assert re.search(pattern, str(err)), str(err)


def test_directory_is_refused(tmp_path):
    assert "is a directory" in str(_error(tmp_path))


# root reads any file: as root (CI), read in a child without the capabilities that allow it
_NO_DAC = ["--inh-caps=-dac_override,-dac_read_search"]
_NO_DAC += ["--bounding-set=-dac_override,-dac_read_search"]


@pytest.mark.skipif(
    sys.platform == "win32" or (os.geteuid() == 0 and not shutil.which("setpriv")),
    reason="needs POSIX permissions (as root: util-linux setpriv to drop CAP_DAC_OVERRIDE)",
)
def test_unreadable_file(tmp_path):
    p = tmp_path / "locked.csv"
    p.write_text("id,comment\n1,hello there friend\n")
    p.chmod(0)
    try:
        if os.geteuid() != 0:
            assert "permission denied" in str(_error(p))
            return
        code = (
            "import sys\nfrom autocode.errors import InputError\n"
            "from autocode.io import read_responses\n"
            "try:\n    read_responses(sys.argv[1])\nexcept InputError as e:\n"
            "    print('ERR', e.message, '|', e.hint)\n"
        )
        child = [shutil.which("setpriv"), *_NO_DAC, sys.executable, "-c", code, str(p)]
        proc = subprocess.run(child, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(f"ERR {p}: permission denied |"), proc.stdout
    finally:
        p.chmod(0o600)


def test_missing_id_value_on_a_row_with_answers(tmp_path):
    p = tmp_path / "noid.csv"
    p.write_text(
        "id,comment\n1,Helpful supervisors on every shift.\n"
        ",A row without an id but with an answer.\n"
    )
    assert "line 3 has answers but no respondent id in column 'id'" in str(_error(p))


def test_every_answer_blank(tmp_path):
    p = tmp_path / "blank.csv"
    p.write_text("id,comment\n1,\n2,   \n")
    assert "every answer in comment is blank" in str(_error(p, text=["comment"]))


def test_long_file_with_two_text_columns(tmp_path):
    assert "a long file has one text column" in str(
        _error(DATA / "long.csv", question="question", text=["answer", "site"])
    )


def test_text_column_that_is_also_the_id():
    assert "cannot be both" in str(
        _error(DATA / "wide_utf8.csv", id="record_id", text=["record_id"])
    )


def test_errors_do_not_leak_answer_text():
    err = _error(DATA / "wide_dup.csv")
    assert "supervision" not in str(err)
    assert "Clinic" not in str(err)


def test_error_through_the_cli_is_one_line(capsys):
    from autocode.errors import AutocodeError

    # The CLI turns AutocodeError into "error: ..." — check the message shape it will print.
    err = _error(DATA / "survey.xlsx", sheet="Nope")
    assert isinstance(err, AutocodeError)
    assert err.exit_code == 2
    assert str(err).count("—") == 1


def test_unclosed_quote_is_refused_not_swallowed(tmp_path):
    p = tmp_path / "unclosed.csv"
    p.write_text('id,comment\n1,"Good teaching.\n2,Bad parking.\n3,Too many forms.\n')
    assert "cannot parse the record starting on line 2" in str(_error(p))


def test_stray_quote_after_a_quoted_field(tmp_path):
    p = tmp_path / "stray.csv"
    p.write_text('id,comment\n1,Good teaching.\n2,"Nothing" really bad\n')
    assert "line 3" in str(_error(p))


def test_a_zip_that_is_not_a_workbook(tmp_path):
    import zipfile

    p = tmp_path / "export.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("survey.csv", "id,comment\n1,hello there\n")
    assert "not a readable .xlsx workbook" in str(_error(p))


def test_damaged_sav_that_crashes_the_spss_reader_is_one_clear_error():
    # damaged.sav segfaults pyreadstat's C reader; it is read in a child process.
    assert "not a readable SPSS .sav file" in str(_error(DATA / "damaged.sav"))


def test_column_names_with_line_breaks_stay_on_one_line(tmp_path):
    p = tmp_path / "nl.csv"
    p.write_text('"record\nid","visit\ndate"\n1,2024-01-01\n2,2024-01-02\n')
    assert "the columns are: record id, visit date" in str(_error(p))
