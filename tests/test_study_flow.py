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

    # the human coder's codes for the example, then the classifier
    cli(
        capsys,
        "code",
        str(DATA / "example_survey.csv"),
        "-c",
        str(DATA / "example_codebook.csv"),
        "-s",
        str(DATA / "example_codings.csv"),
        *FAKE,
        "--out",
        "machine.csv",
    )
    assert Path("machine.csv").read_text(encoding="utf-8").startswith("id,")
    rows = dict(
        con.execute(
            "SELECT source || '/' || present || flagged, COUNT(*) FROM codings GROUP BY 1"
        ).fetchall()
    )
    assert rows.get("human/10", 0) == 560  # every human coding kept, none overwritten
    assert rows.get("machine/10", 0) > 0

    # a decision after the classifier ran still works and keeps the log consistent
    cli(capsys, "undo")

    agree = json.loads(cli(capsys, "agree", "--coders", "human,autocode", "--json"))
    assert agree["coders"] == ["human", "autocode"]
    assert agree["n_units"] > 0
    pooled = agree["overall"]["pooled"]
    kappa, pa, n_units = _pooled_kappa_from_the_store(con, "human", "autocode")
    assert agree["n_units"] == n_units
    assert agree["excluded_units"]["count"] == 0
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
    """Pooled Cohen's kappa and percent agreement of two coders over all (response, code)
    cells, straight from the codings table with scikit-learn (independent of autocode.agree):
    a response is coded by a coder when coded_units says so; a code is present when the
    decision is present and not flagged. Here both coders coded the same responses."""
    import numpy as np
    from sklearn.metrics import cohen_kappa_score

    rows = con.execute(
        "SELECT response_id, coder, code FROM codings WHERE coder IN (?, ?) "
        "AND source != 'suggested' AND present = 1 AND flagged = 0",
        (a, b),
    ).fetchall()
    coded = con.execute(
        "SELECT response_id, coder FROM coded_units WHERE coder IN (?, ?)", (a, b)
    ).fetchall()
    units = {c: {str(r) for r, cd in coded if cd == c} for c in (a, b)}
    assert units[a] == units[b]
    present = {c: {(str(r), k) for r, cd, k in rows if cd == c and k} for c in (a, b)}
    codes = sorted({k for c in (a, b) for _, k in present[c]})
    x, y = ([int((u, k) in present[c]) for u in sorted(units[a]) for k in codes] for c in (a, b))
    return float(cohen_kappa_score(x, y)), float(np.mean(np.equal(x, y))), len(units[a])
