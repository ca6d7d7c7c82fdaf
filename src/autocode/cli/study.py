"""Getting a study into the project: ``import`` (a survey export: responses, attributes,
question wording, blanks — and the "familiarise" table), ``codings import`` (a coder's
work), ``coders`` (who coded what) and ``coders primary NAME``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .common import DEFAULT_PROJECT, JsonOpt, MaybeProjectOpt, ProjectOpt, console, print_json
from .suggest import EncodingOpt, IdOpt, KeepNonAnswersOpt, NonAnswerOpt, SheetOpt, TextOpt

_LongQuestionOpt = Annotated[
    str | None,
    typer.Option("--question", "-q", help="In a long file, the column that names the question."),
]


def _project(ctx: typer.Context, project: Path | None) -> Path:
    if project is not None:
        return project
    parent = (ctx.obj or {}).get("project") if ctx is not None else None
    return parent or DEFAULT_PROJECT


# -- import SURVEY ------------------------------------------------------------------------
def import_cmd(
    survey: Annotated[
        Path,
        typer.Argument(
            help="Survey export: CSV/TSV/XLSX/SPSS, REDCap, Qualtrics.", show_default=False
        ),
    ],
    text: TextOpt = None,
    id_col: IdOpt = None,
    question: _LongQuestionOpt = None,
    sheet: SheetOpt = None,
    encoding: EncodingOpt = None,
    keep_non_answers: KeepNonAnswersOpt = False,
    non_answer: NonAnswerOpt = None,
    project: ProjectOpt = DEFAULT_PROJECT,
    as_json: JsonOpt = False,
) -> None:
    """Store a survey's answers, attributes, question wording and blanks, and show per
    question how many answered, left it blank or gave a non-answer (no embedding).

    `suggest`, `code` and `next` then work on the stored answers without the file.
    """
    from ..io import read_responses
    from ..io.familiarise import familiarise
    from ..project import open_store
    from ..project.responses import save_responses

    rs = read_responses(
        survey,
        text=text or None,
        id=id_col,
        question=question,
        sheet=sheet,
        flag_non_answers=not keep_non_answers,
        non_answers=non_answer or None,
        encoding=encoding,
    )
    with open_store(project) as store:
        save_responses(store, rs)
    table = familiarise(rs.responses, rs.questions, rs.blanks, rs.question_labels)
    doc = {k: v for k, v in rs.summary().items() if k != "questions"}
    doc["project"] = str(project)
    doc["questions"] = table
    if as_json:
        print_json(doc)
        return
    _familiarise_table(doc)


def _familiarise_table(doc: dict[str, Any]) -> None:
    from rich.table import Table

    con = console()
    con.print(
        f"stored {doc['n_responses']} answers of {doc['n_respondents']} respondents to "
        f"{len(doc['questions'])} question(s) from {doc['path']} in {doc['project']}"
    )
    t = Table(show_edge=False, pad_edge=False)
    for col in ("question", "answers", "blanks", "non-answers", "most common", "mean words"):
        t.add_column(col, overflow="fold", justify="left" if col[0] in "qm" else "right")
    for q in doc["questions"]:
        name = q["question"] + (f"\n{q['label']}" if q.get("label") else "")
        common = ", ".join(f"{x['text']!r} ({x['n']})" for x in q["top_non_answers"])
        words = "" if q["mean_words"] is None else f"{q['mean_words']:.1f}"
        t.add_row(name, str(q["answers"]), str(q["blanks"]), str(q["non_answers"]), common, words)
    t.columns[-1].justify = "right"
    con.print(t)
    if doc["attributes"]:
        shown = ", ".join(doc["attributes"][:12])
        more = len(doc["attributes"]) - 12
        con.print(f"attributes: {shown}" + (f" and {more} more" if more > 0 else ""))
    for note in doc.get("notes") or []:
        con.print(f"note: {note}", style="dim")


# -- codings import FILE / coders ---------------------------------------------------------
codings_app = typer.Typer(
    help="Coders' work: `codings import FILE --coder NAME` stores a coder's codings; "
    "without a subcommand, lists the coders.",
    invoke_without_command=True,
    no_args_is_help=False,
    rich_markup_mode=None,
)
coders_app = typer.Typer(
    help="List every coder (human or machine) with the answers and codings they hold; "
    "`coders primary NAME` sets the primary coder.",
    invoke_without_command=True,
    no_args_is_help=False,
    rich_markup_mode=None,
)


def _show_coders(project: Path, as_json: bool) -> None:
    from rich.table import Table

    from ..codings import coder_table
    from ..project import open_store

    with open_store(project, readonly=True) as store:
        rows = coder_table(store)
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no coders yet: `autocode codings import FILE --coder NAME` stores one's work")
        return
    t = Table(show_edge=False, pad_edge=False)
    for col in ("coder", "kind", "answers", "codings", "first coded (UTC)", "primary"):
        t.add_column(col, justify="right" if col in ("answers", "codings") else "left")
    for r in rows:
        t.add_row(
            r["coder"],
            r["kind"],
            str(r["answers"]),
            str(r["codings"]),
            str(r["first_coded"] or "").replace("T", " ")[:16],
            "primary" if r["primary"] else "",
        )
    console().print(t)


@codings_app.callback()
def codings_list(
    ctx: typer.Context, project: ProjectOpt = DEFAULT_PROJECT, as_json: JsonOpt = False
) -> None:
    """List the coders and their work (the same as `autocode coders`)."""
    ctx.obj = {"project": project}
    if ctx.invoked_subcommand is None:
        _show_coders(project, as_json)


@codings_app.command("import")
def codings_import(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="Codings: CSV/TSV/XLSX, long (id, question, code; an empty code = no code "
            "applies) or wide (one 1/0 column per code), or a REFI-QDA .qdpx.",
            show_default=False,
        ),
    ],
    coder: Annotated[
        str | None,
        typer.Option(
            "--coder",
            help="Whose work this is (required unless the file names its coders: "
            "a coder column, the users of a .qdpx; then it picks one of them).",
        ),
    ] = None,
    id_col: Annotated[
        str | None,
        typer.Option("--id", help="Id column: respondent id (with a question) or answer id."),
    ] = None,
    question: Annotated[
        str | None,
        typer.Option("--question", "-q", help="Column that names the question."),
    ] = None,
    code: Annotated[str | None, typer.Option("--code", help="Code column of a long file.")] = None,
    sheet: SheetOpt = None,
    encoding: EncodingOpt = None,
    primary: Annotated[
        bool, typer.Option("--primary", help="Make this coder the primary coder.")
    ] = False,
    project: MaybeProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Store a coder's codings, replacing that coder's earlier coding of the same answers.

    The whole file is checked first (answer ids, codes of the codebook, codes only where
    they apply); a refusal stores nothing.
    """
    from ..codings import import_codings
    from ..project import open_store

    with open_store(_project(ctx, project), create=False) as store:
        res = import_codings(
            store, file, coder=coder, id=id_col, question=question, code=code, sheet=sheet,
            encoding=encoding, primary=primary,
        )  # fmt: skip
    if as_json:
        print_json(res)
        return
    for c in res["coders"]:
        replaced = f", replacing {c['replaced']} coded before" if c["replaced"] else ""
        typer.echo(
            f"stored {c['coder']}'s coding of {c['answers']} answers ({c['no_code']} with no "
            f"code): {c['codings']} codings{replaced} ({res['run_id']})"
        )
    if res["primary"]:
        typer.echo(f"primary coder: {res['primary']}")


@coders_app.callback()
def coders_list(
    ctx: typer.Context, project: ProjectOpt = DEFAULT_PROJECT, as_json: JsonOpt = False
) -> None:
    """List every coder: human or machine, answers coded, codings, first coded, primary."""
    ctx.obj = {"project": project}
    if ctx.invoked_subcommand is None:
        _show_coders(project, as_json)


@coders_app.command("primary")
def coders_primary(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A human coder's name.", show_default=False)],
    project: MaybeProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set the primary coder (the one whose coding counts where humans disagree and
    nothing was reconciled)."""
    from ..codings import set_primary
    from ..project import open_store

    with open_store(_project(ctx, project), create=False) as store:
        who = set_primary(store, name)
    if as_json:
        print_json({"primary": who})
        return
    typer.echo(f"primary coder: {who}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("import")(import_cmd)
    app.add_typer(codings_app, name="codings")
    app.add_typer(coders_app, name="coders")
