"""Shared fixtures: every test runs in its own working directory and user dirs."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolate(tmp_path, monkeypatch):
    """Run each test in a temp cwd so a default ./autocode.db never lands in the repo."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    os.makedirs(tmp_path / "home", exist_ok=True)


@pytest.fixture
def example_survey() -> Path:
    return Path(str(files("autocode") / "data" / "example_survey.csv"))


@pytest.fixture
def seeds(tmp_path) -> Path:
    """Human codings of the bundled example's first 240 coded responses (of 407), as a long
    id,code file: the seeds of the `autocode code` tests; the rest stay uncoded."""
    import pandas as pd

    d = pd.read_csv(str(files("autocode") / "data" / "example_codings.csv"), dtype=str)
    ids = sorted(d["id"].unique())[:240]
    p = tmp_path / "seeds.csv"
    d[d["id"].isin(ids)].to_csv(p, index=False)
    return p
