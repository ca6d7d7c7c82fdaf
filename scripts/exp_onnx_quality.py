"""Experiment: does the int8 ONNX model (``--model onnx``) hold quality against torch fp32?

Usage:  nice python scripts/exp_onnx_quality.py [--data ../shared/data] [--only NAME]
                                                [--out bench-out/onnx_quality]

Issue 16 asks for int8 by default "where it holds quality: same suggestions and κ within
noise on the benchmark sets, cosine ≥ 0.995 to fp32". This script measures the suggestion
and cosine parts (κ: ``scripts/bench_code.py --model onnx``):

- cosine: every benchmark text (answers and their sentences) embedded by both models,
  read from the shared cache bench-out/embeddings.db (fill it first with
  ``bench_code.py --model onnx``); median, 1st percentile and minimum.
- suggestions: ``autocode suggest`` (the console script, default segments; each run in a
  fresh copy of the bench cache as its project, so the embeddings are read, not computed)
  on nhs_phase1_subcategory and nhs_fft_qdc_v6 with the default model and with
  ``--model onnx``; agreement with the human codes as in ``scripts/bench_suggest.py``
  (ARI, NMI, codes recovered, number of suggestions), and between the two runs: ARI of the
  two assignments, and the share of answers whose suggestion changed (suggestions of one
  run matched one-to-one to the other's by the most shared answers, Hungarian; an answer
  counts as changed when its onnx suggestion is not the match of its torch one). The
  yardstick: the same between the torch run and a torch run without every 20th answer
  (on the answers both saw): how much suggestions move when the data barely do.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "src"))

import bench_suggest as bs

CACHE = ROOT / "bench-out" / "embeddings.db"
SETS = ["nhs_phase1_subcategory", "nhs_fft_qdc_v6"]
#: run name -> (--model, all answers?): "torch_95" leaves out every 20th answer (by id hash),
#: the yardstick: how much suggestions move when the data barely do
RUNS = {"torch": (None, True), "onnx": ("onnx", True), "torch_95": (None, False)}


def cosines(data: Path, name: str) -> dict:
    """Cosine between the torch and the ONNX vector of every text of a benchmark set (both
    from the cache; texts either model lacks are left out and counted)."""
    import bench_code as bc

    from autocode.classify.vectors import split_sentences
    from autocode.embed import get_embedder, text_hash
    from autocode.project import open_store

    g, *_ = bc.load(data, name)
    texts = g["text"].tolist()
    texts += sorted({s for t in texts for s in split_sentences(t)} - set(texts))
    store = open_store(ROOT / "bench-out" / "embeddings.db")
    hashes = list(dict.fromkeys(text_hash(t) for t in texts))
    a = store.get_embeddings(get_embedder(None).model_id, hashes)
    b = store.get_embeddings(get_embedder("onnx").model_id, hashes)
    both = [h for h in hashes if h in a and h in b]
    c = np.array([float(np.dot(a[h], b[h])) for h in both])
    return {
        "texts": len(both),
        "missing": len(hashes) - len(both),
        "cos_median": float(np.median(c)),
        "cos_p01": float(np.quantile(c, 0.01)),
        "cos_min": float(c.min()),
        "share_below_995": float((c < 0.995).mean()),
    }


def run_suggest(src: Path, work: Path, model: str | None) -> tuple[pd.DataFrame, float]:
    out = work / "assign.csv"
    cmd = ["autocode", "suggest", str(src), "--text", "text", "--id", "id"]
    cmd += ["--project", str(work / "p.db"), "--out", str(out), "--json"]
    cmd += ["--model", model] if model else []
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"autocode suggest failed: {p.stderr[-2000:]}")
    return pd.read_csv(out, dtype=str, keep_default_na=False), time.perf_counter() - t0


def labels(a: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    lab = [sid if sid else "-1" for sid in a.suggestion_id]
    also = [[x for x in v.split(";") if x] for v in a.get("also", pd.Series([""] * len(a)))]
    return lab, also


def changed_share(x: list[str], y: list[str]) -> float:
    """Share of answers whose cluster in ``y`` is not the one-to-one match (most shared
    answers, Hungarian) of their cluster in ``x``."""
    from scipy.optimize import linear_sum_assignment

    ct = pd.crosstab(pd.Series(x, name="x"), pd.Series(y, name="y"))
    r, c = linear_sum_assignment(-ct.to_numpy())
    return 1.0 - ct.to_numpy()[r, c].sum() / len(x)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--only", action="append")
    ap.add_argument("--out", type=Path, default=ROOT / "bench-out" / "onnx_quality")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    results: dict = {}
    for name in SETS:
        if a.only and name not in a.only:
            continue
        res: dict = {"cosine": cosines(a.data, name)}
        print(name, json.dumps(res["cosine"]), flush=True)
        u, codes = bs.load_dataset(a.data, name)
        runs = {}
        with tempfile.TemporaryDirectory() as tmp:
            drop = u.id.map(lambda i: int(hashlib.sha1(i.encode()).hexdigest(), 16) % 20 == 0)
            for tag, (model, full) in RUNS.items():
                part = u if full else u[~drop]
                work = Path(tmp) / tag
                work.mkdir()
                # the project starts as a copy of the bench cache: both models' vectors of
                # every answer and sentence are there, so a run only clusters
                shutil.copyfile(CACHE, work / "p.db")
                src = work / "responses.csv"
                part.to_csv(src, index=False)
                df, secs = run_suggest(src, work, model)
                df = df.set_index("id").loc[part.id].reset_index()
                lab, also = labels(df)
                runs[tag] = dict(zip(part.id, lab, strict=True))
                agree = bs.agreement(part.id.tolist(), lab, codes, also)
                res[tag] = {"seconds": round(secs, 1), "n": len(part), **agree}
                print(name, tag, json.dumps(res[tag]), flush=True)
        from sklearn.metrics import adjusted_rand_score

        for other in ("onnx", "torch_95"):
            ids = list(runs[other])  # the answers both runs saw
            x, y = [runs["torch"][i] for i in ids], [runs[other][i] for i in ids]
            res[f"torch_vs_{other}"] = {
                "ari": float(adjusted_rand_score(x, y)),
                "changed_share": float(changed_share(x, y)),
            }
            print(name, other, json.dumps(res[f"torch_vs_{other}"]), flush=True)
        results[name] = res
        (a.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
