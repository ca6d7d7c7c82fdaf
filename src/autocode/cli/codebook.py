"""CLI commands for the codebook: ``codebook`` (show with counts), ``codebook export``,
``codebook import`` (diff, then apply after confirmation), ``codebook history``,
``define`` (edit a code's definition) and ``scope`` (the questions a code applies to)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .common import DEFAULT_PROJECT, JsonOpt, MaybeProjectOpt, ProjectOpt, console, print_json

codebook_app = typer.Typer(
    help="Show the project's codebook with counts; export it (YAML, REFI-QDA .qdc, CSV) "
    "or import an edited one.",
    invoke_without_command=True,
    no_args_is_help=False,
    rich_markup_mode=None,
)


def _store(project: Path):
    from ..project import open_store

    return open_store(project, readonly=True)  # show, export and history only read


def _project(ctx: typer.Context, project: Path | None) -> Path:
    if project is not None:
        return project
    parent = (ctx.obj or {}).get("project") if ctx is not None else None
    return parent or DEFAULT_PROJECT


def _current(store):
    from ..codebook import current
    from ..errors import NotFoundError

    cb = current(store)
    if cb is None:
        raise NotFoundError(
            "the project has no codebook yet",
            "accept suggestions (`autocode review`) or `autocode codebook import FILE`",
        )
    return cb


@codebook_app.callback()
def show(
    ctx: typer.Context,
    project: ProjectOpt = DEFAULT_PROJECT,
    json_: JsonOpt = False,
) -> None:
    """Show the codebook: themes, codes and how many responses carry each code."""
    ctx.obj = {"project": project}  # `autocode codebook -p X export` uses X too
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from ..codebook.history import counts

    with _store(project) as store:
        cb = _current(store)
        n = counts(store)
    zero = {"suggested": 0, "machine": 0, "human": 0}
    if json_:
        print_json(
            {
                "codebook": cb.to_dict(),
                "counts": {c.name: n.get(c.name, zero) for c in cb.all_codes()},
            }
        )
        return
    t = Table(
        title=f"{cb.name}: {len(cb.themes)} themes, {len(cb.all_codes())} codes",
        show_edge=False,
        pad_edge=False,
    )
    scoped = bool(cb.scoped_questions())
    cols = ["theme", "code", *(["questions"] if scoped else []), "suggested", "machine", "human"]
    for col in [*cols, "definition"]:
        t.add_column(col, overflow="fold", justify="right" if col in zero else "left")
    for path, c in cb.walk():
        k = n.get(c.name, zero)
        indent = "  " * (len(path) - (1 if c.theme is None else 2))
        qs = cb.questions_of(c.name)
        t.add_row(
            c.theme or "",
            indent + c.name,
            *([", ".join(qs) if qs else "(all)"] if scoped else []),
            str(k["suggested"]),
            str(k["machine"]),
            str(k["human"]),
            _short(c.definition),
        )
    console().print(t)
    if cb.exclusive:
        typer.echo("codes are mutually exclusive (one code per response)")


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


@codebook_app.command("export")
def export(
    ctx: typer.Context,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="yaml, qdc (REFI-QDA) or csv (default: from -o, else yaml)."
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--out", "-o", "--output", help="File to write (default: stdout)."),
    ] = None,
    project: MaybeProjectOpt = None,
    validate: Annotated[
        bool,
        typer.Option(
            "--validate",
            help="With --format qdc: check the .qdc against the REFI-QDA Codebook.xsd shipped "
            "with autocode (exit 2 with the first error if it does not conform).",
        ),
    ] = False,
) -> None:
    """Export the codebook as YAML, REFI-QDA .qdc or CSV."""
    project = _project(ctx, project)
    from ..codebook import dumps, export_format
    from ..files import atomic_write, check_output

    fmt = export_format(output, fmt)  # the extension names the format; --format agrees
    if output is not None:
        check_output(output)
    with _store(project) as store:
        cb = _current(store)
    if validate and fmt != "qdc":
        from ..errors import InputError

        raise InputError(f"--validate checks REFI-QDA .qdc files, not {fmt}", "use --format qdc")
    data = dumps(cb, fmt)
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    if output is None:
        sys.stdout.flush()
        buf = getattr(sys.stdout, "buffer", None)
        if buf is not None:
            buf.write(raw)
            buf.flush()
        else:  # pragma: no cover - a text-only stdout
            sys.stdout.write(raw.decode("utf-8"))
        if validate:  # the verdict on stderr: stdout is the codebook
            from ..export.validate import verdict

            typer.echo(verdict(raw, "codebook", "the exported codebook"), err=True)
        return
    atomic_write(output, lambda tmp: Path(tmp).write_bytes(raw))
    typer.echo(f"wrote {output} ({fmt}, {len(cb.all_codes())} codes)", err=True)
    if validate:
        from ..export.validate import validate_file

        typer.echo(validate_file(output, "codebook"), err=True)


@codebook_app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Codebook file: .yaml, .qdc or .csv.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking.")] = False,
    user: Annotated[
        str | None, typer.Option("--user", help="Who imports (default: $AUTOCODE_USER/OS).")
    ] = None,
    project: MaybeProjectOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Import a codebook; changes to the current one are shown and applied after confirming."""
    project = _project(ctx, project)
    from ..codebook import current, format_of, read_file
    from ..codebook.diff import diff, reconcile, render, scope_warnings
    from ..project import open_store
    from ..review import import_codebook

    fmt = format_of(file)
    new = read_file(file, fmt)
    with open_store(project) as store:
        old = current(store)
        new = reconcile(old, new, keep_extras=fmt != "yaml", fmt_lacks_scope=fmt in ("qdc", "qdpx"))
        for line in scope_warnings(store, new):
            typer.echo(f"warning: {line}", err=True)
        changes = diff(old, new)
        if old is not None and not changes:
            typer.echo(f"no changes: the codebook already matches {file.name}")
            return
        if old is None:
            typer.echo(
                f"new codebook from {file.name}: {len(new.themes)} themes, "
                f"{len(new.all_codes())} codes"
            )
        else:
            typer.echo(f"{file.name} changes the codebook ({len(changes)} changes):")
            for line in render(changes):
                typer.echo("  " + line)
            if not yes and not _confirm("apply these changes?"):
                typer.echo("not applied; the codebook is unchanged")
                raise typer.Exit(1)
        d = import_codebook(store, new, source=file.name, user=user)
    if json_:
        print_json(d.to_dict() | {"changes": render(changes)})
    else:
        typer.echo(
            f"imported {file.name}: {d.result['themes']} themes, {d.result['codes']} "
            f"codes (decision #{d.id}; `autocode undo {d.id}` restores the previous one)"
        )


