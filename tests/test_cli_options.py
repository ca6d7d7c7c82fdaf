"""One convention for every command: shared option names and help, checked over the tree.

- every command that touches a project takes ``-p/--project`` with the same help;
- every command that prints results takes ``--json`` with the same help;
- every command that writes a file takes ``-o/--out`` (its help says what is written, so
  that text is per command); old spellings stay as aliases (``codebook export --output``);
- a long option has the same short alias wherever it appears, and a short alias always
  means the same long option;
- every command, argument and option has help text.
"""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from _cli_tree import COMMANDS, name, names, options

from autocode.cli import main
from autocode.cli.common import JsonOpt, ProjectOpt

# the root only has --version; `export` only dispatches to its subcommands
NO_PROJECT = {"autocode", "export"}
# and `codebook export` prints the codebook document itself (`review --json` lists)
NO_JSON = NO_PROJECT | {"codebook export"}
WRITES_A_FILE = {
    "suggest",
    "code",
    "next",
    "agree",
    "report",
    "export codings",
    "export qdpx",
    "codebook export",
}


def _help(annotated) -> str:
    return annotated.__metadata__[0].help


def with_option(long: str) -> dict[str, object]:
    """command name -> its option named ``long``."""
    return {name(p): o for p, c in COMMANDS for o in options(c) if long in names(o)}


def test_project_option_everywhere_with_one_help():
    found = with_option("--project")
    assert {name(p) for p, _ in COMMANDS} - set(found) == NO_PROJECT
    for cmd, opt in found.items():
        assert names(opt) == {"--project", "-p"}, cmd
        assert opt.help == _help(ProjectOpt), cmd


def test_json_option_everywhere_with_one_help():
    found = with_option("--json")
    assert {name(p) for p, _ in COMMANDS} - set(found) == NO_JSON
    for cmd, opt in found.items():
        assert names(opt) == {"--json"}, cmd
        assert opt.help == _help(JsonOpt), cmd


def test_every_command_that_writes_a_file_takes_o_out():
    found = with_option("--out")
    assert set(found) == WRITES_A_FILE
    for cmd, opt in found.items():
        assert {"--out", "-o"} <= names(opt), cmd
        assert opt.help, cmd
    for p, c in COMMANDS:  # -o is never anything else
        for o in options(c):
            assert ("-o" in names(o)) == ("--out" in names(o)), name(p)


def test_short_aliases_mean_one_thing():
    shorts_of: dict[str, set] = defaultdict(set)
    long_of: dict[str, set] = defaultdict(set)
    for _, c in COMMANDS:
        for o in options(c):
            shorts = frozenset(n for n in names(o) if not n.startswith("--"))
            for long in (n for n in names(o) if n.startswith("--")):
                shorts_of[long].add(shorts)
            for s in shorts:
                long_of[s].add(min(n for n in o.opts if n.startswith("--")))
    assert {k: v for k, v in shorts_of.items() if len(v) > 1} == {}
    assert {k: v for k, v in long_of.items() if len(v) > 1} == {}
    assert shorts_of["--question"] == {frozenset({"-q"})}
    assert shorts_of["--codebook"] == {frozenset({"-c"})}


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=[name(p) for p, _ in COMMANDS])
def test_every_command_argument_and_option_has_help(path, cmd):
    assert (cmd.help or "").strip(), name(path)
    for p in cmd.params:
        assert (getattr(p, "help", None) or "").strip(), f"{name(path)} {p.name}"


@pytest.fixture
def codebook_project(tmp_path, monkeypatch, capsys):
    from _review_project import make_project

    monkeypatch.setenv("AUTOCODE_USER", "ana")
    p = make_project(tmp_path / "p.db")
    assert main(["accept", "S1", "--as", "Staff attitude", "-p", str(p)]) == 0
    capsys.readouterr()
    return p


@pytest.mark.parametrize("flag", ["--out", "-o", "--output"])
def test_codebook_export_takes_out_and_keeps_output(codebook_project, tmp_path, flag, capsys):
    target = tmp_path / "cb.yaml"
    assert main(["codebook", "export", flag, str(target), "-p", str(codebook_project)]) == 0
    assert "Staff attitude" in target.read_text(encoding="utf-8")
    assert f"wrote {target}" in capsys.readouterr().err


def test_suggest_takes_o(tmp_path, capsys):
    out = tmp_path / "a.csv"
    args = ["suggest", "--example", "--model", "hash", "-p", str(tmp_path / "p.db")]
    assert main([*args, "-o", str(out), "-q", "what_was_good", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert out.read_text(encoding="utf-8").startswith("id")
    assert {s.get("question", "what_was_good") for s in doc["suggestions"]} == {"what_was_good"}
