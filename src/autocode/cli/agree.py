"""``autocode agree``: inter-coder agreement (thin shell over :mod:`autocode.agree`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError
from .common import JsonOpt, MaybeProjectOpt, console, print_json

_TITLES = {
    "percent_agreement": "% agree",
    "cohen_kappa": "Cohen κ",
    "fleiss_kappa": "Fleiss κ",
    "conger_kappa": "Conger κ",
    "krippendorff_alpha": "Kripp. α",
    "gwet_ac1": "Gwet AC1",
    "pabak": "PABAK",
    "scott_pi": "Scott π",
    "brennan_prediger": "Brennan–Prediger",
    "cohen_kappa_linear": "Cohen κ (linear)",
    "cohen_kappa_quadratic": "Cohen κ (quadratic)",
    "gwet_ac2": "Gwet AC2 (quadratic)",
    "prevalence_index": "Prevalence index",
    "bias_index": "Bias index",
}


def agree_cmd(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Coding files: one per coder (A.csv B.csv), or one file with --coder COL. "
            "Long (id,code rows) or wide (id + one 0/1 column per code); CSV/TSV/XLSX.",
            show_default=False,
        ),
    ] = None,
    coder: Annotated[
        str | None,
        typer.Option("--coder", help="Column naming the coder in a long file with several coders."),
    ] = None,
    project: MaybeProjectOpt = None,
    coders: Annotated[
        str | None,
        typer.Option(
            "--coders",
            help="Coders to compare, comma-separated (e.g. primary,secondary or "
            "primary,autocode; also reconciled, final); with no coding files they are read "
            "from --project, which also gives --disagreements the texts.",
        ),
    ] = None,
    question: Annotated[
        list[str] | None,
        typer.Option(
            "--question",
            "-q",
            help="With --project: only answers to this question, with a table per question "
            "(repeat for several).",
        ),
    ] = None,
    id_col: Annotated[str | None, typer.Option("--id", help="Response id column.")] = None,
    code_col: Annotated[
        str | None, typer.Option("--code", help="Code column (forces the long format).")
    ] = None,
    single_label: Annotated[
        bool | None,
        typer.Option(
            "--single-label/--multi-label",
            help="One code per response (one nominal variable) or each code present/absent. "
            "Default: single-label when every response has exactly one code from each coder.",
            show_default=False,
        ),
    ] = None,
    level: Annotated[
        str,
        typer.Option(
            "--level",
            help="nominal, or ordinal|interval|ratio for ratings "
            "(weighted kappa, AC2, alpha at that level).",
        ),
    ] = "nominal",
    missing: Annotated[
        str,
        typer.Option(
            "--missing",
            help="Responses coded by only one coder: exclude (listed, not in observed "
            "agreement; their codes still count toward chance agreement, Gwet 2014) or "
            "as-absent (the other coders gave them no code).",
        ),
    ] = "exclude",
    codebook: Annotated[
        Path | None,
        typer.Option(
            "--codebook",
            "-c",
            help="Codebook (YAML, .qdc, or CSV with a name/code column): flag "
            "codes not in it and report its unused codes.",
        ),
    ] = None,
    bootstrap: Annotated[
        int,
        typer.Option(
            "--bootstrap", help="Bootstrap resamples of responses for percentile CIs (0 = off)."
        ),
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed for --bootstrap.")] = 0,
    disagreements: Annotated[
        Path | None,
        typer.Option(
            "--disagreements",
            help="Write one row per (response, code) where coders differ (.csv or .xlsx).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Write the per-code table (all coefficients), .csv or .xlsx."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> int:
    """Inter-coder agreement: Cohen's kappa (SE, 95% CI), Krippendorff's alpha, Gwet's AC1,
    percent agreement, PABAK ... per code, pooled and macro; machine vs human or human vs
    human.

    From a project (--coders), each code is compared on the answers to the questions it
    applies to, the machine only on answers its run did not train on, and its flagged cells
    count as decided (their share is reported).

    Examples: `autocode agree alice.csv bob.csv`, `autocode agree codings.csv --coder rater`,
    `autocode agree --coders primary,secondary --json`, `autocode agree --coders
    primary,autocode -q mentor_barriers`.
    """
    from ..agree import agree, load_files, read_codebook_codes
    from ..agree.inputs import texts_from_project
    from ..tabular import check_table_output

    for path, opt in ((disagreements, "--disagreements"), (out, "--out")):
        if path is not None:  # before any work: a bad path is one line, not a lost result
            check_table_output(path, option=opt)

    names = [c.strip() for c in coders.split(",") if c.strip()] if coders else None
    if not files:
        if coder or id_col or code_col:
            raise InputError(
                "--coder/--id/--code describe coding files, but none was given",
                "pass the files, or --project P --coders a,b",
            )
        if project is None and not Path("autocode.db").is_file():
            raise InputError(
                "no coding files given and no project (autocode.db) here",
                "pass A.csv B.csv, CODINGS.csv --coder COL, or --project P --coders a,b",
            )
        _project_agree(
            project or Path("autocode.db"),
            names,
            question,
            single_label=single_label,
            level=level,
            missing=missing,
            codebook=codebook,
            bootstrap=bootstrap,
            seed=seed,
            disagreements=disagreements,
            out=out,
            as_json=as_json,
        )
        return 0
    if question:
        raise InputError(
            "--question selects answers of a project, not of coding files",
            "drop --question, or compare the project's coders with --coders a,b",
        )
    df, texts = load_files(files, coder_col=coder, id_col=id_col, code_col=code_col, level=level)
    book = read_codebook_codes(codebook) if codebook else None
    result = agree(
        df,
        coders=names,
        single_label=single_label,
        level=level,
        missing=missing,
        codebook=book,
        bootstrap=bootstrap,
        seed=seed if bootstrap else None,
    )
    if disagreements is not None:
        if project is not None:
            texts = {**texts_from_project(project, result.ids or []), **texts}
        rows = result.disagreements(texts)
        cols = (
            ["id", "text"]
            + (["code"] if result.design == "multi-label" else [])
            + list(result.coders)
        )
        _write_rows(disagreements, rows, cols)
    if out is not None:
        rows = result.to_rows()
        cols = list(dict.fromkeys(k for r in rows for k in r))
        _write_rows(out, rows, cols)
    if as_json:
        print_json(result.to_json())
    else:
        _render(result.to_json(), disagreements, out)
    return 0


def _project_agree(
    project: Path,
    names: list[str] | None,
    questions: list[str] | None,
    *,
    single_label: bool | None,
    level: str,
    missing: str,
    codebook: Path | None,
    bootstrap: int,
    seed: int,
    disagreements: Path | None,
    out: Path | None,
    as_json: bool,
) -> None:
    """Agreement of a project's coders (:func:`autocode.agree.agree_project`)."""
    from ..agree import agree_project
    from ..agree.coefficients import LEVELS
    from ..agree.design import MISSING
    from ..project import open_store

    if level not in LEVELS:  # the flags first, before the project is read
        raise InputError(f"--level must be one of {', '.join(LEVELS)}, got {level!r}")
    if missing not in MISSING:
        raise InputError(f"--missing must be exclude or as-absent, got {missing!r}")
    if bootstrap < 0:
        raise InputError(f"--bootstrap must be >= 0, got {bootstrap}")
    if codebook is not None:
        raise InputError(
            "--codebook is for coding files: a project is compared with its own codebook",
            "drop --codebook (import another with `autocode codebook import FILE`)",
        )
    if single_label:
        raise InputError(
            "--single-label is for coding files: a project's codes are compared one by one",
            "drop --single-label",
        )
    with open_store(project, create=False, readonly=True) as store:
        if not names:
            from ..project import codings as coding_rows

            known = list(dict.fromkeys(c["coder"] for c in coding_rows.coders(store)))
            if not known:
                raise InputError(
                    f"{project} has no codings yet",
                    "import a coder's work (autocode codings import FILE --coder NAME) or run "
                    "autocode code",
                )
            raise InputError(
                "which coders? the project has: " + ", ".join([*known, "final"]),
                "pass --coders NAME1,NAME2",
            )
        pa = agree_project(
            store,
            names,
            questions=questions or None,
            missing=missing,
            bootstrap=bootstrap,
            seed=seed if bootstrap else None,
            level=level,
        )
    if disagreements is not None:
        _write_rows(disagreements, pa.disagreements(), pa.disagreement_columns())
    if out is not None:
        rows = pa.result.to_rows()
        cols = list(dict.fromkeys(k for r in rows for k in r))
        _write_rows(out, rows, cols)
    doc = pa.to_json()
    if as_json:
        print_json(doc)
        return
    con = console()
    _render(doc, None, None)
    for q in questions or ():
        if q in doc["per_question"]:
            con.print("")
            _render({**doc, **doc["per_question"][q]}, None, None, title=f"Question {q}")
    for line in project_lines(doc):
        con.print(line)
    for path, what in ((disagreements, "disagreements"), (out, "table")):
        if path is not None:
            con.print(f"wrote {what} to {path}")


