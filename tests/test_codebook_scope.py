"""Questions own their codes: the `questions` scope of codes and themes (issue 12, item 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autocode.cli import main
from autocode.codebook import load, read_file
from autocode.codebook.csv_io import dumps as csv_dumps
from autocode.codebook.csv_io import loads as csv_loads
from autocode.codebook.model import Codebook
from autocode.errors import InputError

STUDY = Path(__file__).parent / "data" / "study"


def test_scope_is_inherited_from_parent_and_theme():
    cb = Codebook.from_dict(
        {
            "themes": [
                {
                    "name": "Barriers",
                    "questions": ["q_barriers"],
                    "codes": [
                        {"name": "Time", "codes": [{"name": "No protected time"}]},
                        {"name": "Money", "questions": ["q_barriers", "q_other"]},
                    ],
                },
                {"name": "Anything", "codes": [{"name": "Other"}]},
            ],
            "codes": [{"name": "Loose", "questions": "q_a; q_b"}],
        }
    ).finalize()
    assert cb.questions_of("Time") == ["q_barriers"]
    assert cb.questions_of("no protected TIME") == ["q_barriers"]  # names: case-insensitive
    assert cb.questions_of("Money") == ["q_barriers", "q_other"]
    assert cb.questions_of("Other") is None  # every question
    assert cb.questions_of("Loose") == ["q_a", "q_b"]
    assert cb.applies("Time", "q_barriers")
    assert not cb.applies("Time", "q_other")
    assert cb.applies("Other", "anything at all")
    assert [c.name for c in cb.codes_for("q_other")] == ["Money", "Other"]
    assert cb.scoped_questions() == ["q_a", "q_b", "q_barriers", "q_other"]


@pytest.mark.parametrize("bad", [{"x": 1}, [["a"]], 5])
def test_a_bad_scope_is_one_clear_error(bad):
    with pytest.raises(InputError, match="questions"):
        Codebook.from_dict({"codes": [{"name": "A", "questions": bad}]})


def test_scope_survives_yaml_json_and_csv():
    cb = load(STUDY / "codebook.yaml")
    scopes = cb.scopes()
    assert Codebook.from_dict(json.loads(json.dumps(cb.to_dict()))).finalize().scopes() == scopes
    back = csv_loads(csv_dumps(cb))
    assert back.finalize().scopes() == scopes
    assert cb.questions_of("Role clarity") == [
        "mentor_skills",
        "mentor_barriers",
        "mentor_training",
    ]


def test_import_warns_of_questions_the_project_lacks_and_qdc_keeps_the_scope(tmp_path, capsys):
    p = str(tmp_path / "p.db")
    assert main(["suggest", str(STUDY / "faculty_survey_raw.csv"), "--id", "record_id",
                 "--model", "hash", "-p", p]) == 0  # fmt: skip
    capsys.readouterr()
    yml = tmp_path / "cb.yaml"
    yml.write_text(
        (STUDY / "codebook.yaml").read_text().replace("[mentor_training]", "[mentor_trainig]")
    )
    assert main(["codebook", "import", str(yml), "--yes", "-p", p]) == 0
    err = capsys.readouterr().err
    assert "'mentor_trainig'" in err
    assert "no answers to" in err
    assert main(["codebook", "import", str(STUDY / "codebook.yaml"), "--yes", "-p", p]) == 0
    capsys.readouterr()
    # a .qdc holds no scope: importing one over the codebook keeps the scopes it has
    qdc = tmp_path / "cb.qdc"
    assert main(["codebook", "export", "-o", str(qdc), "-p", p]) == 0
    assert "mentor_skills" not in qdc.read_text()
    assert main(["codebook", "import", str(qdc), "--yes", "-p", p]) == 0
    capsys.readouterr()
    assert main(["codebook", "--json", "-p", p]) == 0
    doc = json.loads(capsys.readouterr().out)
    stored = Codebook.from_dict(doc["codebook"]).finalize()
    assert stored.scopes() == read_file(STUDY / "codebook.yaml").finalize().scopes()
    assert main(["codebook", "-p", p]) == 0
    assert "mentor_skills" in capsys.readouterr().out
