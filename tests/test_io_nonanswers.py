"""autocode.io: blanks and non-answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from autocode.io import NonAnswerMatcher, is_non_answer, read_responses

DATA = Path(__file__).parent / "data" / "io"

NON_ANSWERS = [
    "n/a", "N/A", "N/A.", "NA", "n.a.", "#N/A", "none", "None.", "NONE!", "nothing",
    "Nothing.", "Nothing at all", "nothing really", "Nothing, thank you.", "No thanks",
    "no comment", "No comments.", "no further comments", "don't know", "Don’t know",
    "I don't know", "dont know", "do not know", "-", "--", "...", "?", "idk", "IDK",
    "not applicable", "Not applicable.", "no", "No.", "nil", "did not answer",
    "Did not answer", "no answer", "not sure", "Not sure.", "unsure", "nope", "x",
    "'none'", "(blank)", "Nothing :)", "  nothing  ",
]  # fmt: skip
REAL_ANSWERS = [
    "No parking available",
    "Nothing was explained to me",
    "None of the staff introduced themselves",
    "Not applicable to me because I work nights, but nights need teaching too",
    "No one answered the phone for two hours",
    "Nothing to eat after 8pm",
    "Know your patients",
    "Nah, the parking is terrible",
    "N/A for nights, but days were great",
    "Not sure who my supervisor is",
    "ok",
    "Good",
]


@pytest.mark.parametrize("text", NON_ANSWERS)
def test_non_answers_are_flagged(text):
    assert is_non_answer(text)


@pytest.mark.parametrize("text", REAL_ANSWERS)
def test_real_answers_are_not_flagged(text):
    assert not is_non_answer(text)


def test_custom_non_answers_extend_the_list():
    assert not is_non_answer("see above")
    assert is_non_answer("See above.", extra=["see above"])
    m = NonAnswerMatcher(use_defaults=False, extra=["same as before"])
    assert m("Same as before!")
    assert not m("nothing")


def test_blanks_are_dropped_and_counted_per_question():
    rs = read_responses(DATA / "wide_utf8.csv")
    # Respondent 4 left barriers blank (spaces only), respondent 6 left improve empty.
    assert rs.blanks == {"barriers_to_mentoring": 1, "how_could_we_improve": 1}
    assert "4:barriers_to_mentoring" not in set(rs.responses["id"])
    assert (rs.responses["text"].str.strip() != "").all()
    # Respondents who left blanks are still respondents (the denominator for reports).
    assert rs.n_respondents == 8


def test_non_answers_are_flagged_in_a_file_but_kept():
    rs = read_responses(DATA / "wide_utf8.csv")
    flagged = set(rs.responses.loc[rs.responses["non_answer"], "id"])
    assert flagged == {
        "3:barriers_to_mentoring",  # N/A
        "7:barriers_to_mentoring",  # don't know
        "3:how_could_we_improve",  # Nothing.
        "5:how_could_we_improve",  # no
        "8:how_could_we_improve",  # idk
    }
    texts = dict(zip(rs.responses["id"], rs.responses["text"], strict=True))
    assert texts["4:how_could_we_improve"].startswith("Nothing was explained to me")
    assert not rs.responses.set_index("id").loc["4:how_could_we_improve", "non_answer"]
    counts = rs.counts().set_index("question")
    assert counts.loc["how_could_we_improve", "non_answers"] == 3
    assert counts.loc["how_could_we_improve", "blanks"] == 1
    assert counts["answers"].sum() == len(rs.responses)


def test_flag_non_answers_false_keeps_them_as_answers():
    rs = read_responses(DATA / "wide_utf8.csv", flag_non_answers=False)
    assert rs.n_non_answers == 0
    assert "Nothing." in set(rs.responses["text"])


def test_custom_non_answers_in_read_responses():
    rs = read_responses(DATA / "wide_utf8.csv", flag_non_answers=False, non_answers=["idk"])
    flagged = list(rs.responses.loc[rs.responses["non_answer"], "text"])
    assert flagged == ["idk"]
    rs2 = read_responses(
        DATA / "wide.tsv", non_answers=["great teaching from the registrars on nights"]
    )
    assert set(rs2.responses.loc[rs2.responses["non_answer"], "respondent"]) == {"r3", "r10"}


@pytest.mark.parametrize(
    "text",
    ["No, nothing", "Not at this time.", "Can't think of anything", "Nothing comes to mind",
     "None that I can think of", "No comment at the moment"],
)  # fmt: skip
def test_longer_non_answers(text):
    assert is_non_answer(text)


def test_a_comment_column_where_most_wrote_no_is_still_text(tmp_path):
    p = tmp_path / "mostly_no.csv"
    lines = ["id,grade,anything_else"]
    lines += [f"{i},F{i % 2 + 1},No" for i in range(1, 31)]
    lines += [
        f"{i},F1,The induction should cover where the on-call room is ({i})." for i in range(31, 41)
    ]
    p.write_text("\n".join(lines) + "\n")
    rs = read_responses(p)
    assert rs.questions == ["anything_else"]
    assert rs.n_non_answers == 30
