"""``autocode app``: serve the local browser workbench (:mod:`autocode.app`). (Not named
``cli/app.py``: importing it would rebind ``autocode.cli.app``, the typer app.)"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from .common import DEFAULT_PROJECT, JsonOpt, ProjectOpt


def app_cmd(
    port: Annotated[
        int | None, typer.Option("--port", help="Port on 127.0.0.1 (default: a free one).")
    ] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the URL; do not open a browser.")
    ] = False,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Show everything, change nothing.")
    ] = False,
    project: ProjectOpt = DEFAULT_PROJECT,
    json_: JsonOpt = False,
) -> None:
    """Open the study in a local browser workbench (127.0.0.1 only, one-time token):
    overview, suggestions board, coding, agreement, report. Ctrl-C stops it.

    --json prints {"url", "port", "project", "read_only"} as one line instead of the
    sentences (for scripts that start it)."""
    from ..app import serve

    serve(
        project,
        port=port,
        read_only=read_only,
        open_browser=not no_browser,
        say=typer.echo,
        started=(lambda doc: typer.echo(json.dumps(doc))) if json_ else None,
    )


def register(app: typer.Typer) -> None:
    """Add ``autocode app``."""
    app.command("app")(app_cmd)
