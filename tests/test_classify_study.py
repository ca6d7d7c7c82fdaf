"""The machine coder on the study model (issue 12): question scope, non-answers, coded
answers with no code, per-cell flags, seeds from a named coder, scoped coding sheets and
the validation sample. Through the real entry point on the faculty survey (tests/data/study);
expectations are read from the files with pandas and sqlite3, never from autocode."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pandas as pd
import pytest
from _study_project import DATA, QUESTIONS, coding, run, scope, study, table_counts

from autocode.classify.estimator import SeededCoder


def seeds_file(tmp_path, every: int = 4, non_answers: dict[str, str] | None = None):
    """Every ``every``-th answer of primary.csv per question as a long seeds file, plus the
    non-answers given (answer id -> code, '' = coded, no code)."""
    p = pd.read_csv(DATA / "primary.csv", dtype=str, keep_default_na=False)
    keys = p[["record_id", "question"]].drop_duplicates().reset_index(drop=True)
    keys = keys[keys.groupby("question").cumcount() % every == 0]
    s = p.merge(keys, on=["record_id", "question"])
    extra = [
        {"record_id": a.split(":")[0], "question": a.split(":")[1], "code": c}
        for a, c in (non_answers or {}).items()
    ]
    s = pd.concat([s, pd.DataFrame(extra)], ignore_index=True)
    path = tmp_path / "seeds.csv"
    s.to_csv(path, index=False)
    return path, {f"{r}:{q}" for r, q in zip(s["record_id"], s["question"], strict=True)}


def non_answer_ids(proj) -> list[str]:
    con = sqlite3.connect(proj)
    try:
        return [r for (r,) in con.execute("SELECT id FROM responses WHERE non_answer = 1")]
    finally:
        con.close()


def machine_cells(proj) -> pd.DataFrame:
    con = sqlite3.connect(proj)
    try:
        return pd.read_sql_query(
            "SELECT c.response_id, r.question, c.code, c.present, c.flagged, c.confidence "
            "FROM codings c JOIN responses r ON r.id = c.response_id "
            "WHERE c.coder = 'autocode' AND c.source = 'machine'",
            con,
        )
    finally:
        con.close()


@pytest.fixture
def coded(tmp_path, capsys):
    proj = study(tmp_path)
    path, ids = seeds_file(tmp_path)
    assert run("codings", "import", path, "--coder", "primary", "-p", proj) == 0
    capsys.readouterr()
    assert run("code", "--seeds-coder", "primary", "--model", "hash", "-p", proj,
               "--out", tmp_path / "m.csv", "--json") == 0  # fmt: skip
    return proj, ids, json.loads(capsys.readouterr().out), tmp_path / "m.csv"


def test_no_cell_outside_a_codes_questions_is_decided_or_flagged(coded):
    proj, _, res, out = coded
    sc = scope()
    cells = machine_cells(proj)
    assert len(cells)
    assert cells["present"].sum()
    assert all(q in sc[c] for c, q in zip(cells["code"], cells["question"], strict=True))
    m = pd.read_csv(out, dtype=str, keep_default_na=False)
    rows = m[m["code"] != ""]
    assert all(q in sc[c] for c, q in zip(rows["code"], rows["question"], strict=True))
    # the run reports its decisions over the cells it may code: a code's questions, and no
    # non-answer (the seeds code none)
    answers = pd.read_csv(DATA / "faculty_survey_raw.csv", dtype=str, keep_default_na=False)
    na = set(non_answer_ids(proj))
    n_answers = {
        q: sum(t.strip() != "" and f"{r}:{q}" not in na
               for r, t in zip(answers["record_id"], answers[q], strict=True))
        for q in QUESTIONS
    }  # fmt: skip
    applicable = sum(n_answers[q] for qs in sc.values() for q in qs)
    assert res["n_cells"] == applicable
    assert res["n_flagged_cells"] == int(cells["flagged"].sum())
    assert res["flagged_share"] == pytest.approx(cells["flagged"].sum() / applicable, abs=1e-4)


def test_run_records_every_seed_answer_as_trained_on_including_no_code_ones(coded):
    proj, ids, res, _ = coded
    primary = coding(DATA / "primary.csv")
    assert any(not primary[i] for i in ids)  # some seed answers have no code
    assert res["n_seeds"] == len(ids)
    con = sqlite3.connect(proj)
    trained = {r for (r,) in con.execute("SELECT response_id FROM run_training")}
    con.close()
    assert trained == ids


def test_non_answers_get_no_code_unless_the_seeds_code_non_answers(coded, tmp_path, capsys):
    proj, _, res, out = coded
    na = set(non_answer_ids(proj))
    assert na
    cells = machine_cells(proj)
    assert not set(cells["response_id"]) & na  # neither present nor flagged
    m = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert set(m.loc[m["id"].isin(na), "code"]) == {""}
    assert res["n_no_code"] >= len(na)

    # a second project whose seeds code one non-answer: non-answers may be coded there
    d = tmp_path / "b"
    d.mkdir()
    proj2 = study(d)
    one = sorted(na)[0]
    q = one.split(":")[1]
    code = next(c for c, qs in sorted(scope().items()) if q in qs)
    path, _ = seeds_file(d, non_answers={one: code})
    assert run("codings", "import", path, "--coder", "primary", "-p", proj2) == 0
    assert run("code", "--seeds-coder", "primary", "--model", "hash", "-p", proj2) == 0
    capsys.readouterr()
    con = sqlite3.connect(proj2)
    params = json.loads(
        con.execute("SELECT params FROM runs WHERE stage = 'code' ORDER BY rowid DESC").fetchone()[
            0
        ]
    )
    con.close()
    assert params["seeds_coder"] == "primary"
    man = json.loads((d / "models" / "code-1" / "manifest.json").read_text())
    assert man["code_non_answers"] is True
    assert (
        json.loads((tmp_path / "models" / "code-1" / "manifest.json").read_text())[
            "code_non_answers"
        ]
        is False
    )


def test_output_lists_every_answer_and_flags_are_decisions_not_removals(coded):
    proj, _, _, out = coded
    m = pd.read_csv(out, dtype=str, keep_default_na=False)
    con = sqlite3.connect(proj)
    all_ids = {r for (r,) in con.execute("SELECT id FROM responses")}
    con.close()
    assert set(m["id"]) == all_ids
    assert set(m["present"]) <= {"0", "1"}
    assert set(m["flagged"]) <= {"0", "1"}
    # an absent row is always a flagged one; a no-code row has no present code
    assert (
        m.loc[m["present"] == "0", "flagged"].eq("1") | m["code"].eq("")[m["present"] == "0"]
    ).all()
    cells = machine_cells(proj)
    stored = set(zip(cells["response_id"], cells["code"], strict=True))
    listed = set(zip(m.loc[m["code"] != "", "id"], m.loc[m["code"] != "", "code"], strict=True))
    assert stored == listed


def test_seeds_coder_unknown_is_one_line_and_stores_nothing(tmp_path, capsys):
    proj = study(tmp_path)
    before = table_counts(proj)
    assert run("code", "--seeds-coder", "nobody", "--model", "hash", "-p", proj) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "nobody" in err[0]
    assert "codings import" in err[0]
    assert table_counts(proj) == before


def test_next_sheet_offers_only_each_questions_codes(coded, tmp_path):
    proj, ids, _, _ = coded
    out = tmp_path / "sheet.csv"
    assert run("next", "--n", "12", "--model", "hash", "-p", proj, "--out", out) == 0
    sheet = pd.read_csv(out, dtype=str, keep_default_na=False)
    sc = scope()
    codes = [c for c in sheet.columns if c not in ("id", "question", "text", "no_code")]
    assert "no_code" in sheet.columns
    assert codes
    for _, row in sheet.iterrows():
        assert row["id"] not in ids  # never an answer a human coded
        for c in codes:
            assert (row[c] == "n/a") == (row["question"] not in sc[c]), (row["id"], c)
    # filled in (no code on one row) it reads back as a coder's work, that row kept
    for c in codes:
        sheet[c] = sheet[c].where(sheet[c] == "n/a", "0")
    first_code = next(c for c in codes if sheet.loc[1, c] != "n/a")
    sheet.loc[1, first_code] = "1"
    sheet.loc[0, "no_code"] = "1"
    sheet.to_csv(tmp_path / "filled.csv", index=False)
    assert run("codings", "import", tmp_path / "filled.csv", "--coder", "second", "-p", proj) == 0
    from _study_project import stored

    got = stored(proj, "second")
    assert set(got) == set(sheet["id"])
    assert got[sheet.loc[0, "id"]] == set()
    assert got[sheet.loc[1, "id"]] == {first_code}


def test_validation_sample_is_a_stratified_random_sample_recorded_as_a_run(coded, tmp_path):
    proj, ids, _, _ = coded
    na = set(non_answer_ids(proj))
    out = tmp_path / "val.csv"
    assert run("next", "--validation", "20", "--seed", "3", "-p", proj, "--out", out) == 0
    sheet = pd.read_csv(out, dtype=str, keep_default_na=False)
    con = sqlite3.connect(proj)
    allq = pd.read_sql_query("SELECT id, question FROM responses", con)
    runs = pd.read_sql_query("SELECT stage, seed, params FROM runs WHERE stage='validation'", con)
    con.close()
    pool = allq[~allq["id"].isin(ids | na)]
    sizes = pool.groupby("question").size()
    # proportional allocation (largest remainder), recomputed
    exact = 20 * sizes / sizes.sum()
    alloc = np.floor(exact).astype(int)
    rest = 20 - alloc.sum()
    for q in (exact - np.floor(exact)).sort_values(ascending=False, kind="stable").index[:rest]:
        alloc[q] += 1
    assert sheet.groupby("question").size().to_dict() == alloc.to_dict()
    assert not set(sheet["id"]) & (ids | na)
    assert len(runs) == 1
    assert runs["seed"].iloc[0] == 3
    params = json.loads(runs["params"].iloc[0])
    assert sorted(params["ids"]) == sorted(sheet["id"])
    assert params["per_question"] == alloc.to_dict()
    # the same seed draws the same sample; another seed another one
    again, other = tmp_path / "again.csv", tmp_path / "other.csv"
    assert run("next", "--validation", "20", "--seed", "3", "-p", proj, "--out", again) == 0
    assert run("next", "--validation", "20", "--seed", "4", "-p", proj, "--out", other) == 0
    assert pd.read_csv(again, dtype=str)["id"].tolist() == sheet["id"].tolist()
    assert set(pd.read_csv(other, dtype=str)["id"]) != set(sheet["id"])


def test_a_code_learns_only_from_the_rows_of_its_mask():
    """Masking code j's rows gives code j the model it gets from those rows alone (the
    threshold folds are shared by all codes, so only the model is compared); an all-True
    mask changes nothing."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 6))
    Y = np.column_stack([(X[:, 0] > 0).astype(int), (X[:, 1] > 0.3).astype(int)])
    M = np.ones_like(Y, dtype=bool)
    M[:40, 1] = False
    Y_noisy = Y.copy()
    Y_noisy[:40, 1] = 1 - Y_noisy[:40, 1]  # garbage where the code does not apply
    kw = {"random_state": 0, "pseudo_weight": 0.0}
    a = SeededCoder(**kw).fit(X, Y_noisy, mask=M)
    b = SeededCoder(**kw).fit(X[40:], Y[40:])
    np.testing.assert_allclose(a.coef_[1], b.coef_[1], atol=1e-8)
    plain = SeededCoder(**kw).fit(X, Y)
    full = SeededCoder(**kw).fit(X, Y, mask=np.ones_like(M))
    np.testing.assert_array_equal(plain.coef_, full.coef_)
    np.testing.assert_array_equal(plain.thresholds_, full.thresholds_)
    # decisions never pick a masked cell, min_codes included
    P = np.array([[0.01, 0.9], [0.6, 0.7]])
    D = a.decide(P, mask=np.array([[True, False], [True, True]]))
    assert D[0].tolist() == [1, 0]


def test_next_never_offers_non_answers(tmp_path):
    proj = study(tmp_path)
    na = set(non_answer_ids(proj))
    assert na
    out = tmp_path / "first.csv"
    assert run("next", "--n", "200", "--model", "hash", "-p", proj, "--out", out) == 0
    sheet = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(sheet)
    assert not set(sheet["id"]) & na
