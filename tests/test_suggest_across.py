"""`autocode suggest --across-questions` through the console script: one clustering of every
question's answers, each suggestion's spread over the questions (recomputed here from the
survey file), and review scoping an accepted suggestion to the questions its answers come
from (issue 14)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

FAKE = ["--model", "hash:64"]


def _autocode(*args, cwd: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("autocode") or str(Path(sys.executable).with_name("autocode"))
    p = subprocess.run(
        [exe, *map(str, args)], cwd=cwd, capture_output=True, text=True, env=dict(os.environ)
    )
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    return p


def test_across_questions_shows_the_spread_over_questions(tmp_path, example_survey):
    doc = json.loads(
        _autocode(
            "suggest", "--example", *FAKE, "--across-questions", "--json", cwd=tmp_path
        ).stdout
    )
    assert doc["across_questions"] is True
    # the question of each answer, from the survey file itself (wide: one column each)
    with example_survey.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    q_cols = ["what_was_good", "what_could_we_do_better"]
    question = {f"{r['record_id']}:{q}": q for r in rows for q in q_cols if r.get(q, "").strip()}
    sugg = doc["suggestions"]
    assert sugg
    n_answers = sum(q["n_responses"] - q["n_non_answers"] for q in doc["questions"])
    several = 0
    for s in sugg:
        assert s["question"] is None
        want = Counter(question[m] for m in s["members"])
        assert s["spread"] == dict(want)
        assert sum(s["spread"].values()) == s["size"] == len(set(s["members"]))
        assert s["share"] == round(s["size"] / n_answers, 4)
        several += len(want) > 1
    assert several, "some suggestion must span both questions"
    # non-answers stay per question, in their groups
    assert {g["question"] for g in doc["non_answer_groups"]} == set(q_cols)
    # every answer is in a suggestion, unassigned or a non-answer
    joined = {m for s in sugg for m in s["members"]}
    assert joined.isdisjoint(doc["unassigned"])
    assert len(joined) + len(doc["unassigned"]) + len(doc["non_answers"]) == doc["n_responses"]

    # the console shows n per question for each suggestion
    out = _autocode("suggest", "--example", *FAKE, "--across-questions", cwd=tmp_path).stdout
    assert "All questions together" in out
    both = next(s for s in sugg if len(s["spread"]) > 1)
    for q, n in both["spread"].items():
        assert f"{q}: {n}" in " ".join(out.split())

    # accepting a suggestion of all questions scopes its code to the questions of its answers
    _autocode("accept", both["id"], "--as", "Across code", cwd=tmp_path)
    _autocode("codebook", "export", "--format", "yaml", "-o", "cb.yaml", cwd=tmp_path)
    cb = yaml.safe_load((tmp_path / "cb.yaml").read_text(encoding="utf-8"))
    codes = [c for t in cb.get("themes", []) for c in t.get("codes", [])] + cb.get("codes", [])
    (code,) = [c for c in codes if c["name"] == "Across code"]
    theme_q = next(
        (t.get("questions") for t in cb.get("themes", []) if code in t.get("codes", [])), None
    )
    assert sorted(code.get("questions") or theme_q or []) == sorted(both["spread"])
