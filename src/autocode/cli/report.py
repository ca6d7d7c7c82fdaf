"""CLI commands for the write-up: ``autocode report`` and ``autocode export codings|qdpx``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import DEFAULT_PROJECT, JsonOpt, ProjectOpt, console, print_json

QuestionOpt = Annotated[
    str | None,
    typer.Option("--question", "-q", help="Only this question (default: all questions)."),
]

export_app = typer.Typer(
    name="export",
    help="Export codings for R/SPSS/Stata, or the project for QDA software (REFI-QDA .qdpx).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def report(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output file (default: report.<format>)."),
    ] = None,
    project: ProjectOpt = DEFAULT_PROJECT,
    question: QuestionOpt = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Joint display: code prevalence by this respondent attribute."),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="html (default), md, xlsx or json (the numbers the report shows); else from "
            "--out's suffix.",
        ),
    ] = None,
    redact: Annotated[
        bool, typer.Option("--redact", help="Mask names, e-mails, phone numbers ... in quotes.")
    ] = False,
    ner: Annotated[
        bool,
        typer.Option("--ner/--no-ner", help="With --redact: also use spaCy NER when installed."),
    ] = True,
    quotes: Annotated[int, typer.Option("--quotes", min=1, max=10, help="Quotes per code.")] = 3,
    as_json: JsonOpt = False,
) -> None:
    """Write the study report: per question and overall, n (%) of answers per code and
    theme for each coder and the final coding; themes, codes and quotes from the final
    coding; human-human and machine-human agreement; the codebook; a methods paragraph;
    (with --by) a joint display."""
    from ..files import check_output
    from ..project import open_store
    from ..report import build_report, guess_format, write_report

    f = guess_format(out, fmt)
    path = check_output(out or Path(f"report.{f}"))
    with open_store(project, readonly=True) as store:
        rep = build_report(
            store,
            question=question,
            by=by,
            redact=redact,
            use_ner=None if ner else False,
            quotes_per_code=quotes,
        )
    write_report(rep, path, f)
    if as_json:
        print_json({"file": str(path), "format": f, **rep.counts})
        return
    c = console()
    n_codes = sum(1 for t in rep.tables() if t.key == "quotes" for _ in t.rows)
    c.print(
        f"wrote {path} ({f}): {len(rep.counts.get('questions', []))} question(s), "
        f"{n_codes} codes in the themes table, coders: "
        f"{', '.join(rep.counts.get('coders', [])) or 'none'}"
    )
    if rep.redaction is not None:
        from ..report.redact import describe

        c.print(f"redaction: {describe(rep.redaction)}")


@export_app.command("codings")
def export_codings_cmd(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output file (default: codings.csv / codings.xlsx)."),
    ] = None,
    project: ProjectOpt = DEFAULT_PROJECT,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="csv (long), xlsx (long) or wide (0/1 per code); the file type is --out's "
            "extension (.csv or .xlsx), default csv.",
        ),
    ] = None,
    question: QuestionOpt = None,
    final: Annotated[
        bool,
        typer.Option(
            "--final/--no-final",
            help="Also write the final coding as coder 'final' (default: yes).",
        ),
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """One row per stored coding (answer, coder, code; an answer coded with no code: one row
    with an empty code) plus the final coding, or one 0/1 column per code (--format wide)."""
    from ..export.codings import export_codings
    from ..project import open_store

    path = out or Path("codings.xlsx" if (fmt or "").lower() == "xlsx" else "codings.csv")
    with open_store(project, readonly=True) as store:
        res = export_codings(store, path, fmt, question=question, final=final)
    if as_json:
        print_json(res)
        return
    console().print(
        f"wrote {', '.join(res['files'])}: {res['rows']} rows ({res['format']}), "
        f"coders: {', '.join(res['coders']) or 'none'}"
    )


@export_app.command("qdpx")
def export_qdpx_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output .qdpx file.")] = Path(
        "project.qdpx"
    ),
    project: ProjectOpt = DEFAULT_PROJECT,
    question: QuestionOpt = None,
    validate: Annotated[
        bool,
        typer.Option(
            "--validate",
            help="Check the written project.qde against the REFI-QDA Project.xsd shipped "
            "with autocode (exit 2 with the first error if it does not conform).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """A REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA or QualCoder: responses as
    sources, respondents as cases with their attributes, the codebook, codings per coder."""
    from ..export.qdpx import export_qdpx
    from ..project import open_store

    with open_store(project, readonly=True) as store:
        res = export_qdpx(store, out, question=question)
    if validate:
        from ..export.validate import validate_file

        res["validation"] = validate_file(res["file"], "project")
    if as_json:
        print_json(res)
        return
    console().print(
        f"wrote {res['file']}: {res['sources']} sources, {res['respondents']} cases, "
        f"{res['codes']} codes, {res['codings']} codings"
    )
    if validate:
        console().print(res["validation"])


def register(app: typer.Typer) -> None:
    """Add ``report`` and the ``export`` group to the app."""
    app.command("report")(report)
    app.add_typer(export_app, name="export")
