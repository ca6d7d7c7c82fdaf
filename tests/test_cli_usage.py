"""Every usage mistake, on every command of the tree, gets typer's usage message and exit 2.

The command tree is walked through the public ``typer.main.get_command(app)``; which options
take a number is read from the command functions' own annotations (the click objects differ
between typer versions). Also run by hand under the lowest typer that pyproject allows.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing

import pytest
from _cli_tree import COMMANDS, name

from autocode.cli import main


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    """An empty working folder: a usage error must create nothing in it (no autocode.db)."""
    d = tmp_path / "work"
    d.mkdir()
    monkeypatch.chdir(d)
    return d


GROUPS = [(p, c) for p, c in COMMANDS if hasattr(c, "commands")]
IDS = [name(p) for p, _ in COMMANDS]


def number_type(cmd, param) -> type | None:
    """int or float when the command function annotates this parameter so, else None."""
    fn = inspect.unwrap(cmd.callback) if cmd.callback else None
    if fn is None:
        return None
    hint = typing.get_type_hints(fn).get(param.name)
    args = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
    return args[0] if len(args) == 1 and args[0] in (int, float) else None


def required_arguments(cmd) -> list[str]:
    """A placeholder value for each required argument, so only the mistake under test fails."""
    return ["x" for p in cmd.params if p.param_type_name == "argument" and p.required]


def assert_usage_error(rc: int, err: str, path: tuple[str, ...], what: str) -> None:
    assert rc == 2, err
    assert "internal error" not in err
    assert "Traceback" not in err
    assert err.startswith("Usage: autocode"), err
    assert f"Try '{' '.join(('autocode', *path))} --help' for help." in err, err
    assert what.lower() in err.lower(), err


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=IDS)
def test_unknown_option(path, cmd, capsys, cwd):
    rc = main([*path, "--no-such-option", *required_arguments(cmd)])
    assert_usage_error(rc, capsys.readouterr().err, path, "no such option")
    assert list(cwd.iterdir()) == []  # nothing was created


WITH_ARGUMENT = [(p, c) for p, c in COMMANDS if required_arguments(c)]


@pytest.mark.parametrize(
    ("path", "cmd"), WITH_ARGUMENT, ids=[" ".join(p) for p, _ in WITH_ARGUMENT]
)
def test_missing_argument(path, cmd, capsys, cwd):
    rc = main(list(path))
    assert_usage_error(rc, capsys.readouterr().err, path, "missing argument")


def test_the_tree_has_required_arguments_and_number_options():
    """The parametrised lists are not empty by accident (e.g. a walk that finds nothing)."""
    names = {" ".join(p) for p, _ in WITH_ARGUMENT}
    assert {"accept", "reject", "merge", "split", "codebook import"} <= names
    assert {" ".join(p) for p, _, _ in NUMBERED} >= {"suggest", "code", "next", "agree", "undo"}
    assert len(COMMANDS) >= 20


NUMBERED = [
    (path, cmd, param)
    for path, cmd in COMMANDS
    for param in cmd.params
    if number_type(cmd, param) is not None
]


@pytest.mark.parametrize(
    ("path", "cmd", "param"),
    NUMBERED,
    ids=[f"{' '.join(p)} {x.opts[0]}" for p, _, x in NUMBERED],
)
def test_bad_number(path, cmd, param, capsys, cwd):
    if param.param_type_name == "argument":
        args = [*path, "not-a-number"]
    else:
        args = [*path, param.opts[0], "not-a-number", *required_arguments(cmd)]
    rc = main(args)
    assert_usage_error(rc, capsys.readouterr().err, path, "invalid value")


@pytest.mark.parametrize(("path", "cmd"), GROUPS, ids=[name(p) for p, _ in GROUPS])
def test_unknown_command(path, cmd, capsys, cwd):
    rc = main([*path, "nosuchcommand"])
    assert_usage_error(rc, capsys.readouterr().err, path, "no such command 'nosuchcommand'")


@pytest.mark.parametrize(
    ("args", "path", "what"),
    [
        (["suggest", "--nope"], ("suggest",), "no such option"),
        (["accept"], ("accept",), "missing argument"),
        (["suggest", "--example", "--seed", "x"], ("suggest",), "invalid value for '--seed'"),
        (["nosuchcommand"], (), "no such command"),
        (["codebook", "export", "--nope"], ("codebook", "export"), "no such option"),
    ],
)
def test_usage_errors_through_the_real_entry_point(args, path, what, cwd):
    r = subprocess.run(
        [sys.executable, "-m", "autocode", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )
    assert_usage_error(r.returncode, r.stderr, path, what)
    assert r.stdout == ""
    assert list(cwd.iterdir()) == []


def test_help_and_version_still_exit_0(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("autocode ")
    assert main(["suggest", "--help"]) == 0
    assert "Usage: autocode suggest" in capsys.readouterr().out


def test_library_errors_are_still_one_line_exit_2(tmp_path, capsys):
    rc = main(["decisions", "-p", str(tmp_path / "none.db")])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("error: no project at")
    assert err.count("\n") == 1
