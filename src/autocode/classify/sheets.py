"""``autocode next``: the coding sheet a human fills in next — the answers the coder would
learn most from (:mod:`.active`), or a random validation sample stratified by question —
and the record of what was offered."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..tabular import check_table_output, write_frame
from . import active
from .inputs import _codebook, _embed, _load_coder, _responses, _seed_file, embedder_for
from .pipeline import BookInfo, Corpus, check_seeds, train
from .seeds import read_seeds


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
        df, store_responses = _responses(store, responses, text, id_col, question, command="next")
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
            store.record_run(
                "next",
                {
                    "n": len(sheet),
                    "method": "active" if u is not None else "diverse",
                    "ids": sheet["id"].tolist(),
                    "out": str(out) if out else None,
                },
            )
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
        df, store_responses = _responses(store, responses, text, id_col, question, command="next")
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
        run_id = store.record_run("validation", params, seed)
    sheet = coding_sheet(corpus, picked, book)
    if out is not None:
        write_frame(out, sheet, sheet="validation sample")
    sheet.attrs["run_id"] = run_id
    return sheet
