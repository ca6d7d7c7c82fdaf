"""`autocode code` / `autocode next` end to end on the bundled NHS example (fast fake embedder)."""

from __future__ import annotations

import importlib.resources
import json
import sqlite3

import numpy as np
import pandas as pd
import pytest

from autocode.cli import main

DATA = importlib.resources.files("autocode") / "data"
SURVEY, BOOK = (str(DATA / f) for f in ("example_survey.csv", "example_codebook.csv"))


def run(capsys, *args):
    rc = main(list(map(str, args)))
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def code(capsys, tmp_path, seeds, *extra, project="p.db"):
    return run(
        capsys,
        "code",
        SURVEY,
        "--codebook",
        BOOK,
        "--seeds",
        seeds,
        "--model",
        "hash",
        "--project",
        tmp_path / project,
        *extra,
    )


def test_code_writes_csv_and_store(capsys, tmp_path, seeds):
    out = tmp_path / "machine.csv"
    rc, stdout, err = code(capsys, tmp_path, seeds, "--out", out, "--json")
    assert rc == 0, err
    res = json.loads(stdout)
    df = pd.read_csv(out)
    assert list(df.columns) == [
        "id", "question", "code", "present", "confidence", "flagged", "status",
        "answer_confidence", "answer_status",
    ]  # fmt: skip
    assert df["confidence"].between(0, 1).all()
    assert set(df["status"]) <= {"coded", "needs_review", "absent", "no_code"}
    assert res["n_coded"] == df["id"].nunique() == res["n_responses"]  # every answer coded
    con = sqlite3.connect(tmp_path / "p.db")
    n_machine = con.execute(
        "SELECT COUNT(*) FROM codings WHERE coder='autocode' AND source='machine' AND run_id=?",
        (res["run_id"],),
    ).fetchone()[0]
    assert n_machine == len(df)
    n_human = con.execute("SELECT COUNT(*) FROM codings WHERE source='human'").fetchone()[0]
    assert n_human == len(pd.read_csv(seeds))
    assert (tmp_path / "models" / res["run_id"] / "manifest.json").exists()
    # a second run replaces machine codings but never touches a human coder's work
    from autocode.project import codings, open_store

    with open_store(tmp_path / "p.db") as store:
        codings.replace_human(store, "alice", {str(df["id"].iloc[0]): ["Staff attitude"]})
    alice = con.execute("SELECT * FROM codings WHERE coder='alice'").fetchall()
    rc, _, err = code(capsys, tmp_path, seeds)
    assert rc == 0, err
    assert con.execute("SELECT * FROM codings WHERE coder='alice'").fetchall() == alice
    assert (
        con.execute(
            "SELECT COUNT(*) FROM codings WHERE source='human' AND coder='human'"
        ).fetchone()[0]
        == n_human
    )
    assert (
        con.execute("SELECT COUNT(DISTINCT run_id) FROM codings WHERE coder='autocode'").fetchone()[
            0
        ]
        == 1
    )


def test_same_seed_shuffled_rows_same_output(capsys, tmp_path, seeds):
    survey = pd.read_csv(SURVEY, dtype=str, keep_default_na=False)
    shuffled = tmp_path / "shuffled.csv"
    survey.sample(frac=1, random_state=7).to_csv(shuffled, index=False)
    s = pd.read_csv(seeds, dtype=str).sample(frac=1, random_state=3)
    s2 = tmp_path / "seeds2.csv"
    s.to_csv(s2, index=False)
    outs = []
    for i, (sv, sd) in enumerate([(SURVEY, seeds), (shuffled, s2)]):
        out = tmp_path / f"m{i}.csv"
        rc, _, err = run(
            capsys,
            "code",
            sv,
            "-c",
            BOOK,
            "-s",
            sd,
            "--model",
            "hash",
            "-p",
            tmp_path / f"p{i}.db",
            "--seed",
            5,
            "--out",
            out,
        )
        assert rc == 0, err
        outs.append(pd.read_csv(out))
    pd.testing.assert_frame_equal(outs[0], outs[1])


