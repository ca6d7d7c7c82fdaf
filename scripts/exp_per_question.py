"""One threshold for all questions, or one per question? (issue 13, selective coding)

Usage:  nice python scripts/exp_per_question.py [--sets nhs_fft_qdc_v6] [--splits 0 1 2] \
            [--estimate fitted|cv]

Same splits and steps as ``scripts/bench_selective.py``. For each target kappa, two rules pick
which held-out answers the machine codes alone, both chosen by the shipped
:func:`autocode.classify.selective.choose_threshold`: ``global`` (one answer-score threshold
on all out-of-fold seeds, the default) and ``per_question`` (``--per-question``: each question
with at least ``MIN_QUESTION_SEEDS`` out-of-fold seeds gets its own threshold chosen on its
own seeds; smaller questions use the global one). Printed per rule: overall coverage and
pooled kappa on the held-out answers beside their promise, and the spread of the
per-question kappas (the smallest, and how many questions fall more than .03 below the
target).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_code import context, splits

from autocode.classify.api import fitted_estimate_params
from autocode.classify.evaluation import fitted_out_of_fold, out_of_fold
from autocode.classify.pipeline import BookInfo, Corpus, SeedCheck, train
from autocode.classify.selective import (
    answer_scores,
    cell_confidence,
    choose_threshold,
)
from autocode.project import open_store


def _kappa(Y, A) -> float | None:
    if len(Y) < 2:
        return None
    y, a = Y.ravel(), A.ravel()
    if len(set(y)) < 2 and len(set(a)) < 2:
        return None
    return float(cohen_kappa_score(y, a))


def run(ctx, split: int, targets, estimate: str) -> list[dict]:
    Y, multilabel = ctx["Y"], ctx["multilabel"]
    tr, te = splits(Y, "20pct", split)
    book = BookInfo(
        ctx["codes"], ctx["descriptions"], [[] for _ in ctx["codes"]], not multilabel, "bench"
    )
    corpus = Corpus([str(i) for i in range(len(ctx["texts"]))], ctx["texts"], ctx["questions"])
    chk = SeedCheck(tr, Y[tr])
    prm = fitted_estimate_params(book, estimate)  # as the CLI
    model = train(corpus, ctx["V"], book, chk, ctx["D"], seed=split, params=prm)
    if estimate == "fitted":
        oof = fitted_out_of_fold(model, corpus, chk)
    else:
        oof = out_of_fold(corpus, ctx["V"], book, chk, ctx["D"], seed=split, folds=5)
    assert oof is not None
    q = np.asarray(ctx["questions"])
    C_oof = cell_confidence(oof.P, oof.A, multilabel)
    s_oof = answer_scores(C_oof, oof.M)
    q_oof = q[tr]
    part = corpus.take(te)
    P_te = model.proba(part, ctx["V"][te])
    A_te, _ = model.decide(P_te, part)
    M_te = model.applicable(part)
    s_te = answer_scores(cell_confidence(P_te, A_te, multilabel), M_te)
    q_te = q[te]
    out = []
    for target in targets:
        # both rules as `code --target-kappa [--per-question]` chooses them
        rules, promises = {}, {}
        for rule, per_question in (("global", False), ("per_question", True)):
            sel = choose_threshold(
                s_oof, Y[tr], oof.A, oof.M, target, groups=list(q_oof),
                per_question=per_question, bootstrap=0,
            )  # fmt: skip
            rules[rule] = sel.cuts(s_te, list(q_te))  # the promised shares of new answers
            promises[rule] = s_oof >= sel.cuts(s_oof, list(q_oof))  # = the thresholds
        for rule, tau in rules.items():
            alone = s_te >= tau
            pk = [
                _kappa(Y[te][alone & (q_te == qq)], A_te[alone & (q_te == qq)])
                for qq in np.unique(q_te)
                if (alone & (q_te == qq)).sum() >= 30
            ]
            pk = [k for k in pk if k is not None]
            pa = promises[rule]
            out.append(
                {
                    "data": ctx["name"],
                    "split": split,
                    "target": target,
                    "rule": rule,
                    "expected_coverage": float(pa.mean()),
                    "coverage": float(alone.mean()),
                    "expected_kappa": _kappa(Y[tr][pa], oof.A[pa]),
                    "kappa": _kappa(Y[te][alone], A_te[alone]),
                    "min_question_kappa": min(pk) if pk else None,
                    "questions_below": sum(k < target - 0.03 for k in pk),
                    "questions_scored": len(pk),
                }
            )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--sets", nargs="+", default=["nhs_fft_qdc_v6"])
    ap.add_argument("--splits", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--targets", type=float, nargs="+", default=[0.8, 0.85, 0.9])
    ap.add_argument("--estimate", choices=["cv", "fitted"], default="fitted")
    args = ap.parse_args()
    store = open_store(ROOT / "bench-out" / "embeddings.db")
    rows = []
    for name in args.sets:
        ctx = context(args.data, name, store)
        for split in args.splits:
            rows += run(ctx, split, args.targets, args.estimate)
            print(f"{name} split {split} done", flush=True)
    df = pd.DataFrame(rows)
    g = df.groupby(["data", "target", "rule"]).mean(numeric_only=True).drop(columns="split")
    print(g.round(3).to_string())


if __name__ == "__main__":
    main()
