"""autocode.io: Qualtrics and REDCap exports."""

from __future__ import annotations

from pathlib import Path

from autocode.io import read_responses

DATA = Path(__file__).parent / "data" / "io"


def test_qualtrics_three_header_rows():
    rs = read_responses(DATA / "qualtrics.csv")
    assert rs.export == "qualtrics"
    assert rs.id_column == "ResponseId"
    # Row 2 (question text) and row 3 (ImportId JSON) are not responses.
    assert rs.n_respondents == 4
    assert rs.questions == ["Q2", "Q3_TEXT"]
    assert rs.question_labels["Q2"] == "What is the biggest barrier to teaching on your ward?"
    assert not rs.responses["text"].str.contains("ImportId").any()
    # Metadata columns are neither questions nor attributes; Q1 (role) and Q4_1 (Likert) are.
    assert list(rs.attributes.columns) == ["Q1", "Q4_1"]
    assert rs.attributes.loc["R_1AbCdEfGhIjK002", "Q1"] == "Doctor"
    assert rs.blanks == {"Q2": 1, "Q3_TEXT": 2}
    texts = dict(zip(rs.responses["id"], rs.responses["text"], strict=True))
    assert (
        texts["R_1AbCdEfGhIjK001:Q2"] == "Staffing — there is never a spare pair of hands to teach."
    )
    assert texts["R_1AbCdEfGhIjK003:Q3_TEXT"] == "n/a"
    assert rs.responses.set_index("id").loc["R_1AbCdEfGhIjK003:Q3_TEXT", "non_answer"]


def test_qualtrics_legacy_two_header_rows():
    rs = read_responses(DATA / "qualtrics_legacy.csv")
    assert rs.export == "qualtrics"
    assert rs.id_column == "ResponseID"
    assert rs.questions == ["Q1", "Q2"]
    assert rs.question_labels == {
        "Q1": "What went well on this placement?",
        "Q2": "What would you change?",
    }
    assert rs.n_respondents == 3
    assert list(rs.attributes.columns) == []


def test_qualtrics_text_flag_overrides_detection():
    rs = read_responses(DATA / "qualtrics.csv", text=["Q2"])
    assert rs.questions == ["Q2"]
    assert "Q3_TEXT" in rs.attributes.columns
    # One question: the response id is the respondent id.
    assert rs.responses["id"].iloc[0] == "R_1AbCdEfGhIjK001"


def test_redcap_raw_with_events_and_repeated_instruments():
    rs = read_responses(DATA / "redcap_raw.csv")
    assert rs.export == "redcap"
    assert rs.id_column == "record_id"
    assert rs.questions == ["baseline_comments", "visit_feedback"]
    # redcap_* structure columns, *_timestamp and *_complete are not text and not attributes.
    assert list(rs.attributes.columns) == ["age", "gender"]
    # Two repeat instances of one field for record 1: the instance is part of the respondent.
    fb = rs.responses[rs.responses["question"] == "visit_feedback"]
    assert list(fb["respondent"]) == [
        "1/visit_arm_1/visit_form/1",
        "1/visit_arm_1/visit_form/2",
        "2/visit_arm_1/visit_form/1",
    ]
    assert rs.responses["id"].is_unique
    # Only record 3's baseline comment is a blank: fields are not blank on events without them.
    assert rs.blanks == {"baseline_comments": 1, "visit_feedback": 0}
    # Record-level attributes (filled in at baseline) reach every row of the record.
    assert rs.attributes.loc["1/visit_arm_1/visit_form/2", "age"] == "34"
    assert any("REDCap" in n for n in rs.notes)


def test_redcap_without_repeats_keeps_record_id_as_respondent(tmp_path):
    p = tmp_path / "redcap.csv"
    p.write_text(
        "record_id,redcap_event_name,site,feedback,feedback_complete\n"
        "1,baseline_arm_1,North,Protected teaching time would help a lot.,2\n"
        "2,baseline_arm_1,South,More feedback after assessments please.,2\n"
        "10,baseline_arm_1,South,A clearer rota with teaching sessions marked on it.,1\n",
        encoding="utf-8",
    )
    rs = read_responses(p)
    assert rs.export == "redcap"
    assert list(rs.responses["id"]) == ["1", "2", "10"]
    assert list(rs.attributes.columns) == ["site"]


