"""The Python API (``import autocode``): DataFrames in and out, no project file needed, the
same results as the commands, errors that name parameters. Numbers are recomputed here
with pandas, never with autocode's own functions."""

from __future__ import annotations

import importlib.resources
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from _study_project import DATA as STUDY
from _study_project import coding, run, study

import autocode
from autocode.errors import AutocodeError, InputError, ModelError, NotFoundError

EXAMPLE = importlib.resources.files("autocode") / "data"
TEXT = ["what_was_good", "what_could_we_do_better"]


def _survey() -> pd.DataFrame:
    return pd.read_csv(EXAMPLE / "example_survey.csv", dtype=str, keep_default_na=False)


def _seeds() -> pd.DataFrame:
    return pd.read_csv(EXAMPLE / "example_codings.csv", dtype=str, keep_default_na=False)


def _cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autocode", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_import_autocode_is_light_and_the_api_is_lazy():
    code = (
        "import sys, autocode; heavy = ('numpy', 'pandas', 'sklearn', 'torch', 'spacy');"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy));"
        "print(sorted(n for n in ('Project','Coder','suggest','agree','read_responses') "
        "if n in dir(autocode)))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    heavy, names = r.stdout.splitlines()
    assert heavy == "[]"
    assert names == "['Coder', 'Project', 'agree', 'read_responses', 'suggest']"


def test_suggest_and_agree_are_functions_and_still_subpackages():
    import importlib

    assert callable(autocode.suggest)
    assert callable(autocode.agree)
    importlib.import_module("autocode.agree.coefficients")
    core = importlib.import_module("autocode.suggest.core")
    assert autocode.suggest.core is core  # the subpackage is still reachable
    assert callable(autocode.agree)
    assert hasattr(autocode.agree, "cohen_kappa")


# -- read_responses ----------------------------------------------------------------------------
def test_read_responses_takes_a_dataframe_like_the_file():
    from_df = autocode.read_responses(_survey(), text=TEXT, id="record_id")
    from_file = autocode.read_responses(EXAMPLE / "example_survey.csv", text=TEXT, id="record_id")
    pd.testing.assert_frame_equal(from_df.responses, from_file.responses)
    pd.testing.assert_frame_equal(from_df.attributes, from_file.attributes)
    assert from_df.content_hash == from_file.content_hash
    assert from_df.path == "<DataFrame>"
    # recomputed with pandas: one row per non-blank answer, ids respondent:question
    raw = _survey()
    long = raw.melt(id_vars="record_id", value_vars=TEXT, var_name="question", value_name="t")
    long = long[long["t"].str.strip() != ""]
    want = {f"{r}:{q}" for r, q in zip(long["record_id"], long["question"], strict=True)}
    assert set(from_df.responses["id"]) == want


def test_read_responses_detects_columns_and_numbers_from_a_plain_frame():
    df = pd.DataFrame({"rid": [3, 1, 2], "comment": ["Great staff", None, "Long waits"]})
    rs = autocode.read_responses(df, text="comment", id="rid")
    assert rs.responses["id"].tolist() == ["2", "3"]  # natural order; the blank dropped
    assert rs.blanks == {"comment": 1}


def test_read_responses_refuses_what_it_cannot_read_naming_the_parameter():
    with pytest.raises(InputError, match="source must be a file path or a pandas DataFrame"):
        autocode.read_responses(42)
    with pytest.raises(InputError, match="given with id"):
        autocode.read_responses(_survey(), text=TEXT, id="nope")
    with pytest.raises(InputError, match="sheet and encoding"):
        autocode.read_responses(_survey(), sheet="x")


