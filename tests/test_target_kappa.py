"""``autocode code --target-kappa K`` (issue 13): the machine codes alone only the answers
it can code at K, says so first (estimated out of fold on the seeds) and flags the rest.
Through the real entry point on the faculty survey; checked with pandas and sqlite3."""

from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pytest
from _study_project import DATA, run, study, table_counts


@pytest.fixture(scope="module")
def coded(tmp_path_factory):
    import contextlib
    import io

    d = tmp_path_factory.mktemp("target")
    proj = study(d)
    assert run("codings", "import", DATA / "primary.csv", "--coder", "primary", "-p", proj) == 0
    docs = {}
    for name, extra in (
        ("code", ["--out", str(d / "m.csv")]),
        ("evaluate", ["--evaluate"]),
    ):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = run("code", "--seeds-coder", "primary", "--model", "hash", "--target-kappa",
                     "0.8", "--json", "-p", proj, *extra)  # fmt: skip
        assert rc == 0
        docs[name] = json.loads(buf.getvalue())
    return proj, docs, d / "m.csv"


def test_the_estimate_is_stated_and_stored_before_the_codings(coded):
    proj, docs, _ = coded
    sel = docs["code"]["selective"]
    for key in ("target_kappa", "expected_coverage", "expected_kappa", "coverage", "threshold"):
        assert key in sel
    assert sel["target_kappa"] == 0.8
    # --evaluate with the same seed and folds states the same promise
    ev = docs["evaluate"]["evaluation"]["selective"]
    for key in ("threshold", "expected_coverage", "expected_kappa"):
        assert ev[key] == sel[key]
    assert docs["evaluate"]["evaluation"]["curve"]
    con = sqlite3.connect(proj)
    params = json.loads(
        con.execute("SELECT params FROM runs WHERE id = ?", (docs["code"]["run_id"],)).fetchone()[0]
    )
    con.close()
    assert params["target_kappa"] == 0.8
    assert params["selective"]["expected_coverage"] == sel["expected_coverage"]


def test_every_answer_has_a_status_and_coverage_is_the_share_coded_alone(coded):
    proj, docs, out = coded
    sel = docs["code"]["selective"]
    m = pd.read_csv(out, dtype=str, keep_default_na=False)
    status = m.groupby("id")["answer_status"].agg(set)
    assert all(len(s) == 1 for s in status)  # one status per answer, on each of its rows
    status = status.map(lambda s: next(iter(s)))
    con = sqlite3.connect(proj)
    n = con.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
    flagged = {
        r
        for (r,) in con.execute(
            "SELECT DISTINCT response_id FROM codings WHERE coder = 'autocode' AND flagged = 1"
        )
    }
    con.close()
    assert len(status) == n
    assert set(status) <= {"coded", "needs_review"}
    alone = status[status == "coded"].index
    assert sel["n_coded_alone"] == len(alone)
    assert sel["coverage"] == pytest.approx(len(alone) / n, abs=1e-4)
    # an answer for review has a flagged cell in the store; one coded alone has none
    assert set(status[status == "needs_review"].index) == flagged
    # answers with no code carry a status too
    none = m[m["code"] == ""]
    assert len(none)
    assert set(none["answer_status"]) <= {"coded", "needs_review"}


@pytest.mark.parametrize("bad", ["0", "1", "1.5", "-0.2"])
def test_a_target_outside_0_1_is_one_line_and_stores_nothing(tmp_path, capsys, bad):
    proj = study(tmp_path)
    assert run("codings", "import", DATA / "primary.csv", "--coder", "primary", "-p", proj) == 0
    before = table_counts(proj)
    capsys.readouterr()
    assert run("code", "--seeds-coder", "primary", "--model", "hash", "--target-kappa", bad,
               "-p", proj) == 2  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "--target-kappa" in err[0]
    assert table_counts(proj) == before


def test_the_report_methods_state_the_promise(coded, tmp_path):
    proj, docs, _ = coded
    out = tmp_path / "r.json"
    assert run("report", "--format", "json", "-p", proj, "-o", out) == 0
    methods = json.loads(out.read_text(encoding="utf-8"))["methods"]
    sel = docs["code"]["selective"]
    assert methods["selective"]["expected_coverage"] == sel["expected_coverage"]
    para = methods["paragraph"]
    assert "pooled κ ≥ 0.80" in para
    assert f"expected {100 * sel['expected_coverage']:.0f}% of answers" in para


def test_evaluate_names_the_source_of_each_curve(coded):
    """`--evaluate --target-kappa`: the table's 5-fold figures and the promise's own
    estimate (what `code --target-kappa` applies) are both shown, each named; the promise's
    curve ends at the pooled kappa of all its out-of-fold answers."""
    import contextlib
    import io

    proj, _, _ = coded
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = run("code", "--seeds-coder", "primary", "--model", "hash", "--target-kappa", "0.8",
                 "--estimate", "fitted", "--evaluate", "--json", "-p", proj)  # fmt: skip
    assert rc == 0
    ev = json.loads(buf.getvalue())["evaluation"]
    sel = ev["selective"]
    assert sel["estimate"] == "fitted"
    assert sel["curve"][-1]["coverage"] == 1.0
    assert sel["curve"] != ev["curve"]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = run("code", "--seeds-coder", "primary", "--model", "hash", "--target-kappa", "0.8",
                 "--estimate", "fitted", "--evaluate", "-p", proj)  # fmt: skip
    assert rc == 0
    text = " ".join(buf.getvalue().split())
    assert f"({ev['folds']}-fold cross-validation):" in text
    assert "the promise comes from the coder's own cross-validation" in text
    last = sel["curve"][-1]["kappa"]
    assert f"100%: {last:.2f} target kappa 0.80" in text


