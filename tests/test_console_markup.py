"""Terminal output prints what respondents typed as they typed it.

The console's tables and lines are rich renderables; with markup on, an answer holding
"[/]" crashed `autocode suggest` (MarkupError: "internal error"), "[link=...]" made a live
terminal link and "[bold]" restyled the table. Through the console script, in a subprocess,
on the bundled example with such answers, a code name and a question header put in."""

from __future__ import annotations

import importlib.resources
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

DATA = importlib.resources.files("autocode") / "data"
CLOSE = "Staff were kind [/] and helpful"
LINK = "Food was cold [link=http://evil.example/]click here[/link] parking"
BOLD = "[bold red]Waiting[/bold red] times were long"
CODE = "[/] Staff [link=http://evil.example/]x[/link]"


def cli(*args: object, cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("autocode")
    return subprocess.run(
        [str(exe), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "AUTOCODE_USER": "ana", "COLUMNS": "200"},
        timeout=300,
        check=False,
    )


def test_markup_in_answers_code_names_and_headers_prints_as_typed(tmp_path):
    survey = pd.read_csv(str(DATA / "example_survey.csv"), dtype=str, keep_default_na=False)
    for i in range(0, 30, 3):  # enough copies that each joins a suggestion and is quoted
        survey.loc[i, "what_was_good"] = CLOSE
        survey.loc[i + 1, "what_was_good"] = LINK
        survey.loc[i + 2, "what_was_good"] = BOLD
    survey = survey.rename(columns={"what_could_we_do_better": "better [/] [link=x]y[/link]"})
    survey.to_csv(tmp_path / "survey.csv", index=False)

    r = cli("suggest", "survey.csv", "--model", "hash", "--quotes", "5", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "internal error" not in r.stdout + r.stderr
    out = " ".join(r.stdout.split())
    for typed in (CLOSE, LINK, BOLD):  # quoted as typed, tags and all
        assert typed in out
    assert "better [/] [link=x]y[/link]" in out  # the question's header too
    assert "\x1b]8;" not in r.stdout  # no terminal hyperlink escape

    r = cli("accept", "S1", "--as", CODE, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    for args in (("review", "--list"), ("codebook",), ("decisions",)):
        r = cli(*args, cwd=tmp_path)
        assert r.returncode == 0, (args, r.stdout + r.stderr)
        assert "internal error" not in r.stdout + r.stderr
        assert "\x1b]8;" not in r.stdout
    assert CODE in " ".join(cli("codebook", cwd=tmp_path).stdout.split())
