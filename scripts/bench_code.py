"""Benchmark the seeded coder (``autocode code``) on real human-coded NHS survey data.

Usage:  nice python scripts/bench_code.py [--data ../shared/data] [--seeds 0 1 2] \
            [--out bench-out/code]

For each data set (nhs_fft_qdc_v6: multi-label, 46 codes; nhs_phase1_subcategory:
single-label, 44 codes) and each seed regime (20% of responses, stratified; 10 per code),
several random splits: the seeds are the human-coded training set, every other response is
held out and scored against its human codes. Metrics (held-out):

- per-code kappa: Cohen's kappa of each code's 0/1 column, averaged over codes with >= 10
  held-out positives ("macro kappa");
- pooled kappa: Cohen's kappa over all (response, code) 0/1 decisions pooled (multi-label);
  for single-label data the multi-class Cohen's kappa of the assigned code;
- micro F1 over all decisions and macro F1 over the same codes as macro kappa.

Methods: ``tfidf_lr`` (TF-IDF word 1-2 grams + one-vs-rest balanced logistic regression,
0.5 cut), ``zeroshot`` (cosine of the response and code-description embeddings; top code),
``emb_lr`` (MiniLM embeddings + balanced LR, 0.5 cut), ``autocode`` (the shipped method) and,
only when named in ``--methods`` (minutes per split), ``autocode_tune`` (``autocode code
--tune``: the embedding model fine-tuned on each split's seeds, beside the bundled one).
Embeddings come from the shared cache (bench-out/embeddings.db), from the bundled torch
model or the one ``--model`` names (``--model onnx``: int8 ONNX, cached under its own id);
the baselines use the whole-answer embedding, autocode its response vectors (whole answer +
mean of sentences).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score, f1_score
from sklearn.model_selection import StratifiedShuffleSplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from autocode.classify.pipeline import BookInfo, Corpus, SeedCheck, train
from autocode.classify.vectors import response_vectors
from autocode.embed import embed_texts, get_embedder
from autocode.project import open_store

DATASETS = {"nhs_fft_qdc_v6": True, "nhs_phase1_subcategory": False}  # name -> multi-label


# -- data ------------------------------------------------------------------------------------
def load(data: Path, name: str):
    d = pd.read_csv(data / name / f"{name}.csv", dtype=str, keep_default_na=False)
    d["text"] = d["text"].str.strip()
    cb = pd.read_csv(data / name / "codebook.csv", dtype=str, keep_default_na=False)
    codes = sorted(d["code"].unique())
    g = d.groupby("id", sort=True).agg(
        text=("text", "first"), question=("question", "first"), codes=("code", list)
    )
    Y = np.zeros((len(g), len(codes)), dtype=int)
    idx = {c: j for j, c in enumerate(codes)}
    for i, cs in enumerate(g["codes"]):
        for c in cs:
            Y[i, idx[c]] = 1
    desc = {}
    for _, r in cb.iterrows():
        parts = [r["code"]]
        if r.get("description"):
            parts.append(r["description"])
        elif r.get("category"):
            parts.append(f"({r['category']})")
        desc[r["code"]] = ". ".join(parts)
    descriptions = [desc.get(c, c) for c in codes]
    return g.reset_index(), Y, codes, descriptions


def splits(Y: np.ndarray, regime: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seed (train) and held-out indices. 20%: stratified on each response's rarest code."""
    n, k = Y.shape
    rng = np.random.default_rng(seed)
    if regime == "20pct":
        freq = Y.sum(0)
        strat = np.array([np.flatnonzero(r)[np.argmin(freq[np.flatnonzero(r)])] for r in Y])
        counts = np.bincount(strat, minlength=k)
        strat = np.where(counts[strat] < 5, -1, strat)
        sss = StratifiedShuffleSplit(n_splits=1, train_size=0.2, random_state=seed)
        tr, te = next(sss.split(np.zeros(n), strat))
        return np.sort(tr), np.sort(te)
    if regime == "10per":
        chosen: set[int] = set()
        for j in rng.permutation(k):
            pos = np.flatnonzero(Y[:, j])
            have = len([i for i in pos if i in chosen])
            need = max(0, min(10, len(pos) - 1) - have)  # leave >= 1 for the held-out set
            pick = [i for i in rng.permutation(pos) if i not in chosen][:need]
            chosen.update(int(i) for i in pick)
        tr = np.array(sorted(chosen))
        return tr, np.setdiff1d(np.arange(n), tr)
    raise ValueError(regime)