def test_the_estimate_says_how_it_was_made(coded, tmp_path):
    import contextlib
    import io

    from autocode.classify.api import FITTED_MIN_SEEDS

    proj, docs, _ = coded
    # auto, on fewer seeds than FITTED_MIN_SEEDS: cross-validation (the coder's own estimate
    # is optimistic on few seeds)
    assert docs["code"]["n_seeds"] < FITTED_MIN_SEEDS
    assert docs["code"]["selective"]["estimate"] == "cv"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = run("code", "--seeds-coder", "primary", "--model", "hash", "--target-kappa", "0.8",
                 "--estimate", "fitted", "--evaluate", "--json", "-p", proj)  # fmt: skip
    assert rc == 0
    sel = json.loads(buf.getvalue())["evaluation"]["selective"]
    assert sel["estimate"] == "fitted"  # asked for: the multi-label coder's own, no extra fit
    assert 0 <= sel["expected_coverage"] <= 1
    assert run("code", "--seeds-coder", "primary", "--model", "hash", "--target-kappa", "0.8",
               "--estimate", "guess", "-p", proj) == 2  # fmt: skip


def test_seeds_picked_by_next_are_named_in_a_warning(tmp_path):
    import contextlib
    import io

    proj = study(tmp_path)
    prim = pd.read_csv(DATA / "primary.csv", dtype=str, keep_default_na=False)
    assert run("next", "--n", "40", "--model", "hash", "-p", proj, "--out", tmp_path / "s.csv") == 0
    offered = set(pd.read_csv(tmp_path / "s.csv", dtype=str)["id"])
    keys = prim["record_id"] + ":" + prim["question"]
    prim[keys.isin(offered)].to_csv(tmp_path / "seeds.csv", index=False)
    assert run("codings", "import", tmp_path / "seeds.csv", "--coder", "primary", "-p", proj) == 0
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = run("code", "--seeds-coder", "primary", "--model", "hash", "--target-kappa", "0.8",
                 "--json", "-p", proj)  # fmt: skip
    assert rc == 0
    doc = json.loads(buf.getvalue())
    n = len(offered & set(keys))
    assert n
    assert doc["selective"]["seeds_picked_by_next"] == n
    assert any(
        w.startswith(f"{n} of the {doc['n_seeds']} seeds were picked by") for w in doc["warnings"]
    )


def test_the_promise_is_stated_per_question_and_recomputed_from_the_seeds(coded):
    proj, docs, _ = coded
    sel = docs["code"]["selective"]
    rows = sel["by_question"]
    assert len(rows) > 1
    con = sqlite3.connect(proj)
    questions = dict(con.execute("SELECT id, question FROM responses"))
    con.close()
    seeds = pd.read_csv(DATA / "primary.csv", dtype=str, keep_default_na=False)
    # seeds per question: the answers the primary coder coded (the coder's input)
    assert sum(r["n_seeds"] for r in rows) == sel["n_seeds"]
    assert [r["question"] for r in rows] == sorted(r["question"] for r in rows)
    assert {r["question"] for r in rows} <= set(questions.values()) | set(seeds["question"])
    for r in rows:  # no question has 100 seeds here: all keep the common threshold
        assert not r["own_threshold"]
        assert r["threshold"] == sel["threshold"]
        assert 0 <= r["expected_coverage"] <= 1
    # the overall share coded alone is the seeds-weighted mean of the questions' shares
    pooled = sum(r["expected_coverage"] * r["n_seeds"] for r in rows) / sel["n_seeds"]
    assert pooled == pytest.approx(sel["expected_coverage"], abs=1e-3)


def test_per_question_without_a_target_is_one_line_and_stores_nothing(tmp_path, capsys):
    proj = study(tmp_path)
    assert run("codings", "import", DATA / "primary.csv", "--coder", "primary", "-p", proj) == 0
    before = table_counts(proj)
    capsys.readouterr()
    assert run("code", "--seeds-coder", "primary", "--model", "hash", "--per-question",
               "-p", proj) == 2  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "--per-question" in err[0]
    assert "--target-kappa" in err[0]
    assert table_counts(proj) == before


def test_per_question_is_recorded_and_named_in_the_methods(tmp_path):
    import contextlib
    import io

    proj = study(tmp_path)
    assert run("codings", "import", DATA / "primary.csv", "--coder", "primary", "-p", proj) == 0
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = run("code", "--seeds-coder", "primary", "--model", "hash", "--target-kappa", "0.8",
                 "--per-question", "--json", "-p", proj)  # fmt: skip
    assert rc == 0
    doc = json.loads(buf.getvalue())
    assert doc["selective"]["per_question"] is True
    out = tmp_path / "r.json"
    assert run("report", "--format", "json", "-p", proj, "-o", out) == 0
    para = json.loads(out.read_text(encoding="utf-8"))["methods"]["paragraph"]
    assert "pooled κ ≥ 0.80 within each question" in para
