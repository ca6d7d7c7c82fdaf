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
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, NotFoundError
from ..tabular import check_table_output, write_frame
from . import active
from .pipeline import BookInfo, Corpus, check_seeds, example_texts, train
from .seeds import Seeds, read_seeds

#: who the seeds of a --seeds file are stored as when no --seeds-coder names them
SEED_CODER = "human"


def stored_seeds(store, coder: str | None) -> tuple[Seeds, str]:
    """A human coder's stored coding as seeds (every answer they coded, those with no code
    too) and the coder's name; ``coder`` None: the primary coder. :class:`NotFoundError`
    when there is no such coder's work in the project."""
    from ..project import codings

    humans = codings.human_coders(store)
    who = coder if coder is not None else codings.primary_coder(store)
    if who is None or who not in humans:
        known = ", ".join(h for h in humans if h != codings.RECONCILED) or "none yet"
        if who is None:
            raise NotFoundError(
                "no seeds given and the project holds no human coding",
                "pass --seeds FILE, or store a coder's work first: autocode codings import "
                "FILE --coder NAME",
            )
        raise NotFoundError(
            f"coder {who!r} has coded no answers in this project (coders: {known})",
            f"import their work first: autocode codings import FILE --coder {who}",
        )
    units = codings.coded_units(store, [who])
    coded: dict[str, list[str]] = {
        str(i): [] for i in units.loc[units["source"] == "human", "response_id"]
    }
    rows = codings.codings(store, [who])
    rows = rows[(rows["source"] == "human") & rows["present"]]
    for i, c in zip(rows["response_id"].astype(str), rows["code"].astype(str), strict=True):
        if i in coded and c not in coded[i]:
            coded[i].append(c)
    return Seeds.from_coded(coded, f"coder:{who}"), who


def embedder_for(model: str | None):
    """``--model``: None (bundled MiniLM), a local model folder, or ``hash[:DIM]`` (tests)."""
    from ..embed import HashEmbedder, get_embedder

    m = re.fullmatch(r"hash(?::(\d+))?", model or "")
    if m:
        return HashEmbedder(int(m.group(1) or 64))
    return get_embedder(model)


def _responses(store, path, text, id_col, question):
    """The answers to code (``id, respondent, question, text, non_answer``) and a function
    that stores them (a survey file: called once the inputs are checked, so a refusal
    stores nothing; the project's own: does nothing)."""
    cols = ["id", "respondent", "question", "text", "non_answer"]
    if path is not None:
        from ..io import read_responses
        from ..project.responses import save_responses

        kw = {"text": text, "id": id_col, "question": question}
        rs = read_responses(path, **{k: v for k, v in kw.items() if v})
        df = rs.responses
        df = df.assign(respondent=df["respondent"] if "respondent" in df else df["id"])
        # the one writer: sources and respondent attributes too
        return df[[c for c in cols if c in df]], lambda: save_responses(store, rs)
    from ..project import responses as response_rows

    df = response_rows.load(store)
    if df.empty:
        raise InputError(
            "the project has no responses",
            "load the survey first (autocode import SURVEY), or pass it: autocode code SURVEY",
        )
    return df[cols], lambda: None


def _seed_file(store, path, df: pd.DataFrame, cb) -> Seeds:
    """A seeds file matched to the answers ``df`` and checked against the codebook."""
    from ..project import responses as response_rows

    return read_seeds(path, df, labels=response_rows.question_labels(store), codebook=cb)


def _codebook(store, path):
    from .. import codebook as cbmod

    if path is not None:
        return cbmod.load(path)
    cb = cbmod.current(store)
    run = store.latest_run("code")
    if cb is None and run is not None:  # the codebook file the last `code` run used
        used = json.loads(run["params"]).get("codebook")
        if used and Path(used).exists():
            return cbmod.load(used)
    if cb is None:
        raise NotFoundError(
            "no codebook given and the project has none", "pass --codebook FILE (YAML, .qdc or CSV)"
        )
    return cb


