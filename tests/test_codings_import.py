"""`autocode codings import FILE --coder NAME` and `autocode coders`: a coder's work from a
long or wide table (CSV/TSV/XLSX) into the project, checked whole before anything is stored;
every count printed is recomputed from the files with pandas, every stored row read back
with sqlite3."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys

import pandas as pd
import pytest
from _study_project import (
    DATA,
    QUESTIONS,
    coding,
    run,
    scope,
    stored,
    study,
    table_counts,
)


@pytest.fixture
def proj(tmp_path):
    return study(tmp_path)


def _last_json(capsys):
    return json.loads(capsys.readouterr().out)


def test_long_file_by_respondent_and_question_is_the_coders_work(proj, tmp_path, capsys):
    capsys.readouterr()
    assert run("codings", "import", tmp_path / "primary.csv", "--coder", "primary", "-p", proj) == 0
    out = capsys.readouterr().out
    want = coding(DATA / "primary.csv")
    assert stored(proj, "primary") == want
    n_codings = sum(len(c) for c in want.values())
    n_none = sum(1 for c in want.values() if not c)
    assert n_none > 0  # the file has answers coded with no code: they are kept
    assert (
        f"stored primary's coding of {len(want)} answers ({n_none} with no code): "
        f"{n_codings} codings"
    ) in out


def test_a_row_with_no_code_is_a_coded_answer_without_codings(proj, tmp_path):
    df = pd.read_csv(DATA / "primary.csv", dtype=str, keep_default_na=False)
    empty = df[df["code"] == ""].iloc[0]
    rid = f"{empty['record_id']}:{empty['question']}"
    assert run("codings", "import", tmp_path / "primary.csv", "--coder", "primary", "-p", proj) == 0
    con = sqlite3.connect(proj)
    units = con.execute(
        "SELECT COUNT(*) FROM coded_units WHERE coder = 'primary' AND response_id = ?", (rid,)
    ).fetchone()[0]
    codes = con.execute(
        "SELECT COUNT(*) FROM codings WHERE coder = 'primary' AND response_id = ?", (rid,)
    ).fetchone()[0]
    con.close()
    assert (units, codes) == (1, 0)


def test_answer_ids_as_autocode_shows_them_need_no_question_column(proj, tmp_path):
    df = pd.read_csv(DATA / "primary.csv", dtype=str, keep_default_na=False)
    ids = pd.DataFrame({"id": df["record_id"] + ":" + df["question"], "code": df["code"]})
    ids.to_csv(tmp_path / "by_answer.csv", index=False)
    assert run("codings", "import", tmp_path / "by_answer.csv", "--coder", "ann", "-p", proj) == 0
    assert stored(proj, "ann") == coding(DATA / "primary.csv")


def test_question_may_be_given_by_its_column_name_options(proj, tmp_path):
    df = pd.read_csv(DATA / "primary.csv", dtype=str, keep_default_na=False)
    df.columns = ["Resp", "Item asked", "Theme code"]
    df.to_csv(tmp_path / "odd.csv", index=False)
    rc = run(
        "codings", "import", tmp_path / "odd.csv", "--coder", "ann", "--id", "Resp",
        "--question", "Item asked", "--code", "Theme code", "-p", proj,
    )  # fmt: skip
    assert rc == 0
    assert stored(proj, "ann") == coding(DATA / "primary.csv")


def test_respondent_id_alone_names_the_answer_of_a_one_question_survey(tmp_path, capsys):
    raw = pd.read_csv(DATA / "faculty_survey_raw.csv", dtype=str, keep_default_na=False)
    raw[["record_id", "mentor_barriers"]].to_csv(tmp_path / "one.csv", index=False)
    proj = tmp_path / "one.db"
    assert run("import", tmp_path / "one.csv", "--id", "record_id", "-p", proj) == 0
    assert run("codebook", "import", DATA / "codebook.yaml", "--yes", "-p", proj) == 0
    df = pd.read_csv(DATA / "primary.csv", dtype=str, keep_default_na=False)
    df = df[df["question"] == "mentor_barriers"]
    df[["record_id", "code"]].rename(columns={"record_id": "id"}).to_csv(
        tmp_path / "c.csv", index=False
    )
    assert run("codings", "import", tmp_path / "c.csv", "--coder", "ann", "-p", proj) == 0
    want = {
        k.split(":")[0]: v
        for k, v in coding(DATA / "primary.csv").items()
        if k.endswith(":mentor_barriers")
    }
    assert stored(proj, "ann") == want


def _wide(tmp_path, name="wide.csv", blank_row=True) -> pd.DataFrame:
    """primary.csv as the sheet `autocode next` writes, filled in: id, question, text, one
    column per code (1/0, n/a where the code does not apply), no_code."""
    raw = pd.read_csv(DATA / "faculty_survey_raw.csv", dtype=str, keep_default_na=False)
    text = {f"{r}:{q}": t for q in QUESTIONS for r, t in zip(raw["record_id"], raw[q], strict=True)}
    codes = list(scope())
    want = coding(DATA / "primary.csv")
    rows = []
    for rid, have in want.items():
        q = rid.split(":")[1]
        row = {"id": rid, "question": q, "text": text[rid]}
        for c in codes:
            row[c] = ("1" if c in have else "0") if q in scope()[c] else "n/a"
        row["no_code"] = "" if have else "1"
        rows.append(row)
    uncoded = sorted(set(text) - set(want) - {k for k, t in text.items() if not t.strip()})
    if blank_row and uncoded:  # an answer not coded yet: every code cell blank
        rows.append({"id": uncoded[0], "question": uncoded[0].split(":")[1], "text": "x"})
    df = pd.DataFrame(rows).fillna("")
    if name.endswith(".xlsx"):
        df.to_excel(tmp_path / name, index=False)
    else:
        df.to_csv(tmp_path / name, index=False, sep="\t" if name.endswith(".tsv") else ",")
    return df


@pytest.mark.parametrize("name", ["wide.csv", "wide.tsv", "wide.xlsx"])
def test_wide_file_with_na_cells_and_no_code_column(proj, tmp_path, name):
    _wide(tmp_path, name)
    assert run("codings", "import", tmp_path / name, "--coder", "wendy", "-p", proj) == 0
    assert stored(proj, "wendy") == coding(DATA / "primary.csv")  # the blank row: not coded


def test_xlsx_sheet_option_picks_the_sheet(proj, tmp_path):
    df = pd.read_csv(DATA / "primary.csv", dtype=str, keep_default_na=False)
    with pd.ExcelWriter(tmp_path / "two.xlsx") as xw:
        pd.DataFrame({"note": ["not the codings"]}).to_excel(xw, sheet_name="readme", index=False)
        df.to_excel(xw, sheet_name="codes", index=False)
    rc = run(
        "codings", "import", tmp_path / "two.xlsx", "--coder", "x", "--sheet", "codes", "-p", proj
    )
    assert rc == 0
    assert stored(proj, "x") == coding(DATA / "primary.csv")


def test_a_wide_row_with_zeros_only_is_coded_with_no_code(proj, tmp_path):
    codes = [c for c, qs in scope().items() if "mentor_skills" in qs]
    row = {"id": "1:mentor_skills", **dict.fromkeys(codes, "0")}
    pd.DataFrame([row]).to_csv(tmp_path / "z.csv", index=False)
    assert run("codings", "import", tmp_path / "z.csv", "--coder", "zed", "-p", proj) == 0
    assert stored(proj, "zed") == {"1:mentor_skills": set()}


def test_coder_column_holds_several_coders(proj, tmp_path):
    a = pd.read_csv(DATA / "primary.csv", dtype=str, keep_default_na=False).assign(coder="amy")
    b = pd.read_csv(DATA / "secondary.csv", dtype=str, keep_default_na=False).assign(coder="bob")
    pd.concat([a, b]).to_csv(tmp_path / "both.csv", index=False)
    assert run("codings", "import", tmp_path / "both.csv", "-p", proj) == 0
    assert stored(proj, "amy") == coding(DATA / "primary.csv")
    assert stored(proj, "bob") == coding(DATA / "secondary.csv")
    assert run("codings", "import", tmp_path / "both.csv", "--coder", "BOB", "-p", proj) == 0
    assert stored(proj, "bob") == coding(DATA / "secondary.csv")  # the file's spelling
    assert stored(proj, "BOB") == {}


# -- refusals: one line, exit 2, nothing stored ---------------------------------------------
def _refused(proj, capsys, *args) -> str:
    before = table_counts(proj)
    capsys.readouterr()
    assert run("codings", "import", *args, "-p", proj) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ")
    assert len(err.splitlines()) == 1
    assert table_counts(proj) == before
    return err


def _write(tmp_path, rows, name="c.csv", columns=("record_id", "question", "code")):
    pd.DataFrame(rows, columns=list(columns)).to_csv(tmp_path / name, index=False)
    return tmp_path / name


def test_unknown_answer_is_refused_naming_it(proj, tmp_path, capsys):
    f = _write(
        tmp_path, [["1", "mentor_skills", "Listening"], ["999", "mentor_skills", "Listening"]]
    )
    err = _refused(proj, capsys, f, "--coder", "ann")
    assert "'999'" in err
    assert "line 3" in err


def test_unknown_question_is_refused(proj, tmp_path, capsys):
    f = _write(tmp_path, [["1", "favourite_food", "Listening"]])
    assert "favourite_food" in _refused(proj, capsys, f, "--coder", "ann")


def test_respondent_with_several_answers_needs_the_question(proj, tmp_path, capsys):
    f = _write(tmp_path, [["1", "Listening"]], columns=("id", "code"))
    err = _refused(proj, capsys, f, "--coder", "ann")
    assert "respondent '1' answered 3 questions" in err


def test_code_not_in_the_codebook_is_refused(proj, tmp_path, capsys):
    f = _write(tmp_path, [["1", "mentor_skills", "Listening"], ["2", "mentor_skills", "Telepathy"]])
    err = _refused(proj, capsys, f, "--coder", "ann")
    assert "'Telepathy'" in err
    assert "not in the codebook" in err


def test_a_theme_is_not_a_code(proj, tmp_path, capsys):
    f = _write(tmp_path, [["1", "mentor_barriers", "Barriers to mentoring"]])
    assert "is a theme, not a code" in _refused(proj, capsys, f, "--coder", "ann")


def test_code_outside_its_question_is_refused_naming_the_row(proj, tmp_path, capsys):
    f = _write(
        tmp_path,
        [
            ["1", "mentor_skills", "Listening"],
            ["2", "mentor_barriers", "Supporting struggling residents"],
        ],
    )
    err = _refused(proj, capsys, f, "--coder", "ann")
    assert "line 3" in err
    assert "does not apply to question 'mentor_barriers'" in err
    assert "mentor_training" in err  # where it does apply


def test_wide_one_in_a_code_outside_the_question_is_refused(proj, tmp_path, capsys):
    pd.DataFrame([{"id": "1:mentor_skills", "Lack of time": "1"}]).to_csv(
        tmp_path / "w.csv", index=False
    )
    assert "does not apply" in _refused(proj, capsys, tmp_path / "w.csv", "--coder", "ann")


def test_codes_need_a_codebook(tmp_path, capsys):
    proj = study(tmp_path, codebook=False)
    err = _refused(proj, capsys, tmp_path / "primary.csv", "--coder", "ann")
    assert "import a codebook first" in err


def test_no_responses_in_the_project(tmp_path, capsys):
    proj = tmp_path / "empty.db"
    assert run("codebook", "import", DATA / "codebook.yaml", "--yes", "-p", proj) == 0
    err = _refused(proj, capsys, DATA / "primary.csv", "--coder", "ann")
    assert "autocode import SURVEY" in err


@pytest.mark.parametrize("name", ["autocode", "final", "Reconciled", "  ", "a,b"])
def test_reserved_or_unusable_coder_names(proj, tmp_path, capsys, name):
    _refused(proj, capsys, tmp_path / "primary.csv", "--coder", name)


def test_a_file_without_a_coder_needs_one(proj, tmp_path, capsys):
    assert "--coder" in _refused(proj, capsys, tmp_path / "primary.csv")


def test_a_file_with_no_codings(proj, tmp_path, capsys):
    _wide(tmp_path, "w.csv")
    df = pd.read_csv(tmp_path / "w.csv", dtype=str, keep_default_na=False)
    for c in df.columns[3:]:
        df[c] = ""
    df.to_csv(tmp_path / "blank.csv", index=False)
    assert "holds no codings" in _refused(proj, capsys, tmp_path / "blank.csv", "--coder", "ann")


def test_wide_values_other_than_01_are_refused(proj, tmp_path, capsys):
    pd.DataFrame([{"id": "1:mentor_skills", "Listening": "maybe"}]).to_csv(
        tmp_path / "w.csv", index=False
    )
    err = _refused(proj, capsys, tmp_path / "w.csv", "--coder", "ann")
    assert "'maybe'" in err


def test_wide_answer_on_two_rows_is_refused(proj, tmp_path, capsys):
    rows = [
        {"id": "1:mentor_skills", "Listening": "1"},
        {"id": "1:mentor_skills", "Listening": "0"},
    ]
    pd.DataFrame(rows).to_csv(tmp_path / "w.csv", index=False)
    assert "again" in _refused(proj, capsys, tmp_path / "w.csv", "--coder", "ann")


def test_no_code_and_a_code_on_one_row_is_refused(proj, tmp_path, capsys):
    rows = [{"id": "1:mentor_skills", "Listening": "1", "no_code": "1"}]
    pd.DataFrame(rows).to_csv(tmp_path / "w.csv", index=False)
    assert "no_code" in _refused(proj, capsys, tmp_path / "w.csv", "--coder", "ann")


def test_a_missing_file_and_no_project(proj, tmp_path, capsys):
    _refused(proj, capsys, tmp_path / "nope.csv", "--coder", "ann")
    capsys.readouterr()
    assert (
        run("codings", "import", tmp_path / "primary.csv", "--coder", "a", "-p", tmp_path / "x.db")
        == 2
    )
    assert not (tmp_path / "x.db").exists()


# -- re-import, runs, primary, coders -------------------------------------------------------
def test_reimport_replaces_that_coders_coding_of_the_answers_in_the_file(proj, tmp_path, capsys):
    assert run("codings", "import", tmp_path / "primary.csv", "--coder", "primary", "-p", proj) == 0
    assert (
        run("codings", "import", tmp_path / "secondary.csv", "--coder", "secondary", "-p", proj)
        == 0
    )
    f = _write(
        tmp_path, [["1", "mentor_skills", "Role modelling"], ["2", "mentor_skills", ""]], "fix.csv"
    )
    capsys.readouterr()
    assert run("codings", "import", f, "--coder", "primary", "-p", proj) == 0
    assert "replacing 2 coded before" in capsys.readouterr().out
    want = coding(DATA / "primary.csv")
    want["1:mentor_skills"] = {"Role modelling"}
    want["2:mentor_skills"] = set()
    assert stored(proj, "primary") == want
    assert stored(proj, "secondary") == coding(DATA / "secondary.csv")


def test_an_import_run_is_recorded(proj, tmp_path, capsys):
    capsys.readouterr()
    assert (
        run(
            "codings",
            "import",
            tmp_path / "primary.csv",
            "--coder",
            "primary",
            "--json",
            "-p",
            proj,
        )
        == 0
    )
    doc = _last_json(capsys)
    con = sqlite3.connect(proj)
    stage, params, status = con.execute(
        "SELECT stage, params, status FROM runs WHERE id = ?", (doc["run_id"],)
    ).fetchone()
    run_of_codings = {
        r for (r,) in con.execute("SELECT DISTINCT run_id FROM coded_units WHERE coder = 'primary'")
    }
    con.close()
    p = json.loads(params)
    sha = hashlib.sha256((tmp_path / "primary.csv").read_bytes()).hexdigest()
    want = coding(DATA / "primary.csv")
    assert (stage, status) == ("import", "done")
    assert p["sha256"] == doc["sha256"] == sha
    assert p["coder"] == "primary"
    assert p["file"].endswith("primary.csv")
    assert p["counts"] == doc["coders"]
    assert doc["coders"] == [
        {
            "coder": "primary",
            "answers": len(want),
            "no_code": sum(not c for c in want.values()),
            "codings": sum(len(c) for c in want.values()),
            "replaced": 0,
        }
    ]
    assert run_of_codings == {doc["run_id"]}


def test_primary_flag_and_coders_primary(proj, tmp_path, capsys):
    assert run("codings", "import", tmp_path / "primary.csv", "--coder", "primary", "-p", proj) == 0
    assert (
        run(
            "codings",
            "import",
            tmp_path / "secondary.csv",
            "--coder",
            "secondary",
            "--primary",
            "-p",
            proj,
        )
        == 0
    )
    capsys.readouterr()
    assert run("coders", "--json", "-p", proj) == 0
    assert [c["coder"] for c in _last_json(capsys) if c["primary"]] == ["secondary"]
    assert run("coders", "primary", "primary", "-p", proj) == 0
    assert run("coders", "--json", "-p", proj) == 0
    capsys.readouterr()
    assert run("coders", "--json", "-p", proj) == 0
    assert [c["coder"] for c in _last_json(capsys) if c["primary"]] == ["primary"]
    assert run("coders", "primary", "nobody", "-p", proj) == 2
    assert run("coders", "primary", "autocode", "-p", proj) == 2


def test_coders_lists_every_coder_with_counts(proj, tmp_path, capsys):
    import numpy as np

    from autocode.project import codings as rows
    from autocode.project import open_store

    assert run("codings", "import", tmp_path / "primary.csv", "--coder", "primary", "-p", proj) == 0
    assert (
        run("codings", "import", tmp_path / "secondary.csv", "--coder", "secondary", "-p", proj)
        == 0
    )
    with open_store(proj) as store:  # a machine coding run of two answers
        cells = pd.DataFrame(
            {"id": ["1:mentor_skills", "2:mentor_skills"], "code": ["Listening", "Availability"],
             "present": [True, False], "flagged": [False, True], "confidence": [0.9, np.nan]}
        )  # fmt: skip
        rid = store.start_run("code", {})
        rows.replace_machine(store, rid, ["1:mentor_skills", "2:mentor_skills"], cells)
    capsys.readouterr()
    assert run("coders", "--json", "-p", proj) == 0
    doc = {c["coder"]: c for c in _last_json(capsys)}
    for name in ("primary", "secondary"):
        want = coding(DATA / f"{name}.csv")
        assert doc[name]["kind"] == "human"
        assert doc[name]["answers"] == len(want)
        assert doc[name]["codings"] == sum(len(c) for c in want.values())
        assert doc[name]["first_coded"]
    assert doc["autocode"]["kind"] == "machine"
    assert (doc["autocode"]["answers"], doc["autocode"]["codings"]) == (2, 1)
    assert doc["primary"]["primary"]  # the first human to code
    assert run("coders", "-p", proj) == 0
    table = capsys.readouterr().out
    assert "secondary" in table
    assert "machine" in table
    assert run("codings", "--json", "-p", proj) == 0  # `codings` alone lists them too
    assert {c["coder"] for c in _last_json(capsys)} == {"primary", "secondary", "autocode"}


def test_through_the_real_entry_point(proj, tmp_path):
    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "autocode", *map(str, args)],
            capture_output=True, text=True, cwd=tmp_path, timeout=300,
        )  # fmt: skip

    r = cli("codings", "import", "secondary.csv", "--coder", "secondary", "-p", proj)
    assert r.returncode == 0, r.stderr
    want = coding(DATA / "secondary.csv")
    assert f"stored secondary's coding of {len(want)} answers" in r.stdout
    r = cli("codings", "import", "secondary.csv", "--coder", "autocode", "-p", proj)
    assert r.returncode == 2
    assert r.stderr.startswith("error: 'autocode' is a reserved coder name")
    r = cli("coders", "--json", "-p", proj)
    assert r.returncode == 0
    assert [c["coder"] for c in json.loads(r.stdout)] == ["secondary"]