# -- suggest -----------------------------------------------------------------------------------
def test_suggest_in_memory_equals_the_command(tmp_path):
    rs = autocode.read_responses(EXAMPLE / "example_survey.csv")
    result = autocode.suggest(rs, embedder="hash:64")
    r = _cli("suggest", "--example", "--model", "hash:64", "--json", "-p", "p.db", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    got = [(s.id, s.label, sorted(s.members)) for s in result.suggestions]
    want = [(s["id"], s["label"], sorted(s["members"])) for s in doc["suggestions"]]
    assert got == want
    assert not (tmp_path / "autocode.db").exists()  # the API wrote no project


def test_suggest_takes_a_plain_frame_and_given_vectors():
    texts = [f"the food was {w}" for w in ("cold", "late", "bland", "good", "hot", "fine")]
    texts += [f"staff were {w}" for w in ("rude", "kind", "busy", "calm", "late", "great")]
    df = pd.DataFrame({"text": [*texts, "n/a"], "id": [f"r{i}" for i in range(13)]})
    X = np.zeros((len(df), 4), dtype=np.float32)
    X[:6, 0] = X[6:12, 1] = 1
    X[:12, 2] = np.linspace(0, 0.1, 12)
    X[12, 3] = 1
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    result = autocode.suggest(df, X, min_cluster_size=3)
    assert result.non_answers == {"answer": ["r12"]}  # the default question; "n/a" kept out
    clustered = {m for s in result.suggestions for m in s.members}
    assert clustered | set(result.unassigned.get("answer", [])) == set(df["id"][:12])
    for s in result.suggestions:  # a suggestion never mixes the two groups of vectors
        assert len({int(m[1:]) < 6 for m in s.members}) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_cluster_size": 1}, "min_cluster_size must be an integer of at least 2, got 1"),
        ({"outlier_threshold": 2.0}, "outlier_threshold must be in (0, 1], got 2.0"),
        ({"X": np.zeros((2, 3))}, "X must have one row per response"),
        ({"X": np.zeros((3, 3)), "embedder": "hash"}, "give X or embedder, not both"),
        ({"clusterer": object()}, "has no fit_predict"),
        (
            {"clusterer": "hdbscan", "min_cluster_size": 3},
            "min_cluster_size belongs to the default clusterer",
        ),
    ],
)
def test_suggest_errors_name_parameters(kwargs, message):
    df = pd.DataFrame({"text": ["good food", "rude staff", "long waits"]})
    kwargs.setdefault("embedder", None if "X" in kwargs else "hash")
    with pytest.raises(AutocodeError) as e:
        autocode.suggest(df, **kwargs)
    assert message in e.value.message
    assert "--" not in e.value.message  # no command-line flag in a library error


def test_suggest_needs_a_text_column():
    with pytest.raises(InputError, match="responses has no text column"):
        autocode.suggest(pd.DataFrame({"answer": ["x"]}), embedder="hash")


# -- Coder -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fitted():
    rs = autocode.read_responses(_survey(), text=TEXT, id="record_id")
    coder = autocode.Coder(str(EXAMPLE / "example_codebook.csv"), embedder="hash:32")
    assert coder.fit(rs, _seeds()) is coder
    return rs, coder