def project_lines(doc: dict[str, Any]) -> list[str]:
    """What a project's agreement left out and how much of the machine's coding is flagged."""
    lines = []
    reasons = doc["excluded_units"].get("reasons", {})
    trained = reasons.get("trained_on", 0)
    if trained:
        lines.append(
            f"left out {trained} answers the machine trained on (it is compared only on "
            "answers it did not learn from)"
        )
    alone = reasons.get("coded_by_the_machine_only", 0)
    if alone:
        lines.append(f"left out {alone} answers only the machine coded (no human coded them)")
    f = doc.get("flagged")
    if f:
        who = "the machine's" if f["coder"] == "autocode" else "the final coding's machine"
        sc = "" if f["share_cells"] is None else f" ({f['share_cells']:.1%})"
        sa = "" if f["share_answers"] is None else f" ({f['share_answers']:.1%})"
        lines.append(
            f"flagged for review: {f['cells']} of {who} cells{sc} in {f['answers']} "
            f"answers{sa}; flagged cells count as decided"
        )
    if doc.get("scope", {}).get("codebook"):
        lines.append(
            f"scope: each code only on answers to its questions ({doc['scope']['n_cells']} "
            "answer-code cells pooled)"
        )
    return lines


def _write_rows(path: Path, rows: list[dict[str, Any]], cols: list[str]) -> None:
    from ..tabular import write_table

    write_table(path, cols, ([r.get(c) for c in cols] for r in rows))


