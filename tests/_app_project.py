"""The workbench's test project and a logged-in in-process client (Starlette's TestClient).

The project is the bundled example survey with hostile answers put in (markup, a
spreadsheet formula, text that is escaped already; the reader refuses NUL bytes, so the
tests send those in forms and queries), suggested with the model-free hash embedder
through the console script, so building it takes seconds.
"""

from __future__ import annotations

import importlib.resources
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
from starlette.testclient import TestClient

from autocode.app import create_app
from autocode.app.security import COOKIE, Guard

DATA = importlib.resources.files("autocode") / "data"
SCRIPT = "<script>alert('pwned')</script> the ward was noisy"
IMG = '"><img src=x onerror=alert(1)> staff were kind'
FORMULA = "=cmd|' /C calc'!A0 parking"
ENTITY = "&lt;b&gt; already escaped &amp; food was cold"
HOSTILE = [SCRIPT, IMG, FORMULA, ENTITY]
PORT = 8765


def cli(*args: object, user: str = "ana") -> subprocess.CompletedProcess:
    """The console script ``autocode``, in a subprocess."""
    exe = Path(sys.executable).with_name("autocode")
    return subprocess.run(
        [str(exe), *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "AUTOCODE_USER": user},
        timeout=300,
        check=False,
    )


def build(folder: Path) -> Path:
    """A project in ``folder`` with one suggest run over the hostile example survey."""
    survey = pd.read_csv(str(DATA / "example_survey.csv"), dtype=str, keep_default_na=False)
    for i, h in enumerate(HOSTILE):
        survey.loc[i, "what_was_good"] = h
    path = folder / "survey.csv"
    survey.to_csv(path, index=False)
    proj = folder / "app.db"
    r = cli("suggest", path, "--model", "hash", "-p", proj)
    assert r.returncode == 0, r.stderr
    return proj


def client(project: Path, read_only: bool = False) -> tuple[TestClient, Guard]:
    """A TestClient that has exchanged the token for its session cookie."""
    guard = Guard(port=PORT, read_only=read_only)
    c = TestClient(create_app(project, guard), base_url=f"http://127.0.0.1:{PORT}")
    r = c.get(f"/?token={guard.token}", follow_redirects=False)
    assert r.status_code == 303, r.text
    c.cookies.set(COOKIE, r.cookies[COOKIE])
    return c, guard


def csrf(guard: Guard) -> str:
    (session,) = guard.sessions.values()
    return session.csrf
