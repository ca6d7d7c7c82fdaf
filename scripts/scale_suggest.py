"""Scale check for the suggest pipeline (clustering, labels, quotes) at 100,000+ answers.

Uses the real MiniLM embeddings of the NHS and banking77 texts cached in
bench-out/embeddings.db (run scripts/bench_suggest.py or any embedding first), repeated with
small Gaussian jitter up to N answers, so it measures the pipeline after embedding (the
embedding itself scales linearly: ~300 texts/s on 2 cores).

Usage: python scripts/scale_suggest.py [N]
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from autocode.embed import DEFAULT_MODEL_ID, text_hash
from autocode.io import is_non_answer
from autocode.project import open_store
from autocode.suggest import suggest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def main(n: int = 100_000) -> None:
    texts: list[str] = []
    for name in ("nhs_phase1_subcategory", "nhs_fft_qdc_v6", "banking77"):
        d = pd.read_csv(DATA / name / f"{name}.csv", dtype=str, keep_default_na=False)
        texts += sorted(set(d["text"].str.strip()) - {""})
    st = open_store(ROOT / "bench-out" / "embeddings.db")
    cache = st.get_embeddings(DEFAULT_MODEL_ID, [text_hash(t) for t in texts])
    texts = [t for t in texts if text_hash(t) in cache]
    base = np.vstack([cache[text_hash(t)] for t in texts])
    rng = np.random.default_rng(0)
    reps = int(np.ceil(n / len(texts)))
    X = np.vstack([base + rng.normal(0, 0.01, base.shape).astype(np.float32) for _ in range(reps)])
    X = (X / np.linalg.norm(X, axis=1, keepdims=True))[:n].astype(np.float32)
    all_texts = (texts * reps)[:n]
    df = pd.DataFrame(
        {
            "id": [str(i) for i in range(n)],
            "question": "q",
            "text": all_texts,
            "non_answer": [is_non_answer(t) for t in all_texts],
        }
    )
    print(f"{n} answers ({len(texts)} distinct real texts, jittered copies)")
    t = time.perf_counter()
    res = suggest(df, X)
    dt = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    q = res.questions[0]
    print(
        f"suggest: {dt:.1f} s, peak RSS {peak:.0f} MB, {len(res.suggestions)} suggestions in "
        f"{len(res.themes)} themes, {q.n_unassigned} unassigned, min_cluster_size "
        f"{q.params['min_cluster_size']}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
