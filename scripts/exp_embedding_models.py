"""Experiment: does a stronger offline embedding model raise the seeded coder's kappa?

Usage:  nice python scripts/exp_embedding_models.py embed --model bench-out/models/all-mpnet-base-v2
        nice python scripts/exp_embedding_models.py eval  --model bench-out/models/all-mpnet-base-v2

Runs the shipped ``autocode`` method of scripts/bench_code.py (same splits, same metrics,
same 3 seeds) on nhs_fft_qdc_v6 with 20% stratified seeds and 10 seeds per code, with the
response / code-description embeddings replaced by (a) the candidate model's vectors and
(b) the concatenation [MiniLM, candidate] / sqrt(2) (both L2-normalised, so the result is
unit-length too). The candidate's vectors are cached in their own SQLite store,
bench-out/embeddings_<model>.db, so the shared MiniLM cache is not touched.
Models are local folders; HF_HUB_OFFLINE=1 is set so nothing can download at run time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "src"))

import bench_code as bc  # splits, metrics, fit_predict, context, load

from autocode.embed import SentenceTransformerEmbedder, embed_texts
from autocode.project import open_store

NAME = "nhs_fft_qdc_v6"


def _store(model: Path):
    return open_store(ROOT / "bench-out" / f"embeddings_{model.resolve().name}.db")


def embed(data: Path, model: Path) -> dict:
    """Embed the data set's texts and code descriptions with ``model``; time the texts."""
    g, _, _, descriptions = bc.load(data, NAME)
    texts = g["text"].tolist()
    emb = SentenceTransformerEmbedder(model)
    store = _store(model)
    t0, c0 = time.perf_counter(), time.process_time()
    E, _ = embed_texts(texts, emb, store)
    t1, c1 = time.perf_counter(), time.process_time()
    embed_texts(descriptions, emb, store)  # into the cache, for evaluate()
    out = {
        "model": model.resolve().name,
        "n_texts": len(texts),
        "dims": int(E.shape[1]),
        "embed_s": round(t1 - t0, 1),
        "embed_cpu_s": round(c1 - c0, 1),
        "load_avg_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(out), flush=True)
    return out


def _unit(X: np.ndarray) -> np.ndarray:
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)


def evaluate(data: Path, models: list[Path], regimes: list[str], seeds: list[int]) -> pd.DataFrame:
    base = bc.context(data, NAME, open_store(ROOT / "bench-out" / "embeddings.db"))
    variants = {"MiniLM-L6 (shipped)": (base["E"], base["D"])}
    for m in models:
        emb = SentenceTransformerEmbedder(m)
        store = _store(m)
        E2 = _unit(embed_texts(base["texts"], emb, store)[0])
        D2 = _unit(embed_texts(base["descriptions"], emb, store)[0])
        nm = m.resolve().name
        variants[nm] = (E2, D2)
        variants[f"MiniLM + {nm}"] = (
            np.hstack([_unit(base["E"]), E2]) / np.sqrt(2),
            np.hstack([_unit(base["D"]), D2]) / np.sqrt(2),
        )
    rows = []
    for regime in regimes:
        for seed in seeds:
            tr, te = bc.splits(base["Y"], regime, seed)
            for v, (E, D) in variants.items():
                ctx = dict(base, E=E, D=D)
                t0 = time.perf_counter()
                Yp = bc.fit_predict("autocode", ctx, tr, te, seed)
                r = bc.metrics(base["Y"][te], Yp, True)
                r.update(
                    regime=regime,
                    seed=seed,
                    variant=v,
                    dims=E.shape[1],
                    seconds=round(time.perf_counter() - t0, 1),
                )
                rows.append(r)
                print(json.dumps(r), flush=True)
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("step", choices=["embed", "eval"])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--model", nargs="*", default=[])
    ap.add_argument("--regimes", nargs="*", default=["20pct", "10per"])
    ap.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    ap.add_argument("--out", default=str(ROOT / "bench-out" / "exp_embed"))
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    if a.step == "embed":
        for m in a.model:
            r = embed(Path(a.data), Path(m))
            (out / f"embed_{r['model']}.json").write_text(json.dumps(r, indent=2) + "\n")
        return
    df = evaluate(Path(a.data), [Path(m) for m in a.model], a.regimes, a.seeds)
    df.to_csv(out / "runs.csv", index=False)
    cols = ["macro_kappa", "pooled_kappa", "micro_f1", "macro_f1", "seconds"]
    summ = df.groupby(["regime", "variant", "dims"], sort=False)[cols].mean().round(3)
    summ.to_csv(out / "summary.csv")
    print(summ.to_string())


if __name__ == "__main__":
    main()