# -- metrics ---------------------------------------------------------------------------------
def metrics(Yt: np.ndarray, Yp: np.ndarray, multilabel: bool) -> dict:
    elig = np.flatnonzero(Yt.sum(0) >= 10)
    kap = []
    for j in elig:
        kap.append(cohen_kappa_score(Yt[:, j], Yp[:, j]) if Yp[:, j].any() or True else 0.0)
    if multilabel:
        pooled = cohen_kappa_score(Yt.ravel(), Yp.ravel())
    else:
        pooled = cohen_kappa_score(Yt.argmax(1), Yp.argmax(1))
    return {
        "macro_kappa": float(np.mean(kap)),
        "pooled_kappa": float(pooled),
        "micro_f1": float(f1_score(Yt, Yp, average="micro", zero_division=0)),
        "macro_f1": float(f1_score(Yt[:, elig], Yp[:, elig], average="macro", zero_division=0)),
        "n_codes_scored": len(elig),
    }


# -- methods ---------------------------------------------------------------------------------
def onehot_argmax(P: np.ndarray) -> np.ndarray:
    out = np.zeros(P.shape, dtype=int)
    out[np.arange(len(P)), P.argmax(1)] = 1
    return out


def fit_predict(method: str, ctx: dict, tr: np.ndarray, te: np.ndarray, seed: int, **kw):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    Y, multilabel, E, texts = ctx["Y"], ctx["multilabel"], ctx["E"], ctx["texts"]
    keep = np.flatnonzero(Y[tr].sum(0) > 0)  # codes with at least one seed
    if multilabel:
        keep = np.flatnonzero((Y[tr].sum(0) > 0) & (Y[tr].sum(0) < len(tr)))

    def full(P):
        return _expand(P, keep, Y.shape[1])

    if method == "zeroshot":
        S = E[te] @ ctx["D"].T
        return onehot_argmax(S)
    with threadpool_limits(1):
        if method in ("tfidf_lr", "emb_lr"):
            if method == "tfidf_lr":
                vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
                Xtr = vec.fit_transform([texts[i] for i in tr])
                Xte = vec.transform([texts[i] for i in te])
            else:
                Xtr, Xte = E[tr], E[te]
            if multilabel:
                P = np.zeros((len(te), len(keep)))
                for c, j in enumerate(keep):
                    m = LogisticRegression(C=1.0, class_weight="balanced", max_iter=300)
                    P[:, c] = m.fit(Xtr, Y[tr, j]).predict_proba(Xte)[:, 1]
                return full((P >= 0.5).astype(int))
            m = LogisticRegression(C=1.0, class_weight="balanced", max_iter=300)
            m.fit(Xtr, Y[tr][:, keep].argmax(1))
            P = np.zeros((len(te), len(keep)))
            P[:, m.classes_] = m.predict_proba(Xte)
            return full(onehot_argmax(P))
    V, D = ctx["V"], ctx["D"]  # whole-answer + sentence-mean vectors (classify.vectors)
    if method == "autocode_tune":  # `autocode code --tune`: tune on this split's seeds first
        from autocode.classify.tune import combine, tune, tuned_vectors

        emb = get_embedder(None)
        t0 = time.perf_counter()
        tuned = tune(emb, [texts[i] for i in tr], Y[tr], seed, kw.get("tune"))
        t1 = time.perf_counter()
        V2 = tuned_vectors(texts, tuned, None)
        D2 = embed_texts(ctx["descriptions"], tuned, None)[0]
        ctx["last_tune"] = {
            "tune_s": round(t1 - t0, 1),
            "embed_s": round(time.perf_counter() - t1, 1),
        }
        V, D = combine(V, V2, True), combine(D, D2, False)
    # autocode: the shipped pipeline (autocode.classify.pipeline.train + decide)
    sent = kw.get("sentences")
    examples = ctx["sentences"] if sent else [[] for _ in ctx["codes"]]
    book = BookInfo(ctx["codes"], ctx["descriptions"], examples, not multilabel, "bench")
    corpus = Corpus([str(i) for i in range(len(texts))], texts, ctx["questions"])
    chk = SeedCheck(tr, Y[tr])
    model = train(
        corpus,
        V,
        book,
        chk,
        D,
        seed=seed,
        params=kw.get("params"),
        E_examples=ctx["S"] if sent else None,
    )
    Yp, flags = model.decide(model.proba(corpus.take(te), V[te]))
    ctx["last_review"] = flags.any(axis=1)  # an answer needs review when a cell is flagged
    return Yp


