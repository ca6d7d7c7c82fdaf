"""Experiment: contrastive (SetFit-style) fine-tuning of the embedding model on the seeds.

Usage:  nice python scripts/exp_finetune.py [--regimes 20pct 10per] [--seeds 0 1 2]
                                            [--pairs 20] [--epochs 1] [--lr 2e-4]
                                            [--variants shipped tuned shipped+tuned]

For each split of scripts/bench_code.py (nhs_fft_qdc_v6), a copy of all-MiniLM-L6-v2 is
fine-tuned on that split's seeds only (Tunstall et al. 2022, "Efficient few-shot learning
without prompts": pairs of seeds that share a code are pulled together, pairs where one has
the code and the other does not are pushed apart; cosine-similarity loss; the shipped
``autocode.classify.tune``). All responses, their sentences and the code descriptions are then
re-embedded with the tuned model and the shipped ``autocode`` method is run on
(a) the tuned vectors alone and (b) the shipped vectors and the tuned ones side by side
(what ``autocode code --tune`` does).
Nothing is cached: the tuned model depends on the split.
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
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "src"))

import bench_code as bc

from autocode.classify.tune import combine, tune
from autocode.classify.vectors import response_vectors
from autocode.embed import embed_texts, get_embedder
from autocode.project import open_store

NAME = "nhs_fft_qdc_v6"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--regimes", nargs="*", default=["20pct", "10per"])
    ap.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    ap.add_argument("--pairs", type=int, default=20, help="positive (and negative) pairs per code")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--variants", nargs="*", default=["shipped", "tuned", "shipped+tuned"])
    ap.add_argument("--out", default=str(ROOT / "bench-out" / "exp_finetune"))
    a = ap.parse_args()
    import torch

    torch.set_num_threads(2)
    base = bc.context(Path(a.data), NAME, open_store(ROOT / "bench-out" / "embeddings.db"))
    texts = base["texts"]
    rows = []
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for regime in a.regimes:
        for seed in a.seeds:
            tr, te = bc.splits(base["Y"], regime, seed)
            t0 = time.perf_counter()
            emb = tune(
                get_embedder(None),
                [texts[i] for i in tr],
                base["Y"][tr],
                seed,
                {"pairs": a.pairs, "epochs": a.epochs, "lr": a.lr},
            )
            info = {"tune_s": round(time.perf_counter() - t0, 1)}
            t0 = time.perf_counter()
            V2 = response_vectors(texts, emb, None)
            D2 = embed_texts(base["descriptions"], emb, None)[0]
            info["embed_s"] = round(time.perf_counter() - t0, 1)
            V, D = base["V"], base["D"]
            variants = {
                "shipped": (V, D),
                "tuned": (V2, D2),
                "shipped+tuned": (combine(V, V2, True), combine(D, D2, False)),
            }
            for v, (Vv, Dv) in variants.items():
                if v not in a.variants:
                    continue
                ctx = dict(base, V=Vv, D=Dv)
                t1 = time.perf_counter()
                Yp = bc.fit_predict("autocode", ctx, tr, te, seed)
                r = bc.metrics(base["Y"][te], Yp, True)
                r.update(
                    regime=regime,
                    seed=seed,
                    variant=v,
                    pairs_per_code=a.pairs,
                    epochs=a.epochs,
                    lr=a.lr,
                    fit_s=round(time.perf_counter() - t1, 1),
                    **info,
                )
                rows.append(r)
                print(json.dumps(r), flush=True)
            pd.DataFrame(rows).to_csv(
                out / f"runs_p{a.pairs}_e{a.epochs}_lr{a.lr}_{'-'.join(a.regimes)}.csv", index=False
            )
    df = pd.DataFrame(rows)
    cols = ["macro_kappa", "pooled_kappa", "micro_f1", "macro_f1"]
    print(df.groupby(["regime", "variant"], sort=False)[cols].mean().round(4).to_string())


if __name__ == "__main__":
    main()
