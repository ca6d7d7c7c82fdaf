"""CLI commands for the codebook stage (registered by autocode.cli)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app (filled in as the stage lands)."""
