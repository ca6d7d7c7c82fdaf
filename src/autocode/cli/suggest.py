"""``autocode suggest``: candidate codes from a survey export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import (
    DEFAULT_PROJECT,
    JsonOpt,
    ModelOpt,
    ProjectOpt,
    StageProgress,
    console,
    print_json,
)

# the options that say how to read a survey export, shared by `suggest` and `import`
TextOpt = Annotated[
    list[str] | None, typer.Option("--text", help="Open-ended column (repeatable).")
]
IdOpt = Annotated[str | None, typer.Option("--id", help="Respondent id column.")]
QuestionOpt = Annotated[
    str | None,
    typer.Option(
        "--question",
        "-q",
        help="Work on one question (its column or label); in a long file, the column "
        "that names the question.",
    ),
]
SheetOpt = Annotated[str | None, typer.Option("--sheet", help="XLSX sheet name.")]
EncodingOpt = Annotated[
    str | None, typer.Option("--encoding", help="Override encoding detection (CSV/TSV).")
]
KeepNonAnswersOpt = Annotated[
    bool,
    typer.Option(
        "--keep-non-answers",
        help='Treat "nothing", "n/a", "don\'t know" ... as real answers and cluster them.',
    ),
]
NonAnswerOpt = Annotated[
    list[str] | None,
    typer.Option("--non-answer", help="Another answer to treat as a non-answer (repeatable)."),
]


def register(app: typer.Typer) -> None:
    app.command("suggest")(suggest_cmd)


def suggest_cmd(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="Survey export: CSV/TSV/XLSX, REDCap, Qualtrics; default: the project's "
            "stored responses (autocode import)."
        ),
    ] = None,
    example: Annotated[
        bool, typer.Option("--example", help="Use the bundled example survey (NHS FFT, MIT).")
    ] = False,
    text: TextOpt = None,
    id_col: IdOpt = None,
    question: QuestionOpt = None,
    sheet: SheetOpt = None,
    encoding: EncodingOpt = None,
    keep_non_answers: KeepNonAnswersOpt = False,
    non_answer: NonAnswerOpt = None,
    project: ProjectOpt = DEFAULT_PROJECT,
    model: ModelOpt = None,
    seed: Annotated[
        int,
        typer.Option(
            "--seed",
            help="Seed, recorded with the run (every suggest step is deterministic; "
            "later steps such as split use it).",
        ),
    ] = 0,
    min_cluster_size: Annotated[
        int | None,
        typer.Option("--min-cluster-size", help="Smallest suggestion (default adapts to n)."),
    ] = None,
    assign_outliers: Annotated[
        bool,
        typer.Option(
            "--assign-outliers", help="Give unclustered answers to the nearest similar suggestion."
        ),
    ] = False,
    outlier_threshold: Annotated[
        float,
        typer.Option("--outlier-threshold", help="Cosine similarity needed by --assign-outliers."),
    ] = 0.55,
    clusterer: Annotated[
        str | None,
        typer.Option(
            "--clusterer",
            help="A clusterer registered in the autocode.clusterers entry-point group "
            "(default: hdbscan).",
        ),
    ] = None,
    labeler: Annotated[
        str | None,
        typer.Option(
            "--labeler",
            help="A labeler registered in the autocode.labelers entry-point group "
            "(default: ctfidf).",
        ),
    ] = None,
    segments: Annotated[
        str,
        typer.Option(
            "--segments",
            help="Cut answers into idea units before clustering: sentences (default), "
            "clauses (also at commas and 'and'; finer) or off (whole answers).",
        ),
    ] = "sentences",
    across_questions: Annotated[
        bool,
        typer.Option(
            "--across-questions",
            help="Cluster all questions' answers together; each suggestion shows its "
            "answers per question.",
        ),
    ] = False,
    sample_size: Annotated[
        int | None,
        typer.Option(
            "--sample-size",
            help="Cluster at most this many answers per question (a seeded sample; the "
            "rest join their nearest suggestion). Default 50,000.",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write one row per response (.csv or .xlsx).")
    ] = None,
    as_json: JsonOpt = False,
    quotes: Annotated[int, typer.Option("--quotes", help="Quotes shown per suggestion.")] = 2,
) -> None:
    """Embed, cluster and label the answers: candidate codes with quotes, grouped into themes."""
    from ..embed import get_embedder
    from ..errors import InputError
    from ..project import open_store
    from ..suggest.render import render_result, write_assignments
    from ..suggest.run import resolve_stages, result_to_json, run_suggest, stored_responses

    if example and file is not None:
        raise InputError(
            "give a survey file or --example (not both)",
            "e.g. autocode suggest survey.csv, or autocode suggest --example",
        )
    stored = not example and file is None
    reading = {
        "--text": text, "--id": id_col, "--sheet": sheet, "--encoding": encoding,
        "--keep-non-answers": keep_non_answers, "--non-answer": non_answer,
    }  # fmt: skip
    given = [k for k, v in reading.items() if v]
    if stored and given:
        raise InputError(
            f"{given[0]} says how to read a survey file, and none was given",
            "pass the file (autocode suggest SURVEY ...), or leave it out to use the "
            "project's stored responses",
        )
    if out is not None:
        from ..tabular import check_table_output

        check_table_output(out)
    if min_cluster_size is not None and min_cluster_size < 2:
        raise InputError(
            f"--min-cluster-size must be at least 2, got {min_cluster_size}", "pass 2 or more"
        )
    if min_cluster_size is not None and clusterer is not None:
        raise InputError(
            "--min-cluster-size is an option of the default clusterer, not of --clusterer",
            "leave out one of them",
        )
    from ..suggest.run import SEGMENTS

    if segments not in SEGMENTS:
        raise InputError(
            f"--segments must be one of {', '.join(SEGMENTS)}, got {segments!r}",
            "e.g. --segments clauses",
        )
    if sample_size is not None and sample_size < 2:
        raise InputError(f"--sample-size must be at least 2, got {sample_size}", "e.g. 50000")
    if not 0 < outlier_threshold <= 1:
        raise InputError(
            f"--outlier-threshold must be in (0, 1], got {outlier_threshold}", "e.g. 0.55"
        )
    if stored:
        rs, pick = None, question
    else:
        rs, pick = _read(
            file, example, text, id_col, question, sheet, keep_non_answers, non_answer, encoding
        )
    embedder = get_embedder(model)
    stages = resolve_stages(clusterer, labeler)  # an unknown plug-in: refused before any write
    clusterer, labeler = stages["clusterer"], stages["labeler"]
    err = console(stderr=True)
    with open_store(project, create=not stored) as store, StageProgress(err, as_json) as prog:
        if rs is None:
            rs = stored_responses(store)
        run_id, result, info = run_suggest(
            store,
            rs,
            embedder,
            question=pick,
            seed=seed,
            min_cluster_size=min_cluster_size,
            assign_outliers=assign_outliers,
            outlier_threshold=outlier_threshold,
            progress=lambda done, total: prog("embedding", done, total),
            save=not stored,
            clusterer=clusterer,
            labeler=labeler,
            segments=segments,
            across_questions=across_questions,
            sample_size=sample_size,
        )
    if out is not None:
        write_assignments(out, rs, result)
    if as_json:
        print_json(result_to_json(run_id, result, embedder.model_id))
        return
    render_result(console(), run_id, result, rs, info, quotes=quotes, out=out, project=project)


def _read(file, example, text, id_col, question, sheet, keep_non_answers, non_answer, encoding):
    """Read the export. ``--question`` names the question column of a long file when the
    file has such a column; otherwise it picks one question (checked by run_suggest)."""
    from importlib.resources import files

    from ..io import read_columns, read_responses

    path = Path(str(files("autocode") / "data" / "example_survey.csv")) if example else file
    kw = {
        "text": text or None,
        "id": id_col,
        "sheet": sheet,
        "flag_non_answers": not keep_non_answers,
        "non_answers": non_answer or None,
        "encoding": encoding,
    }
    from ..errors import InputError

    is_column = bool(question) and question in read_columns(path, sheet=sheet, encoding=encoding)
    try:
        rs = read_responses(path, **kw)
    except InputError:
        if not is_column:
            raise
        return read_responses(path, question=question, **kw), None
    if question and _names_a_question(question, rs):
        return rs, question
    if is_column:
        return read_responses(path, question=question, **kw), None
    return rs, question


def _names_a_question(name: str, rs) -> bool:
    """Whether ``--question`` names one of the file's questions (the project's rule)."""
    from ..errors import NotFoundError
    from ..project.responses import resolve_question

    try:
        resolve_question(name, rs.questions, rs.question_labels)
    except NotFoundError:
        return False
    return True
