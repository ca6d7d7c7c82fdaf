"""Options and helpers shared by the CLI command modules (no numpy/pandas here)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

ProjectOpt = Annotated[
    Path,
    typer.Option("--project", "-p", help="Project file (SQLite); created on first use."),
]
DEFAULT_PROJECT = Path("autocode.db")
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of tables.")]


def console(stderr: bool = False):
    """A rich console; when writing to a file or pipe, 120 columns (tables stay readable)."""
    import os

    from rich.console import Console

    c = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not c.is_terminal and "COLUMNS" not in os.environ:
        c = Console(stderr=stderr, highlight=False, soft_wrap=False, width=120)
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
