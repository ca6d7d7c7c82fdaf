"""Is ``autocode next`` worth following? The active-learning loop replayed (issue 13, item 3).

Usage:  nice python scripts/bench_loop.py [--data ../shared/data] [--sets ...] \
            [--subsample 3000] [--start 0.02] [--batch 50] [--max-share 0.4] \
            [--strategies next uncertainty random] [--target 0.85] [--out bench-out/loop]

The human codes are the oracle. On each data set (optionally a seeded random subsample of
``--subsample`` answers), a seeded random ``--start`` share of the answers is coded first
(the same for every strategy); then, until ``--max-share`` of the answers are coded, the
coder is trained on the coded answers (:func:`autocode.classify.pipeline.train`, the shipped
defaults) and the next ``--batch`` answers are picked and "coded" by copying their human
codes. Strategies:

- ``next``: what ``autocode next`` does (uncertainty + rare codes + MMR diversity,
  :func:`autocode.classify.active.priority` and :func:`~autocode.classify.active.select`,
  cells outside a code's questions at 0, the positive counts of the coded answers);
- ``uncertainty``: the same without the rare-code term (``next`` before issue 13);
- ``random``: a seeded simple random sample of the uncoded answers.

At each step, on the answers not yet coded by a human: pooled Cohen's kappa of the machine
against the human codes (scikit-learn; single-label: multi-class kappa of the chosen code);
multi-label only, the selective coding of ``autocode code --target-kappa``: the threshold
chosen from the coder's own threshold-CV predictions (``evaluation.fitted_out_of_fold`` +
``evaluation.selection``, as ``scripts/bench_selective.py --estimate fitted``), coverage =
share of the uncoded answers it codes alone, the rest is the review queue. Whole-data kappa:
the human codes where a human coded or reviewed, the machine's elsewhere, pooled over every
cell, against the human codes. Touched = (coded + review queue) / answers. Single-label: no
review queue (touched = coded share).

Headline per data set and strategy: the smallest share touched at a step whose whole-data
kappa is >= ``--target`` ("-" when no step reaches it). CSV of every step in ``--out``.
Non-answer detection is not applied (the benchmark texts carry no non-answer flags).
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
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_code import DATASETS, context

from autocode.classify import active
from autocode.classify.evaluation import fitted_out_of_fold, selection
from autocode.classify.pipeline import BookInfo, Corpus, SeedCheck, train
from autocode.classify.selective import answer_scores, apply_threshold, cell_confidence
from autocode.project import open_store

STRATEGIES = ("next", "uncertainty", "random")


def subsample(ctx: dict, n: int | None, seed: int) -> dict:
    """A seeded simple random sample of ``n`` answers (in their original order)."""
    m = len(ctx["texts"])
    if n is None or n >= m:
        return ctx
    keep = np.sort(np.random.default_rng(seed).choice(m, n, replace=False))
    out = dict(ctx)
    out["Y"], out["V"] = ctx["Y"][keep], ctx["V"][keep]
    out["texts"] = [ctx["texts"][i] for i in keep]
    out["questions"] = [ctx["questions"][i] for i in keep]
    return out


def _kappa(Y: np.ndarray, A: np.ndarray, multilabel: bool) -> float:
    if multilabel:
        return float(cohen_kappa_score(Y.ravel(), A.ravel()))
    return float(cohen_kappa_score(Y.argmax(1), A.argmax(1)))


def pick(
    strategy: str, model, part: Corpus, P, V_rest, coded_Y, n: int, rng, rarity_weight: float
) -> np.ndarray:
    """Indices (into the uncoded answers ``part``, probabilities ``P``) of the next batch."""
    if strategy == "random":
        return np.sort(rng.choice(len(P), min(n, len(P)), replace=False))
    P = np.where(model.applicable(part), P, 0.0)  # only codable cells, as `autocode next`
    thr = model.estimator.thresholds_ if model.multilabel else None
    npos = coded_Y.sum(axis=0) if strategy == "next" else None
    u = active.priority(P, thr, npos, rarity_weight=rarity_weight)
    return np.asarray(active.select(V_rest, u, n), dtype=int)


def replay(ctx: dict, strategy: str, args, seed: int = 0) -> list[dict]:
    Y, V, multilabel = ctx["Y"], ctx["V"], ctx["multilabel"]
    V = V / np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-12)
    n = len(Y)
    corpus = Corpus([str(i) for i in range(n)], ctx["texts"], ctx["questions"])
    book = BookInfo(
        ctx["codes"], ctx["descriptions"], [[] for _ in ctx["codes"]], not multilabel, "bench"
    )
    rng = np.random.default_rng(seed)
    coded = np.sort(rng.choice(n, max(2, round(args.start * n)), replace=False))
    pick_rng = np.random.default_rng(seed + 1)
    rows = []
    step = 0
    while True:
        t0 = time.perf_counter()
        chk = SeedCheck(coded, Y[coded])
        with threadpool_limits(1):
            model = train(corpus, ctx["V"], book, chk, ctx["D"], seed=seed)
            rest = np.setdiff1d(np.arange(n), coded)
            part = corpus.take(rest)
            P = model.proba(part, ctx["V"][rest])
            A, _ = model.decide(P, part)
        machine = Y.copy()
        machine[rest] = A  # human where coded, machine elsewhere
        row = {
            "data": ctx["name"],
            "strategy": strategy,
            "rarity": args.rarity if strategy == "next" else None,
            "step": step,
            "answers": n,
            "coded": len(coded),
            "coded_share": round(len(coded) / n, 4),
            "kappa_uncoded": round(_kappa(Y[rest], A, multilabel), 4),
            "whole_kappa_no_review": round(_kappa(Y, machine, multilabel), 4),
            "codes_with_3_positives": int((Y[coded].sum(0) >= 3).sum()),
        }
        if multilabel:
            oof = fitted_out_of_fold(model, corpus, chk)
            sel = selection(oof, corpus, chk, book, args.target, seed=seed) if oof else None
            M = model.applicable(part)
            C = cell_confidence(P, A, True)
            s_rest = answer_scores(C, M)
            cut = sel.cuts(s_rest, part.questions) if sel else None  # the CLI's rule
            alone, _ = apply_threshold(s_rest, C, M, cut)
            review = Y.copy()
            review[rest[alone]] = A[alone]  # the machine codes alone; a human reviews the rest
            k_alone = (
                float(cohen_kappa_score(Y[rest][alone].ravel(), A[alone].ravel()))
                if alone.sum() > 1
                else None
            )
            row |= {
                "expected_coverage": round(sel.expected_coverage, 4) if sel else None,
                "coverage": round(float(alone.mean()), 4),
                "kappa_alone": None if k_alone is None else round(k_alone, 4),
                "queue": int((~alone).sum()),
                "touched_share": round((len(coded) + (~alone).sum()) / n, 4),
                "whole_kappa": round(_kappa(Y, review, True), 4),
            }
        else:
            row |= {
                "touched_share": row["coded_share"],
                "whole_kappa": row["whole_kappa_no_review"],
            }
        row["seconds"] = round(time.perf_counter() - t0, 1)
        rows.append(row)
        print(json.dumps(row), flush=True)
        room = int(np.ceil(args.max_share * n)) - len(coded)  # the last batch stops at the cap
        if room <= 0 or not len(rest):
            return rows
        with threadpool_limits(1):
            got = pick(
                strategy,
                model,
                part,
                P,
                V[rest],
                Y[coded],
                min(args.batch, room),
                pick_rng,
                args.rarity,
            )
        coded = np.sort(np.concatenate([coded, rest[got]]))
        step += 1


def headline(df: pd.DataFrame, target: float) -> pd.DataFrame:
    out = []
    for (data, strategy), g in df.groupby(["data", "strategy"], sort=False):
        ok = g[g["whole_kappa"] >= target]
        best = ok.loc[ok["touched_share"].idxmin()] if len(ok) else None
        last = g.iloc[-1]
        out.append(
            {
                "data": data,
                "strategy": strategy,
                f"min touched for whole kappa >= {target}": "-"
                if best is None
                else f"{best['touched_share']:.1%} (coded {best['coded_share']:.1%})",
                "touched at end": f"{last['touched_share']:.1%}",
                "kappa_uncoded at end": last["kappa_uncoded"],
                "whole kappa, no review, at end": last["whole_kappa_no_review"],
                "coverage at end": last.get("coverage"),
                "whole kappa at end": last["whole_kappa"],
                "coded at end": f"{last['coded_share']:.1%}",
            }
        )
    return pd.DataFrame(out)


def markdown(df: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(map(str, df.columns)) + " |", "|" + "---|" * len(df.columns)]
    for r in df.itertuples(index=False):
        lines.append("| " + " | ".join("" if pd.isna(v) else str(v) for v in r) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--sets", nargs="+", default=list(DATASETS))
    ap.add_argument("--strategies", nargs="+", choices=STRATEGIES, default=list(STRATEGIES))
    ap.add_argument("--subsample", type=int, default=None, help="answers (seeded sample)")
    ap.add_argument("--start", type=float, default=0.02, help="share coded at random first")
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--max-share", type=float, default=0.4)
    ap.add_argument("--target", type=float, default=0.85)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--rarity", type=float, default=active.RARITY, help="weight of the rare-code term (next)"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "bench-out" / "loop")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    store = open_store(ROOT / "bench-out" / "embeddings.db")
    rows = []
    for name in args.sets:
        ctx = subsample(context(args.data, name, store), args.subsample, args.seed)
        for strategy in args.strategies:
            rows += replay(ctx, strategy, args, args.seed)
    df = pd.DataFrame(rows)
    tag = f"n{args.subsample or 'all'}-b{args.batch}-s{args.seed}-r{args.rarity}"
    df.to_csv(args.out / f"loop-{tag}.csv", index=False)
    cols = ["data", "strategy", "coded_share", "kappa_uncoded", "coverage", "touched_share",
            "whole_kappa"]  # fmt: skip
    print(f"\nconfiguration: {vars(args)}\n")
    print(markdown(df[[c for c in cols if c in df]]))
    print()
    print(markdown(headline(df, args.target)))


if __name__ == "__main__":
    main()