def _fmt(c: dict[str, Any] | None) -> str:
    if not c:
        return ""
    v = c.get("value")
    return "undefined¹" if v is None else _n(v)


def _render(
    doc: dict[str, Any], dis: Path | None, out: Path | None, title: str | None = None
) -> None:
    from rich import box
    from rich.table import Table

    con = console()
    if not con.is_terminal:
        con.width = max(con.width, 110)
    exc = doc["excluded_units"]
    ex = exc.get("reasons", {}).get("coded_by_one_coder", exc["count"])
    head = f"Agreement: {' vs '.join(doc['coders'])} — {doc['design']}, {doc['n_units']} responses"
    if title:
        head = f"{title}. {head}"
    if ex:
        head += (
            f" ({ex} coded by one coder only: not in observed agreement, but their codes count"
            " toward chance agreement, Gwet 2014; --missing as-absent counts them as uncoded)"
        )
    con.print(head)
    if doc["design"] == "multi-label":
        se = "Gwet's linearisation SE" if ex else "Fleiss–Cohen–Everitt SE"
        con.print(
            f"κ: Cohen's kappa ({se}); α: Krippendorff's alpha; AC1: Gwet",
            style="dim",
        )
    reasons: dict[str, str] = {}
    multi = len(doc["coders"]) > 2
    if doc["design"] == "multi-label":
        kap = "fleiss_kappa" if multi else "cohen_kappa"
        t = Table(box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
        t.add_column("Code", overflow="fold", min_width=10, max_width=40)
        narrow = con.width < 96  # Gwet's AC1 stays in --json/--out
        for col in (
            "Prev",
            "Agree",
            "Fleiss κ" if multi else "κ",
            "95% CI",
            "Landis–Koch",
            "α",
            "AC1",
        )[: 6 if narrow else 7]:
            t.add_column(col, justify="right" if col != "Landis–Koch" else "left", no_wrap=True)
        parts: list[tuple[str, Any, str] | None] = [  # None: a section break
            (code, r, f"{r['prevalence']:.1%}" if r["prevalence"] is not None else "")
            for code, r in doc["per_code"].items()
        ]
        parts.append(None)
        parts += [(f"({p})", doc["overall"][p], "") for p in ("pooled", "macro")]
        for item in parts:
            if item is None:
                t.add_section()
                continue
            name, r, prev = item
            k = r.get(kap) or {}
            kv = k.get("value")
            ci = "" if k.get("ci_low") is None else f"{_n(k['ci_low'], 2)}–{_n(k['ci_high'], 2)}"
            if not ci and k.get("boot_ci_low") is not None:
                ci = f"{_n(k['boot_ci_low'], 2)}–{_n(k['boot_ci_high'], 2)}"
            pa = r.get("percent_agreement") or {}
            t.add_row(
                name,
                prev,
                "" if pa.get("value") is None else f"{pa['value']:.1%}",
                _cell(k, kap, reasons),
                ci,
                "" if kv is None else _label(kv),
                _cell(r.get("krippendorff_alpha"), "alpha", reasons),
                *([] if narrow else [_cell(r.get("gwet_ac1"), "ac1", reasons)]),
            )
        con.print(t)
    else:
        t = Table()
        for col in ("Coefficient", "Value", "SE", "95% CI", "Landis–Koch"):
            t.add_column(col, justify="left" if col == "Coefficient" else "right")
        for k, c in doc["overall"].items():
            if not isinstance(c, dict):
                continue
            v = c.get("value")
            if v is None:
                reasons[c.get("reason", "undefined")] = k
            ci = "" if c.get("ci_low") is None else f"[{_n(c['ci_low'])}, {_n(c['ci_high'])}]"
            if c.get("boot_ci_low") is not None:
                ci += f" boot [{_n(c['boot_ci_low'])}, {_n(c['boot_ci_high'])}]"
            t.add_row(
                _TITLES.get(k, k),
                "undefined¹" if v is None else _n(v),
                "" if c.get("se") is None else f"{c['se']:.3f}",
                ci,
                "" if v is None or k == "percent_agreement" else _label(v),
            )
        con.print(t)
    for reason in reasons:
        con.print(f"¹ undefined: {reason}")
    if doc.get("pairwise"):
        pw = [
            f"{k.replace('|', '–')} {_fmt(v.get('cohen_kappa'))}"
            for k, v in doc["pairwise"].items()
        ]
        con.print("pairwise Cohen κ: " + ", ".join(pw))
    if doc.get("unknown_codes"):
        con.print("codes not in the codebook: " + ", ".join(doc["unknown_codes"]))
    if doc.get("bootstrap"):
        b = doc["bootstrap"]
        con.print(f"bootstrap: {b['resamples']} resamples, seed {b['seed']} (percentile CIs)")
    con.print(
        "Labels: Landis & Koch (1977), a convention, not a verdict. All coefficients "
        "with SEs: --json or --out FILE.csv."
    )
    for path, what in ((dis, "disagreements"), (out, "table")):
        if path is not None:
            con.print(f"wrote {what} to {path}")


def _n(v: float, digits: int = 3) -> str:
    s = f"{v:.{digits}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


def _label(v: float) -> str:
    from ..agree import landis_koch

    return landis_koch(v)


def _cell(c: dict[str, Any] | None, key: str, reasons: dict[str, str]) -> str:
    if c and c.get("value") is None and c.get("reason"):
        reasons.setdefault(c["reason"], key)
    return _fmt(c)


def register(app: typer.Typer) -> None:
    """Add ``autocode agree`` to the app."""
    app.command(
        "agree",
        help="Inter-coder agreement (kappa with CI, alpha, AC1, ...) per code, pooled, macro.",
    )(agree_cmd)
