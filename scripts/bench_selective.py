"""Is selective coding's promise honest? (issue 13: ``autocode code --target-kappa``)

Usage:  nice python scripts/bench_selective.py [--data ../shared/data] [--splits 0 1 2] \
            [--targets 0.8 0.85 0.9] [--out bench-out/selective]

For each data set and random split (20% of responses as seeds, stratified, as
``scripts/bench_code.py``), the shipped coder is cross-validated on the seeds (5 folds, the
same pipeline as ``autocode code --evaluate``); :func:`autocode.classify.selective.
choose_threshold` picks, from those out-of-fold predictions, the threshold for each target
kappa and states the expected coverage and kappa. The coder trained on all seeds then codes
the held-out responses: coverage = share at or above the threshold, kappa = pooled Cohen's
kappa (scikit-learn) of those responses' decisions against the human codes. The table puts
the promise beside what happened; the issue asks for |kappa - estimate| <= 0.03 and
|coverage - estimate| <= 5 points.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score
from sklearn.model_selection import KFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_code import DATASETS, context, splits

from autocode.classify.pipeline import BookInfo, Corpus, SeedCheck, train
from autocode.classify.selective import (
    answer_scores,
    apply_threshold,
    cell_confidence,
    choose_threshold,
)
from autocode.project import open_store


def fit(ctx, rows, seed):
    multilabel = ctx["multilabel"]
    book = BookInfo(
        ctx["codes"], ctx["descriptions"], [[] for _ in ctx["codes"]], not multilabel, "bench"
    )
    corpus = Corpus([str(i) for i in range(len(ctx["texts"]))], ctx["texts"], ctx["questions"])
    model = train(corpus, ctx["V"], book, SeedCheck(rows, ctx["Y"][rows]), ctx["D"], seed=seed)
    return model, corpus


def predict(model, corpus, ctx, rows):
    P = model.proba(corpus.take(rows), ctx["V"][rows])
    A, _ = model.decide(P)
    return P, A


def run_split(ctx, split: int, targets, folds: int = 5) -> list[dict]:
    Y, multilabel = ctx["Y"], ctx["multilabel"]
    tr, te = splits(Y, "20pct", split)
    t0 = time.perf_counter()
    P_oof = np.zeros(Y[tr].shape)
    A_oof = np.zeros(Y[tr].shape, dtype=int)
    for f_tr, f_te in KFold(folds, shuffle=True, random_state=split).split(tr):
        model, corpus = fit(ctx, tr[f_tr], split)
        P_oof[f_te], A_oof[f_te] = predict(model, corpus, ctx, tr[f_te])
    model, corpus = fit(ctx, tr, split)
    P_te, A_te = predict(model, corpus, ctx, te)
    seconds = time.perf_counter() - t0
    C_oof = cell_confidence(P_oof, A_oof, multilabel)
    C_te = cell_confidence(P_te, A_te, multilabel)
    s_oof, s_te = answer_scores(C_oof), answer_scores(C_te)
    out = []
    full = float(cohen_kappa_score(Y[te].ravel(), A_te.ravel()))
    for target in targets:
        sel = choose_threshold(s_oof, Y[tr], A_oof, None, target, bootstrap=200, seed=split)
        alone, _ = apply_threshold(s_te, C_te, None, sel.threshold)
        k = (
            float(cohen_kappa_score(Y[te][alone].ravel(), A_te[alone].ravel()))
            if alone.sum() > 1
            else None
        )
        out.append(
            {
                "data": ctx["name"],
                "split": split,
                "target": target,
                "expected_coverage": round(sel.expected_coverage, 4),
                "coverage": round(float(alone.mean()), 4),
                "expected_kappa": None
                if sel.expected_kappa is None
                else round(sel.expected_kappa, 4),
                "kappa": None if k is None else round(k, 4),
                "kappa_ci": sel.kappa_ci,
                "coverage_ci": sel.coverage_ci,
                "pooled_kappa_all": round(full, 4),
                "seconds": round(seconds, 1),
            }
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--splits", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--targets", type=float, nargs="+", default=[0.8, 0.85, 0.9])
    ap.add_argument("--sets", nargs="+", default=list(DATASETS))
    ap.add_argument("--out", type=Path, default=ROOT / "bench-out" / "selective")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    store = open_store(ROOT / "bench-out" / "embeddings.db")
    rows = []
    for name in args.sets:
        ctx = context(args.data, name, store)
        for split in args.splits:
            rows += run_split(ctx, split, args.targets)
            print(json.dumps(rows[-len(args.targets) :]), flush=True)
    df = pd.DataFrame(rows)
    df.to_csv(args.out / "selective.csv", index=False)
    g = df.groupby(["data", "target"])[
        ["expected_coverage", "coverage", "expected_kappa", "kappa", "pooled_kappa_all"]
    ].mean()
    g["coverage_gap"] = g["coverage"] - g["expected_coverage"]
    g["kappa_gap"] = g["kappa"] - g["expected_kappa"]
    print(g.round(3).to_markdown())


if __name__ == "__main__":
    main()
