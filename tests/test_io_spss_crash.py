"""A .sav file that crashes pyreadstat's C reader (a segmentation fault in the child process
that reads it) is one line through the real entry point — and no "Fatal Python error" dump,
even when faulthandler is on (``-X faulthandler``, as pytest runs it: the full test run
printed that dump half-way before the child switched faulthandler off)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DAMAGED = Path(__file__).parent / "data" / "io" / "damaged.sav"


def test_a_crashing_spss_reader_prints_one_line_and_no_fault_dump(tmp_path):
    res = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-m", "autocode", "suggest", str(DAMAGED),
         "--model", "hash", "-p", str(tmp_path / "p.db")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert res.returncode == 2
    assert "Fatal Python error" not in res.stderr
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "not a readable SPSS .sav file" in lines[0], res.stderr
