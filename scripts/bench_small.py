"""`autocode suggest` on small surveys (tens to hundreds of answers) against human codes.

Issue 14 measures suggestions on a small faculty coding (43 answers, 12 subthemes) that this
repository cannot hold. This benchmark stands in for it with two kinds of small, human-coded
data:

- seeded random samples of 40, 80, 150 and 300 answers of each NHS set (../shared/data:
  nhs_phase1_subcategory, nhs_fft_qdc_v6; 5 draws per size, each draw clustered on its own,
  as a survey of that size would be);
- the faculty survey of tests/data/study (the synthetic REDCap export, 3 questions of 35-37
  answers, coded by hand by the developers: primary.csv), one question at a time, and all
  three in one clustering (`--across-questions`).

Metrics, as scripts/bench_suggest.py computes them: NMI and ARI over the single-coded
answers (each answer's first suggestion; unassigned answers one more cluster, each non-answer
group a cluster), the share of answers left unassigned, the number of suggestions, and the
share of answers in the largest suggestion (a catch-all shows there).

`autocode.suggest` runs in process on the bundled model's vectors of the answers and their
segments (the CLI's default: sentences), cached in bench-out/embeddings.db.

Usage: python scripts/bench_small.py [--data ../shared/data] [--draws 5] [--json FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from threadpoolctl import threadpool_limits

SETS = ["nhs_phase1_subcategory", "nhs_fft_qdc_v6"]
SIZES = [40, 80, 150, 300]
STUDY = ROOT / "tests" / "data" / "study"


def nhs(data: Path, name: str) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    d = pd.read_csv(data / name / f"{name}.csv", dtype=str, keep_default_na=False)
    d["text"] = d["text"].str.strip()
    d = d[d.text != ""]
    codes = d.groupby("id")["code"].apply(lambda s: sorted(set(s))).to_dict()
    return d.drop_duplicates("id")[["id", "text"]].reset_index(drop=True), codes


def draw(u: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """n answers, the smallest blake2b(seed:id): any row order gives the same sample."""
    key = u["id"].map(lambda i: hashlib.blake2b(f"{seed}:{i}".encode(), digest_size=8).digest())
    return u.assign(_k=key).sort_values("_k").head(n).drop(columns="_k").reset_index(drop=True)


def faculty() -> tuple[pd.DataFrame, dict[str, list[str]]]:
    import autocode
    from autocode.api import response_frame

    raw = pd.read_csv(STUDY / "faculty_survey_raw.csv", dtype=str, keep_default_na=False)
    df = response_frame(autocode.read_responses(raw, id="record_id"))
    p = pd.read_csv(STUDY / "primary.csv", dtype=str, keep_default_na=False)
    p = p[p.code != ""]
    codes = (
        p.assign(id=p.record_id + ":" + p.question)
        .groupby("id")["code"]
        .apply(lambda s: sorted(set(s)))
        .to_dict()
    )
    return df, codes


def score(res, ids: list[str], codes: dict[str, list[str]]) -> dict:
    first: dict[str, str] = {}
    sizes = []
    for s in [*res.suggestions, *res.non_answer_groups]:
        for m in s.members:
            first.setdefault(m, s.id)
    for s in res.suggestions:
        sizes.append(len(s.members))
    single = [i for i in ids if len(codes.get(i, [])) == 1]
    y = [codes[i][0] for i in single]
    c = [first.get(i, "-1") for i in single]
    return {
        "n": len(ids),
        "nmi": normalized_mutual_info_score(y, c),
        "ari": adjusted_rand_score(y, c),
        "unassigned": sum(i not in first for i in ids) / len(ids),
        "suggestions": len(res.suggestions),
        "largest": max(sizes, default=0) / len(ids),
    }


def label_similarity(res, codes: dict[str, list[str]], embedder, min_n: int = 3) -> list[dict]:
    """For each code with >= min_n answers, the suggestion with the best F1 against it, and
    the cosine (bundled model) between that suggestion's label and the code's name."""
    from bench_labels import code_members

    from autocode.embed import embed_texts

    rows = []
    for code, m in sorted(code_members(codes).items()):
        if len(m) < min_n:
            continue
        f1, label = max(
            ((2 * len(m & set(s.members)) / (len(m) + len(s.members)), s.label)
             for s in res.suggestions),
            default=(0.0, ""),
        )  # fmt: skip
        if label:
            rows.append({"code": code, "label": label, "f1": f1})
    if rows:
        A = np.asarray(embed_texts([r["label"] for r in rows], embedder, None)[0])
        B = np.asarray(embed_texts([r["code"] for r in rows], embedder, None)[0])
        for r, c in zip(rows, np.sum(A * B, axis=1), strict=True):
            r["cos"] = float(c)
    return rows


def run(
    df: pd.DataFrame, embedder, store, topics: dict[str, str] | None = None, across: bool = False
):
    from autocode.embed import embed_texts
    from autocode.suggest.core import suggest
    from autocode.suggest.run import embed_answers

    X, _ = embed_answers(df, embedder, store)

    def embed_segments(texts: list[str]) -> np.ndarray:
        return np.asarray(embed_texts(texts, embedder, store)[0])

    with threadpool_limits(1):
        return suggest(
            df, X, embed_segments=embed_segments, question_texts=topics, across_questions=across
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--draws", type=int, default=5)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    import autocode
    from autocode.api import response_frame
    from autocode.embed import get_embedder
    from autocode.project import open_store

    embedder = get_embedder(None)
    (ROOT / "bench-out").mkdir(exist_ok=True)
    store = open_store(ROOT / "bench-out" / "embeddings.db")
    rows = []
    for name in SETS:
        u, codes = nhs(Path(a.data), name)
        for n in SIZES:
            for seed in range(a.draws):
                df = response_frame(autocode.read_responses(draw(u, n, seed), text="text", id="id"))
                r = score(run(df, embedder, store), df["id"].tolist(), codes)
                rows.append({"data": name, "size": n, "draw": seed, **r})
    df, codes = faculty()
    pairs = []
    for q, part in df.groupby("question", sort=False):
        part = part.reset_index(drop=True)
        # the wording the CLI gives a raw export's column (autocode.io: "mentor barriers")
        res = run(part, embedder, store, {q: q.replace("_", " ")})
        r = score(res, part["id"].tolist(), codes)
        ids = set(part["id"])
        sims = label_similarity(res, {i: c for i, c in codes.items() if i in ids}, embedder)
        pairs += [{"question": q, **x} for x in sims]
        r["label_sim"] = float(np.mean([x["cos"] for x in sims if x["f1"] >= 0.5]))
        rows.append({"data": f"faculty {q}", "size": len(part), "draw": 0, **r})
    # all three questions in one clustering (suggest --across-questions), against the same
    # question-specific codes
    res = run(df, embedder, store, {q: q.replace("_", " ") for q in df["question"].unique()}, True)
    r = score(res, df["id"].tolist(), codes)
    rows.append({"data": "faculty, across questions", "size": len(df), "draw": 0, **r})
    t = pd.DataFrame(rows)
    g = t.groupby(["data", "size"], sort=False)[
        ["nmi", "ari", "unassigned", "suggestions", "largest"]
    ].mean()
    pd.set_option("display.width", 160)
    print(g.round(3).to_string())
    nhs_rows = t[t.data.isin(SETS)]
    fac = t[t.data.str.startswith("faculty ")]
    print(
        f"\nmean NMI: NHS samples {nhs_rows.nmi.mean():.3f}, faculty per question "
        f"{fac.nmi.mean():.3f}; "
        "faculty label-code name similarity (codes >= 3 answers matched at F1 >= 0.5): "
        f"{np.mean([p['cos'] for p in pairs if p['f1'] >= 0.5]):.3f} "
        f"({sum(p['f1'] >= 0.5 for p in pairs)} of {len(pairs)} codes)"
    )
    for p in pairs:
        print(f"  {p['question']:16s} {p['code'][:32]:32s} <- {p['label'][:34]:34s} "
              f"F1 {p['f1']:.2f} cos {p['cos']:.2f}")  # fmt: skip
    if a.json:
        Path(a.json).write_text(t.to_json(orient="records", indent=1) + "\n")


if __name__ == "__main__":
    main()