def _embed(corpus: Corpus, book: BookInfo, embedder, store, progress=None):
    """Response vectors (whole answer + sentence mean), codebook texts, examples."""
    from ..embed import embed_texts
    from .vectors import response_vectors

    E = response_vectors(
        corpus.texts,
        embedder,
        store,
        progress=(lambda d, t: progress("embedding", d, t)) if progress else None,
    )
    D, _ = embed_texts(book.texts, embedder, store)
    ex = example_texts(book)
    Ex = embed_texts(ex, embedder, store)[0] if ex else None
    return E, D, Ex


def _with_tuned(corpus: Corpus, book: BookInfo, tuned, store, base, progress=None):
    """``base`` (E, D, Ex) of the bundled model with the tuned model's vectors beside them."""
    from .tune import combine

    E2, D2, Ex2 = _embed(corpus, book, tuned, store, progress)
    E, D, Ex = base
    return combine(E, E2, True), combine(D, D2, False), combine(Ex, Ex2, False)


def _load_coder(folder, corpus: Corpus, book: BookInfo, embedder, store, base, progress=None):
    """A saved coder (refused for another codebook or embedding model) and the vectors it
    codes with: ``base`` (E, D, Ex), with its tuned model's beside them if it has one.
    Returns ``(model, tuned embedder or None, (E, D, Ex))``."""
    from .persist import load_model
    from .tune import load_tuned

    cm = load_model(folder, book.digest, embedder.model_id)
    entry = cm.manifest.get("tuned_encoder")
    if not entry:
        return cm, None, base
    tuned = load_tuned(embedder, folder, entry)
    return cm, tuned, _with_tuned(corpus, book, tuned, store, base, progress)


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
    """
    from ..project import open_store
    from .evaluation import evaluate as cv_evaluate
    from .persist import load_model, save_model
    from .tune import check_tunable
    from .tune import tune as tune_encoder

    if not 0 <= band <= 10:
        raise InputError(f"--band must be between 0 and 10 (log-odds), got {band}")
    if estimate not in ("auto", "fitted", "cv"):
        raise InputError(f"--estimate must be auto, fitted or cv, got {estimate!r}")
    if target_kappa is not None and not 0 < target_kappa < 1:
        raise InputError(
            f"--target-kappa must be between 0 and 1, got {target_kappa}",
            "e.g. --target-kappa 0.85 (the agreement the answers coded alone must reach)",
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
        cb = given if given is not None else _codebook(store, None)
        book = BookInfo.from_codebook(cb)
        seed_set = _seed_file(store, seeds, df, cb) if seeds is not None else None
        from_store = seed_set is None and (load is None or evaluate)
        seed_coder = seeds_coder or (SEED_CODER if seed_set is not None else None)
        if from_store:
            seed_set, seed_coder = stored_seeds(store, seeds_coder)
        chk = check_seeds(corpus, book, seed_set) if seed_set is not None else None
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
        try:
            if evaluate:
                if chk is None:
                    raise InputError("--evaluate needs --seeds")
                refresh = None
                if tprm is not None:  # each fold tunes on its own training seeds (no leak)

                    def refresh(rows, Y):
                        return tuned_on(rows, Y, None)[1]

                result["evaluation"] = cv_evaluate(
                    corpus,
                    E,
                    book,
                    chk,
                    D,
                    seed=seed,
                    folds=folds,
                    params={"band": band},
                    E_examples=Ex,
                    progress=(lambda d, t: progress("cross-validating", d, t))
                    if progress
                    else None,
                    refresh=refresh,
                )
                if target_kappa is not None:  # the same promise `code --target-kappa` makes
                    fit = None
                    if estimate != "cv" and refresh is None and not book.exclusive:
                        fit = train(
                            corpus, E, book, chk, D, seed=seed, params={"band": band},
                            E_examples=Ex,
                        )  # fmt: skip
                    sel = _selection(
                        corpus, E, book, chk, D, Ex, seed, folds, band, target_kappa,
                        progress, refresh, cm=fit, estimate=estimate,
                    )  # fmt: skip
                    result["evaluation"]["selective"] = sel.to_json()
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
                cm = train(corpus, E, book, chk, D, seed=seed, params={"band": band}, E_examples=Ex)
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
                sel = _selection(
                    corpus, E, book, chk, D, Ex, seed, folds, band, target_kappa, progress,
                    (lambda rows, Y: tuned_on(rows, Y, None)[1]) if tprm is not None else None,
                    cm=None if load is not None else cm, estimate=estimate,
                )  # fmt: skip
                picked = picked_by_next(store, [corpus.ids[r] for r in chk.rows])
                if picked:
                    result["warnings"].append(
                        f"{picked} of the {len(chk.rows)} seeds were picked by `autocode next` "
                        "(the hard answers, on purpose): the promise assumes random seeds and "
                        "is then too low in coverage and too high in kappa — check it on a "
                        "random sample (`autocode next --validation N`)"
                    )
                promise = sel.to_json() | {"seeds_picked_by_next": picked}
                params["selective"] = promise
                store.update_run_params(run_id, params)
            coded, answers = _decide(cm, corpus, E, sel)
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
        except BaseException:
            store.finish_run(run_id, "failed")
            raise
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


def _selection(
    corpus, E, book, chk, D, Ex, seed, folds, band, target, progress, refresh, cm=None,
    estimate: str = "auto",
):  # fmt: skip
    """The threshold for ``target``, from out-of-fold codings of the seeds.

    ``estimate``: ``fitted`` — the predictions the multi-label coder ``cm`` (trained here, on
    exactly these seeds, with untuned vectors) made of its seeds in its own threshold
    cross-validation: no extra fit; ``cv`` — k-fold cross-validation, the whole pipeline
    refitted per fold (``folds`` more fits); ``auto`` — fitted where possible, else cv.
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
                "--estimate fitted needs a multi-label coder trained in this run on "
                "untuned vectors",
                "use --estimate cv (cross-validation) for a single-label codebook, --load "
                "or --tune",
            )
        kind = "cv"
        oof = out_of_fold(
            corpus, E, book, chk, D, seed=seed, folds=folds, params={"band": band},
            E_examples=Ex,
            progress=(lambda d, t: progress("estimating coverage", d, t)) if progress else None,
            refresh=refresh,
        )  # fmt: skip
    sel = selection(oof, corpus, chk, book, target, seed)
    sel.estimate = kind
    return sel