def test_evaluate_reports_cv_kappa_with_ci(capsys, tmp_path, seeds):
    rc, stdout, err = code(capsys, tmp_path, seeds, "--evaluate", "--folds", 2, "--json")
    assert rc == 0, err
    ev = json.loads(stdout)["evaluation"]
    assert ev["folds"] == 2
    assert ev["n_seeds"] == 240
    row = next(r for r in ev["per_code"] if r["code"] == "Positive experience & gratitude")
    k = row["kappa"]
    assert k["ci_low"] <= k["value"] <= k["ci_high"]
    assert 0 <= row["precision"]["ci_low"] <= row["precision"]["value"] <= 1
    assert any(r["too_few_seeds"] for r in ev["per_code"])
    assert ev["warnings"]
    assert ev["overall"]["pooled_kappa"]["value"] > 0.2
    con = sqlite3.connect(tmp_path / "p.db")  # nothing applied
    assert con.execute("SELECT COUNT(*) FROM codings").fetchone()[0] == 0
    from autocode.cli.classify import _render_evaluation

    _render_evaluation(json.loads(stdout))
    shown = capsys.readouterr().out
    assert "pooled kappa" in shown
    assert "fewer than 10 seeds" in shown


def test_next_sheet_round_trip(capsys, tmp_path, seeds):
    rc, _, err = code(capsys, tmp_path, seeds)
    assert rc == 0, err
    for ext in ("csv", "xlsx"):
        sheet = tmp_path / f"sheet.{ext}"
        rc, stdout, err = run(
            capsys,
            "next",
            "--n",
            7,
            "--out",
            sheet,
            "--model",
            "hash",
            "--project",
            tmp_path / "p.db",
            "--json",
        )
        assert rc == 0, err
        picked = [r["id"] for r in json.loads(stdout)]
        assert len(picked) == len(set(picked)) == 7
        assert not set(picked) & set(pd.read_csv(seeds)["id"])  # never an already coded one
        df = pd.read_csv(sheet) if ext == "csv" else pd.read_excel(sheet)
        assert list(df.columns[:3]) == ["id", "question", "text"]
        assert len(df.columns) == 3 + len(pd.read_csv(BOOK)) + 1  # + no_code
    # fill in the csv sheet: two rows coded, the rest left blank (not yet coded)
    df = pd.read_csv(tmp_path / "sheet.csv", dtype=str, keep_default_na=False)
    df.loc[0, "Timeliness of care"] = "1"
    df.loc[1, df.columns[3:]] = "0"
    df.loc[1, "Positive experience & gratitude"] = "1"
    df.to_csv(tmp_path / "sheet.csv", index=False)
    from autocode.classify.seeds import read_seeds

    got = read_seeds(tmp_path / "sheet.csv")
    assert got.ids == sorted(df["id"][:2])
    assert sorted(got.pairs["code"]) == ["Positive experience & gratitude", "Timeliness of care"]


def test_next_without_model_gives_diverse_first_sample(capsys, tmp_path):
    rc, stdout, err = run(
        capsys,
        "next",
        SURVEY,
        "-c",
        BOOK,
        "--n",
        5,
        "--model",
        "hash",
        "-p",
        tmp_path / "p.db",
        "--json",
    )
    assert rc == 0, err
    texts = [r["text"] for r in json.loads(stdout)]
    assert len(set(texts)) == 5


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown", "not in the codebook"),
        ("empty", "has no rows"),
        ("one_class", "one class only"),
        ("bad_id", "no answer '999999:nowhere' in the project"),
        ("none", "no seeds given"),
    ],
)
def test_bad_seeds_one_clear_line(capsys, tmp_path, seeds, case, message):
    d = pd.read_csv(seeds, dtype=str)
    p = tmp_path / "bad.csv"
    if case == "unknown":
        d.loc[0, "code"] = "No such code"
    elif case == "empty":
        d = d.iloc[:0]
    elif case == "one_class":
        d = pd.concat([d, pd.DataFrame({"id": d["id"].unique(), "code": "Feeling safe"})])
    elif case == "bad_id":
        d.loc[0, "id"] = "999999:nowhere"
    d.to_csv(p, index=False)
    args = ["code", SURVEY, "-c", BOOK, "--model", "hash", "-p", tmp_path / "p.db"]
    if case != "none":
        args += ["--seeds", p]
    rc, _, err = run(capsys, *args)
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error:")
    assert message in lines[0]
    assert "Traceback" not in err


def test_help_texts(capsys):
    for cmd in ("code", "next"):
        rc, out, _ = run(capsys, cmd, "--help")
        assert rc == 0
        assert "--out" in out


