"""Every command that writes a file: the format is the one its extension names (or the
command refuses), and an output path that cannot be written — a folder, a missing folder, an
extension the command does not write — is one clear line and exit 2 *before* any work, with
the project left byte-identical (issue 11, sections 2 and 5)."""

from __future__ import annotations

import hashlib
import importlib.resources
import sqlite3
import zipfile
from pathlib import Path

import pytest
from _report_project import build_example

from autocode.cli import main

DATA = importlib.resources.files("autocode") / "data"
SURVEY, BOOK = (str(DATA / f) for f in ("example_survey.csv", "example_codebook.csv"))

# command -> (argv before the output path, the output option, an extension it also writes)
COMMANDS = {
    "suggest": (["suggest", SURVEY, "--model", "hash", "-p", "{p}"], "--out", ".xlsx"),
    "code": (
        ["code", SURVEY, "-c", BOOK, "-s", "{seeds}", "--model", "hash", "-p", "{p}"],
        "--out",
        ".xlsx",
    ),
    "next": (["next", "-p", "{p}", "-c", BOOK, "--model", "hash", "--n", "5"], "--out", ".xlsx"),
    "agree --out": (["agree", "-p", "{p}", "--coders", "coder_a,coder_b"], "--out", ".xlsx"),
    "agree --disagreements": (
        ["agree", "-p", "{p}", "--coders", "coder_a,coder_b"],
        "--disagreements",
        ".xlsx",
    ),
    "report": (["report", "-p", "{p}"], "-o", ".md"),
    "export codings": (["export", "codings", "-p", "{p}"], "-o", ".xlsx"),
    "export qdpx": (["export", "qdpx", "-p", "{p}"], "-o", None),
    "codebook export": (["codebook", "export", "-p", "{p}"], "-o", ".csv"),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return build_example(tmp_path_factory.mktemp("out") / "p.db", second_human=True, machine=True)


def fingerprint(p: Path) -> tuple:
    """The project file's bytes and its number of runs (a WAL, if any, is checkpointed)."""
    con = sqlite3.connect(p)
    runs = con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    con.close()
    return hashlib.sha256(p.read_bytes()).hexdigest(), runs


def argv(name: str, project: Path, seeds: Path, out: Path) -> list[str]:
    head, opt, _ = COMMANDS[name]
    return [a.format(p=project, seeds=seeds) for a in head] + [opt, str(out)]


def refused(capsys, args: list[str], project: Path, *needles: str) -> str:
    before = fingerprint(project)
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: "), err
    assert "\n" not in err, err
    assert "internal error" not in err
    for n in needles:
        assert n in err, err
    assert fingerprint(project) == before  # nothing stored, nothing touched
    return err


@pytest.mark.parametrize("name", COMMANDS)
def test_out_naming_a_folder(name, project, seeds, tmp_path, capsys):
    folder = tmp_path / "already_a_folder.csv"
    folder.mkdir()
    if name == "report":
        folder = folder.rename(tmp_path / "r.html")
    elif name == "export qdpx":
        folder = folder.rename(tmp_path / "p.qdpx")
    elif name == "codebook export":
        folder = folder.rename(tmp_path / "cb.yaml")
    refused(capsys, argv(name, project, seeds, folder), project, "is a folder")


@pytest.mark.parametrize("name", COMMANDS)
def test_out_in_a_missing_folder(name, project, seeds, tmp_path, capsys):
    ext = {"report": ".html", "export qdpx": ".qdpx", "codebook export": ".yaml"}.get(name, ".csv")
    out = tmp_path / "missing" / f"x{ext}"
    refused(capsys, argv(name, project, seeds, out), project, "does not exist")
    assert not out.parent.exists()


@pytest.mark.parametrize("name", COMMANDS)
def test_out_with_an_extension_the_command_does_not_write(name, project, seeds, tmp_path, capsys):
    out = tmp_path / "sheet.pdf"
    refused(capsys, argv(name, project, seeds, out), project, "does not write .pdf files")
    assert not out.exists()


@pytest.mark.parametrize("name", [n for n, c in COMMANDS.items() if c[2]])
def test_out_written_in_the_format_its_extension_names(name, project, seeds, tmp_path, capsys):
    ext = COMMANDS[name][2]
    out = tmp_path / f"x{ext}"
    assert main(argv(name, project, seeds, out)) == 0, capsys.readouterr().err
    data = out.read_bytes()
    if ext == ".xlsx":
        assert zipfile.is_zipfile(out)  # a workbook, never CSV text under .xlsx
        from openpyxl import load_workbook

        assert load_workbook(out).worksheets[0].max_row >= 1  # (next: every answer is coded)
    elif ext == ".md":
        assert data.startswith(b"# ")
        assert b"<html" not in data
    elif ext == ".csv":
        assert data.startswith(b"name,kind,")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["export", "codings", "--format", "csv", "-o", "{t}/c.xlsx"], "--format is csv"),
        (["export", "codings", "--format", "nope", "-o", "{t}/c.csv"], "unknown export format"),
        (["report", "--format", "html", "-o", "{t}/r.md"], "--format is html"),
        (["codebook", "export", "--format", "yaml", "-o", "{t}/cb.qdc"], "--format is yaml"),
        (["codebook", "export", "-o", "{t}/cb.txt"], "does not write .txt files"),
        (["export", "qdpx", "-o", "{t}/p.zip"], "does not write .zip files"),
    ],
)
def test_format_and_extension_that_disagree(args, needle, project, tmp_path, capsys):
    full = [a.format(t=tmp_path) for a in args] + ["-p", str(project)]
    refused(capsys, full, project, needle)


def test_export_codings_wide_by_extension(project, tmp_path, capsys):
    out = tmp_path / "w.xlsx"
    assert main(["export", "codings", "-p", str(project), "-f", "wide", "-o", str(out)]) == 0
    assert zipfile.is_zipfile(tmp_path / "w.xlsx")
    assert not (tmp_path / "w.codes.csv").exists()  # the key is the second sheet


def test_code_save_naming_a_file(project, seeds, tmp_path, capsys):
    f = tmp_path / "coder"
    f.write_text("not a folder")
    args = [*argv("code", project, seeds, tmp_path / "m.csv"), "--save", str(f)]
    refused(capsys, args, project, "--save", "is a file")


def test_suggest_out_in_missing_folder_stores_no_run(tmp_path, capsys):
    # the case: it used to fail only after the run was stored
    p = tmp_path / "fresh.db"
    out = tmp_path / "no" / "s.csv"
    args = ["suggest", SURVEY, "--model", "hash", "-p", str(p), "--out", str(out)]
    assert main(args) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not p.exists()
