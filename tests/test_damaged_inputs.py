"""Damaged or fake input files are one clear line and exit 2, never an internal error, and the
project is left as it was (issue 11, section 5): a text file or another zip renamed `.xlsx`
given to `code --seeds` or `agree`, and a damaged saved coder given to `code --load` or
`next --load`."""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from autocode.cli import main

DATA = importlib.resources.files("autocode") / "data"
SURVEY, BOOK = (str(DATA / f) for f in ("example_survey.csv", "example_codebook.csv"))


def fakes(folder: Path) -> dict[str, Path]:
    text = folder / "text.xlsx"
    text.write_text("id,code\n1,a\n")
    other = folder / "other.xlsx"  # a zip, but not a workbook (KeyError inside openpyxl)
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("a.txt", "hello")
    broken = folder / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    return {"text": text, "other": other, "broken": broken}


def one_line(capsys, args, *needles) -> str:
    capsys.readouterr()
    assert main([str(a) for a in args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: "), err
    assert "\n" not in err, err
    assert "internal error" not in err
    for n in needles:
        assert n in err, err
    return err


@pytest.mark.parametrize("kind", ["text", "other", "broken"])
def test_fake_xlsx_seeds(kind, tmp_path, capsys):
    f = fakes(tmp_path)[kind]
    p = tmp_path / "p.db"
    one_line(capsys, ["code", SURVEY, "-c", BOOK, "-s", f, "--model", "hash", "-p", p], f.name)
    assert not p.exists()


@pytest.mark.parametrize("kind", ["text", "other", "broken"])
def test_fake_xlsx_codings(kind, tmp_path, capsys):
    f = fakes(tmp_path)[kind]
    one_line(capsys, ["agree", f, tmp_path / "text.xlsx"], ".xlsx")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A project coded once, and the folder of its saved coder."""
    import pandas as pd

    d = tmp_path_factory.mktemp("coder")
    codings = pd.read_csv(str(DATA / "example_codings.csv"), dtype=str)
    ids = sorted(codings["id"].unique())[:240]
    seeds = d / "seeds.csv"
    codings[codings["id"].isin(ids)].to_csv(seeds, index=False)
    p, coder = d / "p.db", d / "coder"
    args = ["code", SURVEY, "-c", BOOK, "-s", seeds, "--model", "hash", "-p", p, "--save", coder]
    assert main([str(a) for a in args]) == 0
    return p, coder


def damage(coder: Path, target: Path, how: str) -> Path:
    """A copy of the saved coder in ``target``, damaged as ``how`` says."""
    import shutil

    shutil.copytree(coder, target)
    w, m = target / "weights.npz", target / "manifest.json"
    if how == "truncated weights":
        w.write_bytes(w.read_bytes()[:100])
    elif how == "weights not a zip":
        w.write_bytes(b"garbage")
    elif how == "missing weights":
        w.unlink()
    elif how == "manifest not JSON":
        m.write_text("{ not json")
    elif how == "manifest a list":
        m.write_text("[]")
    elif how == "manifest missing keys":
        doc = json.loads(m.read_text())
        del doc["featurizer"]
        m.write_text(json.dumps(doc))
    elif how == "a file, not a folder":
        shutil.rmtree(target)
        target.write_text("not a coder")
    return target


def fingerprint(p: Path) -> tuple:
    con = sqlite3.connect(p)
    n = con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    con.close()
    return hashlib.sha256(p.read_bytes()).hexdigest(), n


HOW = [
    "truncated weights",
    "weights not a zip",
    "missing weights",
    "manifest not JSON",
    "manifest a list",
    "manifest missing keys",
    "a file, not a folder",
]


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("command", ["code", "next"])
def test_damaged_saved_coder(command, how, trained, tmp_path, capsys):
    project, coder = trained
    bad = damage(coder, tmp_path / "bad", how)
    before = fingerprint(project)
    if command == "code":
        args = ["code", "-c", BOOK, "--load", bad, "--model", "hash", "-p", project]
    else:
        args = ["next", "-c", BOOK, "--load", bad, "--model", "hash", "-p", project]
    err = one_line(capsys, args, str(bad))
    assert "damaged" in err or "not a saved coder" in err or "is a file" in err
    assert fingerprint(project) == before  # no run recorded, nothing written
