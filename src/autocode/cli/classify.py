"""``autocode code`` and ``autocode next`` (thin shell over :mod:`autocode.classify.api`)."""

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

_Text = Annotated[
    list[str] | None,
    typer.Option("--text", help="Open-ended column(s) of RESPONSES (detected when left out)."),
]
_Id = Annotated[str | None, typer.Option("--id", help="Respondent id column of RESPONSES.")]
_Question = Annotated[
    str | None,
    typer.Option("--question", "-q", help="Question column of a long RESPONSES file."),
]
_Codebook = Annotated[
    Path | None,
    typer.Option(
        "--codebook", "-c", help="Codebook (YAML, .qdc or CSV); default: the project's current one."
    ),
]


def code_cmd(
    responses: Annotated[
        Path | None,
        typer.Argument(
            help="Survey export (CSV/TSV/XLSX/SPSS); default: the project's responses.",
            show_default=False,
        ),
    ] = None,
    codebook: _Codebook = None,
    seeds: Annotated[
        Path | None,
        typer.Option(
            "--seeds",
            "-s",
            help="Human codings to learn from: long (id[,question],code) or wide "
            "(id + one 0/1 column per code, e.g. a sheet from `autocode next`); stored as "
            "--seeds-coder's work.",
        ),
    ] = None,
    seeds_coder: Annotated[
        str | None,
        typer.Option(
            "--seeds-coder",
            help="The human coder whose stored codings are the seeds (default: the primary "
            "coder); with --seeds, the name the file's codings are stored under.",
        ),
    ] = None,
    project: ProjectOpt = DEFAULT_PROJECT,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the machine's decisions as CSV or XLSX: id, question, code, present, "
            "confidence, flagged, status, answer_confidence, answer_status (coded alone or "
            "needs_review); one row per present or flagged cell, an empty code for an answer "
            "given no code.",
        ),
    ] = None,
    evaluate: Annotated[
        bool,
        typer.Option(
            "--evaluate",
            help="Only estimate agreement with the human seeds by cross-validation "
            "(kappa, precision, recall with 95% CIs); apply nothing.",
        ),
    ] = False,
    folds: Annotated[int, typer.Option("--folds", help="Folds for --evaluate.")] = 5,
    band: Annotated[
        float,
        typer.Option(
            "--band",
            help="Uncertain band in log-odds: an (answer, code) cell this close to its "
            "threshold (or, single-label, two codes this close) is flagged for review; the "
            "decision stands. 0 = never.",
        ),
    ] = 0.5,
    target_kappa: Annotated[
        float | None,
        typer.Option(
            "--target-kappa",
            help="Code alone only the answers the machine can code at this agreement (e.g. "
            "0.85, pooled kappa; estimated by cross-validation on the seeds, printed and "
            "stored first); every other answer is flagged needs_review for a human.",
        ),
    ] = None,
    estimate: Annotated[
        str,
        typer.Option(
            "--estimate",
            help="How --target-kappa estimates: fitted (the coder's own cross-validation: "
            "no extra fit multi-label, 3 refits of its regression single-label), cv (5-fold "
            "cross-validation of the whole pipeline, 5 more fits), auto (fitted from 1,000 "
            "seeds, where possible: not with --load or --tune; cv otherwise).",
        ),
    ] = "auto",
    per_question: Annotated[
        bool,
        typer.Option(
            "--per-question",
            help="With --target-kappa: each question with at least 100 seeds gets its own "
            "threshold, so that its own answers coded alone meet the target (not only all "
            "questions pooled); the others keep the common one.",
        ),
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (recorded).")] = 0,
    model: ModelOpt = None,
    tune: Annotated[
        bool,
        typer.Option(
            "--tune",
            help="First fine-tune a copy of the embedding model on the seeds (SetFit-style "
            "contrastive pairs) and use it beside the bundled one: more agreement, minutes "
            "instead of seconds (with --evaluate, once per fold). Saved with the coder.",
        ),
    ] = False,
    save: Annotated[
        Path | None,
        typer.Option(
            "--save",
            help="Folder for the trained coder (default: models/<run> beside the project).",
        ),
    ] = None,
    load: Annotated[
        Path | None,
        typer.Option(
            "--load",
            help="Apply a saved coder instead of training (refused if the codebook "
            "or embedding model differ).",
        ),
    ] = None,
    text: _Text = None,
    id_col: _Id = None,
    question: _Question = None,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="project (default: the answers in the project); stream: a --load coder "
            "applied to a CSV or Parquet file of any size chunk by chunk, in bounded memory, "
            "into --out X.parquet; dask: the same on a Dask cluster (docs/scale.md).",
        ),
    ] = "project",
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="With --engine dask: the address of a running Dask scheduler (e.g. "
            "tcp://10.0.0.5:8786); default: a local cluster on this machine.",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", help="With --engine dask and no --scheduler: local worker processes."
        ),
    ] = 2,
    as_json: JsonOpt = False,
) -> int:
    """Apply the codebook to every response with a classifier trained on human seeds.

    Multi-label unless the codebook's codes are mutually exclusive. A code is only ever
    applied to answers of the questions it belongs to; non-answers get a code only when the
    seeds code non-answers. Each (answer, code) cell is decided present or absent with a
    calibrated confidence, and cells near their threshold are flagged for review (never
    removed). The decisions are stored as coder `autocode`, with the answers the run trained
    on (agreement with a human leaves them out); human codings are never overwritten.

    Examples: `autocode code --seeds-coder primary --evaluate`, `autocode code
    --seeds-coder primary --out machine.csv`, `autocode code survey.csv -c codebook.yaml -s
    seeds.csv`, `autocode code big.parquet --load models/run1 --id id --text text --engine
    dask --out coded.parquet`.
    """
    from ..classify.api import code

    con = console(stderr=True)
    with StageProgress(con, quiet=as_json) as progress:
        res = code(
            project,
            responses,
            codebook=codebook,
            seeds=seeds,
            seeds_coder=seeds_coder,
            out=out,
            evaluate=evaluate,
            seed=seed,
            model=model,
            save=save,
            load=load,
            folds=folds,
            band=band,
            tune=tune,
            text=text,
            id_col=id_col,
            question=question,
            progress=progress,
            target_kappa=target_kappa,
            estimate=estimate,
            per_question=per_question,
            engine=engine,
            scheduler=scheduler,
            workers=workers,
        )
    if as_json:
        print_json(res)
        return 0
    if engine != "project":
        _render_scaled(res)
        return 0
    for w in res["warnings"]:
        if not evaluate:
            con.print(f"warning: {w}")
    if evaluate:
        _render_evaluation(res)
    else:
        _render_coding(res)
    return 0


