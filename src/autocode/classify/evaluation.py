"""``autocode code --evaluate``: expected agreement with the human coder, before applying.

k-fold cross-validation over the human seeds: each fold is coded by a model trained on the
other folds (the full pipeline, thresholds included), and the machine's out-of-fold codes are
compared with the human's. Kappa (Cohen 1960) with its standard error and 95% CI (Fleiss,
Cohen & Everitt 1969) comes from :mod:`autocode.agree`; precision and recall get Wilson
(1927) score intervals. Codes with fewer than ``MIN_SEEDS_WARN`` positive seeds are flagged:
their estimates are too noisy to trust.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import KFold

from .pipeline import MIN_SEEDS_WARN, BookInfo, Corpus, SeedCheck, train


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float | None, float | None, float | None]:
    """Proportion k/n with its Wilson score interval; (None, None, None) when n == 0."""
    if n == 0:
        return None, None, None
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return p, max(0.0, mid - half), min(1.0, mid + half)


def _coef(c) -> dict:
    d = {"value": c.value, "ci_low": c.ci_low, "ci_high": c.ci_high}
    if c.value is None:
        d["reason"] = c.reason
    return d


@dataclass
class OutOfFold:
    """Each seed coded by a model that did not learn from it: probabilities ``P`` and
    decisions ``A`` (``(n_seeds, k)``, seed order of ``chk.rows``), the cells the model may
    code (``M``), which seeds were predicted (``done``: a fold that could not be fitted leaves
    its seeds out) and the number of folds."""

    P: np.ndarray
    A: np.ndarray
    M: np.ndarray
    done: np.ndarray
    folds: int


def out_of_fold(
    corpus: Corpus,
    E: np.ndarray,
    book: BookInfo,
    chk: SeedCheck,
    D: np.ndarray,
    seed: int = 0,
    folds: int = 5,
    params: dict | None = None,
    E_examples: np.ndarray | None = None,
    progress=None,
    refresh=None,
) -> OutOfFold:
    """k-fold cross-validation over the seeds, the whole pipeline refitted in each fold
    (thresholds, calibration and the coding rules included): the one home of the folds of
    ``--evaluate`` and of ``--target-kappa``."""
    n = len(chk.rows)
    folds = max(2, min(folds, n))
    k = len(book.names)
    P = np.zeros((n, k))
    A = np.zeros_like(chk.Y)
    M = np.zeros((n, k), dtype=bool)
    done = np.zeros(n, dtype=bool)
    for f, (tr, te) in enumerate(KFold(folds, shuffle=True, random_state=seed).split(chk.rows)):
        sub = SeedCheck(chk.rows[tr], chk.Y[tr])
        if not book.exclusive and (sub.Y.sum(0) == len(tr)).any():
            continue  # a code on every training seed: this fold cannot be fitted
        Ef, Df, Exf = refresh(sub.rows, sub.Y) if refresh else (E, D, E_examples)
        model = train(corpus, Ef, book, sub, Df, seed=seed, params=params, E_examples=Exf)
        part = corpus.take(chk.rows[te])
        P[te] = model.proba(part, Ef[chk.rows[te]])
        A[te] = model.decide(P[te], part)[0]
        M[te] = model.applicable(part)
        done[te] = True
        if progress:
            progress(f + 1, folds)
    return OutOfFold(P, A, M, done, folds)


def fitted_out_of_fold(model, corpus: Corpus, chk: SeedCheck) -> OutOfFold | None:
    """The out-of-fold predictions the fitted multi-label coder already made of its seeds
    (its threshold cross-validation: ``SeededCoder.oof_proba_``, calibrated), decided with
    its final thresholds — no extra fit; None for a single-label coder or one fitted without
    threshold cross-validation. Cheaper than :func:`out_of_fold` but the thresholds were
    chosen on these same predictions (see ``scripts/bench_selective.py --estimate``)."""
    est = model.estimator
    oof = getattr(est, "oof_proba_", None)
    if oof is None:
        return None
    n = len(chk.rows)
    part = corpus.take(chk.rows)
    M = model.applicable(part)
    P = np.nan_to_num(np.asarray(oof[:n], dtype=float), nan=0.0)
    if not model.multilabel:  # columns in classes_ order, as CodingModel.proba
        P = np.zeros((n, len(model.codes)))
        P[:, est.classes_.astype(int)] = oof[:n]
    A, _ = model.decide(P, part)
    folds = int(est.threshold_cv if model.multilabel else est.single_cv)
    return OutOfFold(P, A, M, np.ones(n, dtype=bool), folds)


def selection(
    oof: OutOfFold,
    corpus: Corpus,
    chk: SeedCheck,
    book: BookInfo,
    target: float,
    seed: int = 0,
    per_question: bool = False,
):
    """The answer-score threshold for ``target`` pooled kappa from out-of-fold predictions
    (:func:`autocode.classify.selective.choose_threshold`): what the machine can code alone,
    overall and per question (``per_question``: each question its own threshold)."""
    from .selective import answer_scores, cell_confidence, choose_threshold

    d = oof.done
    C = cell_confidence(oof.P[d], oof.A[d], not book.exclusive)
    scores = answer_scores(C, oof.M[d])  # over the cells the model may code
    # kappa over the cells where a code applies, as `autocode agree` measures it
    rows = chk.rows[d]
    qs = [corpus.questions[r] for r in rows]
    return choose_threshold(
        scores, chk.Y[d], oof.A[d], book.applies(qs), target, seed=seed, groups=qs,
        per_question=per_question,
    )  # fmt: skip


def evaluate(
    corpus: Corpus,
    E: np.ndarray,
    book: BookInfo,
    chk: SeedCheck,
    D: np.ndarray,
    seed: int = 0,
    folds: int = 5,
    params: dict | None = None,
    E_examples: np.ndarray | None = None,
    progress=None,
    refresh=None,
    target_kappa: float | None = None,
    oof: OutOfFold | None = None,
) -> dict:
    """Cross-validated per-code kappa, precision, recall (with CIs) and overall agreement,
    the coverage-kappa curve (answers coded alone, surest first) and, with
    ``target_kappa``, the selection it gives (:func:`selection`).

    ``refresh(rows, Y) -> (E, D, E_examples)``: vectors that depend on the training seeds
    (``--tune``), recomputed inside each fold from that fold's training seeds only.
    ``oof``: the :func:`out_of_fold` codings of these arguments, when the caller has them
    (they are not computed again)."""
    from ..agree import agree_labels, agree_matrices

    n = len(chk.rows)
    if oof is None:
        oof = out_of_fold(
            corpus, E, book, chk, D, seed, folds, params, E_examples, progress, refresh
        )
    folds, A = oof.folds, oof.A
    ids = [corpus.ids[r] for r in chk.rows]
    Ms = book.applies([corpus.questions[r] for r in chk.rows])  # cells where a code applies
    res = agree_matrices(
        [chk.Y, A], codes=book.names, coders=["human", "autocode"], ids=ids, applies=Ms
    )
    per_code: list[dict[str, Any]] = []
    for j, name in enumerate(book.names):
        y, a = chk.Y[Ms[:, j], j], A[Ms[:, j], j]
        tp = int((y & a).sum())
        prec = wilson(tp, int(a.sum()))
        rec = wilson(tp, int(y.sum()))
        kap = res.per_code[name].coefficients["cohen_kappa"]
        per_code.append(
            {
                "code": name,
                "seeds": int(y.sum()),
                "machine": int(a.sum()),
                "kappa": _coef(kap),
                "precision": {"value": prec[0], "ci_low": prec[1], "ci_high": prec[2]},
                "recall": {"value": rec[0], "ci_low": rec[1], "ci_high": rec[2]},
                "too_few_seeds": bool(y.sum() < MIN_SEEDS_WARN),
            }
        )
    enough = [
        r["kappa"]["value"]
        for r in per_code
        if not r["too_few_seeds"] and r["kappa"]["value"] is not None
    ]
    overall = {
        "pooled_kappa": _coef(res.overall["pooled"]["cohen_kappa"]),
        "macro_kappa": float(np.mean(enough)) if enough else None,
        "macro_kappa_codes": len(enough),
    }
    if book.exclusive:
        lab = np.column_stack([chk.Y.argmax(1), A.argmax(1)]).astype(object)
        single = agree_labels(lab, coders=["human", "autocode"], ids=ids)
        overall["kappa"] = _coef(single.overall["cohen_kappa"])
    Yc, Ac = chk.Y * Ms, A * Ms
    tp, npred, npos = int((Yc & Ac).sum()), int(Ac.sum()), int(Yc.sum())
    overall["micro_f1"] = 2 * tp / (npred + npos) if npred + npos else None
    sel = selection(oof, corpus, chk, book, target_kappa if target_kappa is not None else 1.0, seed)
    extra: dict[str, Any] = {"curve": sel.curve}
    if target_kappa is not None:
        extra["selective"] = sel.to_json()
    return {
        **extra,
        "folds": folds,
        "n_seeds": n,
        "overall": overall,
        "per_code": per_code,
        "warnings": [
            f"code {r['code']!r}: only {r['seeds']} seed(s), too few to estimate its agreement"
            for r in per_code
            if r["too_few_seeds"]
        ],
    }
