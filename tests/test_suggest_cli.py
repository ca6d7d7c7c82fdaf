"""`autocode suggest` from the command line (fake embedder: --model hash)."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys

import pytest

from autocode.cli import main

FAKE = ["--model", "hash:64"]


def run(capsys, *args):
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_json_document_has_the_documented_shape(capsys, tmp_path):
    rc, out, err = run(capsys, "suggest", "--example", *FAKE, "--json")
    assert rc == 0, err
    doc = json.loads(out)
    assert {"run_id", "n_responses", "suggestions", "themes", "unassigned", "non_answers"} <= set(
        doc
    )
    assert doc["run_id"] == "suggest-1"
    assert doc["n_responses"] == 407
    s = doc["suggestions"][0]
    assert {"id", "label", "keywords", "theme", "size", "exemplars", "members", "question"} <= set(
        s
    )
    assert {"id", "text", "segment"} == set(s["exemplars"][0])
    assert s["exemplars"][0]["segment"] in s["exemplars"][0]["text"]
    t = doc["themes"][0]
    assert {"id", "label", "suggestions", "question"} <= set(t)
    # an answer whose segments joined several suggestions is in each of them: count it once
    joined = {m for x in doc["suggestions"] for m in x["members"]}
    assert len(joined) + len(doc["unassigned"]) + len(doc["non_answers"]) == doc["n_responses"]
    assert not joined & set(doc["unassigned"])
    groups = doc["non_answer_groups"]
    assert sorted(m for g in groups for m in g["members"]) == sorted(doc["non_answers"])
    assert {g["kind"] for g in groups} <= {"no answer", "nothing", "don't know"}
    assert (tmp_path / "autocode.db").exists()


def test_table_and_csv_output(capsys, tmp_path):
    out_csv = tmp_path / "s.csv"
    rc, out, err = run(capsys, "suggest", "--example", *FAKE, "--out", str(out_csv))
    assert rc == 0, err
    assert "S1" in out
    assert "candidate themes" in out
    assert "non-answers" in out
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    assert len(rows) == 407
    assert {"id", "question", "suggestion_id", "label", "theme", "status"} <= set(rows[0])
    assert {r["status"] for r in rows} >= {"clustered", "non_answer"}


def test_one_question_and_second_run_embeds_nothing(capsys):
    rc, out, _ = run(capsys, "suggest", "--example", *FAKE, "--question", "what_was_good", "--json")
    doc = json.loads(out)
    assert rc == 0
    assert "question" not in doc["suggestions"][0]
    rc, out2, _ = run(capsys, "suggest", "--example", *FAKE, "--question", "what_was_good")
    assert rc == 0
    assert "embedded 0" in out2


def test_keep_non_answers_clusters_them(capsys):
    rc, out, _ = run(capsys, "suggest", "--example", *FAKE, "--keep-non-answers", "--json")
    assert rc == 0
    assert json.loads(out)["non_answers"] == []


def test_shuffled_file_gives_identical_suggestions(capsys, tmp_path, example_survey):
    lines = example_survey.read_text(encoding="utf-8")
    rows = list(csv.reader(lines.splitlines(True)))
    # keep multi-line fields intact: rewrite through the csv module
    import random

    head, body = rows[0], rows[1:]
    random.Random(5).shuffle(body)
    shuffled = tmp_path / "shuffled.csv"
    with shuffled.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([head, *body])
    _, a, _ = run(capsys, "suggest", str(example_survey), *FAKE, "--json", "-p", "a.db")
    _, b, _ = run(capsys, "suggest", str(shuffled), *FAKE, "--json", "-p", "b.db")
    da, db = json.loads(a), json.loads(b)
    assert da["suggestions"] == db["suggestions"]
    assert da["themes"] == db["themes"]


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["missing.csv"], "no such file"),
        (["empty.csv"], "empty"),
        (["dupes.csv", "--text", "answer"], "duplicate"),
        (["good.csv", "--text", "nope"], "nope"),
        (["good.csv", "--question", "Q9"], "Q9"),
        (["good.csv", "--out", "x.txt"], ".csv"),
        (["good.csv", "--min-cluster-size", "1"], "min-cluster-size"),
        (["good.csv", "--example"], "not both"),
        (["--text", "answer"], "--text says how to read a survey file"),
    ],
)
def test_bad_input_is_one_line_and_touches_nothing(capsys, tmp_path, args, expect):
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "dupes.csv").write_text("id,answer\n1,good care\n1,bad food\n")
    (tmp_path / "good.csv").write_text("id,answer\n1,good care\n2,bad food\n3,long waits\n")
    proj = tmp_path / "keep.db"
    main(["suggest", "good.csv", *FAKE, "-p", str(proj)])  # a project with a run in it
    capsys.readouterr()
    before = _digest(proj)
    rc, _, err = run(capsys, "suggest", *args, *FAKE, "-p", str(proj))
    assert rc == 2
    lines = [x for x in err.strip().splitlines() if x]
    assert len(lines) == 1
    assert lines[0].startswith("error:")
    assert expect.lower() in lines[0].lower()
    assert "Traceback" not in err
    assert _digest(proj) == before


def test_no_file_suggests_on_the_stored_responses(capsys, tmp_path):
    (tmp_path / "good.csv").write_text("id,answer\n1,good care\n2,bad food\n3,long waits\n")
    proj = tmp_path / "keep.db"
    rc, first, _ = run(
        capsys, "suggest", str(tmp_path / "good.csv"), *FAKE, "--json", "-p", str(proj)
    )
    assert rc == 0
    rc, again, err = run(capsys, "suggest", *FAKE, "--json", "-p", str(proj))
    assert rc == 0, err
    a, b = json.loads(first), json.loads(again)
    assert b["run_id"] == "suggest-2"
    assert b["suggestions"] == a["suggestions"]


def test_no_file_and_no_stored_responses_is_one_line(capsys, tmp_path):
    proj = tmp_path / "new.db"
    rc, _, err = run(capsys, "suggest", *FAKE, "-p", str(proj))
    assert rc == 2
    lines = [x for x in err.strip().splitlines() if x]
    assert len(lines) == 1
    assert lines[0].startswith("error:")
    assert "Traceback" not in err
    assert not proj.exists() or "no responses" in lines[0]


@pytest.mark.parametrize("command", ["next", "code"])
def test_an_empty_project_names_the_command_typed(capsys, tmp_path, command):
    # the hint shows the command the user ran, not another one (`next` said `autocode code`)
    proj = tmp_path / "empty.db"
    rc, _, err = run(capsys, command, *FAKE, "-p", str(proj))
    assert rc == 2
    lines = [x for x in err.strip().splitlines() if x]
    assert len(lines) == 1, err
    assert f"autocode {command} SURVEY" in lines[0]
    assert not proj.exists()


def test_help_is_fast_and_lists_every_command():
    code = (
        "import sys, autocode.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch','sentence_transformers','spacy','sklearn','hdbscan','pandas','numpy')))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]", "heavy libraries imported at CLI start-up: " + r.stdout


def test_every_command_has_help_text(capsys):
    import typer.main

    from autocode.cli import app

    group = typer.main.get_command(app)
    assert {"suggest"} <= set(group.commands)
    for name, cmd in group.commands.items():
        assert (cmd.help or "").strip(), f"{name} has no help text"
        rc = main([name, "--help"])
        assert rc == 0
    capsys.readouterr()
