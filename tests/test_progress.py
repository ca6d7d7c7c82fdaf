"""The progress line the long commands show: count, share, rate and ETA, recomputed."""

from __future__ import annotations

import io

from rich.console import Console

from autocode.cli.common import StageProgress, progress_line


def test_line_rate_and_eta_recomputed():
    line = progress_line("embedding", 1200, 10000, 3.0)
    rate = 1200 / 3.0
    eta = round((10000 - 1200) / rate)
    assert line == f"embedding 1,200/10,000 (12%) · {rate:,.0f}/s · ETA {eta // 60}:{eta % 60:02d}"


def test_line_without_rate_before_a_second_or_an_item():
    assert progress_line("embedding", 0, 500, 9.0) == "embedding 0/500 (0%)"
    assert progress_line("embedding", 40, 500, 0.5) == "embedding 40/500 (8%)"


def test_line_hours_and_done():
    assert progress_line("coding", 1, 10_000, 2.0).endswith("ETA 5:33:18")  # 9,999 x 2 s
    assert "ETA" not in progress_line("coding", 10, 10, 4.0)


def test_log_gets_a_line_per_stage_at_most_every_interval(monkeypatch):
    clock = iter([0.0, 5.0, 31.0, 40.0, 100.0])
    monkeypatch.setattr("time.monotonic", lambda: next(clock))
    buf = io.StringIO()
    err = Console(file=buf, force_terminal=False, width=200)
    with StageProgress(err) as prog:
        prog("embedding", 10, 100)  # t=0: the stage starts, nothing printed
        prog("embedding", 20, 100)  # t=5: too soon
        prog("embedding", 62, 100)  # t=31: printed
        prog("embedding", 70, 100)  # t=40: too soon
        prog("embedding", 100, 100)  # t=100: printed
    lines = buf.getvalue().splitlines()
    assert lines == [
        "embedding 62/100 (62%) · 2.0/s · ETA 0:19",
        "embedding 100/100 (100%) · 1.0/s",
    ]


def test_quiet_prints_nothing():
    buf = io.StringIO()
    with StageProgress(Console(file=buf, force_terminal=True), quiet=True) as prog:
        prog("embedding", 1, 2)
    assert buf.getvalue() == ""
