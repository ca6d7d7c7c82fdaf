"""The interactive ``autocode review`` loop, driven by test input."""

from __future__ import annotations

import io
import sqlite3

import pytest
from _review_project import make_project, state_summary

from autocode.cli import main


@pytest.fixture
def proj(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOCODE_USER", "ana")
    return make_project(tmp_path / "p.db")


def feed(monkeypatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def actions(path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT action, payload FROM decisions ORDER BY id").fetchall()
    finally:
        conn.close()


def test_a_whole_session_then_resume(proj, monkeypatch, capsys):
    keys = [
        "a",
        "",
        "Team",  # S1: accept with its label, theme Team
        "r",  # S2: reject
        "m",
        "s5",
        "Other stuff",  # S3: merge with S5
        "s",
        "",  # S4: split, k chosen by silhouette -> S4a, S4b
        "k",  # S4a: skip
        "a",
        "Noise",
        "-",  # S4b: accept as Noise, no theme
        "x",  # unknown key: help, same suggestion again
        "u",  # S6 shown; undo the accept of S4b
        "q",
    ]
    feed(monkeypatch, "\n".join(keys) + "\n")
    assert main(["review", "-p", str(proj)]) == 0
    out = capsys.readouterr().out
    assert "S1 · 0 of 6 decided" in out
    assert "candidate theme: Staff" in out
    assert "keywords: staff, friendly, kind" in out
    assert "“The staff were friendly and kind 0”" in out
    assert "merged S3+S5 into code 'Other stuff'" in out
    assert "split S4 into S4a (4)" in out
    assert "undid #6 accept S4b" in out
    assert "keys: (a)ccept" in out
    assert [a for a, _ in actions(proj)] == [
        "accept",
        "reject",
        "merge",
        "split",
        "skip",
        "accept",
        "undo",
    ]
    s = state_summary(proj)
    assert s["themes"] == {"Team": ["staff / friendly / kind"], "Environment": ["Other stuff"]}
    assert s["loose"] == []

    # resume: the next undecided suggestion first (S4b), skipped ones after the rest
    feed(monkeypatch, "a\n\n-\nr\n")
    assert main(["review", "-p", str(proj)]) == 0
    out = capsys.readouterr().out
    shown = [
        line.split(" · ")[0].strip("╭─ ")
        for line in out.splitlines()
        if " · " in line and "decided" in line
    ]
    assert shown[:3] == ["S4b", "S6", "S4a"]
    assert "nothing left to review" in out or "S4a" in out


def test_end_of_input_quits_and_keeps_decisions(proj, monkeypatch, capsys):
    feed(monkeypatch, "r\nr\n")
    assert main(["review", "-p", str(proj)]) == 0
    assert len(actions(proj)) == 2
    assert "2 decisions recorded this session" in capsys.readouterr().out


def test_ctrl_c_loses_no_recorded_decision(proj, monkeypatch, capsys):
    class Interrupting(io.StringIO):
        def readline(self, *a):
            line = super().readline(*a)
            if not line:
                raise KeyboardInterrupt
            return line

    monkeypatch.setattr("sys.stdin", Interrupting("r\na\nMy code\n"))  # Ctrl-C at the theme
    rc = main(["review", "-p", str(proj)])
    assert rc == 130
    assert "every decision made so far is saved" in capsys.readouterr().out
    assert [a for a, _ in actions(proj)] == ["reject"]
    assert state_summary(proj)["suggested"] == {}


def test_errors_inside_the_loop_do_not_end_it(proj, monkeypatch, capsys):
    feed(monkeypatch, "m\nS1\n\nm\nS42\n\nr\nq\n")  # merge S1 with itself, then an unknown id
    assert main(["review", "-p", str(proj)]) == 0
    out = capsys.readouterr().out
    assert "cannot merge S1 with itself" in out
    assert "no suggestion 'S42'" in out
    assert [a for a, _ in actions(proj)] == ["reject"]


def test_everything_reviewed(proj, monkeypatch, capsys):
    feed(monkeypatch, "r\n" * 6)
    assert main(["review", "-p", str(proj)]) == 0
    assert "nothing left to review in suggest-1" in capsys.readouterr().out


def test_with_click_testing_runner(proj):
    from typer.testing import CliRunner

    from autocode.cli import app

    res = CliRunner().invoke(app, ["review", "-p", str(proj)], input="r\nk\nq\n")
    assert res.exit_code == 0, res.output
    assert "rejected S1" in res.output
    assert "skipped S2" in res.output
    assert [a for a, _ in actions(proj)] == ["reject", "skip"]
