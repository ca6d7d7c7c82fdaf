"""`autocode code --load CODER --engine stream|dask`: the same decisions as the project path.

The bundled example (315 respondents, two open questions: 500 answers in the long layout,
407 of them not blank) is coded by a coder trained on the project path; the stream engine
(one process, chunks) and the dask engine (a LocalCluster of 2 worker processes) must give
the decisions table `code --load --out` writes — the same rows, codes, statuses and answer
statuses, confidences within 1e-6 — whatever the input's row order. Refusals, hostile text
and the import into the project go through the console script.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

DATA = importlib.resources.files("autocode") / "data"
BOOK = str(DATA / "example_codebook.csv")
KEY = ["id", "code"]


def autocode(*args, env=None, cwd=None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("autocode")
    return subprocess.run(
        [str(exe), *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=300,
    )


def long_frame() -> pd.DataFrame:
    """The example survey in the long layout: respondent id, question, answer."""
    d = pd.read_csv(str(DATA / "example_survey.csv"), dtype=str, keep_default_na=False)
    parts = [
        pd.DataFrame({"rid": d["record_id"], "question": q, "answer": d[q]})
        for q in ("what_was_good", "what_could_we_do_better")
    ]
    return pd.concat(parts, ignore_index=True)


def read_csv_out(p: Path) -> pd.DataFrame:
    return pd.read_csv(p, dtype={"id": str, "question": str, "code": str}, keep_default_na=False)


def same_decisions(a: pd.DataFrame, b: pd.DataFrame, tol: float = 1e-6) -> None:
    """Equal decisions tables (rows matched by id and code; order free)."""
    assert list(b.columns) == [
        "id", "question", "code", "present", "confidence", "flagged", "status",
        "answer_confidence", "answer_status",
    ]  # fmt: skip
    a = a.sort_values(KEY).reset_index(drop=True)
    b = b.sort_values(KEY).reset_index(drop=True)
    assert len(a) == len(b)
    for c in ("id", "question", "code", "status", "answer_status"):
        assert a[c].astype(str).tolist() == b[c].astype(str).tolist(), c
    for c in ("present", "flagged"):
        assert a[c].astype(int).tolist() == b[c].astype(int).tolist(), c
    for c in ("confidence", "answer_confidence"):
        x = pd.to_numeric(a[c], errors="coerce").to_numpy(float)
        y = b[c].to_numpy(float)
        assert (np.isnan(x) == np.isnan(y)).all(), c
        ok = ~np.isnan(x)
        assert np.abs(x[ok] - y[ok]).max(initial=0) <= tol, c


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A coder trained on the project path (hash model), the decisions `code --load --out`
    writes with it, and the input as CSV and as shuffled Parquet."""
    w = tmp_path_factory.mktemp("scale")
    df = long_frame()
    df.to_csv(w / "long.csv", index=False)
    df.sample(frac=1, random_state=7).to_parquet(w / "shuffled.parquet", index=False)
    df.sample(frac=1, random_state=3).to_csv(w / "shuffled.csv", index=False)
    cols = ["--id", "rid", "--text", "answer", "--question", "question", "--model", "hash"]
    r = autocode(
        "code", w / "long.csv", *cols, "-c", BOOK, "--seeds", DATA / "example_codings.csv",
        "-p", w / "train.db", "--save", w / "coder", cwd=w,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = autocode(
        "code", w / "long.csv", *cols, "--load", w / "coder", "-p", w / "train.db",
        "--out", w / "project.csv", cwd=w,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    return {"dir": w, "cols": cols, "project": read_csv_out(w / "project.csv")}


def test_stream_gives_the_project_paths_decisions(world, tmp_path):
    w = world["dir"]
    for src in ("long.csv", "shuffled.parquet"):
        out = tmp_path / f"{src}.parquet"
        r = autocode(
            "code", w / src, *world["cols"], "--load", w / "coder", "--engine", "stream",
            "--out", out, "-p", tmp_path / "none.db",
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        got = pd.read_parquet(out)  # pandas
        same_decisions(world["project"], got)
        assert "1:what_was_good" in set(got["id"])  # ids as the survey reader makes them
        import pyarrow.parquet as pq

        assert pq.read_table(out).num_rows == len(got)  # and pyarrow
    assert not (tmp_path / "none.db").exists()  # no project: nothing created


def test_dask_local_cluster_gives_the_same(world, tmp_path):
    w = world["dir"]
    out = tmp_path / "d.parquet"
    r = autocode(
        "code", w / "shuffled.csv", *world["cols"], "--load", w / "coder", "--engine", "dask",
        "--workers", "2", "--out", out, "-p", tmp_path / "none.db", "--json",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["workers"] == 2
    assert out.is_dir()  # a Parquet dataset
    got = pd.read_parquet(out)
    same_decisions(world["project"], got)
    p = world["project"]
    assert res["n_responses"] == p["id"].nunique() == 407
    assert res["n_coded"] == p.loc[p["present"] == 1, "id"].nunique()
    assert res["n_flagged_cells"] == int(p["flagged"].sum())
    assert not any(n.name.startswith(".") for n in tmp_path.iterdir())  # no staging left


def test_small_input_is_stored_in_the_project(world, tmp_path):
    """An existing project gets the answers and the machine's codings as a `code` run."""
    from autocode.project import open_store

    w = world["dir"]
    db = tmp_path / "p.db"
    with open_store(db):  # a new, empty project
        pass
    out = tmp_path / "s.parquet"
    r = autocode(
        "code", w / "shuffled.parquet", *world["cols"], "--load", w / "coder", "--engine",
        "stream", "--out", out, "-p", db, "--json",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["run_id"]
    con = sqlite3.connect(db)
    n_resp = con.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
    stored = pd.read_sql(
        "SELECT response_id AS id, code, present, flagged, confidence FROM codings "
        "WHERE coder='autocode' AND source='machine'",
        con,
    )
    runs = con.execute("SELECT stage, status FROM runs").fetchall()
    con.close()
    assert n_resp == 407
    assert ("code", "done") in runs
    p = world["project"]
    cells = p[p["code"] != ""]
    a = cells[[*KEY, "present", "flagged"]].sort_values(KEY).reset_index(drop=True)
    b = stored[[*KEY, "present", "flagged"]].sort_values(KEY).reset_index(drop=True)
    pd.testing.assert_frame_equal(a.astype(str), b.astype(str))


def test_above_the_import_limit_only_parquet(world, tmp_path, monkeypatch):
    from autocode.classify import engines
    from autocode.project import open_store

    w = world["dir"]
    db = tmp_path / "p.db"
    with open_store(db):
        pass
    monkeypatch.setattr(engines, "IMPORT_LIMIT", 100)
    res = engines.code_scaled(
        db, w / "long.csv", engine="stream", load=w / "coder", out=tmp_path / "s.parquet",
        model="hash", text=["answer"], id_col="rid", question="question",
    )  # fmt: skip
    assert res["run_id"] is None
    assert any("more than 100" in x for x in res["warnings"])
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 0
    assert con.execute("SELECT COUNT(*) FROM codings").fetchone()[0] == 0
    con.close()
    assert len(pd.read_parquet(tmp_path / "s.parquet")) == len(world["project"])


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--engine", "stream", "--out", "x.parquet"], "--load was not given"),
        (["--load", "CODER", "--engine", "stream", "--out", "x.csv"], "does not end in .parquet"),
        (["--load", "CODER", "--engine", "dask"], "--out was not given"),
        (
            [
                "--load",
                "CODER",
                "--engine",
                "stream",
                "--out",
                "x.parquet",
                "--target-kappa",
                "0.8",
            ],
            "cannot use --target-kappa",
        ),
        (
            [
                "--load",
                "CODER",
                "--engine",
                "dask",
                "--out",
                "x.parquet",
                "--scheduler",
                "tcp://127.0.0.1:9",
            ],
            "no Dask scheduler answered at tcp://127.0.0.1:9",
        ),
        (["--load", "TUNED", "--engine", "stream", "--out", "x.parquet"], "saved by a --tune"),
        (["--load", "CODER", "--engine", "spark", "--out", "x.parquet"], "--engine must be"),
    ],
)
def test_refusals_are_one_line(world, tmp_path, extra, says):
    import shutil

    w = world["dir"]
    tuned = tmp_path / "tuned"
    shutil.copytree(w / "coder", tuned)
    m = tuned / "manifest.json"
    doc = json.loads(m.read_text())
    doc["tuned_encoder"] = {"folder": "tuned-encoder"}  # what a --tune run records
    m.write_text(json.dumps(doc))
    extra = [str(w / "coder") if e == "CODER" else str(tuned) if e == "TUNED" else e for e in extra]
    r = autocode(
        "code", w / "long.csv", *world["cols"], *extra, "-p", tmp_path / "p.db",
        env={"AUTOCODE_DASK_TIMEOUT": "2"}, cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode != 0
    lines = [x for x in r.stderr.strip().splitlines() if x.strip()]
    assert len(lines) == 1, r.stderr
    assert says in lines[0]
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "x.parquet").exists()
    assert not (tmp_path / "p.db").exists()


def test_hostile_text_is_data_and_nul_is_refused(world, tmp_path):
    w = world["dir"]
    df = long_frame().head(60).copy()
    evil = ["=cmd|' /C calc'!A0", "<script>alert(1)</script> the staff", "+SUM(A1:A9) wait"]
    df.loc[0:2, "answer"] = evil
    df.loc[3, "rid"] = '=HYPERLINK("http://x")'
    df.to_parquet(tmp_path / "evil.parquet", index=False)
    out = tmp_path / "evil-out.parquet"
    r = autocode(
        "code", tmp_path / "evil.parquet", *world["cols"], "--load", w / "coder",
        "--engine", "stream", "--out", out, "-p", tmp_path / "none.db",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    got = pd.read_parquet(out)
    assert '=HYPERLINK("http://x")' in set(got["id"])  # kept exactly
    assert {"1", "2", "3"} <= set(got["id"])  # the hostile answers were coded
    df.loc[5, "answer"] = "fine\x00 thanks"
    df.to_parquet(tmp_path / "nul.parquet", index=False)
    r = autocode(
        "code", tmp_path / "nul.parquet", *world["cols"], "--load", w / "coder",
        "--engine", "stream", "--out", tmp_path / "nul-out.parquet", "-p", tmp_path / "n.db",
    )  # fmt: skip
    assert r.returncode != 0
    assert "row 6 contains a NUL byte" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "nul-out.parquet").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".nul-out")]


@pytest.mark.slow
def test_real_model_stream_and_dask_agree_with_the_project_path(tmp_path):
    """The bundled MiniLM (torch): the answers of 60 respondents, trained and applied on
    the project path, then by both engines. torch's kernels may differ in the last bits
    between batch shapes (~2e-7 in a vector), so a confidence rounded to 4 places may
    differ by one step."""
    df = long_frame()
    df = df[df["rid"].astype(int) <= 60]  # both questions of 60 respondents
    df.to_csv(tmp_path / "a.csv", index=False)
    df.sample(frac=1, random_state=1).to_parquet(tmp_path / "a.parquet", index=False)
    seeds = pd.read_csv(str(DATA / "example_codings.csv"), dtype=str)
    seeds = seeds[seeds["id"].str.split(":").str[0].astype(int) <= 60]
    seeds.to_csv(tmp_path / "seeds.csv", index=False)
    cols = ["--id", "rid", "--text", "answer", "--question", "question"]
    r = autocode(
        "code", tmp_path / "a.csv", *cols, "-c", BOOK, "--seeds", tmp_path / "seeds.csv",
        "-p", tmp_path / "p.db", "--save", tmp_path / "coder", "--out", tmp_path / "p.csv",
        cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    want = read_csv_out(tmp_path / "p.csv")
    for engine in ("stream", "dask"):  # dask: one worker process (two: the test above)
        out = tmp_path / f"{engine}.parquet"
        r = autocode(
            "code", tmp_path / "a.parquet", *cols, "--load", tmp_path / "coder", "--engine",
            engine, "--workers", "1", "--out", out, "-p", tmp_path / "none.db",
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        same_decisions(want, pd.read_parquet(out), tol=1e-4 + 1e-9)


def test_ctrl_c_shuts_the_local_cluster_down(world, tmp_path):
    """SIGINT while the dask engine codes: exit 130 with one line, every worker process
    gone, no output and no staging left."""
    import signal
    import time

    psutil = pytest.importorskip("psutil")
    one = long_frame()
    big = pd.concat([one.assign(rid=one["rid"] + f"-{k}") for k in range(100)])
    big.to_parquet(tmp_path / "big.parquet", index=False)
    out = tmp_path / "big-out.parquet"
    exe = Path(sys.executable).with_name("autocode")
    p = psutil.Popen(
        [str(exe), "code", str(tmp_path / "big.parquet"), *world["cols"], "--load",
         str(world["dir"] / "coder"), "--engine", "dask", "--out", str(out), "-p",
         str(tmp_path / "none.db")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    kids = []
    while time.monotonic() < deadline and p.poll() is None:
        kids = p.children(recursive=True)
        if len(kids) >= 3:  # two workers and multiprocessing's resource tracker
            break
        time.sleep(0.2)
    assert p.poll() is None, p.stderr.read()
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert len(err.strip().splitlines()) == 1
    time.sleep(1.0)
    alive = [k for k in kids if k.is_running() and k.status() != psutil.STATUS_ZOMBIE]
    assert not alive
    assert not out.exists()
    assert not [x for x in tmp_path.iterdir() if x.name.startswith(".")]


def test_load_without_a_codebook_names_the_coders(world, tmp_path):
    """The project path needs the codebook the coder was trained with: one line says so."""
    exe = Path(sys.executable).with_name("autocode")
    p = subprocess.run(
        [str(exe), "code", str(world["dir"] / "shuffled.csv"), *map(str, world["cols"]),
         "--load", str(world["dir"] / "coder"), "-p", str(tmp_path / "p.db")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert p.returncode != 0
    assert "pass --codebook FILE: the codebook the saved coder was trained with" in p.stderr
    assert "Traceback" not in p.stderr
    assert not list(tmp_path.glob("p.db*"))  # the refusal leaves no project behind
