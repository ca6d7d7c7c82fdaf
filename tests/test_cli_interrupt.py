"""Ctrl-C while `suggest` or `code` works: one line on stderr, exit 130, nothing half-written.

Through the real entry point: the command runs in a subprocess, the test waits until the
project records the run as 'running' (work has started), then sends SIGINT. The surveys
are large enough (30,000 answers) that the work lasts seconds after that point.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autocode.cli import main

LINE = "interrupted — nothing half-written was kept"
TOPICS = {
    "Staff": ["staff", "kind", "friendly", "helpful", "nurse"],
    "Waiting": ["wait", "long", "hours", "queue", "delay"],
    "Parking": ["parking", "car", "expensive", "space", "park"],
    "Food": ["food", "cold", "meal", "tasty", "lunch"],
    "Cleanliness": ["clean", "dirty", "toilet", "ward", "hygiene"],
}
FILLER = ["the", "was", "very", "and", "a", "of", "to", "in", "it", "we", "my", "they", "our"]


@pytest.fixture(scope="module")
def survey(tmp_path_factory) -> Path:
    """30,000 answers, each about one topic, with a codebook and 400 human seeds beside it."""
    d = tmp_path_factory.mktemp("survey")
    rng = random.Random(0)
    rows = []
    for i in range(30_000):
        code = rng.choice(sorted(TOPICS))
        words = rng.sample(TOPICS[code], 3) + rng.sample(FILLER, 4) + [f"w{rng.randrange(3000)}"]
        rng.shuffle(words)
        rows.append((f"r{i}", " ".join(words), code))
    with open(d / "survey.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "answer"])
        w.writerows(r[:2] for r in rows)
    with open(d / "codebook.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "description", "parent"])
        w.writerows([name, f"mentions {words[0]}", ""] for name, words in TOPICS.items())
    with open(d / "seeds.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "code"])
        w.writerows([i, code] for i, _, code in rows[:400])
    return d


def _running(project: Path) -> bool:
    if not project.exists():
        return False
    try:
        c = sqlite3.connect(f"file:{project}?mode=ro", uri=True, timeout=0.2)
        try:
            return bool(c.execute("SELECT 1 FROM runs WHERE status = 'running'").fetchone())
        finally:
            c.close()
    except sqlite3.Error:  # not created or migrated yet
        return False


def interrupt_when_working(args: list[str], project: Path, cwd: Path):
    p = subprocess.Popen(
        [sys.executable, "-m", "autocode", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300
        while not _running(project):
            if p.poll() is not None:
                out, err = p.communicate()
                pytest.fail(f"ended (rc {p.returncode}) before its run started: {err[-500:]}")
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.02)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=300)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


def assert_interrupted(r: subprocess.CompletedProcess, cwd: Path) -> None:
    assert r.returncode == 130, (r.returncode, r.stderr[-500:], r.stdout[-500:])
    assert [line for line in r.stderr.splitlines() if line.strip()] == [LINE]
    assert "Traceback" not in r.stderr + r.stdout
    leftovers = [p.name for p in cwd.iterdir() if p.name.startswith(".autocode-")]
    assert leftovers == []
    assert not (cwd / "out.csv").exists()


def runs(project: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(project) as c:
        return c.execute("SELECT stage, status FROM runs").fetchall()


def count(project: Path, table: str) -> int:
    with sqlite3.connect(project) as c:
        return c.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_ctrl_c_during_suggest(survey, tmp_path):
    project = tmp_path / "p.db"
    args = ["suggest", str(survey / "survey.csv"), "--model", "hash", "-p", str(project)]
    r = interrupt_when_working([*args, "--out", "out.csv"], project, tmp_path)
    assert_interrupted(r, tmp_path)
    assert runs(project) == [("suggest", "failed")]
    for table in ("themes", "suggestions", "suggestion_members", "run_responses"):
        assert count(project, table) == 0, table


def test_ctrl_c_during_code(survey, tmp_path):
    project = tmp_path / "p.db"
    args = [
        "code",
        str(survey / "survey.csv"),
        "-c",
        str(survey / "codebook.csv"),
        "-s",
        str(survey / "seeds.csv"),
        "--model",
        "hash",
        "-p",
        str(project),
        "-o",
        "out.csv",
    ]
    r = interrupt_when_working(args, project, tmp_path)
    assert_interrupted(r, tmp_path)
    assert runs(project) == [("code", "failed")]
    assert count(project, "codings") == 0  # neither machine codings nor the seeds


def test_ctrl_c_in_review_keeps_decisions_and_exits_130(tmp_path, monkeypatch, capsys):
    """SIGINT (not only a KeyboardInterrupt from the terminal) stops the interactive loop."""
    from _review_project import make_project

    monkeypatch.setenv("AUTOCODE_USER", "ana")
    proj = make_project(tmp_path / "r.db")
    answers = iter(["r"])

    def fake_input(prompt=""):
        for a in answers:
            return a
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C at the second suggestion
        time.sleep(5)  # the handler raises before this ends
        return "q"

    monkeypatch.setattr("builtins.input", fake_input)
    rc = main(["review", "-p", str(proj)])
    assert rc == 130
    assert "every decision made so far is saved" in capsys.readouterr().out
    with sqlite3.connect(proj) as c:
        assert [a for (a,) in c.execute("SELECT action FROM decisions")] == ["reject"]


def test_main_restores_the_sigint_handler(capsys):
    before = signal.getsignal(signal.SIGINT)
    assert main(["--version"]) == 0
    assert signal.getsignal(signal.SIGINT) is before