def test_coder_predicts_what_autocode_code_decides(fitted, tmp_path):
    rs, coder = fitted
    pred = coder.predict(rs)
    r = _cli(
        "code",
        EXAMPLE / "example_survey.csv",
        "-c",
        EXAMPLE / "example_codebook.csv",
        "-s",
        EXAMPLE / "example_codings.csv",
        "--model",
        "hash:32",
        "-p",
        tmp_path / "p.db",
        "--out",
        tmp_path / "machine.csv",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    machine = pd.read_csv(tmp_path / "machine.csv", dtype=str, keep_default_na=False)
    # the command's table: a row per present or flagged cell (and one with no code per
    # answer given none); the API's decisions are the same cells with the same numbers
    cells = machine[machine["code"] != ""]
    cli = {
        (i, c, p == "1", round(float(conf), 4), f == "1")
        for i, c, p, conf, f in zip(
            cells["id"],
            cells["code"],
            cells["present"],
            cells["confidence"],
            cells["flagged"],
            strict=True,
        )
    }
    api = {
        (i, c, bool(p), round(float(conf), 4), bool(f))
        for i, c, p, conf, f in zip(
            pred["id"],
            pred["code"],
            pred["present"],
            pred["confidence"],
            pred["flagged"],
            strict=True,
        )
    }
    assert api == cli
    assert set(pred.columns) >= {"id", "question", "code", "present", "confidence", "flagged"}
    assert coder.embedding_model_id_ == "hash-embedder-v1-32"
    assert coder.n_seeds_ == _seeds()["id"].nunique()


def test_coder_with_a_target_kappa_promises_and_decides_what_the_command_does(tmp_path):
    rs = autocode.read_responses(_survey(), text=TEXT, id="record_id")
    coder = autocode.Coder(
        str(EXAMPLE / "example_codebook.csv"), embedder="hash:32", target_kappa=0.8
    ).fit(rs, _seeds())
    sel = coder.selection_
    answers = coder.predict_answers(rs)
    r = _cli(
        "code", EXAMPLE / "example_survey.csv", "-c", EXAMPLE / "example_codebook.csv",
        "-s", EXAMPLE / "example_codings.csv", "--model", "hash:32", "--target-kappa", "0.8",
        "-p", tmp_path / "p.db", "--out", tmp_path / "machine.csv", "--json", cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    cli = json.loads(r.stdout)["selective"]
    for key in ("threshold", "expected_coverage", "expected_kappa", "by_question"):
        assert sel[key] == cli[key]
    machine = pd.read_csv(tmp_path / "machine.csv", dtype=str, keep_default_na=False)
    status = machine.groupby("id")["answer_status"].first()
    assert dict(zip(answers["id"], answers["answer_status"], strict=True)) == status.to_dict()
    # coded alone exactly where the answer's confidence reaches the cut applied: the promised
    # share of the answers no human coded, the surest first (Selection.cuts)
    t = coder.selection_["cuts_applied"][""]
    assert cli["cuts_applied"][""] == pytest.approx(t)
    expect = answers["answer_confidence"] >= (t if t is not None else float("inf")) - 5e-5
    assert ((answers["answer_status"] == "coded") == expect).all()
    uncoded = answers[~answers["id"].isin(set(_seeds()["id"]))]
    n_alone = (uncoded["answer_status"] == "coded").sum()
    want = round(sel["expected_coverage"] * len(uncoded))
    assert want <= n_alone <= want + (uncoded["answer_confidence"] == round(t, 4)).sum()
    assert cli["coverage"] == pytest.approx((answers["answer_status"] == "coded").mean(), abs=1e-4)
    with pytest.raises(InputError, match="target_kappa must be between 0 and 1"):
        autocode.Coder(EXAMPLE / "example_codebook.csv", target_kappa=1.2).fit(rs, _seeds())
    with pytest.raises(InputError, match="per_question needs target_kappa"):
        autocode.Coder(EXAMPLE / "example_codebook.csv", per_question=True).fit(rs, _seeds())


def test_coder_save_and_load_give_the_same_decisions(fitted, tmp_path):
    rs, coder = fitted
    coder.save(tmp_path / "coder")
    manifest = json.loads((tmp_path / "coder" / "manifest.json").read_text("utf-8"))
    assert manifest["embedding_model_id"] == "hash-embedder-v1-32"
    again = autocode.Coder.load(tmp_path / "coder")
    pd.testing.assert_frame_equal(again.predict(rs), coder.predict(rs))
    proba = again.predict_proba(rs)
    assert list(proba.columns) == coder.codes_
    assert ((proba.to_numpy() >= 0) & (proba.to_numpy() <= 1)).all()
    with pytest.raises(ModelError, match="trained with the embedding model 'hash-embedder-v1-32'"):
        autocode.Coder.load(tmp_path / "coder", embedder="hash:16")


def test_coder_evaluate_reports_cross_validated_agreement(fitted):
    rs, coder = fitted
    seeds = _seeds()
    ev = coder.evaluate(rs, seeds, folds=3)
    assert ev["folds"] == 3
    assert ev["n_seeds"] == seeds["id"].nunique()
    per_code = {r["code"]: r for r in ev["per_code"]}
    counts = seeds[seeds["code"] != ""].groupby("code")["id"].nunique()
    for code, n in counts.items():
        assert per_code[code]["seeds"] == n  # recomputed with pandas


def test_coder_errors_name_parameters(fitted):
    rs, _ = fitted
    book = str(EXAMPLE / "example_codebook.csv")
    with pytest.raises(ModelError, match="not fitted"):
        autocode.Coder(book, embedder="hash").predict(rs)
    with pytest.raises(InputError, match="band must be between 0 and 10"):
        autocode.Coder(book, embedder="hash", band=20).fit(rs, _seeds())
    with pytest.raises(InputError, match="seeds must have the columns id and code"):
        autocode.Coder(book, embedder="hash").fit(rs, pd.DataFrame({"x": [1]}))
    with pytest.raises(InputError, match="folds must be an integer of at least 2"):
        autocode.Coder(book, embedder="hash").evaluate(rs, _seeds(), folds=1)
    with pytest.raises(InputError, match="codebook must be a Codebook"):
        autocode.Coder(42, embedder="hash").fit(rs, _seeds())


# -- Project -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def project(tmp_path_factory):
    d = tmp_path_factory.mktemp("study")
    proj = study(d)
    for coder in ("primary", "secondary"):
        assert run("codings", "import", d / f"{coder}.csv", "--coder", coder, "-p", proj) == 0
    return proj


def test_project_frames_are_what_was_stored(project):
    p = autocode.Project(project)
    raw = pd.read_csv(STUDY / "faculty_survey_raw.csv", dtype=str, keep_default_na=False)
    qs = ["mentor_skills", "mentor_barriers", "mentor_training"]
    long = raw.melt(id_vars="record_id", value_vars=qs, var_name="question", value_name="t")
    long = long[long["t"].str.strip() != ""]
    assert set(p.responses["id"]) == {
        f"{r}:{q}" for r, q in zip(long["record_id"], long["question"], strict=True)
    }
    assert p.coders == ["primary", "secondary"]
    assert p.primary_coder == "primary"
    for coder in ("primary", "secondary"):
        got = p.codings(coder)
        assert set(got["coder"]) == {coder}
        mine: dict[str, set[str]] = {}
        for i, c in zip(got["id"], got["code"], strict=True):
            mine.setdefault(i, set())
            if c is not None:
                mine[i].add(c)
        assert mine == coding(STUDY / f"{coder}.csv")
        q_of = dict(zip(p.responses["id"], p.responses["question"], strict=True))
        assert (got["question"] == got["id"].map(q_of)).all()
    book = p.codebook_frame()
    assert {"code", "theme", "definition", "questions"} <= set(book.columns)


def test_project_final_coding_follows_the_rule(project):
    final = autocode.Project(project).final()
    a, b = coding(STUDY / "primary.csv"), coding(STUDY / "secondary.csv")
    got: dict[str, set[str]] = {}
    for i, c in zip(final["id"], final["code"], strict=True):
        got.setdefault(i, set())
        if c is not None:
            got[i].add(c)
    assert got == a  # agreeing humans, else the primary coder's codes
    basis = dict(zip(final["id"], final["basis"], strict=True))
    assert {i for i, v in basis.items() if v == "human"} == {i for i in a if a[i] == b.get(i)}
    assert {i for i, v in basis.items() if v == "primary"} == {i for i in a if a[i] != b.get(i)}


def test_project_agree_equals_the_command(project):
    pa = autocode.Project(project).agree(["primary", "secondary"])
    r = _cli("agree", "--coders", "primary,secondary", "--json", "-p", project)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    got = pa.result.overall["pooled"]["cohen_kappa"].value
    assert got == pytest.approx(doc["overall"]["pooled"]["cohen_kappa"]["value"])


def test_project_refuses_a_missing_file_and_an_unknown_coder(project, tmp_path):
    with pytest.raises(NotFoundError, match="no project file"):
        autocode.Project(tmp_path / "nope.db")
    with pytest.raises(NotFoundError, match="coder 'nobody' has no codings"):
        autocode.Project(project).codings("nobody")


# -- docs/python-api.md runs -------------------------------------------------------------------
def test_the_walkthrough_runs(tmp_path, monkeypatch, capsys):
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "python-api.md").read_text("utf-8")
    blocks = re.findall(r"```python\n(.*?)```", doc, flags=re.S)
    assert len(blocks) >= 6
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "walkthrough"}
    for n, block in enumerate(blocks, start=1):
        exec(compile(block, f"docs/python-api.md block {n}", "exec"), namespace)
    out = capsys.readouterr().out
    assert "pooled kappa" in out
    assert namespace["again"].embedding_model_id_ == "hash-embedder-v1-64"
