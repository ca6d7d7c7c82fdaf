"""Scale check for ``autocode code``: train and code ~100k responses with cached vectors.

Usage:  nice python scripts/scale_code.py [--reps 14] [--seeds 2000]

nhs_fft_qdc_v6 (7,400 answers, 46 codes, multi-label) is repeated ``--reps`` times under new
ids (its cached MiniLM response vectors reused, so embedding is not timed), ``--seeds``
responses drawn at random are the human seeds, and the shipped pipeline trains (features,
self-training on the uncoded responses, threshold CV) and codes every response. Prints
wall time of each step and the process's peak RSS. Needs bench-out/embeddings.db filled by
scripts/bench_code.py.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_code as bc

from autocode.classify.pipeline import BookInfo, Corpus, SeedCheck, train
from autocode.project import open_store


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--reps", type=int, default=14)
    ap.add_argument("--seeds", type=int, default=2000)
    a = ap.parse_args()
    store = open_store(ROOT / "bench-out" / "embeddings.db")
    c = bc.context(Path(a.data), "nhs_fft_qdc_v6", store)
    texts = [t for _ in range(a.reps) for t in c["texts"]]
    questions = [q for _ in range(a.reps) for q in c["questions"]]
    V = np.vstack([c["V"]] * a.reps)
    Y = np.vstack([c["Y"]] * a.reps)
    n = len(texts)
    rows = np.sort(np.random.default_rng(0).choice(n, a.seeds, replace=False))
    corpus = Corpus([f"{i:06d}" for i in range(n)], texts, questions)
    book = BookInfo(c["codes"], c["descriptions"], [[] for _ in c["codes"]], False, "scale")
    t0 = time.perf_counter()
    model = train(corpus, V, book, SeedCheck(rows, Y[rows]), c["D"], seed=0)
    t1 = time.perf_counter()
    model.decide(model.proba(corpus, V))
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "n_responses": n,
                "n_seeds": len(rows),
                "n_codes": len(c["codes"]),
                "train_s": round(t1 - t0, 1),
                "code_s": round(t2 - t1, 1),
                "peak_rss_mb": round(peak),
            }
        )
    )


if __name__ == "__main__":
    main()
