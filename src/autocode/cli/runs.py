"""``autocode runs``: the project's runs (suggest, code ...) with status, times and parameters."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer

from .common import DEFAULT_PROJECT, JsonOpt, ProjectOpt, console, print_json


def runs_cmd(
    stage: Annotated[
        str | None, typer.Option("--stage", help="Only runs of this stage (suggest, code ...).")
    ] = None,
    project: ProjectOpt = DEFAULT_PROJECT,
    as_json: JsonOpt = False,
) -> None:
    """List the project's runs: id, stage, status, start, end, duration, seed, model and
    parameters (read-only; a missing project is an error, never created)."""
    from ..project import open_store

    with open_store(project, readonly=True) as store:
        rows = store.list_runs()
    if stage:
        rows = [r for r in rows if r["stage"] == stage]
    if as_json:
        print_json({"runs": rows})
        return
    if not rows:
        typer.echo("no runs yet" + (f" of stage {stage!r}" if stage else ""))
        return
    from rich.table import Table

    t = Table(show_edge=False, pad_edge=False)
    for col in ("id", "stage", "status", "started (UTC)", "finished", "took", "seed", "model"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(
            r["id"],
            r["stage"],
            r["status"],
            _when(r["started_at"]),
            _when(r["finished_at"], r["started_at"]),
            _took(r["started_at"], r["finished_at"]),
            "" if r["seed"] is None else str(r["seed"]),
            r["model_id"] or "",
        )
    con = console()
    con.print(t)
    con.print("\nparameters (all of them: autocode runs --json)")
    for r in rows:
        con.print(f"  {r['id']}: {_params(r['params'])}", overflow="fold")


def _when(iso: str | None, same_day_as: str | None = None) -> str:
    """``2026-05-01 14:03:09``; only the time when it is the day of ``same_day_as``."""
    text = (iso or "").replace("T", " ")[:19]
    if same_day_as and text[:10] == same_day_as[:10]:
        return text[11:]
    return text


def _took(start: str | None, end: str | None) -> str:
    """``5 s``, ``3 min 20 s``, ``2 h 05 min``; empty while running or if unknown."""
    if not start or not end:
        return ""
    try:
        s = int((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds())
    except (TypeError, ValueError):  # not a time, or one with and one without a zone
        return ""
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def _params(params: dict[str, Any], width: int = 160) -> str:
    """The parameters that were set, ``key=value`` (nested ones as compact JSON), shortened."""
    parts = []
    for k, v in sorted(params.items()):
        if v is None or v == [] or v == {}:
            continue
        value = v if isinstance(v, str) else json.dumps(v, separators=(",", ":"), default=str)
        parts.append(f"{k}={value}")
    text = " ".join(parts)
    return text if len(text) <= width else text[: width - 1] + "…"


def register(app: typer.Typer) -> None:
    """Add ``autocode runs`` to the app."""
    app.command("runs")(runs_cmd)