def _fmt(c: dict | None) -> str:
    """``0.61 [0.40, 0.82]``, or ``undefined`` (the reason is in ``--json``)."""
    if not c or c.get("value") is None:
        return "undefined"
    lo, hi = c.get("ci_low"), c.get("ci_high")
    ci = f" [{lo:.2f}, {hi:.2f}]" if lo is not None and hi is not None else ""
    return f"{c['value']:.2f}{ci}"


def _render_evaluation(res: dict) -> None:
    from rich.table import Table

    ev = res["evaluation"]
    out = console()
    t = Table(
        title=f"Expected agreement with the human coder ({ev['folds']}-fold CV on "
        f"{ev['n_seeds']} seeds, run {res['run_id']})"
    )
    for col in (
        "code",
        "seeds",
        "machine",
        "kappa [95% CI]",
        "precision [95% CI]",
        "recall [95% CI]",
        "",
    ):
        t.add_column(col, justify="left" if col == "code" else "right")
    for r in ev["per_code"]:
        t.add_row(
            r["code"],
            str(r["seeds"]),
            str(r["machine"]),
            _fmt(r["kappa"]),
            _fmt(r["precision"]),
            _fmt(r["recall"]),
            "too few seeds" if r["too_few_seeds"] else "",
        )
    out.print(t)
    o = ev["overall"]
    line = f"pooled kappa {_fmt(o['pooled_kappa'])} ({ev.get('folds', 5)}-fold cross-validation)"
    if o.get("macro_kappa") is not None:
        line += (
            f"; mean per-code kappa {o['macro_kappa']:.2f} over {o['macro_kappa_codes']} "
            f"codes with >= 10 seeds"
        )
    if o.get("kappa"):
        line += f"; kappa (one code per response) {_fmt(o['kappa'])}"
    out.print(line)
    _render_curve(ev.get("curve") or [], ev.get("selective"), int(ev.get("folds", 5)))
    few = sum(r["too_few_seeds"] for r in ev["per_code"])
    if few:
        out.print(
            f"warning: {few} code(s) have fewer than 10 seeds: their estimates are too "
            "noisy to trust — code more responses with `autocode next`"
        )


