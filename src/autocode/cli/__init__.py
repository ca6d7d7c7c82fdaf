"""The ``autocode`` command: a thin typer shell over the library.

Each command parses its flags, calls one library function and renders the result.
Library errors (:class:`autocode.errors.AutocodeError`) become one line on stderr and a
non-zero exit; no traceback or local variable is ever shown (survey data is confidential).
Heavy libraries are imported inside the commands, so ``autocode --help`` stays fast.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer

from ..errors import AutocodeError
from .common import Interrupted, sigint_raises_interrupted

app = typer.Typer(
    name="autocode",
    help="Code open-ended survey responses locally: suggest codes, build a codebook, "
    "apply it with a seeded classifier, measure agreement and report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"autocode {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Code open-ended survey responses locally."""


# One module per command group; each defines ``register(app)``.
COMMAND_MODULES = [
    "study",
    "suggest",
    "review",
    "codebook",
    "classify",
    "agree",
    "report",
    "runs",
    "reconcile",
    "workbench",  # `autocode app` (a module named app would shadow the typer `app` here)
]

for _name in COMMAND_MODULES:
    importlib.import_module(f"{__name__}.{_name}").register(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point. Returns the exit code (also used by the tests).

    The app runs in click's *standalone* mode: typer itself reports every usage mistake
    (unknown option or command, missing argument, bad value) with the usual usage message,
    ``Try 'autocode X --help' for help.`` and exit 2, and ends every run with ``SystemExit``,
    whose code we return. This names no exception class of click or typer on purpose: typer
    >= 0.26 raises those of its own bundled click copy (private ``typer._click``), older
    typer raises click's, so any ``except <ClickException>`` is wrong on one version or the
    other, while standalone mode and ``SystemExit`` behave the same on all of them. Our own errors
    are not click's, so they pass through typer untouched and are printed here as one line.
    Ctrl-C raises :class:`~.common.Interrupted` (see there for why not KeyboardInterrupt).
    """
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        with sigint_raises_interrupted():
            app(args=args, prog_name="autocode", standalone_mode=True)
        return 0  # pragma: no cover - standalone mode always ends in SystemExit
    except SystemExit as e:
        return _exit_code(e.code)
    except AutocodeError as e:
        msg = e.message + (f" — {e.hint}" if e.hint else "")
        print(f"error: {msg}", file=sys.stderr)
        return e.exit_code
    except (Interrupted, KeyboardInterrupt):
        print("interrupted — nothing half-written was kept", file=sys.stderr)
        return 130
    except BrokenPipeError:  # pragma: no cover - e.g. `autocode ... | head`
        return 0
    except Exception as e:
        from ..project.disk import as_store_error

        known = as_store_error(e)  # a damaged, read-only or busy project file
        if known is not None:
            print(f"error: {known}", file=sys.stderr)
            return known.exit_code
        if os.environ.get("AUTOCODE_DEBUG"):
            raise
        print(
            f"error: internal error ({type(e).__name__}); rerun with AUTOCODE_DEBUG=1 "
            "to see the traceback, and please report it",
            file=sys.stderr,
        )
        return 1


def _exit_code(code: object) -> int:
    """``SystemExit.code`` as an exit status (None is success; a message is printed, 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _entry() -> None:  # pragma: no cover
    sys.exit(main())