def _decide(cm, corpus: Corpus, E, sel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The machine's cells (:func:`~.pipeline.cells_frame`) and one row per answer: id,
    answer_confidence (probability that all its decisions are right) and answer_status
    (``coded``: coded alone; ``needs_review``). With a selection (``--target-kappa``) an
    answer below its threshold needs review and its least sure cells are flagged; without
    one, an answer needs review when one of its cells is within the band."""
    from .pipeline import cells_frame
    from .selective import answer_scores, apply_threshold, cell_confidence

    P = cm.proba(corpus, E)
    A, F = cm.decide(P, corpus)
    M = cm.applicable(corpus)
    C = cell_confidence(P, A, cm.multilabel)
    score = answer_scores(C, M)
    if sel is not None:
        alone, F = apply_threshold(score, C, M, sel.threshold)
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


def next_batch(
    project: str | os.PathLike,
    responses: str | os.PathLike | None = None,
    *,
    n: int = 20,
    out: str | os.PathLike | None = None,
    codebook: str | os.PathLike | None = None,
    seeds: str | os.PathLike | None = None,
    load: str | os.PathLike | None = None,
    model: str | None = None,
    text: list[str] | None = None,
    id_col: str | None = None,
    question: str | None = None,
    validation: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """The ``n`` uncoded responses whose human coding would help the coder most, as a sheet.

    The model is ``load`` or the latest ``autocode code`` run's saved coder; without one the
    batch is simply the most diverse sample. With one, the pick mixes uncertainty, the
    search for rare codes (:func:`autocode.classify.active.priority`) and diversity.
    Already coded responses (the seeds, human codings in the project) and non-answers are
    never proposed.

    ``validation=N`` instead draws a validation sample: a simple random sample of ``N``
    answers no human has coded (non-answers left out), stratified by question with
    proportional allocation, drawn with ``seed`` and recorded as a ``validation`` run (the
    report's methods paragraph names it). Active-learning picks are chosen for being hard,
    so agreement measured on them is a biased estimate; a random sample is not.

    The sheet has ``id, question, text``, one column per code that applies to some answer
    in it (``n/a`` where the code does not apply to that row's question) and ``no_code``
    (1 = none of the codes fit); `autocode codings import SHEET --coder NAME` reads it back.
    """
    from ..project import codings, open_store
    from .persist import load_model

    if validation is not None:
        if validation < 1:
            raise InputError(f"--validation must be at least 1, got {validation}")
        return _validation_sample(
            project, responses, validation, seed, out, codebook, text, id_col, question
        )
    if n < 1:
        raise InputError(f"--n must be at least 1, got {n}")
    if out is not None:
        check_table_output(out)
    if load is not None:
        load_model(load)
    if seeds is not None:
        read_seeds(seeds)
    given = _codebook(None, codebook) if codebook is not None else None  # before any write
    with open_store(project) as store:
        df, store_responses = _responses(store, responses, text, id_col, question)
        corpus = Corpus.from_frame(df)
        cb = given if given is not None else _codebook(store, None)
        book = BookInfo.from_codebook(cb)
        seed_set = _seed_file(store, seeds, df, cb) if seeds is not None else None
        embedder = embedder_for(model)
        store_responses()
        E, D, Ex = _embed(corpus, book, embedder, store)
        done = codings.human_coded_ids(store)
        if seed_set is not None:
            done |= set(seed_set.ids)
        if load is None:  # the latest `autocode code` run that saved a coder
            for run in reversed(store.list_runs()):
                if run["stage"] != "code" or run["status"] != "done":
                    continue
                folder = run["params"].get("model_dir")
                if folder and Path(folder).exists():
                    load = folder
                    break
        cm = None
        if load is not None:  # a --tune coder brings its tuned model's vectors too
            cm, _, (E, D, Ex) = _load_coder(load, corpus, book, embedder, store, (E, D, Ex))
        if cm is None and seed_set is not None:
            chk = check_seeds(corpus, book, seed_set)
            cm = train(corpus, E, book, chk, D, E_examples=Ex)
    na = corpus.non_answer_mask()  # "N/A", "-": nothing to learn from, never offered
    todo = np.array([i for i, x in enumerate(corpus.ids) if x not in done and not na[i]], dtype=int)
    u = None
    if cm is not None and len(todo):
        part = corpus.take(todo)
        P = np.where(cm.applicable(part), cm.proba(part, E[todo]), 0.0)  # only codable cells
        with open_store(project, readonly=True) as store:  # positives so far, for rare codes
            human, in_project = codings.code_counts(store), codings.human_coded_ids(store)
        npos = np.array([human.get(c, {}).get("human", 0) for c in cm.codes], dtype=float)
        if seed_set is not None:  # a seed file's answers not (yet) in the project count too
            extra = [i for i in seed_set.ids if i not in in_project]
            npos += seed_set.matrix(extra, cm.codes).sum(axis=0)
        thresholds = cm.estimator.thresholds_ if cm.multilabel else None
        u = active.priority(P, thresholds, npos)
    pick = todo[active.select(E[todo], u, n)] if len(todo) else todo
    sheet = coding_sheet(corpus, [int(i) for i in pick], book)
    if out is not None:
        write_frame(out, sheet, sheet="coding sheet")
    if len(sheet):  # what was offered, and how: a seed set of such picks is not random
        with open_store(project) as store:
            rid = store.start_run(
                "next",
                {
                    "n": len(sheet),
                    "method": "active" if u is not None else "diverse",
                    "ids": sheet["id"].tolist(),
                    "out": str(out) if out else None,
                },
            )
            store.finish_run(rid)
    return sheet


def picked_by_next(store, ids) -> int:
    """How many of ``ids`` were offered by ``autocode next`` (active-learning or diversity
    picks, recorded as ``next`` runs) rather than drawn at random."""
    offered: set[str] = set()
    for run in store.list_runs():
        if run["stage"] == "next" and run["status"] == "done":
            offered |= set((run.get("params") or {}).get("ids") or [])
    return len(offered & {str(i) for i in ids})


def coding_sheet(corpus: Corpus, rows: list[int], book: BookInfo) -> pd.DataFrame:
    """A coding sheet of the answers ``rows`` (in that order, grouped by question): ``id,
    question, text``, an empty column per code that applies to one of them (``n/a`` where
    it does not apply to the row's question) and ``no_code``."""
    qorder = {q: k for k, q in enumerate(dict.fromkeys(corpus.questions[i] for i in rows))}
    rows = sorted(rows, key=lambda i: qorder[corpus.questions[i]])  # stable within question
    qs = [corpus.questions[i] for i in rows]
    M = book.applies(qs)
    sheet = pd.DataFrame(
        {
            "id": [corpus.ids[i] for i in rows],
            "question": qs,
            "text": [corpus.texts[i] for i in rows],
        }
    )
    for j, name in enumerate(book.names):
        if len(rows) and not M[:, j].any():
            continue  # applies to none of these questions
        sheet[name] = np.where(M[:, j], "", "n/a") if len(rows) else ""
    sheet["no_code"] = ""
    return sheet


def validation_allocation(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Proportional allocation of ``n`` draws over strata of ``sizes`` (largest remainder,
    ties to the earlier stratum; never more than a stratum holds)."""
    total = sum(sizes.values())
    n = min(n, total)
    if not total:
        return dict.fromkeys(sizes, 0)
    exact = {q: n * s / total for q, s in sizes.items()}
    got = {q: min(int(x), sizes[q]) for q, x in exact.items()}
    order = sorted(sizes, key=lambda q: -(exact[q] - int(exact[q])))
    k = 0
    while sum(got.values()) < n:
        q = order[k % len(order)]
        if got[q] < sizes[q]:
            got[q] += 1
        k += 1
    return got


def _validation_sample(
    project, responses, n: int, seed: int, out, codebook, text, id_col, question
) -> pd.DataFrame:
    from ..project import codings, open_store

    if out is not None:
        check_table_output(out)
    given = _codebook(None, codebook) if codebook is not None else None
    with open_store(project) as store:
        df, store_responses = _responses(store, responses, text, id_col, question)
        corpus = Corpus.from_frame(df)
        cb = given if given is not None else _codebook(store, None)
        book = BookInfo.from_codebook(cb)
        store_responses()
        done = codings.human_coded_ids(store)
        na = corpus.non_answer_mask()
        strata: dict[str, list[int]] = {}
        for i, (rid, q) in enumerate(zip(corpus.ids, corpus.questions, strict=True)):
            if rid not in done and not na[i]:
                strata.setdefault(q, []).append(i)
        if not strata:
            raise InputError(
                "every answer is coded by a human already: there is nothing to sample",
                "a validation sample is drawn from answers no human has coded",
            )
        alloc = validation_allocation({q: len(v) for q, v in strata.items()}, n)
        rng = np.random.default_rng(seed)
        picked: list[int] = []
        for q, members in strata.items():  # question order of the survey
            k = alloc[q]
            if k:
                picked += sorted(rng.choice(members, size=k, replace=False).tolist())
        params = {
            "n": len(picked),
            "asked": n,
            "method": "simple random sample of answers no human had coded (non-answers "
            "left out), stratified by question, proportional allocation",
            "per_question": alloc,
            "population": {q: len(v) for q, v in strata.items()},
            "ids": [corpus.ids[i] for i in picked],
            "out": str(out) if out else None,
        }
        run_id = store.start_run("validation", params, seed)
        store.finish_run(run_id)
    sheet = coding_sheet(corpus, picked, book)
    if out is not None:
        write_frame(out, sheet, sheet="validation sample")
    sheet.attrs["run_id"] = run_id
    return sheet
