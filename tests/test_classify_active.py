"""``autocode next``'s pick (issue 13): uncertainty, diversity and the search for rare codes.

Unit tests on hand-made probabilities (the formula of :mod:`autocode.classify.active`
recomputed with numpy), and the real entry point on the faculty survey (tests/data/study):
deterministic, never a human-coded answer or a non-answer, each question's codes only.
Expectations come from the files (pandas, PyYAML, sqlite3), never from autocode."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest
from _study_project import DATA, run, scope, study

from autocode.classify import active


def _unit(rng, n, d=8):
    E = rng.normal(size=(n, d))
    return E / np.linalg.norm(E, axis=1, keepdims=True)


# -- the formula on hand-made probabilities ---------------------------------------------------
def test_rarity_is_the_probability_weighted_by_how_few_positives():
    P = np.array([[0.9, 0.1], [0.2, 0.8], [0.0, 0.0]])
    n = np.array([99, 3])
    want = np.max(P / np.sqrt(1 + n)[None, :], axis=1)  # 0.09, 0.4, 0
    assert np.allclose(active.rarity(P, n), want)
    assert np.allclose(active.rarity(P, n), [0.09, 0.4, 0.0])


def test_priority_mixes_uncertainty_and_rarity_with_the_documented_weight():
    P = np.array([[0.9, 0.1], [0.2, 0.8]])
    t = np.array([0.5, 0.5])
    n = np.array([50, 0])
    lo = np.abs(np.log(P / (1 - P)) - np.log(t / (1 - t)))
    u = np.exp(-lo).max(axis=1)
    r = (P / np.sqrt(1 + n)).max(axis=1)
    assert active.RARITY == 0.3
    assert np.allclose(active.priority(P, t, n), 0.7 * u + 0.3 * r)
    assert np.allclose(active.priority(P, t, None), u)  # no counts: plain uncertainty
    assert np.allclose(active.priority(P, t, n, rarity_weight=0.0), u)
    with pytest.raises(ValueError, match="rarity_weight"):
        active.priority(P, t, n, rarity_weight=1.5)
    with pytest.raises(ValueError, match="one count per code"):
        active.rarity(P, np.array([1, 2, 3]))


@pytest.mark.parametrize("multilabel", [True, False])
def test_rare_code_raises_the_rank_of_an_answer_likely_to_carry_it(multilabel):
    """Answer 0 is sure to carry the common code, answer 1 likely carries the rare one; both
    are equally uncertain. Without counts they tie (the earlier wins); with them the answer
    of the rare code comes first."""
    if multilabel:
        t = np.array([0.5, 0.5, 0.5])
        # each answer has one code sitting at logit distance 0.4 from its threshold
        near = 1 / (1 + np.exp(-0.4))
        P = np.array([[0.97, near, 0.01], [0.01, near, 0.97], [0.01, near, 0.01]])
    else:
        t = None
        P = np.array([[0.6, 0.3, 0.1], [0.1, 0.3, 0.6], [0.8, 0.15, 0.05]])
    n = np.array([200, 40, 1])  # code 0 common, code 2 rare
    E = np.eye(3)  # no similarity between the answers: diversity plays no part
    u = active.uncertainty(P, t)
    assert u[0] == pytest.approx(u[1])
    assert active.select(E, u, 1) == [0]
    pr = active.priority(P, t, n)
    assert pr[1] > pr[0]
    assert active.select(E, pr, 1) == [1]
    assert active.select(E, pr, 3)[0] == 1


def test_pick_is_deterministic_and_independent_of_the_call():
    rng = np.random.default_rng(3)
    E = _unit(rng, 200)
    P = rng.uniform(size=(200, 6))
    t = np.full(6, 0.4)
    n = np.array([0, 1, 5, 20, 80, 300])
    a = active.select(E, active.priority(P, t, n), 25)
    b = active.select(E.copy(), active.priority(P.copy(), t.copy(), n.copy()), 25)
    assert a == b
    assert len(set(a)) == 25
    assert all(0 <= i < 200 for i in a)
    assert active.select(E, None, 10) == active.select(E, None, 10)


# -- through the CLI on the study data ----------------------------------------------------------
def _ids(proj, sql: str) -> set[str]:
    con = sqlite3.connect(proj)
    try:
        return {str(r) for (r,) in con.execute(sql)}
    finally:
        con.close()


@pytest.fixture
def coded_study(tmp_path, capsys):
    """The survey with a third of primary.csv's answers coded by 'primary' and a coder run."""
    proj = study(tmp_path)
    p = pd.read_csv(DATA / "primary.csv", dtype=str, keep_default_na=False)
    keys = p[["record_id", "question"]].drop_duplicates().reset_index(drop=True)
    keys = keys[keys.groupby("question").cumcount() % 3 == 0]
    p.merge(keys, on=["record_id", "question"]).to_csv(tmp_path / "seeds.csv", index=False)
    assert run("codings", "import", tmp_path / "seeds.csv", "--coder", "primary", "-p", proj) == 0
    assert run("code", "--seeds-coder", "primary", "--model", "hash", "-p", proj) == 0
    capsys.readouterr()
    return proj


