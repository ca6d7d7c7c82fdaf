"""The autocode command tree, walked through the public ``typer.main.get_command(app)``."""

from __future__ import annotations

import typer.main

from autocode.cli import app

ROOT = typer.main.get_command(app)


def walk(cmd=ROOT, path: tuple[str, ...] = ()):
    """(path, command) for the root, every group and every command, depth first."""
    yield path, cmd
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        yield from walk(sub, (*path, name))


COMMANDS = list(walk())


def name(path: tuple[str, ...]) -> str:
    return " ".join(path) or "autocode"


def options(cmd) -> list:
    return [p for p in cmd.params if p.param_type_name == "option"]


def names(param) -> set[str]:
    return set(param.opts) | set(param.secondary_opts)
