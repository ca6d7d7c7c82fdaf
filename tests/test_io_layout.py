"""autocode.io: wide and long layouts, id/text detection, canonical order."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pandas as pd
import pytest

from autocode.errors import InputError
from autocode.io import natural_key, read_responses
from autocode.io.columns import profile

DATA = Path(__file__).parent / "data" / "io"


def _shuffled_copy(src: Path, dst: Path, seed: int) -> Path:
    text = src.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    random.Random(seed).shuffle(body)
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    dst.write_text(out.getvalue(), encoding="utf-8")
    return dst


def _assert_same(a, b):
    pd.testing.assert_frame_equal(a.responses, b.responses)
    pd.testing.assert_frame_equal(a.attributes, b.attributes)
    assert a.questions == b.questions
    assert a.blanks == b.blanks
    assert a.content_hash == b.content_hash
    assert a.sha256 != b.sha256  # the bytes did change


@pytest.mark.parametrize("name", ["wide_utf8.csv", "long.csv", "redcap_raw.csv"])
def test_shuffled_rows_give_an_identical_response_set(tmp_path, name):
    original = read_responses(DATA / name)
    for seed in (1, 2):
        shuffled = read_responses(_shuffled_copy(DATA / name, tmp_path / f"{seed}_{name}", seed))
        _assert_same(original, shuffled)


def test_canonical_order_is_question_then_natural_respondent():
    rs = read_responses(DATA / "wide.tsv")
    assert list(rs.responses["respondent"]) == ["r1", "r2", "r2b", "r3", "r10"]
    assert list(rs.attributes.index) == ["r1", "r2", "r2b", "r3", "r10"]
    assert sorted(["p10", "p2", "P1", "p1"], key=natural_key) == ["P1", "p1", "p2", "p10"]


def test_wide_ids_are_respondent_colon_question():
    rs = read_responses(DATA / "wide_utf8.csv")
    assert rs.layout == "wide"
    assert rs.responses["id"].iloc[0] == "1:barriers_to_mentoring"
    assert set(rs.responses["respondent"]) <= set(rs.attributes.index)
    assert rs.responses["respondent"].map(type).eq(str).all()


def test_long_layout_detected_from_a_question_column():
    rs = read_responses(DATA / "long.csv")
    assert rs.layout == "long"
    assert (rs.id_column, rs.question_column, rs.text_columns) == (
        "participant_id",
        "question",
        ["answer"],
    )
    # Question order in a long file is natural order of the names (not file order).
    assert rs.questions == ["Q1_barriers", "Q2_improve", "Q10_other"]
    assert rs.blanks == {"Q1_barriers": 0, "Q2_improve": 1, "Q10_other": 0}
    assert list(rs.responses["id"][:3]) == ["P1:Q1_barriers", "P2:Q1_barriers", "P10:Q1_barriers"]
    assert rs.attributes.loc["P10", "site"] == "South"


def test_long_layout_with_explicit_flags_matches_detection():
    a = read_responses(DATA / "long.csv")
    b = read_responses(DATA / "long.csv", text=["answer"], id="participant_id", question="question")
    pd.testing.assert_frame_equal(a.responses, b.responses)


def test_column_flags_are_case_insensitive_when_unique():
    rs = read_responses(DATA / "long.csv", text="ANSWER", id="Participant_ID", question="Question")
    assert rs.text_columns == ["answer"]
    assert rs.id_column == "participant_id"


def test_text_flag_picks_columns_and_the_rest_are_attributes():
    rs = read_responses(DATA / "wide_utf8.csv", text=["how_could_we_improve"])
    assert rs.questions == ["how_could_we_improve"]
    assert rs.responses["id"].iloc[0] == "1"  # one question: id is the respondent
    assert "barriers_to_mentoring" in rs.attributes.columns


def test_no_id_column_numbers_rows_and_says_so():
    rs = read_responses(DATA / "no_id.csv")
    assert rs.id_column is None
    assert list(rs.responses["respondent"]) == ["1", "2", "3"]
    assert any("numbered 1..n" in n for n in rs.notes)


def test_two_possible_id_columns_is_refused():
    with pytest.raises(
        InputError, match="several columns could be the respondent id: record_id, participant_id"
    ) as e:
        read_responses(DATA / "two_ids.csv")
    assert "--id" in e.value.hint
    rs = read_responses(DATA / "two_ids.csv", id="participant_id")
    assert list(rs.attributes.columns) == ["record_id"]


def test_ids_are_stripped_strings(tmp_path):
    p = tmp_path / "ids.csv"
    p.write_text(
        "id,comment\n 007 ,Clear feedback after each shift helped me.\n"
        "8,The rota changed too often.\n"
    )
    rs = read_responses(p)
    assert list(rs.responses["respondent"]) == ["007", "8"]


def test_identical_duplicate_rows_collapse(tmp_path):
    p = tmp_path / "dup.csv"
    p.write_text(
        "id,comment,code\n"
        "1,Parking was impossible and the signs were confusing.,Parking\n"
        "1,Parking was impossible and the signs were confusing.,Signage\n"
        "2,Lovely staff.,Staff\n"
    )
    rs = read_responses(p)
    assert list(rs.responses["id"]) == ["1", "2"]
    assert "code" not in rs.attributes.columns  # varies within respondent 1
    assert any("collapsed" in n for n in rs.notes)


def test_ambiguous_short_text_asks_for_text_flag(tmp_path):
    p = tmp_path / "short.csv"
    p.write_text(
        "id,ward,issue\n1,5A,night shifts\n2,5B,car park\n3,6A,rota gaps\n4,6B,no lunch\n"
        "5,7A,cold room\n"
    )
    with pytest.raises(InputError, match="short free text in: issue") as e:
        read_responses(p)
    assert "--text" in e.value.hint
    assert read_responses(p, text=["issue"]).questions == ["issue"]


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["1", "2", "3", "4", "5"] * 10, "attribute"),  # Likert
        (["2024-01-03", "03/01/2024", "2024-02-01 10:00"] * 10, "attribute"),
        (["Surgery", "Medicine", "Paediatrics"] * 20, "attribute"),
        (["Community health services", "Forensic"] * 20, "attribute"),
        (
            [f"The ward {i} team explained my discharge plan very clearly." for i in range(30)],
            "text",
        ),
        ([], "attribute"),
    ],
)
def test_column_profiles(values, kind):
    assert profile("col", values).kind() == kind


# --- real data (long, several rows per id for multi-label codes) -------------------------
# Slices of ../shared/data's two NHS sets, copied into tests/data/io with their MIT notice
# (NOTICE.md there), so the test runs in a clean clone: per question 4 comments with several
# codes (where the source has any) and 6 with one.


@pytest.mark.parametrize(
    ("name", "n_texts"),
    [("nhs_fft_qdc_v6_slice.csv", 60), ("nhs_phase1_subcategory_slice.csv", 30)],
)
def test_real_long_files(name, n_texts):
    path = DATA / name
    rs = read_responses(path, text=["text"], id="id", question="question")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert rs.layout == "long"
    expected = raw.drop_duplicates(["id", "question"])
    expected = expected[expected["text"].str.strip() != ""]
    assert len(rs.responses) == len(expected) == n_texts
    assert len(raw) > n_texts or name.startswith("nhs_phase1")  # multi-label rows collapse
    # Ids are unique per comment in these files, so response id == the file's id.
    assert set(rs.responses["id"]) == set(expected["id"])
    assert rs.questions == sorted(set(raw["question"]), key=natural_key)
    assert "code" not in rs.attributes.columns or rs.attributes["code"].ne("").any()
    # Detection agrees with the explicit flags.
    auto = read_responses(path)
    assert auto.content_hash == rs.content_hash


def test_text_flag_takes_a_glob():
    rs = read_responses(DATA / "qualtrics.csv", text=["Q*_TEXT", "Q2"])
    assert rs.questions == ["Q3_TEXT", "Q2"]
    with pytest.raises(InputError, match="no column matches 'Z\\*'"):
        read_responses(DATA / "qualtrics.csv", text=["Z*"])


def test_read_columns():
    from autocode.io import read_columns

    assert read_columns(DATA / "long.csv") == ["participant_id", "question", "answer", "site"]
    assert read_columns(DATA / "qualtrics_legacy.csv")[:2] == ["ResponseID", "ResponseSet"]
    assert read_columns(DATA / "survey.xlsx", sheet="Wave 2")[0] == "Participant ID"
