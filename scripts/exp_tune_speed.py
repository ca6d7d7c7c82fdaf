"""Experiment: the CPU cost of ``code --tune``'s recipes, paired and alternated in one process.

Usage:  nice python scripts/exp_tune_speed.py [--pairs 3] [--reps 2] [--sample 2000]

Wall time on the shared 2-core machine swings with other jobs (load 3 to 10 during the runs
of 2026-12-02), so this measures CPU seconds (``time.process_time``, one torch thread, so no
thread spins while waiting) of the two costly steps on nhs_phase1_subcategory, 20% seeds,
split 0 of ``scripts/bench_code.py``: tuning (``autocode.classify.tune.tune`` with ``--pairs``
pairs per code instead of 20: the cost is linear in the number of pairs, so it is scaled by
20 / pairs) and the embedding pass with the tuned model (``tuned_vectors`` on ``--sample``
answers, scaled to all 10,334). Variants run in turn, ``--reps`` rounds; medians reported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "src"))

import bench_code as bc

from autocode.classify.tune import tune, tuned_vectors
from autocode.embed import get_embedder

VARIANTS = {
    "today": {},
    "GF": {"group_by_length": True, "freeze_embeddings": True},
    "GFW": {"group_by_length": True, "freeze_embeddings": True, "sentences": False},
    "GF3W": {
        "group_by_length": True,
        "freeze_embeddings": True,
        "freeze_layers": 3,
        "sentences": False,
    },
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--sample", type=int, default=2000)
    a = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    g, Y, *_ = bc.load(Path(a.data), "nhs_phase1_subcategory")
    texts = g["text"].tolist()
    tr, _ = bc.splits(Y, "20pct", 0)
    rng = np.random.default_rng(0)
    sample = [texts[i] for i in rng.choice(len(texts), a.sample, replace=False)]
    base = get_embedder(None)
    got: dict = {v: {"tune": [], "embed": []} for v in VARIANTS}
    scale_t, scale_e = 20 / a.pairs, len(texts) / a.sample
    for rep in range(a.reps):
        for v, prm in VARIANTS.items():
            c0 = time.process_time()
            t = tune(base, [texts[i] for i in tr], Y[tr], 0, {**prm, "pairs": a.pairs})
            c1 = time.process_time()
            tuned_vectors(sample, t)
            c2 = time.process_time()
            got[v]["tune"].append((c1 - c0) * scale_t)
            got[v]["embed"].append((c2 - c1) * scale_e)
            print(
                json.dumps(
                    {
                        "rep": rep,
                        "variant": v,
                        "tune_cpu_s": round(got[v]["tune"][-1], 1),
                        "embed_cpu_s": round(got[v]["embed"][-1], 1),
                    }
                ),
                flush=True,
            )
    ref = None
    for v, d in got.items():
        tt, ee = statistics.median(d["tune"]), statistics.median(d["embed"])
        ref = ref or (tt, ee)
        print(
            f"{v}: tune {tt:.0f} CPU-s ({tt / ref[0]:.2f}x), embed {ee:.0f} CPU-s "
            f"({ee / ref[1]:.2f}x), both {(tt + ee) / sum(ref):.2f}x"
        )


if __name__ == "__main__":
    main()
