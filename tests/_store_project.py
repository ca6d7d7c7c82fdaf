"""A real project for the store tests (suggest + accept through the CLI, two human coders and
the example codebook written as the report tests do), and the commands run against it."""

from __future__ import annotations

import hashlib
import shutil
from importlib.resources import files
from pathlib import Path

from _report_project import build_example

from autocode.cli import main

SURVEY = Path(str(files("autocode") / "data" / "example_survey.csv"))
CODEBOOK = Path(str(files("autocode") / "data" / "example_codebook.csv"))


def build(path: Path) -> Path:
    build_example(path, second_human=True, machine=True)
    assert main(["suggest", str(SURVEY), "--model", "hash", "-p", str(path), "--json"]) == 0
    assert main(["accept", "S1", "-p", str(path)]) == 0
    return path


def copy(src: Path, dest: Path) -> Path:
    shutil.copyfile(src, dest)
    return dest


def sha256(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def read_commands(project: Path, out: Path) -> dict[str, list[str]]:
    """Every command that only reads the project (``out``: a writable folder elsewhere)."""
    p = str(project)
    cmds = {
        "decisions": ["decisions", "-p", p],
        "codebook": ["codebook", "-p", p],
        "codebook history": ["codebook", "history", "-p", p],
        "codebook export": ["codebook", "export", "-p", p, "-o", str(out / "cb.yaml")],
        "report": ["report", "-p", p, "-o", str(out / "report.html")],
        "export codings": ["export", "codings", "-p", p, "-o", str(out / "codings.csv")],
        "export qdpx": ["export", "qdpx", "-p", p, "-o", str(out / "project.qdpx")],
        "agree": ["agree", "--project", p, "--coders", "coder_a,coder_b"],
    }
    if has_command("runs"):  # `autocode runs` (issue 11, section 2) where it exists
        cmds["runs"] = ["runs", "-p", p]
    return cmds


def write_commands(project: Path) -> dict[str, list[str]]:
    p = str(project)
    return {
        "suggest": ["suggest", str(SURVEY), "--model", "hash", "-p", p, "--json"],
        "accept": ["accept", "S2", "-p", p],
        "codebook import": ["codebook", "import", str(CODEBOOK), "--yes", "-p", p],
    }


def has_command(name: str) -> bool:
    import typer.main

    from autocode.cli import app

    return name in typer.main.get_command(app).commands  # type: ignore[attr-defined]
