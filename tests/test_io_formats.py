"""autocode.io: file formats, encodings and delimiters."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from autocode.errors import InputError
from autocode.io import read_responses

DATA = Path(__file__).parent / "data" / "io"

# Exact texts from wide_utf8.csv: every encoding variant must give these back unchanged.
EXACT = {
    "1:barriers_to_mentoring": (
        "No protected time in the job plan – mentoring happens in my own evenings."
    ),
    "2:barriers_to_mentoring": "I’m not sure what is expected of a “mentor” versus a supervisor.",
    "1:how_could_we_improve": "Pay for it, even €50 a session would signal that it matters.",
    "2:how_could_we_improve": "A short naïve-friendly guide to what mentoring is.",
    "7:how_could_we_improve": "Meet in the café, not in the office; less formal.",
    "5:barriers_to_mentoring": (
        "Rota gaps. Every time I book a meeting it gets cancelled because of a gap.\n"
        "Then I give up."
    ),
}


def _texts(rs) -> dict[str, str]:
    return dict(zip(rs.responses["id"], rs.responses["text"], strict=True))


@pytest.mark.parametrize(
    ("name", "encoding", "fmt"),
    [
        ("wide_utf8.csv", "utf-8", "csv"),
        ("wide_utf8_bom.csv", "utf-8-sig", "csv"),
        ("wide_cp1252.csv", "cp1252", "csv"),
        ("wide_utf16.txt", "utf-16", "tsv"),
    ],
)
def test_encodings_survive_exactly(name, encoding, fmt):
    rs = read_responses(DATA / name)
    assert rs.encoding == encoding
    assert rs.format == fmt
    texts = _texts(rs)
    for rid, expected in EXACT.items():
        assert texts[rid] == expected
    # The header of a BOM file is not polluted by the BOM.
    assert rs.id_column == "record_id"
    assert rs.questions == ["barriers_to_mentoring", "how_could_we_improve"]


def test_all_encodings_give_the_same_content():
    hashes = {
        read_responses(DATA / n).content_hash
        for n in ("wide_utf8.csv", "wide_utf8_bom.csv", "wide_cp1252.csv", "wide_utf16.txt")
    }
    assert len(hashes) == 1


def test_latin1_file_is_decoded_not_mangled():
    rs = read_responses(DATA / "latin1.csv")
    assert rs.encoding in ("cp1252", "latin-1")
    texts = list(rs.responses["text"])
    assert "Le café était froid mais le personnel très aimable." in texts
    assert "Große Verzögerung bei der Anmeldung; sonst gut." in texts


def test_cyrillic_cp1251_is_detected():
    rs = read_responses(DATA / "cp1251.csv")
    assert rs.encoding == "cp1251"
    assert rs.responses["text"].iloc[0] == "Очень долго ждали врача в приёмном покое."


def test_explicit_encoding_overrides_detection():
    rs = read_responses(DATA / "wide_cp1252.csv", encoding="cp1252")
    assert rs.encoding == "cp1252"
    assert _texts(rs)["1:how_could_we_improve"] == EXACT["1:how_could_we_improve"]


def test_wrong_explicit_encoding_is_one_clear_error():
    with pytest.raises(InputError, match=r"not valid utf-8 \(line \d+\)"):
        read_responses(DATA / "wide_cp1252.csv", encoding="utf-8")
    with pytest.raises(InputError, match="unknown encoding"):
        read_responses(DATA / "wide_utf8.csv", encoding="klingon-8")


def test_mixed_encodings_are_refused_not_half_decoded():
    with pytest.raises(InputError, match=r"mixed encodings .* line 3") as e:
        read_responses(DATA / "mixed_encoding.csv")
    assert "UTF-8" in e.value.hint


def test_tsv_with_tab_delimiter():
    rs = read_responses(DATA / "wide.tsv")
    assert rs.format == "tsv"
    assert rs.delimiter == "\t"
    assert rs.id_column == "respondent"
    assert rs.text_columns == ["comments"]
    assert list(rs.attributes.columns) == ["site", "score"]


def test_semicolon_delimiter_with_decimal_commas_is_sniffed():
    rs = read_responses(DATA / "semicolon.csv")
    assert rs.delimiter == ";"
    assert rs.text_columns == ["comment"]
    assert rs.attributes.loc["1", "satisfaction"] == "4,5"
    assert rs.responses["text"].iloc[0] == "Très bon accueil, personnel à l’écoute; merci."


def test_crlf_line_endings_inside_answers_become_lf(tmp_path):
    p = tmp_path / "crlf.csv"
    p.write_bytes(
        b'id,comment\r\n1,"Line one\r\nline two of the same answer."\r\n2,Short but real.\r\n'
    )
    rs = read_responses(p, text=["comment"])
    assert rs.responses["text"].iloc[0] == "Line one\nline two of the same answer."


def test_sha256_is_of_the_file_bytes():
    p = DATA / "wide_utf8.csv"
    rs = read_responses(p)
    assert rs.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
    assert rs.content_hash != rs.sha256


# --- XLSX ------------------------------------------------------------------------------


def test_xlsx_first_sheet_by_default():
    rs = read_responses(DATA / "survey.xlsx")
    assert rs.format == "xlsx"
    assert rs.sheet == "Responses"
    assert rs.id_column == "Participant ID"
    assert rs.questions == ["What helps you learn most on the ward?"]
    assert rs.blanks == {"What helps you learn most on the ward?": 1}
    texts = list(rs.responses["text"])
    assert (
        "Feedback straight after a procedure — even two lines helps.\nAlso the café chats." in texts
    )
    # Numbers keep their integer form; dates become ISO dates; ids are strings.
    assert list(rs.attributes.index) == ["101", "102", "103", "104", "105", "106"]
    assert rs.attributes.loc["102", "Year"] == "2"
    assert rs.attributes.loc["101", "Completed"] == "2024-03-01"
    assert any("first of 3" in n for n in rs.notes)


def test_xlsx_named_sheet():
    rs = read_responses(DATA / "survey.xlsx", sheet="Wave 2")
    assert rs.sheet == "Wave 2"
    assert list(rs.responses["respondent"]) == ["201", "202"]


def test_xlsx_sheet_name_is_case_insensitive_when_unique():
    assert read_responses(DATA / "survey.xlsx", sheet="wave 2").sheet == "Wave 2"


def test_xlsx_wrong_sheet_lists_the_sheets():
    with pytest.raises(
        InputError, match="no sheet 'Wave 3'; its sheets are: Responses, Wave 2, Notes"
    ):
        read_responses(DATA / "survey.xlsx", sheet="Wave 3")


def test_sheet_on_a_csv_is_an_error():
    with pytest.raises(InputError, match="not a workbook"):
        read_responses(DATA / "wide_utf8.csv", sheet="Sheet1")


def test_xlsx_detected_by_content_whatever_the_suffix(tmp_path):
    p = tmp_path / "export.csv"
    p.write_bytes((DATA / "survey.xlsx").read_bytes())
    assert read_responses(p).format == "xlsx"


# --- SPSS ------------------------------------------------------------------------------


def test_spss_sav_with_labels():  # pyreadstat is a test dependency: no skip
    rs = read_responses(DATA / "survey.sav")
    assert rs.format == "sav"
    assert rs.id_column == "resp_id"
    assert rs.questions == ["q5_open"]
    assert rs.question_labels == {"q5_open": "What one change would improve your training?"}
    # Value labels are applied to attributes; numeric ids lose their ".0".
    assert rs.attributes.loc["2", "site"] == "South"
    assert rs.blanks == {"q5_open": 1}
    assert rs.n_non_answers == 1


def test_excel_sep_hint_line(tmp_path):
    p = tmp_path / "sep.csv"
    p.write_text("sep=;\nid;comment\n1;Nurses were kind, and quick.\n2;The food was cold, again.\n")
    rs = read_responses(p)
    assert rs.delimiter == ";"
    assert rs.text_columns == ["comment"]
    assert rs.responses["text"].iloc[0] == "Nurses were kind, and quick."


def test_utf16_without_bom(tmp_path):
    src = "id\tcomment\n1\tThe café closes too early.\n2\tStaff said “welcome back”.\n"
    p = tmp_path / "u16.txt"
    p.write_bytes(src.encode("utf-16-le"))
    rs = read_responses(p)
    assert rs.encoding == "utf-16-le"
    assert list(rs.responses["text"]) == [
        "The café closes too early.",
        "Staff said “welcome back”.",
    ]


def test_qualtrics_xlsx_export(tmp_path):
    import csv

    from openpyxl import Workbook

    wb = Workbook()
    with open(DATA / "qualtrics.csv", encoding="utf-8", newline="") as f:
        for row in csv.reader(f):
            wb.active.append(row)
    p = tmp_path / "qualtrics.xlsx"
    wb.save(p)
    rs = read_responses(p)
    assert rs.format == "xlsx"
    assert rs.export == "qualtrics"
    assert rs.content_hash == read_responses(DATA / "qualtrics.csv").content_hash


def test_xlsx_title_row_above_the_header(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Trainee survey 2024 — export"])
    ws.append([])
    ws.append(["id", "grade", "comment"])
    ws.append([1, "F1", "More teaching on the acute take, please."])
    ws.append([2, "F2", "Rota released late every single month."])
    p = tmp_path / "titled.xlsx"
    wb.save(p)
    rs = read_responses(p)
    assert rs.id_column == "id"
    assert rs.questions == ["comment"]
    assert any("title row" in n for n in rs.notes)


def test_repeated_column_names_are_renamed_with_a_note(tmp_path):
    p = tmp_path / "labels.csv"
    p.write_text(
        "Record ID,Comments,Comments\n"
        "1,The simulation day was the best part of the year.,Parking near the centre.\n"
        "2,Clear objectives for each session would help.,More time for questions.\n"
    )
    rs = read_responses(p)
    assert rs.questions == ["Comments", "Comments (2)"]
    assert any("renamed 'Comments (2)'" in n for n in rs.notes)


def test_zero_width_only_answers_are_blank(tmp_path):
    p = tmp_path / "zw.csv"
    p.write_text("id,comment\n1,\u200b\n2,Real answer about the rota.\n", encoding="utf-8")
    rs = read_responses(p, text=["comment"])
    assert rs.blanks == {"comment": 1}
    assert len(rs.responses) == 1


def test_gzipped_csv(tmp_path):
    import gzip

    p = tmp_path / "survey.csv.gz"
    p.write_bytes(gzip.compress((DATA / "wide_cp1252.csv").read_bytes()))
    rs = read_responses(p)
    assert rs.format == "csv"
    assert rs.encoding == "cp1252"
    assert rs.content_hash == read_responses(DATA / "wide_utf8.csv").content_hash
