"""Embedding throughput: the bundled model on PyTorch (fp32) against ``--model onnx`` (int8
ONNX Runtime), paired in one run (issue 16: >= 1.5x the torch path, cosine >= 0.995).

Usage:  nice python scripts/bench_embed.py [--n 3000] [--repeats 3] [--data ../shared/data]

Both embedders are loaded and warmed up first (model load is not timed); then each repeat
embeds the same ``--n`` distinct NHS answers with one and then the other (the order
alternates between repeats), without the cache. Printed: median texts/s of each, their ratio,
and the cosine between the two models' vectors (min, 1st percentile, median).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from autocode.embed import get_embedder


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    d = pd.read_csv(
        args.data / "nhs_phase1_subcategory" / "nhs_phase1_subcategory.csv",
        dtype=str,
        keep_default_na=False,
    )
    texts = sorted({t.strip() for t in d["text"] if t.strip()})
    rng = np.random.default_rng(0)
    texts = [texts[i] for i in rng.permutation(len(texts))[: args.n]]
    models = {"torch fp32": get_embedder(None), "onnx int8": get_embedder("onnx")}
    for m in models.values():
        m.encode(texts[:64])  # load and warm up
    rates: dict[str, list[float]] = {k: [] for k in models}
    vecs = {}
    for r in range(args.repeats):
        for name in list(models)[:: 1 if r % 2 == 0 else -1]:
            t = time.perf_counter()
            vecs[name] = models[name].encode(texts)
            rates[name].append(len(texts) / (time.perf_counter() - t))
    cos = (vecs["torch fp32"] * vecs["onnx int8"]).sum(axis=1)
    med = {k: statistics.median(v) for k, v in rates.items()}
    print(
        json.dumps(
            {
                "texts": len(texts),
                "repeats": args.repeats,
                "texts_per_s": {k: round(v) for k, v in med.items()},
                "onnx_over_torch": round(med["onnx int8"] / med["torch fp32"], 2),
                "cosine": {
                    "min": round(float(cos.min()), 4),
                    "p1": round(float(np.percentile(cos, 1)), 4),
                    "median": round(float(np.median(cos)), 4),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