def _fmt_share(v: float | None) -> str:
    return "?" if v is None else f"{100 * v:.0f}%"


def _selective_line(sel: dict) -> str:
    """What the machine promises for a target kappa (estimated on the seeds)."""
    cl, ch = sel.get("expected_coverage_ci") or (None, None)
    kl, kh = sel.get("expected_kappa_ci") or (None, None)
    if sel.get("threshold") is None:
        return (
            f"target kappa {sel['target_kappa']:.2f}: no share of the seeds reaches it out of "
            "fold, so every answer goes to a human — code more seeds or lower the target"
        )
    k = sel.get("expected_kappa")
    kci = f" [{kl:.2f}, {kh:.2f}]" if kl is not None and kh is not None else ""
    cci = f" [{_fmt_share(cl)}, {_fmt_share(ch)}]" if cl is not None else ""
    return (
        f"target kappa {sel['target_kappa']:.2f}: expected {_fmt_share(sel['expected_coverage'])}"
        f"{cci} of answers coded alone at kappa {'?' if k is None else f'{k:.2f}'}{kci} "
        f"(out of fold on {sel['n_seeds']} seeds: "
        + (
            "the coder's own cross-validation)"
            if sel.get("estimate") == "fitted"
            else "5-fold cross-validation)"
        )
    )


def _render_by_question(sel: dict) -> None:
    """The promise per question, where there are several."""
    rows = sel.get("by_question") or []
    if len(rows) < 2:
        return
    out = console()
    for r in rows:
        k = r.get("expected_kappa")
        own = " (its own threshold)" if r.get("own_threshold") else ""
        out.print(
            f"  {r['question']}: expected {_fmt_share(r['expected_coverage'])} coded alone at "
            f"kappa {'?' if k is None else f'{k:.2f}'}{own} ({r['n_seeds']} seeds)"
        )


def _curve_text(curve: list[dict]) -> str:
    pts = [c for c in curve if round(100 * c["coverage"]) % 10 == 0] or curve
    return ", ".join(
        f"{_fmt_share(c['coverage'])}: " + ("-" if c["kappa"] is None else f"{c['kappa']:.2f}")
        for c in pts
    )


def _render_curve(curve: list[dict], sel: dict | None, folds: int = 5) -> None:
    """The cross-validation's coverage -> kappa curve; with a promise made from another
    estimate (the coder's own cross-validation, as ``code --target-kappa`` applies it), that
    estimate's curve too, named, so that the two sets of figures are not read as one."""
    out = console()
    if curve:
        out.print(
            f"coverage -> kappa of the surest answers coded alone ({folds}-fold "
            f"cross-validation): {_curve_text(curve)}"
        )
    if sel:
        if sel.get("curve") and sel.get("estimate") == "fitted":
            out.print(
                "the promise comes from the coder's own cross-validation (what `code "
                f"--target-kappa` applies), whose curve is: {_curve_text(sel['curve'])}"
            )
        out.print(_selective_line(sel))
        _render_by_question(sel)


def _render_coding(res: dict) -> None:
    out = console()
    if res.get("selective"):
        sel = res["selective"]
        out.print(_selective_line(sel))
        _render_by_question(sel)
        uncoded = sel.get("coverage_uncoded")
        out.print(
            f"coded alone: {sel['n_coded_alone']} of {res['n_responses']} answers "
            f"({_fmt_share(sel['coverage'])}"
            + (
                f"; of the answers no human coded: {_fmt_share(uncoded)}"
                if uncoded is not None
                else "; a human coded every answer"
            )
            + f"); {sel['n_review']} to review (`autocode reconcile`, `autocode next`)"
        )
    share = res.get("flagged_share")
    out.print(
        f"coded {res['n_responses']} answers from {res['n_seeds']} seeds of "
        f"{res.get('seeds_coder') or 'the seeds file'} (run {res['run_id']}, "
        f"{res['seconds']} s): {res['n_coded']} with a code, {res['n_no_code']} with none; "
        f"{res['n_flagged_cells']} of {res['n_cells']} decisions flagged for review"
        + (f" ({100 * share:.1f}%)" if share is not None else "")
        + f" in {res['n_needs_review']} answers"
    )
    top = sorted(res["counts"].items(), key=lambda kv: -kv[1])
    for name, n in top[:15]:
        out.print(f"  {n:6d}  {name}")
    if len(top) > 15:
        out.print(f"  … {len(top) - 15} more codes")
    out.print(
        f"model saved to {res['model_dir']}"
        + (f"; codings written to {res['out']}" if res["out"] else "")
    )