def test_exclusive_codebook_gives_one_code_per_response(capsys, tmp_path, seeds):
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[1]
    doc = yaml.safe_load((root / "codebooks" / "nhs_patient_experience.yaml").read_text())
    doc["exclusive"] = True
    (tmp_path / "cb.yaml").write_text(yaml.safe_dump(doc))
    d = pd.read_csv(seeds, dtype=str).drop_duplicates("id")  # one code per response
    d.to_csv(tmp_path / "one.csv", index=False)
    out = tmp_path / "m.csv"
    rc, _, err = run(
        capsys,
        "code",
        SURVEY,
        "-c",
        tmp_path / "cb.yaml",
        "-s",
        tmp_path / "one.csv",
        "--model",
        "hash",
        "-p",
        tmp_path / "p.db",
        "--out",
        out,
    )
    assert rc == 0, err
    df = pd.read_csv(out)
    assert df["id"].is_unique
    assert len(df) == 407
    assert np.allclose(df["confidence"].between(0, 1), True)
    rc, _, err = run(
        capsys,
        "code",
        SURVEY,
        "-c",
        tmp_path / "cb.yaml",
        "-s",
        seeds,
        "--model",
        "hash",
        "-p",
        tmp_path / "p.db",
    )
    assert rc == 2
    assert "more than one code" in err


def test_single_label_target_kappa_uses_the_coders_own_folds(capsys, tmp_path, seeds):
    """A single-label codebook's promise can come from the coder's own out-of-fold regression
    (``--estimate fitted``, the default from 1,000 seeds: no refit of the whole pipeline);
    the coverage it reports is the share of answers the CSV marks coded; ``--estimate cv``
    (auto below 1,000 seeds) still works."""
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[1]
    doc = yaml.safe_load((root / "codebooks" / "nhs_patient_experience.yaml").read_text())
    doc["exclusive"] = True
    (tmp_path / "cb.yaml").write_text(yaml.safe_dump(doc))
    d = pd.read_csv(seeds, dtype=str).drop_duplicates("id")
    d.to_csv(tmp_path / "one.csv", index=False)
    base = ["code", SURVEY, "-c", tmp_path / "cb.yaml", "-s", tmp_path / "one.csv", "--model",
            "hash", "-p", tmp_path / "p.db", "--target-kappa", "0.6", "--json"]  # fmt: skip
    # 240 seeds: auto would be cv (FITTED_MIN_SEEDS); the fitted estimate is asked for
    rc, stdout, err = run(capsys, *base)
    assert rc == 0, err
    assert json.loads(stdout)["selective"]["estimate"] == "cv"
    base += ["--estimate", "fitted"]
    out = tmp_path / "m.csv"
    rc, stdout, err = run(capsys, *base, "--out", out)
    assert rc == 0, err
    sel = json.loads(stdout)["selective"]
    assert sel["estimate"] == "fitted"
    answers = pd.read_csv(out).drop_duplicates("id")
    assert len(answers) == 407
    assert sel["coverage"] == round((answers["answer_status"] == "coded").mean(), 4)
    lo, hi = sel["expected_coverage_ci"]
    assert lo <= sel["expected_coverage"] <= hi
    con = sqlite3.connect(tmp_path / "p.db")
    (params,) = con.execute(
        "SELECT params FROM runs WHERE stage = 'code' ORDER BY rowid DESC"
    ).fetchone()
    con.close()
    assert json.loads(params)["selective"]["estimate"] == "fitted"
    rc, stdout, err = run(capsys, *base[:-2], "--estimate", "cv", "--evaluate")
    assert rc == 0, err
    assert json.loads(stdout)["evaluation"]["selective"]["estimate"] == "cv"


def test_target_kappa_console_line_when_a_human_coded_every_answer(capsys, tmp_path):
    every = DATA / "example_codings.csv"
    rc, out, err = run(capsys, "code", SURVEY, "-c", BOOK, "-s", every, "--model", "hash",
                       "-p", tmp_path / "p.db", "--target-kappa", "0.8")  # fmt: skip
    assert rc == 0, err
    line = " ".join(out.split()).split("coded alone: ")[1]
    assert "a human coded every answer" in line
    assert "?" not in line.split(" to review")[0]


@pytest.mark.slow
def test_real_model_evaluate_and_code(capsys, tmp_path, seeds):
    """The bundled MiniLM end to end: expected agreement, then coding every response."""
    rc, stdout, err = run(
        capsys,
        "code",
        SURVEY,
        "-c",
        BOOK,
        "-s",
        seeds,
        "-p",
        tmp_path / "p.db",
        "--evaluate",
        "--folds",
        3,
        "--json",
    )
    assert rc == 0, err
    ev = json.loads(stdout)["evaluation"]
    assert ev["overall"]["pooled_kappa"]["value"] > 0.4
    out = tmp_path / "m.csv"
    rc, _, err = run(
        capsys, "code", SURVEY, "-c", BOOK, "-s", seeds, "-p", tmp_path / "p.db", "--out", out
    )
    assert rc == 0, err
    assert pd.read_csv(out)["id"].nunique() == 407
