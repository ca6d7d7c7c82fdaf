"""Options and helpers shared by the CLI command modules (no numpy/pandas here)."""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

# The options every command shares, declared once so that names and help text agree
# (tests/test_cli_options.py checks the whole command tree). A file a command writes is
# `-o/--out`; its help names what is written, so that one is declared per command.
_PROJECT_HELP = "Project file (SQLite); default: autocode.db in this folder."
ProjectOpt = Annotated[Path, typer.Option("--project", "-p", help=_PROJECT_HELP)]
# the same option where "not given" means something (a parent command's --project, or none)
MaybeProjectOpt = Annotated[Path | None, typer.Option("--project", "-p", help=_PROJECT_HELP)]
DEFAULT_PROJECT = Path("autocode.db")
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of tables.")]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="Embedding model: a local sentence-transformers folder "
        "(default: the bundled all-MiniLM-L6-v2); `onnx` = the same model as int8 ONNX, "
        "faster (extra [onnx]); `hash` = fast fake for dry runs.",
    ),
]


class Interrupted(BaseException):
    """Ctrl-C while a command runs (raised by :func:`sigint_raises_interrupted`).

    A ``BaseException`` like ``KeyboardInterrupt`` (``except Exception`` does not swallow it;
    transactions roll back and runs are marked failed on the way out), but not a
    ``KeyboardInterrupt``: click turns those into "Aborted!" and exit 1, typer >= 0.26 into a
    silent exit 130, so only this reaches :func:`autocode.cli.main`, which prints one line.
    """


@contextmanager
def sigint_raises_interrupted() -> Iterator[None]:
    """While inside, SIGINT raises :class:`Interrupted` (the previous handler is restored).

    Left alone where SIGINT is ignored (e.g. a background job) or off the main thread,
    where Python cannot install a handler.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN:
        yield
        return

    def _raise(signum: int, frame: object) -> None:
        raise Interrupted()

    signal.signal(signal.SIGINT, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)


def console(stderr: bool = False):
    """A rich console; when writing to a file or pipe, 120 columns (tables stay readable).

    Markup is off: what it prints comes from survey answers, headers and codebooks typed by
    anyone, and "[/]" or "[link=...]" in an answer must print as it is (not crash, not make
    a link). Styled text is built with ``rich.text.Text``."""
    import os

    from rich.console import Console

    def make(width: int | None = None) -> Console:
        return Console(stderr=stderr, highlight=False, soft_wrap=False, markup=False, width=width)

    c = make()
    if not c.is_terminal and "COLUMNS" not in os.environ:
        c = make(120)
    return c


def print_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=_json_default) + "\n")


def _json_default(o: Any) -> Any:
    try:
        import numpy as np

        if isinstance(o, np.integer):
            return int(o)
        if isinstance(o, np.floating):
            return float(o)
        if isinstance(o, np.ndarray):
            return o.tolist()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _clock(seconds: float) -> str:
    s = round(max(seconds, 0.0))
    if s >= 3600:
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


def progress_line(what: str, done: int, total: int, elapsed: float) -> str:
    """``embedding 1,200/10,000 (12%) · 410/s · ETA 0:21``: a stage's count, its rate so far
    and the time left at that rate (no rate or ETA before the first second or item)."""
    line = f"{what} {done:,}/{total:,}"
    if total:
        line += f" ({100 * done / total:.0f}%)"
    if done and elapsed >= 1.0:
        rate = done / elapsed
        line += f" · {rate:,.0f}/s" if rate >= 10 else f" · {rate:.1f}/s"
        if total > done:
            line += f" · ETA {_clock((total - done) / rate)}"
    return line


class StageProgress:
    """The progress callback ``progress(what, done, total)`` the long commands take, shown
    on stderr: a live line with the rate and ETA on a terminal; in a log (not a terminal)
    one line per stage every :attr:`every` seconds, so a batch job's log shows how far it
    got. Silent when ``quiet`` (``--json``). A context manager: the live line is cleared on
    exit."""

    every = 30.0

    def __init__(self, err, quiet: bool = False):
        self.err = err
        self.quiet = quiet
        self.live: Any = None
        self.stage: str | None = None
        self.t0 = 0.0
        self.last = 0.0

    def __enter__(self) -> StageProgress:
        return self

    def __call__(self, what: str, done: int, total: int) -> None:
        import time

        if self.quiet:
            return
        now = time.monotonic()
        if what != self.stage:  # a new stage: its own clock
            self.stage, self.t0, self.last = what, now, now
        line = progress_line(what, done, total, now - self.t0)
        if self.err.is_terminal:
            if self.live is None:
                live = self.err.status(line)
                live.start()
                self.live = live
            else:
                self.live.update(line)
        elif now - self.last >= self.every or (done >= total > 0 and now - self.t0 >= self.every):
            self.last = now
            self.err.print(line)

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
