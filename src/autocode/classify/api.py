"""The two library calls behind ``autocode code`` and ``autocode next``.

Each gathers its inputs (responses from a file or the project, the codebook, the human
seeds), runs the pipeline, and records what it did in the project store: a ``runs`` row,
machine codings as coder ``autocode`` (source ``machine``), the seeds as human codings.
Human codings are never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..tabular import check_table_output, write_frame
from .inputs import (
    SEED_CODER,
    _codebook,
    _embed,
    _load_coder,
    _responses,
    _seed_file,
    _with_tuned,
    embedder_for,
    stored_seeds,
)
from .pipeline import BookInfo, Corpus, check_seeds, train
from .seeds import read_seeds
from .sheets import next_batch, picked_by_next  # noqa: F401  (next_batch: `autocode next`)


def _input_hash(corpus: Corpus, *digests: str) -> str:
    h = hashlib.sha256()
    for i, t, q in zip(corpus.ids, corpus.texts, corpus.questions, strict=True):
        h.update(json.dumps([i, q, t]).encode())
    for d in digests:
        h.update(d.encode())
    return h.hexdigest()


def default_model_dir(project: Path, run_id: str) -> Path:
    return Path(project).resolve().parent / "models" / run_id


def code(
    project: str | os.PathLike,
    responses: str | os.PathLike | None = None,
    *,
    codebook: str | os.PathLike | None = None,
    seeds: str | os.PathLike | None = None,
    seeds_coder: str | None = None,
    out: str | os.PathLike | None = None,
    evaluate: bool = False,
    seed: int = 0,
    model: str | None = None,
    save: str | os.PathLike | None = None,
    load: str | os.PathLike | None = None,
    folds: int = 5,
    band: float = 0.5,
    tune: bool | dict = False,
    text: list[str] | None = None,
    id_col: str | None = None,
    question: str | None = None,
    progress=None,
    target_kappa: float | None = None,
    estimate: str = "auto",
    per_question: bool = False,
    engine: str = "project",
    scheduler: str | None = None,
    workers: int = 2,
) -> dict:
    """Train on the seeds (or ``load`` a saved coder) and code every response.

    Seeds: the file ``seeds`` (stored as coder ``seeds_coder``, default
    :data:`SEED_CODER`), else ``seeds_coder``'s stored coding, else the primary coder's
    (unless ``load`` applies a saved coder). The run records the answers it trained on, so
    agreement with a human is measured on the others only.

    With ``evaluate`` nothing is applied or written except the run record: the result holds
    the cross-validated agreement with the human seeds instead. ``tune``: fine-tune a copy
    of the embedding model on the seeds first (:mod:`.tune`; with ``evaluate``, once per
    fold, on that fold's training seeds only); a dict overrides ``TUNE_DEFAULTS``.

    ``engine`` ``stream`` or ``dask`` applies the saved coder ``load`` to a file of any size
    with bounded memory, writing Parquet (:mod:`.engines`; ``scheduler``, ``workers``: the
    Dask cluster).
    """
    from .engines import check_engine_args, code_scaled

    if not 0 <= band <= 10:
        raise InputError(f"--band must be between 0 and 10 (log-odds), got {band}")
    check_engine_args(
        engine, load=load, out=out, target_kappa=target_kappa, responses=responses,
        others={
            "--seeds": seeds is not None, "--seeds-coder": seeds_coder is not None,
            "--evaluate": evaluate, "--tune": bool(tune), "--save": save is not None,
            "--per-question": per_question,
        },
    )  # fmt: skip
    if engine != "project":
        return code_scaled(
            project, responses, engine=engine, load=load, out=out, model=model, band=band,
            codebook=codebook, text=text, id_col=id_col, question=question,
            scheduler=scheduler, workers=workers, progress=progress,
        )  # fmt: skip
    from ..project import open_store
    from .evaluation import evaluate as cv_evaluate
    from .evaluation import out_of_fold
    from .persist import load_model, save_model
    from .tune import check_tunable
    from .tune import tune as tune_encoder

    if estimate not in ("auto", "fitted", "cv"):
        raise InputError(f"--estimate must be auto, fitted or cv, got {estimate!r}")
    if target_kappa is not None and not 0 < target_kappa < 1:
        raise InputError(
            f"--target-kappa must be between 0 and 1, got {target_kappa}",
            "e.g. --target-kappa 0.85 (the agreement the answers coded alone must reach)",
        )
    if per_question and target_kappa is None:
        raise InputError(
            "--per-question chooses a threshold per question for --target-kappa, and no "
            "--target-kappa was given",
            "add --target-kappa K (e.g. 0.85)",
        )
    if seeds_coder is not None:
        from ..project.codings import check_coder_name

        seeds_coder = check_coder_name(seeds_coder)
    if out is not None:
        check_table_output(out)
    _check_save(save)
    # tuning parameters (overrides of TUNE_DEFAULTS), or None: no tuning
    tprm = None if tune is False or tune is None else dict(tune) if isinstance(tune, dict) else {}
    if tprm is not None and load is not None and not evaluate:
        raise InputError(
            "--tune trains a new coder and --load applies a saved one",
            "leave out one of them (a coder saved by a --tune run keeps its tuned model)",
        )
    if load is not None and not evaluate:  # a damaged saved coder: one line, no run stored
        load_model(load)
    if seeds is not None:  # a damaged or unreadable seeds file: refused before any write
        read_seeds(seeds)
    given = _codebook(None, codebook) if codebook is not None else None  # before any write
    t0 = time.perf_counter()
    with open_store(project) as store:
        df, store_responses = _responses(store, responses, text, id_col, question)
        corpus = Corpus.from_frame(df)
        cb = given if given is not None else _stored_codebook(store, load)
        book = BookInfo.from_codebook(cb)
        seed_set = _seed_file(store, seeds, df, cb) if seeds is not None else None
        from_store = seed_set is None and (load is None or evaluate)
        seed_coder = seeds_coder or (SEED_CODER if seed_set is not None else None)
        if from_store:
            seed_set, seed_coder = stored_seeds(store, seeds_coder)
        chk = check_seeds(corpus, book, seed_set) if seed_set is not None else None
        if chk is not None:
            estimate = resolve_estimate(estimate, len(chk.rows))
        embedder = embedder_for(model)
        if tprm is not None:
            check_tunable(embedder)
        store_responses()
        E, D, Ex = _embed(corpus, book, embedder, store, progress)

        def tuned_on(rows, Y, cache, report=None):
            """A copy of the model tuned on the seeds ``rows`` (codes ``Y``), and the vectors
            with its own beside the bundled model's (cached in ``cache``, if given)."""
            tick = (lambda d, t: report("tuning", d, t)) if report else None
            t = tune_encoder(embedder, [corpus.texts[i] for i in rows], Y, seed, tprm, tick)
            return t, _with_tuned(corpus, book, t, cache, (E, D, Ex), report)

        params = {
            "evaluate": evaluate,
            "band": band,
            "folds": folds,
            "codebook": str(Path(codebook).resolve()) if codebook else None,
            "responses": str(responses) if responses else None,
            "seeds": str(seeds) if seeds else None,
            "seeds_coder": seed_coder,
            "load": str(load) if load else None,
            "tune": tprm,
            "target_kappa": target_kappa,
            "estimate": estimate if target_kappa is not None else None,
            "per_question": per_question if target_kappa is not None else None,
        }
        run_id = store.start_run(
            "code",
            params,
            seed,
            embedder.model_id,
            _input_hash(corpus, book.digest, seed_set.digest() if seed_set else ""),
        )
        result: dict = {
            "run_id": run_id,
            "n_responses": len(corpus.ids),
            "warnings": list(chk.warnings) if chk else [],
        }
        with store.failed_if_raised(run_id):
            if evaluate:
                if chk is None:
                    raise InputError("--evaluate needs --seeds")
                refresh = None
                if tprm is not None:  # each fold tunes on its own training seeds (no leak)

                    def refresh(rows, Y):
                        return tuned_on(rows, Y, None)[1]

                # one cross-validation: the table, the curve and (estimate cv) the promise
                cv = out_of_fold(
                    corpus, E, book, chk, D, seed=seed, folds=folds, params={"band": band},
                    E_examples=Ex,
                    progress=(lambda d, t: progress("cross-validating", d, t))
                    if progress
                    else None,
                    refresh=refresh,
                )  # fmt: skip
                result["evaluation"] = cv_evaluate(
                    corpus, E, book, chk, D, seed=seed, folds=folds, params={"band": band},
                    E_examples=Ex, refresh=refresh, oof=cv,
                )  # fmt: skip
                if target_kappa is not None:  # the same promise `code --target-kappa` makes
                    fit = None
                    if estimate != "cv" and refresh is None:
                        fit = train(
                            corpus, E, book, chk, D, seed=seed,
                            params={"band": band, **fitted_estimate_params(book, estimate)},
                            E_examples=Ex,
                        )  # fmt: skip
                    sel = selection_for(
                        corpus, E, book, chk, D, Ex, seed, folds, band, target_kappa,
                        progress, refresh, cm=fit, estimate=estimate,
                        per_question=per_question, cv=cv,
                    )  # fmt: skip
                    result["evaluation"]["selective"] = sel.to_json() | {"curve": sel.curve}
                result["n_seeds"] = len(chk.rows)
                store.finish_run(run_id)
                return result
            tuned = None
            if load is not None:
                cm, tuned, (E, D, Ex) = _load_coder(
                    load, corpus, book, embedder, store, (E, D, Ex), progress
                )
                cm.band = band
                saved = Path(load)
            else:
                # not loading: seeds are given (checked before the project was opened)
                assert chk is not None
                assert seed_set is not None
                info = {}
                if tprm is not None:
                    tuned, (E, D, Ex) = tuned_on(chk.rows, chk.Y, store, progress)
                prm = {"band": band}
                if target_kappa is not None and tprm is None:
                    prm |= fitted_estimate_params(book, estimate)
                cm = train(corpus, E, book, chk, D, seed=seed, params=prm, E_examples=Ex)
                saved = Path(save) if save else default_model_dir(store.path, run_id)
                if tuned is not None:
                    info["tuned_encoder"] = tuned.save(saved)
                save_model(
                    cm,
                    saved,
                    {
                        "codebook_name": getattr(cb, "name", None),
                        "seeds_digest": seed_set.digest(),
                        "embedding_model_id": embedder.model_id,
                        "run_id": run_id,
                        **info,
                    },
                )
            sel = None
            promise: dict = {}
            if target_kappa is not None:
                if chk is None:
                    raise InputError(
                        "--target-kappa estimates what the machine can code alone from the "
                        "seeds, and --load without seeds has none",
                        "pass the seeds too (--seeds-coder NAME or --seeds FILE)",
                    )
                sel = selection_for(
                    corpus, E, book, chk, D, Ex, seed, folds, band, target_kappa, progress,
                    (lambda rows, Y: tuned_on(rows, Y, None)[1]) if tprm is not None else None,
                    cm=None if load is not None else cm, estimate=estimate,
                    per_question=per_question,
                )  # fmt: skip
                picked = picked_by_next(store, [corpus.ids[r] for r in chk.rows])
                if picked:
                    result["warnings"].append(
                        f"{picked} of the {len(chk.rows)} seeds were picked by `autocode next` "
                        "(the hard answers, on purpose): the promise assumes random seeds and "
                        "is then too cautious (fewer answers coded alone than could be) — check "
                        "the machine on a random sample (`autocode next --validation N`)"
                    )
                promise = sel.to_json() | {"seeds_picked_by_next": picked}
                params["selective"] = promise
                store.update_run_params(run_id, params)
            coded, answers = decide_answers(cm, corpus, E, sel, None if chk is None else chk.rows)
            if sel is not None:  # the cuts the promised shares gave on this coder's scores
                promise["cuts_applied"] = dict(sel.applied)
            # one transaction: the run is 'done' with all its codings, or wrote none of them
            with store.transaction():
                _write_codings(
                    store, run_id, corpus, coded, chk, None if from_store else seed_set, seed_coder
                )
                store.update_run_params(
                    run_id,
                    {
                        **params,
                        "model_dir": str(saved),
                        "tuned_model_id": tuned.model_id if tuned else None,
                    },
                )
                store.finish_run(run_id)
    if out is not None:
        write_frame(out, decisions_table(corpus, coded, answers))
    present = coded[coded["present"]]
    applicable = int(cm.applicable(corpus).sum())
    n_flagged = int(coded["flagged"].sum())
    result.update(
        {
            "n_seeds": len(chk.rows) if chk else cm.manifest.get("n_seeds"),
            "seeds_coder": seed_coder,
            "n_coded": int(present["id"].nunique()),
            "n_no_code": len(corpus.ids) - int(present["id"].nunique()),
            "n_needs_review": int(coded.loc[coded["flagged"], "id"].nunique()),
            "n_cells": applicable,
            "n_flagged_cells": n_flagged,
            "flagged_share": round(n_flagged / applicable, 4) if applicable else None,
            "counts": present.groupby("code").size().reindex(cm.codes, fill_value=0).to_dict(),
            "model_dir": str(saved),
            "out": str(out) if out else None,
            "seconds": round(time.perf_counter() - t0, 2),
        }
    )
    if sel is not None:
        alone = answers["answer_status"].eq("coded").to_numpy()
        new = ~np.isin(np.arange(len(corpus.ids)), chk.rows if chk is not None else [])
        result["selective"] = {
            **promise,
            "coverage": round(float(alone.mean()), 4),
            "coverage_uncoded": round(float(alone[new].mean()), 4) if new.any() else None,
            "n_coded_alone": int(alone.sum()),
            "n_review": int((~alone).sum()),
            "curve": sel.curve,
        }
    return result


SINGLE_CV = 3  # folds of a single-label coder's own out-of-fold probabilities (--estimate fitted)
#: below it, ``--estimate auto`` is cv: the coder's own out-of-fold estimate is optimistic on
#: few seeds (nhs_fft, K = .85: held-out kappa .03-.11 under the promise with 150-600 seeds,
#: cv within .01 at 600; README "Selective coding"), and five refits of a small fit are cheap
FITTED_MIN_SEEDS = 1000


def resolve_estimate(estimate: str, n_seeds: int) -> str:
    """``auto`` is ``cv`` below :data:`FITTED_MIN_SEEDS` seeds; otherwise as given (``auto``:
    fitted where the coder is trained here on untuned vectors, else cv)."""
    return "cv" if estimate == "auto" and n_seeds < FITTED_MIN_SEEDS else estimate


def fitted_estimate_params(book, estimate: str) -> dict:
    """What the coder trained here must keep for ``estimate`` (``fitted`` or ``auto``): a
    single-label coder its own out-of-fold probabilities (a multi-label one has them from its
    threshold CV); nothing for ``cv``."""
    return {"single_cv": SINGLE_CV} if book.exclusive and estimate != "cv" else {}


def selection_for(
    corpus, E, book, chk, D, Ex, seed, folds, band, target, progress, refresh, cm=None,
    estimate: str = "auto",
    per_question: bool = False,
    cv=None,
):  # fmt: skip
    """The threshold for ``target``, from out-of-fold codings of the seeds.

    ``estimate``: ``fitted`` — the out-of-fold predictions the coder ``cm`` (trained here, on
    exactly these seeds, with untuned vectors) made of its seeds: a multi-label coder's
    threshold cross-validation (no extra fit), a single-label coder's ``SINGLE_CV`` folds of
    its regression (:func:`fitted_estimate_params`); ``cv`` — k-fold cross-validation, the whole
    pipeline refitted per fold (``folds`` more fits; ``cv``: those codings, when the caller
    has them already); ``auto`` — fitted where possible, else cv.
    Both are measured in ``scripts/bench_selective.py`` (README: selective coding)."""
    from .evaluation import fitted_out_of_fold, out_of_fold, selection

    oof = None
    kind = "cv"
    if estimate in ("auto", "fitted") and cm is not None and refresh is None:
        oof = fitted_out_of_fold(cm, corpus, chk)
        kind = "fitted"
    if oof is None:
        if estimate == "fitted":
            raise InputError(
                "--estimate fitted needs a coder trained in this run on untuned vectors",
                "use --estimate cv (cross-validation) with --load or --tune",
            )
        kind = "cv"
        oof = cv if cv is not None else out_of_fold(
            corpus, E, book, chk, D, seed=seed, folds=folds, params={"band": band},
            E_examples=Ex,
            progress=(lambda d, t: progress("estimating coverage", d, t)) if progress else None,
            refresh=refresh,
        )  # fmt: skip
    sel = selection(oof, corpus, chk, book, target, seed, per_question=per_question)
    sel.estimate = kind
    return sel


def decide_answers(cm, corpus: Corpus, E, sel, seed_rows=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The machine's cells (:func:`~.pipeline.cells_frame`) and one row per answer: id,
    answer_confidence (probability that all its decisions are right) and answer_status
    (``coded``: coded alone; ``needs_review``). With a selection (``--target-kappa``) an
    answer below its cut needs review and its least sure cells are flagged — the cut codes
    alone the promised share of the answers outside ``seed_rows`` (the rows a human coded:
    :meth:`~.selective.Selection.cuts`); without one, an answer needs review when one of its
    cells is within the band."""
    from .pipeline import cells_frame
    from .selective import answer_scores, apply_threshold, cell_confidence

    P = cm.proba(corpus, E)
    A, F = cm.decide(P, corpus)
    M = cm.applicable(corpus)
    C = cell_confidence(P, A, cm.multilabel)
    score = answer_scores(C, M)
    if sel is not None:
        pool = np.ones(len(score), bool)
        pool[np.asarray(seed_rows if seed_rows is not None else [], dtype=int)] = False
        alone, F = apply_threshold(score, C, M, sel.cuts(score, corpus.questions, pool))
    else:
        alone = ~F.any(axis=1)
    answers = pd.DataFrame(
        {
            "id": corpus.ids,
            "answer_confidence": np.round(score, 4),
            "answer_status": np.where(alone, "coded", "needs_review"),
        }
    )
    return cells_frame(cm, corpus, P, A, F), answers


def decisions_table(
    corpus: Corpus, coded: pd.DataFrame, answers: pd.DataFrame | None = None
) -> pd.DataFrame:
    """What ``code --out`` writes: the machine's present and flagged cells (id, question,
    code, present 1/0, confidence, flagged 1/0, status) and one row with an empty code for
    each answer given no code, so every answer is in the file; in answer-id order. With
    ``answers`` (:func:`_decide`), each row also carries its answer's ``answer_status``
    (``coded`` alone / ``needs_review``) and ``answer_confidence``."""
    rows = coded.assign(present=coded["present"].astype(int), flagged=coded["flagged"].astype(int))
    has = set(coded.loc[coded["present"], "id"])
    none = [(i, q) for i, q in zip(corpus.ids, corpus.questions, strict=True) if i not in has]
    blank = pd.DataFrame(
        {
            "id": [i for i, _ in none],
            "question": [q for _, q in none],
            "code": "",
            "present": 0,
            "confidence": np.nan,
            "flagged": 0,
            "status": "no_code",
        }
    )
    out = pd.concat([rows, blank], ignore_index=True) if len(blank) else rows
    order = {i: n for n, i in enumerate(corpus.ids)}
    out = out.assign(_o=out["id"].map(order), _p=-out["present"])
    out = out.sort_values(["_o", "_p", "code"], kind="stable").drop(columns=["_o", "_p"])
    out = out.reset_index(drop=True)
    if answers is not None:
        out = out.merge(answers, on="id", how="left", validate="many_to_one")
    return out


def _write_codings(
    store, run_id: str, corpus: Corpus, coded: pd.DataFrame, chk, seed_set, coder
) -> None:
    """The seeds of a file as ``coder``'s codings, the machine's decisions of every
    response and the answers the run trained on (:mod:`autocode.project.codings`)."""
    from ..project import codings

    if seed_set is not None:  # the seeds are a human coder's work
        per: dict[str, list[str]] = {i: [] for i in seed_set.ids}
        for i, c in zip(seed_set.pairs["id"], seed_set.pairs["code"], strict=True):
            per.setdefault(i, []).append(c)
        codings.replace_human(store, coder or SEED_CODER, per)
    if chk is not None:
        codings.record_training(store, run_id, [corpus.ids[r] for r in chk.rows])
    codings.replace_machine(store, run_id, corpus.ids, coded)


def _stored_codebook(store, load):
    """The project's codebook; none there and a saved coder to apply: say which codebook the
    coder was trained with (a coder is refused for any other)."""
    from ..errors import NotFoundError
    from .persist import read_manifest

    try:
        return _codebook(store, None)
    except NotFoundError:
        if load is None:
            raise
        name = read_manifest(load).get("codebook_name")
        raise NotFoundError(
            "no codebook given and the project has none",
            "pass --codebook FILE: the codebook the saved coder was trained with"
            + (f" (named {name!r})" if name else ""),
        ) from None


def _check_save(save: str | os.PathLike | None) -> None:
    """``--save`` names a folder (created with its parents): refuse a file or a place
    autocode cannot write in before any work is done."""
    if save is None:
        return
    d = Path(save)
    base = d
    while not base.exists() and base != base.parent:
        base = base.parent
    if not base.is_dir():
        raise InputError(f"--save {d}: {base} is a file, not a folder", "give a folder name")
    if not os.access(base, os.W_OK | os.X_OK):
        raise InputError(f"--save {d}: cannot write in {base} (permission denied)")
