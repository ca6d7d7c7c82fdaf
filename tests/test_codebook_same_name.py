"""A code name used once per question (an "Other" in each question's theme, as
question-specific codebooks of real studies have): allowed when each code of that name
belongs to other questions, refused otherwise; the study runs through it end to end and the
report counts it per question. Checked with pandas and PyYAML, never with autocode."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from _study_project import DATA, QUESTIONS, run


def _book(tmp_path, overlap: bool = False):
    doc = yaml.safe_load((DATA / "codebook.yaml").read_text(encoding="utf-8"))
    for t in doc["themes"][:2]:
        t["codes"].append({"name": "Other", "definition": "Anything else about " + t["name"]})
    if overlap:
        doc["themes"][1]["questions"] = doc["themes"][0]["questions"]
    p = tmp_path / "cb.yaml"
    p.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return p, [t["questions"][0] for t in doc["themes"][:2]]


def test_one_name_per_question_runs_through_the_study(tmp_path, capsys):
    book, other_qs = _book(tmp_path)
    proj = tmp_path / "p.db"
    assert run("import", DATA / "faculty_survey_raw.csv", "--id", "record_id", "-p", proj) == 0
    assert run("codebook", "import", book, "--yes", "-p", proj) == 0
    # the primary coder uses "Other" on some answers of both questions
    prim = pd.read_csv(DATA / "primary.csv", dtype=str, keep_default_na=False)
    picks = prim.drop_duplicates(["record_id", "question"])
    picks = picks[picks["question"].isin(other_qs)].groupby("question").head(3)
    extra = picks.assign(code="Other")
    coded = pd.concat([prim, extra], ignore_index=True)
    coded.to_csv(tmp_path / "primary.csv", index=False)
    assert run("codings", "import", tmp_path / "primary.csv", "--coder", "primary", "-p", proj) == 0
    # ... but not on the third question, where no "Other" exists
    third = next(q for q in QUESTIONS if q not in other_qs)
    bad = prim[prim["question"] == third].head(1).assign(code="Other")
    bad.to_csv(tmp_path / "bad.csv", index=False)
    capsys.readouterr()
    assert run("codings", "import", tmp_path / "bad.csv", "--coder", "x", "-p", proj) == 2
    assert "Other" in capsys.readouterr().err
    assert run("code", "--seeds-coder", "primary", "--model", "hash", "-p", proj,
               "--out", tmp_path / "m.csv") == 0  # fmt: skip
    m = pd.read_csv(tmp_path / "m.csv", dtype=str, keep_default_na=False)
    assert not len(m[(m["code"] == "Other") & (m["question"] == third)])
    assert run("report", "--format", "json", "-p", proj, "-o", tmp_path / "r.json") == 0
    counts = pd.DataFrame(json.loads((tmp_path / "r.json").read_text())["counts"])
    prim_other = counts[(counts["code"] == "Other") & (counts["coder"] == "primary")]
    got = {q: int(n) for q, n in zip(prim_other["question"], prim_other["n"], strict=True)}
    for q in other_qs:
        assert got[q] == int((extra["question"] == q).sum())
    assert third not in got


def test_one_name_twice_in_a_question_is_refused(tmp_path, capsys):
    book, _ = _book(tmp_path, overlap=True)
    proj = tmp_path / "p.db"
    assert run("import", DATA / "faculty_survey_raw.csv", "--id", "record_id", "-p", proj) == 0
    capsys.readouterr()
    assert run("codebook", "import", book, "--yes", "-p", proj) == 2
    assert "duplicate code name 'Other'" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["yaml", "csv"])
def test_the_codebook_round_trips_with_its_scopes(tmp_path, fmt):
    book, other_qs = _book(tmp_path)
    proj = tmp_path / "p.db"
    assert run("import", DATA / "faculty_survey_raw.csv", "--id", "record_id", "-p", proj) == 0
    assert run("codebook", "import", book, "--yes", "-p", proj) == 0
    out = tmp_path / f"again.{fmt}"
    assert run("codebook", "export", "--format", fmt, "-p", proj, "-o", out) == 0
    assert run("codebook", "import", out, "--yes", "-p", proj) == 0
    final = tmp_path / "final.yaml"
    assert run("codebook", "export", "--format", "yaml", "-p", proj, "-o", final) == 0
    doc = yaml.safe_load(final.read_text(encoding="utf-8"))
    scopes = sorted(
        q
        for t in doc["themes"]
        for c in t["codes"]
        if c["name"] == "Other"
        for q in (c.get("questions") or t.get("questions") or [])
    )
    assert scopes == sorted(other_qs)
