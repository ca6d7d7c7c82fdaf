"""Scale check for the suggest pipeline (clustering, labels, quotes) at 100k to 1M answers.

Uses the real MiniLM embeddings of the NHS and banking77 texts cached in
bench-out/embeddings.db (run scripts/bench_suggest.py or any embedding first), repeated with
small Gaussian jitter up to N answers, so it measures the pipeline after embedding (the
embedding itself scales linearly). The vectors are written chunk by chunk into one
preallocated float32 matrix (never held twice). Above ``--sample-size`` answers (default
:data:`autocode.suggest.sample.SAMPLE_SIZE`) a seeded sample is clustered and the rest
assigned (:mod:`autocode.suggest.sample`). Reports wall time of ``suggest`` and the
process's peak RSS (ru_maxrss: everything, the data included).

Usage: python scripts/scale_suggest.py [N] [--sample-size S]
"""

from __future__ import annotations

import argparse
import resource
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
CHUNK = 50_000


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def jittered(base: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """``n`` rows: copies of ``base``'s rows in turn plus N(0, 0.01) noise, L2-normalised,
    written into one preallocated float32 matrix in chunks."""
    rng = np.random.default_rng(seed)
    X = np.empty((n, base.shape[1]), dtype=np.float32)
    for s in range(0, n, CHUNK):
        idx = np.arange(s, min(s + CHUNK, n)) % len(base)
        part = base[idx] + rng.normal(0, 0.01, (len(idx), base.shape[1])).astype(np.float32)
        part /= np.linalg.norm(part, axis=1, keepdims=True)
        X[s : s + len(idx)] = part
    return X


def main(n: int = 100_000, sample_size: int | None = None) -> None:
    texts: list[str] = []
    for name in ("nhs_phase1_subcategory", "nhs_fft_qdc_v6", "banking77"):
        d = pd.read_csv(DATA / name / f"{name}.csv", dtype=str, keep_default_na=False)
        texts += sorted(set(d["text"].str.strip()) - {""})
    st = open_store(ROOT / "bench-out" / "embeddings.db")
    # the default model's vectors, under whichever id (fingerprinted or not) the cache has
    model = next(
        (m for m in st.embedding_models([text_hash(t) for t in texts]) if "onnx" not in m),
        DEFAULT_MODEL_ID,
    )
    cache = st.get_embeddings(model, [text_hash(t) for t in texts])
    texts = [t for t in texts if text_hash(t) in cache]
    base = np.vstack([cache[text_hash(t)] for t in texts]).astype(np.float32)
    del cache
    X = jittered(base, n)
    all_texts = [texts[i % len(texts)] for i in range(n)]
    flags = {t: is_non_answer(t) for t in texts}
    df = pd.DataFrame(
        {
            "id": [str(i) for i in range(n)],
            "question": "q",
            "text": all_texts,
            "non_answer": [flags[t] for t in all_texts],
        }
    )
    del all_texts
    print(f"{n} answers ({len(texts)} distinct real texts, jittered copies)", flush=True)
    print(
        f"data ready: peak RSS {peak_mb():.0f} MB (vectors {X.nbytes / 2**20:.0f} MB)", flush=True
    )
    t = time.perf_counter()
    res = suggest(df, X, sample_size=sample_size)
    dt = time.perf_counter() - t
    q = res.questions[0]
    sample = q.params.get("sample")
    print(
        f"suggest: {dt:.1f} s, peak RSS {peak_mb():.0f} MB, {len(res.suggestions)} suggestions "
        f"in {len(res.themes)} themes, {q.n_unassigned} unassigned "
        f"({100 * q.n_unassigned / max(q.n_responses - q.n_non_answers, 1):.1f}%), "
        f"min_cluster_size {q.params['min_cluster_size']}, "
        + (
            f"sample {sample['size']} of {sample['of']} (seed {sample['seed']})"
            if sample
            else "no sample"
        ),
        flush=True,
    )


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=100_000)
    ap.add_argument("--sample-size", type=int, default=None)
    a = ap.parse_args()
    main(a.n, a.sample_size)