def _expand(P: np.ndarray, keep: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros((P.shape[0], k), dtype=int)
    out[:, keep] = P
    return out


def context(data: Path, name: str, store, model: str | None = None) -> dict:
    g, Y, codes, descriptions = load(data, name)
    emb = get_embedder(model)
    texts = g["text"].tolist()
    E, _ = embed_texts(texts, emb, store)
    V = response_vectors(texts, emb, store)
    D, _ = embed_texts(descriptions, emb, store)
    import re

    sentences = [
        [("", x.strip()) for x in re.split(r"(?<=[.!?])\s+", d)[1:] if len(x) > 20]
        for d in descriptions
    ]
    flat = [t for ss in sentences for _, t in ss]
    S = embed_texts(flat, emb, store)[0] if flat else None
    return {
        "name": name,
        "Y": Y,
        "codes": codes,
        "texts": texts,
        "questions": g["question"].tolist(),
        "E": E,
        "V": V,
        "D": D,
        "descriptions": descriptions,
        "sentences": sentences,
        "S": S,
        "multilabel": DATASETS[name],
    }


METHODS = {"tfidf_lr": {}, "zeroshot": {}, "emb_lr": {}, "autocode": {}}
SLOW_METHODS = {"autocode_tune": {}}  # `autocode code --tune`: minutes per split; --methods


def time_10k(ctx: dict, seed: int = 0) -> dict:
    """Training + coding time (cached embeddings) for all responses of a ~10k data set,
    20% seeds; the multi-label path (one model per code) is timed too by treating the
    single-label codes as a 0/1 matrix."""
    out = {}
    tr, _ = splits(ctx["Y"], "20pct", seed)
    texts, E, Y = ctx["texts"], ctx["V"], ctx["Y"]
    corpus = Corpus([str(i) for i in range(len(texts))], texts, ctx["questions"])
    for label, exclusive in (("single-label", True), ("multi-label", False)):
        book = BookInfo(
            ctx["codes"], ctx["descriptions"], [[] for _ in ctx["codes"]], exclusive, "bench"
        )
        t0, c0 = time.perf_counter(), time.process_time()
        model = train(corpus, E, book, SeedCheck(tr, Y[tr]), ctx["D"], seed=seed)
        t1 = time.perf_counter()
        model.decide(model.proba(corpus, E))
        t2, c2 = time.perf_counter(), time.process_time()
        out[label] = {
            "n_responses": len(texts),
            "n_seeds": len(tr),
            "train_s": round(t1 - t0, 2),
            "code_s": round(t2 - t1, 2),
            "total_s": round(t2 - t0, 2),
            "total_cpu_s": round(c2 - c0, 2),
            "load_avg_1min": round(os.getloadavg()[0], 2),
        }
        print(json.dumps({"timing": label, **out[label]}), flush=True)
    return out


def markdown(summ: pd.DataFrame) -> str:
    cols = ["macro_kappa", "pooled_kappa", "micro_f1", "macro_f1", "seconds"]
    lines = [
        "| data set | seeds | method | macro κ | pooled κ | micro F1 | macro F1 | s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (d, r, m), row in summ.iterrows():
        vals = " | ".join(f"{row[c]:.3f}" if c != "seconds" else f"{row[c]:.1f}" for c in cols)
        lines.append(f"| {d} | {r} | {m} | {vals} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--datasets", nargs="*", default=list(DATASETS))
    ap.add_argument("--regimes", nargs="*", default=["20pct", "10per"])
    ap.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    ap.add_argument("--methods", nargs="*", default=list(METHODS))
    ap.add_argument("--variants", default=None, help="JSON {name: {feat:{}, est:{}}} to try")
    ap.add_argument("--out", default=str(ROOT / "bench-out" / "code"))
    ap.add_argument("--timing", action="store_true", help="also time 10k responses")
    ap.add_argument(
        "--model",
        default=None,
        help="embedder as in `autocode --model` (e.g. onnx; default: the bundled torch model); "
        "autocode_tune always tunes the torch model",
    )
    a = ap.parse_args()
    methods = {m: {**METHODS, **SLOW_METHODS}.get(m, {}) for m in a.methods}
    if a.variants:
        methods.update(json.loads(a.variants))
    store = open_store(ROOT / "bench-out" / "embeddings.db")
    rows = []
    if a.timing:
        ctx = context(Path(a.data), "nhs_phase1_subcategory", store, a.model)
        out = Path(a.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "timing.json").write_text(json.dumps(time_10k(ctx), indent=2) + "\n")
    for name in a.datasets:
        ctx = context(Path(a.data), name, store, a.model)
        for regime in a.regimes:
            for seed in a.seeds:
                tr, te = splits(ctx["Y"], regime, seed)
                for m, kw in methods.items():
                    base = m if m in METHODS or m in SLOW_METHODS else "autocode"
                    if "tune" in kw:  # a variant of the tuning recipe
                        base = "autocode_tune"
                    ctx.pop("last_review", None)
                    ctx.pop("last_tune", None)
                    t0 = time.perf_counter()
                    Yp = fit_predict(base, ctx, tr, te, seed, **kw)
                    dt = time.perf_counter() - t0
                    r = metrics(ctx["Y"][te], Yp, ctx["multilabel"])
                    r.update(ctx.get("last_tune") or {})
                    rv = ctx.get("last_review")
                    if rv is not None:  # the uncertain band: how many flagged, how good each part
                        Yt = ctx["Y"][te]
                        r["review_frac"] = float(rv.mean())
                        r["micro_f1_coded"] = float(f1_score(Yt[~rv], Yp[~rv], average="micro"))
                        r["micro_f1_review"] = float(f1_score(Yt[rv], Yp[rv], average="micro"))
                    r.update(
                        dataset=name,
                        regime=regime,
                        seed=seed,
                        method=m,
                        n_seeds=len(tr),
                        n_heldout=len(te),
                        seconds=round(dt, 2),
                    )
                    rows.append(r)
                    print(json.dumps(r), flush=True)
    df = pd.DataFrame(rows)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "runs.csv", index=False)
    cols = ["macro_kappa", "pooled_kappa", "micro_f1", "macro_f1", "seconds"]
    extra = [c for c in ("review_frac", "micro_f1_coded", "micro_f1_review") if c in df]
    if extra:
        df[df["method"] == "autocode"].groupby(["dataset", "regime"])[extra].mean().round(3).to_csv(
            out / "review_band.csv"
        )
    summ = df.groupby(["dataset", "regime", "method"], sort=False)[cols].mean().round(3)
    summ.to_csv(out / "summary.csv")
    sd = df.groupby(["dataset", "regime", "method"], sort=False)[cols[:4]].std().round(3)
    sd.to_csv(out / "summary_sd.csv")
    (out / "summary.md").write_text(markdown(summ) + "\n")
    print(summ.to_string())


if __name__ == "__main__":
    main()
