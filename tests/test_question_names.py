"""One rule for naming a question (--question / -q of suggest, report, agree; scope)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from autocode.errors import NotFoundError
from autocode.project.responses import resolve_question, resolve_questions

KEYS = ["mentor_skills", "mentor_barriers", "mentor_training"]
LABELS = {
    "mentor_skills": "What skills are essential for effective mentoring?",
    "mentor_barriers": "What barriers limit your ability to mentor, advise or coach residents?",
    "mentor_training": "What training would help you?",
}


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("mentor_skills", "mentor_skills"),  # a key
        ("What training would help you?", "mentor_training"),  # the wording
        ("what training would help you", "mentor_training"),  # case, no "?"
        ("  What   TRAINING would help you? ", "mentor_training"),  # spacing
        ("MENTOR_BARRIERS", "mentor_barriers"),
        ("What barriers", "mentor_barriers"),  # the start of one wording only
        ("mentor_t", "mentor_training"),  # the start of one key only
    ],
)
def test_a_question_is_named_by_key_wording_or_a_unique_start(name, key):
    assert resolve_question(name, KEYS, LABELS) == key


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("mentor", "could be any of 3 questions"),  # the start of all three
        ("What", "could be any of 3 questions"),
        ("men", "no question 'men' in the project"),  # too short to be a start
        ("nope", "no question 'nope' in the project"),
        ("", "no question '' in the project"),
    ],
)
def test_unknown_or_ambiguous_names_are_refused_with_the_choices(name, says):
    with pytest.raises(NotFoundError) as e:
        resolve_question(name, KEYS, LABELS)
    assert says in str(e.value)
    assert "mentor_skills (What skills are essential" in str(e.value)


def test_a_key_wins_over_another_questions_wording():
    keys = ["a", "b"]
    assert resolve_question("a", keys, {"b": "a"}) == "a"
    assert resolve_question("b", keys, {"a": "b"}) == "b"


def test_several_names_keep_order_without_repeats():
    got = resolve_questions(
        ["mentor_t", "What training would help you?", "mentor_skills"], KEYS, LABELS
    )
    assert got == ["mentor_training", "mentor_skills"]


def test_report_takes_the_start_of_a_question_through_the_console_script(tmp_path, example_survey):
    """The bundled example through the real entry point: a question named by its start."""
    from autocode.io import read_responses

    rs = read_responses(example_survey)
    q = rs.questions[0]
    proj = tmp_path / "p.db"
    run = [sys.executable, "-m", "autocode"]
    r = subprocess.run([*run, "import", str(example_survey), "--project", str(proj)],
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 0, r.stderr
    start = q[: max(8, len(q) // 2)]
    assert sum(k.casefold().startswith(start.casefold()) for k in rs.questions) == 1
    report = [*run, "report", "--project", str(proj), "-q"]
    r = subprocess.run([*report, start.upper(), "--out", str(tmp_path / "r.md")],
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = subprocess.run([*report, "zzzz", "--out", str(tmp_path / "r2.md")],
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 2
    assert "no question 'zzzz' in the project" in r.stderr
    assert not (tmp_path / "r2.md").exists()
