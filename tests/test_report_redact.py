"""Redaction: planted identifiers are masked and counted; ordinary answers are untouched."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _report_project import build_example

from autocode.cli import main
from autocode.report.redact import Redactor, describe, ner_available, nhs_number_valid

PLANTED = Path(__file__).parent / "data" / "report" / "planted_identifiers.tsv"

ORDINARY = [
    "The nurse was kind and the doctor listened. 10/10 would recommend.",
    "Waited 2 hours in A&E, then saw the GP at 10.30 on Monday.",
    "Staff are amazing 24/7, thank you to the whole team.",
    "I was seen in 2019 and again in March; 5 stars.",
    "Dr was great. Nurse Practitioner was helpful. The Doctor Was Brilliant.",
    "1-2-1 sessions helped; I rate it 4 out of 5 and scored 9 on the scale.",
    "Food: 3 meals a day, rooms cleaned at 8.00am, visiting 2-4pm.",
    "Physio after my knee op (left knee), 6 weeks of exercises.",
    "I never felt listened to by my nurse. She just spoke at me.",
    "I was told to ring the doctor. He said to call 111 or 999.",
    "Thank you Doctor. Thank you Nurse. Everyone was lovely.",
]


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    return pd.read_csv(PLANTED, sep="\t", dtype=str)


def test_planted_identifiers_are_masked(planted):
    red = Redactor(use_ner=False)
    for row in planted.itertuples():
        r = red.redact(row.text)
        assert row.secret not in r.text, (row.text, r.text)
        assert r.counts[row.kind] >= 1, (row.text, dict(r.counts))
        assert sum(r.counts.values()) == 1, (row.text, dict(r.counts))


def test_titles_stay_names_go():
    r = Redactor(use_ner=False).redact("Dr Smith and Nurse Jane were kind.")
    assert r.text == "Dr [name] and Nurse [name] were kind."
    assert r.counts["name"] == 2


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_words_left_alone(text):
    r = Redactor(use_ner=False).redact(text)
    assert r.text == text
    assert not r.counts


def test_nhs_number_check_digit():
    assert nhs_number_valid("9434765919")
    assert not nhs_number_valid("9434765918")
    assert not nhs_number_valid("123")


def test_describe():
    from collections import Counter

    assert describe(Counter()) == "no identifiers found"
    assert describe(Counter(name=2, email=1)) == "3 identifiers masked (2 names, 1 e-mail address)"


@pytest.mark.skipif(not ner_available(), reason="spaCy en_core_web_sm is not installed (optional)")
def test_ner_masks_bare_person_names():
    r = Redactor(use_ner=True).redact("I was helped by Sarah Johnson in Northampton.")
    assert "Sarah Johnson" not in r.text
    assert r.counts["name"] >= 1


def test_report_redact_counts_masked(tmp_path, capsys):
    import sqlite3

    p = build_example(tmp_path / "p.db")
    con = sqlite3.connect(p)
    # plant identifiers in answers coded "Staff manner & personal attributes"
    ids = [
        r[0]
        for r in con.execute(
            "SELECT response_id FROM codings "
            "WHERE code = 'Staff manner & personal attributes' ORDER BY response_id"
        )
    ]
    for rid in ids:
        con.execute(
            "UPDATE responses SET text = text || ' Thanks Dr Smith, call me on 07700 900123 or "
            "jo@example.com.' WHERE id = ?",
            (rid,),
        )
    con.commit()
    con.close()
    out = tmp_path / "r.md"
    assert main(["report", "-p", str(p), "-o", str(out), "--redact", "--no-ner"]) == 0
    md = out.read_text()
    assert "Smith" not in md
    assert "07700" not in md
    assert "jo@example.com" not in md
    assert "Dr [name]" in md or "[phone]" in md or "[email]" in md
    said = capsys.readouterr().out
    assert "identifiers masked" in said
    assert "name" in said
    assert "identifiers masked" in md  # the methods note says how many
    # without --redact the identifiers are there (the test plants real ones)
    out2 = tmp_path / "r2.md"
    assert main(["report", "-p", str(p), "-o", str(out2)]) == 0
    assert "07700 900123" in out2.read_text() or "Smith" in out2.read_text()
