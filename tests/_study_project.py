"""The synthetic faculty survey (tests/data/study) loaded into a project, and independent
readers of its files and of the project file (pandas and sqlite3, never autocode)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import yaml

from autocode.cli import main

DATA = Path(__file__).parent / "data" / "study"
QUESTIONS = ["mentor_skills", "mentor_barriers", "mentor_training"]


def run(*args: str) -> int:
    return main([str(a) for a in args])


def study(tmp_path: Path, codebook: bool = True) -> Path:
    """A project in ``tmp_path`` with the survey imported (and the codebook)."""
    for f in ("faculty_survey_raw.csv", "codebook.yaml", "primary.csv", "secondary.csv"):
        shutil.copy(DATA / f, tmp_path / f)
    proj = tmp_path / "study.db"
    assert run("import", tmp_path / "faculty_survey_raw.csv", "--id", "record_id", "-p", proj) == 0
    if codebook:
        assert run("codebook", "import", tmp_path / "codebook.yaml", "--yes", "-p", proj) == 0
    return proj


def scope() -> dict[str, set[str]]:
    """code -> the questions it applies to, read from the YAML with PyYAML."""
    doc = yaml.safe_load((DATA / "codebook.yaml").read_text(encoding="utf-8"))
    out: dict[str, set[str]] = {}
    for theme in doc.get("themes", []):
        for c in theme["codes"]:
            out[c["name"]] = set(c.get("questions") or theme.get("questions") or QUESTIONS)
    for c in doc.get("codes", []):
        out[c["name"]] = set(c.get("questions") or QUESTIONS)
    return out


def coding(path: Path) -> dict[str, set[str]]:
    """answer id (respondent:question) -> codes, from a long record_id,question,code file."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    out: dict[str, set[str]] = {}
    for r, q, c in zip(df["record_id"], df["question"], df["code"], strict=True):
        out.setdefault(f"{r}:{q}", set())
        if c:
            out[f"{r}:{q}"].add(c)
    return out


def stored(proj: Path, coder: str) -> dict[str, set[str]]:
    """answer id -> codes of ``coder``'s human work, read with sqlite3."""
    con = sqlite3.connect(proj)
    try:
        out: dict[str, set[str]] = {
            r: set()
            for (r,) in con.execute(
                "SELECT response_id FROM coded_units WHERE coder = ? AND source = 'human'",
                (coder,),
            )
        }
        for r, c in con.execute(
            "SELECT response_id, code FROM codings WHERE coder = ? AND source = 'human'",
            (coder,),
        ):
            out[r].add(c)
        return out
    finally:
        con.close()


def table_counts(proj: Path) -> dict[str, int]:
    """Rows of every table: a refused command leaves them all as they were."""
    con = sqlite3.connect(proj)
    try:
        names = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith("sqlite_")
        ]
        return {n: con.execute(f"SELECT COUNT(*) FROM {n}").fetchone()[0] for n in names}
    finally:
        con.close()
