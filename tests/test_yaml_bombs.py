"""YAML codebooks cannot exhaust the machine: a "billion laughs" file of nested aliases and a
file whose aliases form a cycle are refused at once with one line and exit 2, by every
command that reads a codebook, and the project is left as it was (issue 11, sections 3, 5).

`codebook import` runs through the real entry point in a subprocess; before the fix the
bomb ran for minutes (a hang would time the suite out), so simply running it is the test.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from _report_project import build_example

from autocode.codebook import yaml_io
from autocode.errors import InputError

DATA = importlib.resources.files("autocode") / "data"
SURVEY = str(DATA / "example_survey.csv")


def bomb_text(levels: int = 9, width: int = 9) -> str:
    """Codes whose sub-codes are aliases of the level below: width**levels codes."""
    lines = ["c0: &c0 {name: lol}"]
    for i in range(1, levels + 1):
        kids = ",".join([f"*c{i - 1}"] * width)
        lines.append(f"c{i}: &c{i} {{name: lol, codes: [{kids}]}}")
    lines.append(f"themes: [{{name: laughs, codes: [*c{levels}]}}]")
    return "\n".join(lines) + "\n"


CYCLE = """\
themes:
  - &theme
    name: Barriers
    codes:
      - name: Time
        codes: [*theme]
"""


@pytest.fixture
def files(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(bomb_text())
    assert bomb.stat().st_size < 1024  # small on disk
    cycle = tmp_path / "cycle.yaml"
    cycle.write_text(CYCLE)
    return {"bomb": bomb, "cycle": cycle}


@pytest.fixture
def project(tmp_path):
    return build_example(tmp_path / "p.db")


def cli(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autocode", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def fingerprint(p: Path) -> tuple:
    con = sqlite3.connect(p)
    n = con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    con.close()
    return hashlib.sha256(p.read_bytes()).hexdigest(), n


def one_line_error(r: subprocess.CompletedProcess, needle: str) -> None:
    assert r.returncode == 2, r.stderr
    err = r.stderr.strip()
    assert err.startswith("error: "), err
    assert "\n" not in err, err
    assert needle in err, err
    assert "Traceback" not in r.stderr
    assert "internal error" not in err


@pytest.mark.parametrize(("kind", "needle"), [("bomb", "YAML bomb"), ("cycle", "a cycle")])
def test_codebook_import_refuses(kind, needle, files, project, tmp_path):
    before = fingerprint(project)
    r = cli("codebook", "import", files[kind], "-p", project, "--yes", cwd=tmp_path)
    one_line_error(r, needle)
    assert fingerprint(project) == before


def in_process(capsys, *args) -> subprocess.CompletedProcess:
    from autocode.cli import main

    capsys.readouterr()
    rc = main([str(a) for a in args])
    cap = capsys.readouterr()
    return subprocess.CompletedProcess(args, rc, cap.out, cap.err)


@pytest.mark.parametrize(("kind", "needle"), [("bomb", "YAML bomb"), ("cycle", "a cycle")])
def test_code_codebook_refuses(kind, needle, files, seeds, tmp_path, capsys):
    p = tmp_path / "fresh.db"
    r = in_process(capsys, "code", SURVEY, "--codebook", files[kind], "--seeds", seeds,
                   "--model", "hash", "-p", p)  # fmt: skip
    one_line_error(r, needle)
    assert not p.exists()  # refused before the survey was stored


@pytest.mark.parametrize(("kind", "needle"), [("bomb", "YAML bomb"), ("cycle", "a cycle")])
def test_agree_codebook_refuses(kind, needle, files, tmp_path, capsys):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("id,code\n1,lol\n2,x\n")
    b.write_text("id,code\n1,lol\n2,lol\n")
    one_line_error(in_process(capsys, "agree", a, b, "--codebook", files[kind]), needle)


def test_aliases_within_the_bound_still_work():
    text = (
        "shared: &d A definition used twice\n"
        "themes:\n  - name: T\n    codes:\n"
        "      - {name: a, definition: *d}\n      - {name: b, definition: *d}\n"
    )
    cb = yaml_io.loads(text).finalize()
    assert [c.definition for c in cb.codes] == ["A definition used twice"] * 2


def test_a_small_bomb_is_allowed_a_big_one_is_not():
    yaml_io.loads(bomb_text(levels=3, width=9))  # 9**3 = 729 codes: a big codebook, fine
    with pytest.raises(InputError, match="YAML bomb"):
        yaml_io.loads(bomb_text(levels=5, width=9))  # 59,049 codes from 6 lines


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(InputError, match="nested too deeply"):
        yaml_io.loads("themes: " + "[" * 5000 + "]" * 5000 + "\n")