def test_redcap_labels_export():
    rs = read_responses(DATA / "redcap_labels.csv")
    assert rs.export == "redcap"
    assert rs.id_column == "Record ID"
    assert rs.questions == ["What made you join the programme?"]
    assert list(rs.attributes.columns) == ["Age", "Gender"]
    assert rs.n_respondents == 3


def test_bundled_example_needs_no_flags():
    from importlib.resources import files

    rs = read_responses(files("autocode") / "data" / "example_survey.csv")
    assert rs.layout == "wide"
    assert rs.questions == ["what_was_good", "what_could_we_do_better"]
    assert list(rs.attributes.columns) == ["service", "fft_score"]
    assert rs.id_column == "record_id"
    assert rs.n_respondents == 250
    assert len(rs.responses) == 407
    assert rs.responses["id"].iloc[0] == "1:what_was_good"
    assert sum(rs.blanks.values()) == 2 * 250 - 407


def test_redcap_record_id_field_with_another_name(tmp_path):
    p = tmp_path / "redcap_study.csv"
    p.write_text(
        "study_id,redcap_event_name,role,why_joined,survey_complete\n"
        "S-01,baseline_arm_1,nurse,I want to learn how to give useful feedback.,2\n"
        "S-02,baseline_arm_1,doctor,My educational supervisor suggested it to me.,2\n"
    )
    rs = read_responses(p)
    assert rs.export == "redcap"
    assert rs.id_column == "study_id"
    assert list(rs.attributes.columns) == ["role"]


def test_qualtrics_user_named_question_is_not_metadata(tmp_path):
    src = (DATA / "qualtrics.csv").read_text(encoding="utf-8")
    p = tmp_path / "renamed.csv"
    p.write_text(src.replace(",Q2,", ",Q_barriers,", 1), encoding="utf-8")
    assert "Q_barriers" in read_responses(p).questions


def test_surveymonkey_two_header_rows():
    rs = read_responses(DATA / "surveymonkey.csv")
    assert rs.export == "surveymonkey"
    assert rs.id_column == "Respondent ID"
    assert rs.questions == [
        "What is the single biggest barrier to teaching on your unit?",
        "Any other comments?",
    ]
    # The blank-headed column takes its question's name and its row-2 label.
    assert list(rs.attributes.columns) == [
        "Which best describes your role?",
        "Which best describes your role? - Other (please specify)",
    ]
    assert (
        rs.attributes.loc["114253902", "Which best describes your role? - Other (please specify)"]
        == "Pharmacist"
    )
    assert rs.n_respondents == 3
    assert rs.n_non_answers == 1


def test_qualtrics_with_the_import_id_row_deleted(tmp_path):
    lines = (DATA / "qualtrics.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    p = tmp_path / "two_rows.csv"
    p.write_text(lines[0] + lines[1] + "".join(lines[3:]), encoding="utf-8")
    rs = read_responses(p)
    assert rs.n_respondents == 4
    assert rs.question_labels["Q2"] == "What is the biggest barrier to teaching on your ward?"
    assert rs.content_hash == read_responses(DATA / "qualtrics.csv").content_hash


def test_a_complete_column_alone_does_not_make_a_redcap_file(tmp_path):
    p = tmp_path / "generic.csv"
    p.write_text(
        "site,participant_id,is_complete,comment\n"
        "North,P1,1,The handover teaching on Fridays is excellent.\n"
        "North,P2,0,Nobody showed me where anything was on day one.\n"
    )
    rs = read_responses(p)
    assert rs.export is None
    assert rs.id_column == "participant_id"


def test_summary_is_json_ready():
    import json

    rs = read_responses(DATA / "qualtrics.csv")
    doc = json.loads(json.dumps(rs.summary()))
    assert doc["export"] == "qualtrics"
    assert doc["n_respondents"] == 4
    assert doc["questions"][0] == {
        "question": "Q2",
        "answers": 3,
        "non_answers": 0,
        "blanks": 1,
        "label": "What is the biggest barrier to teaching on your ward?",
    }
