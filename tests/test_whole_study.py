"""A whole study through the real entry point, as a researcher types it (issue 12's "Done
when"): import a REDCap export, a question-scoped codebook, two named coders, seeds, the
machine coder, agreement, report and export — and every number they print equals an
independent recomputation from the input files (pandas / scikit-learn), never from autocode.

Data: tests/data/study (the synthetic faculty survey, 41 respondents, 3 open-ended
questions, 111 answers; a codebook whose themes belong to one question each and one code
that spans three; two coders who coded every answer, with honest disagreements).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.metrics import cohen_kappa_score

DATA = Path(__file__).parent / "data" / "study"
QUESTIONS = ["mentor_skills", "mentor_barriers", "mentor_training"]


def cli(cwd: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUTOCODE_USER": "tester"}
    r = subprocess.run(
        [sys.executable, "-m", "autocode", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    if ok:
        assert r.returncode == 0, (args, r.stdout[-2000:], r.stderr[-2000:])
    return r


def scope() -> dict[str, set[str]]:
    """code -> the questions it applies to, read from the YAML with PyYAML (not autocode)."""
    doc = yaml.safe_load((DATA / "codebook.yaml").read_text(encoding="utf-8"))
    out: dict[str, set[str]] = {}
    for theme in doc.get("themes", []):
        for c in theme["codes"]:
            out[c["name"]] = set(c.get("questions") or theme.get("questions") or QUESTIONS)
    for c in doc.get("codes", []):
        out[c["name"]] = set(c.get("questions") or QUESTIONS)
    return out


def answers() -> pd.DataFrame:
    raw = pd.read_csv(DATA / "faculty_survey_raw.csv", dtype=str, keep_default_na=False)
    rows = [
        (str(r), q, t)
        for q in QUESTIONS
        for r, t in zip(raw["record_id"], raw[q], strict=True)
        if isinstance(t, str) and t.strip()
    ]
    return pd.DataFrame(rows, columns=["respondent", "question", "text"])


def coding(path: Path) -> dict[tuple[str, str], set[str]]:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    out: dict[tuple[str, str], set[str]] = {}
    for r, q, c in zip(df["record_id"], df["question"], df["code"], strict=True):
        out.setdefault((r, q), set())
        if c:
            out[(r, q)].add(c)
    return out


def pooled_kappa(a: dict, b: dict, units: list[tuple[str, str]]) -> float:
    """Pooled Cohen's kappa over every (answer, code) cell where the code applies."""
    sc = scope()
    x, y = [], []
    for u in units:
        for code, qs in sorted(sc.items()):
            if u[1] in qs:
                x.append(int(code in a[u]))
                y.append(int(code in b[u]))
    return float(cohen_kappa_score(x, y))


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    """The commands of the issue's "Done when", in order, in one folder."""
    d = tmp_path_factory.mktemp("study")
    primary = pd.read_csv(DATA / "primary.csv", dtype=str, keep_default_na=False)
    # seeds: every 5th answer of each question (20%), the rest coded later
    keys = primary[["record_id", "question"]].drop_duplicates().reset_index(drop=True)
    keys["seed"] = keys.groupby("question").cumcount() % 5 == 0
    primary = primary.merge(keys, on=["record_id", "question"])
    primary[primary["seed"]].drop(columns="seed").to_csv(d / "seeds.csv", index=False)
    primary[~primary["seed"]].drop(columns="seed").to_csv(d / "rest.csv", index=False)
    (d / "survey.csv").write_bytes((DATA / "faculty_survey_raw.csv").read_bytes())
    (d / "codebook.yaml").write_bytes((DATA / "codebook.yaml").read_bytes())
    (d / "secondary.csv").write_bytes((DATA / "secondary.csv").read_bytes())

    cli(d, "import", "survey.csv", "--id", "record_id")
    cli(d, "codebook", "import", "codebook.yaml", "--yes")
    cli(d, "codings", "import", "seeds.csv", "--coder", "primary")
    # the bundled MiniLM model, as a researcher runs it (loaded from the installed package)
    code = cli(d, "code", "--seeds-coder", "primary", "--out", "machine.csv", "--json")
    (d / "code.json").write_text(code.stdout)
    cli(d, "codings", "import", "rest.csv", "--coder", "primary")
    cli(d, "codings", "import", "secondary.csv", "--coder", "secondary")
    (d / "hh.json").write_text(cli(d, "agree", "--coders", "primary,secondary", "--json").stdout)
    (d / "mh.json").write_text(cli(d, "agree", "--coders", "primary,autocode", "--json").stdout)
    cli(d, "export", "codings", "--format", "csv", "--out", "all.csv")
    cli(d, "report", "--format", "json", "--out", "report.json")
    cli(d, "report", "--out", "report.html")
    return d


