"""A whole study through the CLI, stage after stage, on the bundled real example.

suggest → accept/reject/merge → codebook export → code (seeds) → agree → report → export.
Uses the fake embedder (--model hash) so it is fast; the real model has its own tests.
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from importlib.resources import files
from pathlib import Path

import pytest

from autocode.cli import main

DATA = Path(str(files("autocode") / "data"))
FAKE = ["--model", "hash:64"]


def cli(capsys, *args) -> str:
    rc = main(list(args))
    out = capsys.readouterr()
    assert rc == 0, f"{args}: {out.err}"
    return out.out


def test_a_study_from_export_to_report(capsys, tmp_path):
    doc = json.loads(cli(capsys, "suggest", "--example", *FAKE, "--json"))
    s1, s2 = (s["id"] for s in doc["suggestions"][:2])
    cli(capsys, "accept", s1, "--as", "Friendly staff", "--theme", "Staff", "--user", "ana")
    cli(capsys, "reject", s2, "--user", "ana")
    cli(capsys, "merge", doc["suggestions"][3]["id"], doc["suggestions"][4]["id"], "--as", "Merged")
    log = json.loads(cli(capsys, "decisions", "--json"))
    assert [d["action"] for d in log] == ["accept", "reject", "merge"]
    cli(capsys, "codebook", "export", "--format", "yaml", "-o", "cb.yaml")
    cli(capsys, "codebook", "export", "--format", "qdc", "-o", "cb.qdc")
    assert "Friendly staff" in Path("cb.yaml").read_text(encoding="utf-8")

    con = sqlite3.connect("autocode.db")
    suggested = con.execute(
        "SELECT COUNT(*) FROM codings WHERE coder='autocode' AND source='suggested'"
    ).fetchone()[0]
    assert suggested > 0

    # the human coder codes half the example first (the seeds), then the classifier
    import pandas as pd

    human = pd.read_csv(DATA / "example_codings.csv", dtype=str, keep_default_na=False)
    ids = sorted(set(human["id"]))
    first = set(ids[::2])
    human[human["id"].isin(first)].to_csv("seeds.csv", index=False)
    human[~human["id"].isin(first)].to_csv("later.csv", index=False)
    cli(
        capsys,
        "code",
        str(DATA / "example_survey.csv"),
        "-c",
        str(DATA / "example_codebook.csv"),
        "-s",
        "seeds.csv",
        *FAKE,
        "--out",
        "machine.csv",
    )
    assert Path("machine.csv").read_text(encoding="utf-8").startswith("id,")
    # a decision after the classifier ran still works and keeps the log consistent
    cli(capsys, "undo")
    # the team adopts the codebook the machine coded with, and the coder codes the rest of
    # the answers: the answers the machine did not learn from
    cli(capsys, "codebook", "import", str(DATA / "example_codebook.csv"), "--yes")
    cli(capsys, "codings", "import", "later.csv", "--coder", "human")
    rows = dict(
        con.execute("SELECT source || '/' || present, COUNT(*) FROM codings GROUP BY 1").fetchall()
    )
    assert rows.get("human/1", 0) == len(human[human["code"] != ""])  # every human coding kept
    assert rows.get("machine/1", 0) > 0

    agree = json.loads(cli(capsys, "agree", "--coders", "human,autocode", "--json"))
    assert agree["coders"] == ["human", "autocode"]
    pooled = agree["overall"]["pooled"]
    kappa, pa, n_units = _pooled_kappa_from_the_store(con, "human", "autocode")
    assert agree["n_units"] == n_units == len(ids) - len(first)
    assert agree["excluded_units"]["reasons"]["trained_on"] == len(first)
    assert pooled["percent_agreement"]["value"] == pytest.approx(pa, abs=1e-12)
    assert pooled["cohen_kappa"]["value"] == pytest.approx(kappa, abs=1e-12)

    cli(capsys, "report", "--format", "md", "-o", "report.md")
    md = Path("report.md").read_text(encoding="utf-8")
    assert "what_was_good" in md
    assert "Respondent" in md
    cli(capsys, "export", "codings", "--format", "csv", "-o", "codings.csv")
    cli(capsys, "export", "qdpx", "-o", "study.qdpx")
    with zipfile.ZipFile("study.qdpx") as z:
        assert "project.qde" in z.namelist()


def _pooled_kappa_from_the_store(con, a: str, b: str) -> tuple[float, float, int]:
    """Pooled Cohen's kappa and percent agreement of a human ``a`` and the machine ``b`` over
    all (response, code) cells, straight from the tables with scikit-learn (independent of
    autocode.agree): a response counts when both coded it and the machine's run did not
    train on it (run_training); a code is present when the decision is present (flagged
    cells are decisions too)."""
    import numpy as np
    from sklearn.metrics import cohen_kappa_score

    rows = con.execute(
        "SELECT response_id, coder, code FROM codings WHERE coder IN (?, ?) "
        "AND source != 'suggested' AND present = 1",
        (a, b),
    ).fetchall()
    coded = con.execute(
        "SELECT response_id, coder FROM coded_units WHERE coder IN (?, ?)", (a, b)
    ).fetchall()
    trained = {str(r) for (r,) in con.execute("SELECT response_id FROM run_training")}
    units = {c: {str(r) for r, cd in coded if cd == c} for c in (a, b)}
    both = sorted((units[a] & units[b]) - trained)
    present = {c: {(str(r), k) for r, cd, k in rows if cd == c and k} for c in (a, b)}
    codes = sorted(
        {k for (k,) in con.execute("SELECT DISTINCT code FROM codings WHERE code != ''")}
    )
    codes = [k for k in codes if any((u, k) in present[c] for c in (a, b) for u in units[c])]
    x, y = ([int((u, k) in present[c]) for u in both for k in codes] for c in (a, b))
    return float(cohen_kappa_score(x, y)), float(np.mean(np.equal(x, y))), len(both)