def test_next_on_the_study_respects_coders_non_answers_and_scope(coded_study, tmp_path):
    proj = coded_study
    human = _ids(proj, "SELECT response_id FROM coded_units WHERE source = 'human'")
    na = _ids(proj, "SELECT id FROM responses WHERE non_answer = 1")
    everyone = _ids(proj, "SELECT id FROM responses")
    assert human
    assert na
    out, again = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run("next", "--n", "30", "--model", "hash", "-p", proj, "--out", out) == 0
    assert run("next", "--n", "30", "--model", "hash", "-p", proj, "--out", again) == 0
    sheet = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert sheet.equals(pd.read_csv(again, dtype=str, keep_default_na=False))  # deterministic
    assert len(sheet) == min(30, len(everyone - human - na))
    assert not set(sheet["id"]) & human  # never an answer a human coded
    assert not set(sheet["id"]) & na  # never a non-answer
    sc = scope()
    codes = [c for c in sheet.columns if c not in ("id", "question", "text", "no_code")]
    assert codes
    for _, row in sheet.iterrows():
        for c in codes:  # a code is offered only on its questions
            assert (row[c] == "n/a") == (row["question"] not in sc[c]), (row["id"], c)


def test_next_offers_every_uncoded_answer_at_most_once(coded_study, tmp_path):
    proj = coded_study
    human = _ids(proj, "SELECT response_id FROM coded_units WHERE source = 'human'")
    na = _ids(proj, "SELECT id FROM responses WHERE non_answer = 1")
    everyone = _ids(proj, "SELECT id FROM responses")
    out = tmp_path / "all.csv"
    assert run("next", "--n", "500", "--model", "hash", "-p", proj, "--out", out) == 0
    sheet = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert not sheet["id"].duplicated().any()
    assert set(sheet["id"]) == everyone - human - na


def test_next_with_a_seed_file_not_in_the_project(tmp_path, capsys):
    """Seeds from a file (no stored coder, no saved model): trained on the spot, the seed
    file's answers never offered, and its positives count for the rare-code term."""
    proj = study(tmp_path)
    p = pd.read_csv(DATA / "primary.csv", dtype=str, keep_default_na=False)
    keys = p[["record_id", "question"]].drop_duplicates().reset_index(drop=True)
    keys = keys[keys.groupby("question").cumcount() % 2 == 0]
    s = p.merge(keys, on=["record_id", "question"])
    s.to_csv(tmp_path / "seeds.csv", index=False)
    seeded = {f"{r}:{q}" for r, q in zip(s["record_id"], s["question"], strict=True)}
    na = _ids(proj, "SELECT id FROM responses WHERE non_answer = 1")
    out = tmp_path / "s.csv"
    rc = run("next", "--n", "15", "--model", "hash", "-s", tmp_path / "seeds.csv", "-p", proj,
             "--out", out)  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    sheet = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(sheet) == 15
    assert not set(sheet["id"]) & (seeded | na)