def test_human_human_agreement_is_pooled_over_cells_where_the_code_applies(study):
    doc = json.loads((study / "hh.json").read_text())
    a, b = coding(DATA / "primary.csv"), coding(DATA / "secondary.csv")
    units = sorted(set(a) & set(b))
    assert doc["n_units"] == len(units) == 111
    got = doc["overall"]["pooled"]["cohen_kappa"]["value"]
    assert got == pytest.approx(pooled_kappa(a, b, units), abs=1e-9)


def test_machine_agreement_only_on_answers_it_did_not_train_on(study):
    doc = json.loads((study / "mh.json").read_text())
    seeds = coding(study / "seeds.csv")
    primary = coding(DATA / "primary.csv")
    held_out = sorted(set(primary) - set(seeds))
    assert doc["n_units"] == len(held_out)
    assert doc["excluded_units"]["count"] >= len(seeds)
    assert doc["excluded_units"]["reasons"]["trained_on"] == len(seeds)

    m = pd.read_csv(study / "machine.csv", dtype=str, keep_default_na=False)
    ans = answers()
    # the machine's answer ids map to (respondent, question) through the stored responses
    key = {}
    for rid, q in zip(m["id"], m["question"], strict=True):
        key[rid] = (rid.split(":")[0], q)
    machine: dict[tuple[str, str], set[str]] = {}
    for rid, c, present in zip(m["id"], m["code"], m["present"], strict=True):
        machine.setdefault(key[rid], set())
        if c and present in ("1", "True", "true"):
            machine[key[rid]].add(c)
    assert set(machine) == set(zip(ans["respondent"], ans["question"], strict=True))
    got = doc["overall"]["pooled"]["cohen_kappa"]["value"]
    assert got == pytest.approx(pooled_kappa(primary, machine, held_out), abs=1e-9)


def test_no_answer_is_coded_outside_its_question(study):
    sc = scope()
    m = pd.read_csv(study / "machine.csv", dtype=str, keep_default_na=False)
    coded = m[m["code"] != ""]
    assert len(coded)
    assert all(q in sc[c] for c, q in zip(coded["code"], coded["question"], strict=True))
    out = pd.read_csv(study / "all.csv", dtype=str, keep_default_na=False)
    rows = out[out["code"] != ""]
    assert all(q in sc[c] for c, q in zip(rows["code"], rows["question"], strict=True))


def test_report_counts_equal_a_recomputation_from_the_files(study):
    doc = json.loads((study / "report.json").read_text())
    entries = pd.DataFrame(doc["counts"])
    a = coding(DATA / "primary.csv")
    for q in QUESTIONS:
        coded = [u for u in a if u[1] == q]
        for code, qs in scope().items():
            row = entries[
                (entries["question"] == q) & (entries["code"] == code)
                & (entries["coder"] == "primary")
            ]  # fmt: skip
            if q not in qs:
                assert row.empty, (q, code)  # never listed outside its question
                continue
            n = sum(code in a[u] for u in coded)
            assert int(row["n"].iloc[0]) == n, (q, code)
            assert float(row["pct"].iloc[0]) == pytest.approx(100 * n / len(coded), abs=0.05)
    # final = the reconciled-or-agreeing human coding, else the primary's (no reconcile here)
    final = entries[entries["coder"] == "final"]
    prim = entries[entries["coder"] == "primary"]
    merged = final.merge(prim, on=["question", "code"], suffixes=("_f", "_p"))
    assert len(merged) == len(prim)
    assert np.array_equal(merged["n_f"].to_numpy(), merged["n_p"].to_numpy())
