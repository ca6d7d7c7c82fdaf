"""Is the promise honest on few seeds? (issue 13: ``--estimate auto`` below 1,000 seeds)

Usage:  nice python scripts/exp_selective_few_seeds.py nhs_fft_qdc_v6|nhs_phase1_subcategory

150, 300 and 600 random seeds (3 draws each, numpy seeds 100-102); the rest is held out.
The coder trained on the seeds (with the fitted estimate's parameters) promises the share of
answers coded alone at K = 0.85 from its own out-of-fold predictions (``fitted``) and from
5-fold cross-validation of the whole pipeline (``cv``); the held-out answers are coded alone
by the CLI's share rule (``Selection.cuts``) and their pooled kappa (scikit-learn) is
printed beside the promise, one JSON line per draw and estimate.
"""

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))
from bench_code import context
from bench_selective import kappa_alone

from autocode.classify.api import fitted_estimate_params
from autocode.classify.evaluation import fitted_out_of_fold, out_of_fold, selection
from autocode.classify.pipeline import BookInfo, Corpus, SeedCheck, train
from autocode.classify.selective import answer_scores, apply_threshold, cell_confidence
from autocode.project import open_store

name = sys.argv[1]
with open_store(ROOT / "bench-out/embeddings.db") as store:
    ctx = context(ROOT.parent / "shared/data", name, store)
Y = ctx["Y"]
ml = ctx["multilabel"]
n = len(Y)
book = BookInfo(ctx["codes"], ctx["descriptions"], [[] for _ in ctx["codes"]], not ml, "b")
corpus = Corpus([str(i) for i in range(n)], ctx["texts"], ctx["questions"])
for ns in (150, 300, 600):
    for split in range(3):
        rng = np.random.default_rng(100 + split)
        tr = np.sort(rng.choice(n, ns, replace=False))
        te = np.setdiff1d(np.arange(n), tr)
        chk = SeedCheck(tr, Y[tr])
        try:
            model = train(
                corpus,
                ctx["V"],
                book,
                chk,
                ctx["D"],
                seed=split,
                params=fitted_estimate_params(book, "fitted"),
            )
        except ValueError as e:  # a code on no seed or on every seed of this draw
            print(ns, split, "fail", str(e)[:80])
            continue
        part = corpus.take(te)
        P = model.proba(part, ctx["V"][te])
        A, _ = model.decide(P, part)
        M = model.applicable(part)
        C = cell_confidence(P, A, ml)
        s = answer_scores(C, M)
        for est in ("fitted", "cv"):
            oof = (
                fitted_out_of_fold(model, corpus, chk)
                if est == "fitted"
                else out_of_fold(corpus, ctx["V"], book, chk, ctx["D"], seed=split, folds=5)
            )
            sel = selection(oof, corpus, chk, book, 0.85, seed=split)
            alone, _ = apply_threshold(s, C, M, sel.cuts(s, [ctx["questions"][i] for i in te]))
            k = kappa_alone(Y[te], A, alone)
            print(
                json.dumps(
                    {
                        "n_seeds": ns,
                        "split": split,
                        "est": est,
                        "exp_cov": round(sel.expected_coverage, 3),
                        "cov": round(float(alone.mean()), 3),
                        "exp_k": None
                        if sel.expected_kappa is None
                        else round(sel.expected_kappa, 3),
                        "k": None if k is None else round(k, 3),
                    }
                ),
                flush=True,
            )