def _confirm(question: str) -> bool:
    try:
        line = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return line.strip().lower() in ("y", "yes")


@codebook_app.command("history")
def history(ctx: typer.Context, project: MaybeProjectOpt = None, json_: JsonOpt = False) -> None:
    """List the saved versions of the codebook (one per change)."""
    project = _project(ctx, project)
    from rich.table import Table

    from ..codebook.history import versions

    with _store(project) as store:
        rows = versions(store)
    if json_:
        print_json(rows)
        return
    if not rows:
        typer.echo("no codebook versions yet")
        return
    t = Table(show_edge=False, pad_edge=False)
    for col in ("version", "when (UTC)", "user", "source", "codes", "change"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(
            str(r["id"]),
            r["at"].replace("T", " ")[:19],
            r["user"] or "",
            r["source"],
            str(r["codes"]),
            r["note"] or "",
        )
    console().print(t)


def define_cmd(
    code: Annotated[str, typer.Argument(help="The code's name.", show_default=False)],
    text: Annotated[
        str | None,
        typer.Argument(help="Its definition (left out: keep the current one).", show_default=False),
    ] = None,
    inclusion: Annotated[
        str | None, typer.Option("--inclusion", help="What the code includes.")
    ] = None,
    exclusion: Annotated[
        str | None, typer.Option("--exclusion", help="What the code excludes.")
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Who defines (default: $AUTOCODE_USER/OS).")
    ] = None,
    project: ProjectOpt = DEFAULT_PROJECT,
    json_: JsonOpt = False,
) -> None:
    """Edit a code's definition (inclusion, exclusion) without a YAML round trip; it is no
    longer a draft. Recorded in the decision log (`autocode undo` restores the old one)."""
    from ..project import open_store
    from ..review import define

    with open_store(project, create=False) as store:
        d = define(store, code, text, inclusion=inclusion, exclusion=exclusion, user=user)
    if json_:
        print_json(d.to_dict())
    else:
        typer.echo(
            f"defined {d.payload['code']!r} (decision #{d.id}; `autocode undo {d.id}` "
            "restores the previous definition)"
        )


def scope_cmd(
    code: Annotated[str, typer.Argument(help="The code's name.", show_default=False)],
    questions: Annotated[
        list[str] | None,
        typer.Argument(help="The questions it applies to (ids).", show_default=False),
    ] = None,
    all_: Annotated[
        bool,
        typer.Option("--all", help="Every question (its theme's scope, when the theme has one)."),
    ] = False,
    user: Annotated[
        str | None, typer.Option("--user", help="Who decides (default: $AUTOCODE_USER/OS).")
    ] = None,
    project: ProjectOpt = DEFAULT_PROJECT,
    json_: JsonOpt = False,
) -> None:
    """Set the questions a code applies to (its question scope), without a YAML round trip.
    Recorded in the decision log (`autocode undo` restores the old scope)."""
    from ..errors import InputError
    from ..project import open_store
    from ..review import scope

    if bool(questions) == all_:
        raise InputError(
            "name the questions, or pass --all (not both)",
            "e.g. `autocode scope Parking what_was_good`",
        )
    with open_store(project, create=False) as store:
        d = scope(store, code, list(questions or []), user=user)
    if json_:
        print_json(d.to_dict())
    else:
        qs = d.result.get("applies_to")
        typer.echo(
            f"{d.payload['code']!r} applies to {', '.join(qs) if qs else 'every question'} "
            f"(decision #{d.id}; `autocode undo {d.id}` restores the previous scope)"
        )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.add_typer(codebook_app, name="codebook")
    app.command("define")(define_cmd)
    app.command("scope")(scope_cmd)