def _render_scaled(res: dict) -> None:
    out = console()
    for w in res["warnings"]:
        out.print(f"warning: {w}")
    rate = res["n_responses"] / res["seconds"] if res["seconds"] else 0
    out.print(
        f"coded {res['n_responses']:,} answers with --engine {res['engine']} "
        f"({res['workers']} worker(s), {res['seconds']} s, {rate:,.0f} answers/s): "
        f"{res['n_coded']:,} with a code, {res['n_no_code']:,} with none; "
        f"{res['n_flagged_cells']:,} decisions flagged in {res['n_needs_review']:,} answers; "
        f"written to {res['out']}"
        + (f"; stored in the project as run {res['run_id']}" if res["run_id"] else "")
    )


def next_cmd(
    responses: Annotated[
        Path | None,
        typer.Argument(help="Survey export; default: the project's responses.", show_default=False),
    ] = None,
    n: Annotated[int, typer.Option("--n", "-n", help="How many responses to propose.")] = 20,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write a coding sheet (id, question, text, one empty 0/1 column "
            "per code) as .csv or .xlsx; fill it in and pass it to `autocode code --seeds`.",
        ),
    ] = None,
    codebook: _Codebook = None,
    seeds: Annotated[
        Path | None,
        typer.Option(
            "--seeds", "-s", help="Human codings so far (their responses are not proposed)."
        ),
    ] = None,
    load: Annotated[
        Path | None,
        typer.Option(
            "--load", help="Saved coder to rank by (default: the latest `autocode code` run's)."
        ),
    ] = None,
    validation: Annotated[
        int | None,
        typer.Option(
            "--validation",
            help="Instead, draw N answers no human has coded as a validation sample: simple "
            "random, stratified by question (recorded as a run; agreement on it is an "
            "unbiased estimate, unlike on active-learning picks).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of --validation.")] = 0,
    project: ProjectOpt = DEFAULT_PROJECT,
    model: ModelOpt = None,
    text: _Text = None,
    id_col: _Id = None,
    question: _Question = None,
    as_json: JsonOpt = False,
) -> int:
    """List the uncoded responses whose human coding would improve the coder most.

    Picks the responses the coder is least sure about, spread out so a batch covers
    different answers (uncertainty + diversity). With no coder yet, a diverse first sample.
    The sheet shows only the codes of each answer's question (`n/a` elsewhere) and a
    `no_code` column; read it back with `autocode codings import SHEET --coder NAME`.

    Examples: `autocode next --n 20 --out sheet.xlsx`, `autocode next --validation 30
    --out validation.csv`.
    """
    from ..classify.sheets import next_batch

    sheet = next_batch(
        project,
        responses,
        n=n,
        out=out,
        codebook=codebook,
        seeds=seeds,
        load=load,
        model=model,
        text=text,
        id_col=id_col,
        question=question,
        validation=validation,
        seed=seed,
    )
    if as_json:
        print_json(sheet[["id", "question", "text"]].to_dict(orient="records"))
        return 0
    from rich.table import Table

    what = "validation sample" if validation is not None else "responses next"
    t = Table(title=f"Code these {len(sheet)} {what}")
    for col in ("id", "question", "text"):
        t.add_column(col, overflow="fold")
    for r in sheet.itertuples(index=False):
        t.add_row(str(r.id), str(r.question), str(r.text)[:200])
    console().print(t)
    if out:
        console().print(
            f"coding sheet written to {out}: fill in 1/0 per code (or 1 in no_code), then "
            f"`autocode codings import {out} --coder NAME`"
        )
    return 0


def register(app: typer.Typer) -> None:
    """Add ``code`` and ``next`` to the app."""
    app.command("code")(code_cmd)
    app.command("next")(next_cmd)
