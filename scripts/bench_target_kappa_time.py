"""What ``--target-kappa`` costs on top of a default ``autocode code`` (issue 13: "at most
doubles the default fit time on 10k answers, cached embeddings").

Usage:  nice python scripts/bench_target_kappa_time.py [--data ../shared/data] \
            [--set nhs_phase1_subcategory] [--pairs 3] [--out bench-out/tk-time]

Builds a project through the real CLI (the survey, the set's codebook, 20% of the human codes
as the primary coder's seeds: the stratified split 0 of ``scripts/bench_code.py``), embeds
once (not timed), then runs, in turn, ``autocode code --seeds-coder primary`` (the anchor),
the same with ``--target-kappa 0.85`` (the default estimate: ``fitted``) and with
``--estimate cv``; each pair's ratio to the anchor run just before it, and the medians.
Whole processes, wall time (the machine is shared and noisy: quote ratios and medians).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from bench_code import DATASETS, load, splits

AUTOCODE = Path(sys.executable).with_name("autocode")


def cli(proj: Path, *args: str) -> float:
    t = time.perf_counter()
    r = subprocess.run([str(AUTOCODE), *args, "-p", str(proj)], capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"autocode {' '.join(args)} failed: {r.stderr.strip()[-400:]}")
    return time.perf_counter() - t


def build(data: Path, name: str, out: Path) -> Path:
    g, Y, codes, descriptions = load(data, name)
    out.mkdir(parents=True, exist_ok=True)
    proj = out / "study.db"
    proj.unlink(missing_ok=True)
    survey = pd.DataFrame({"id": g["id"], "question": g["question"], "text": g["text"]})
    survey.to_csv(out / "survey.csv", index=False)
    book = {
        "name": name,
        "exclusive": not DATASETS[name],
        "codes": [{"name": c, "definition": d} for c, d in zip(codes, descriptions, strict=True)],
    }
    (out / "codebook.yaml").write_text(yaml.safe_dump(book, allow_unicode=True), encoding="utf-8")
    tr, _ = splits(Y, "20pct", 0)
    rows = [
        (g["id"].iloc[i], g["question"].iloc[i], codes[j]) for i in tr for j in Y[i].nonzero()[0]
    ]
    pd.DataFrame(rows, columns=["id", "question", "code"]).to_csv(out / "seeds.csv", index=False)
    cli(proj, "import", str(out / "survey.csv"), "--id", "id", "-q", "question", "--text", "text")
    cli(proj, "codebook", "import", str(out / "codebook.yaml"))
    cli(proj, "codings", "import", str(out / "seeds.csv"), "--coder", "primary",
        "--id", "id", "-q", "question", "--code", "code")  # fmt: skip
    return proj


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--set", default="nhs_phase1_subcategory", choices=list(DATASETS))
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench-out" / "tk-time")
    args = ap.parse_args()
    proj = build(args.data, args.set, args.out)
    base = ["code", "--seeds-coder", "primary"]
    cli(proj, *base)  # embeds every answer once: the timed runs read the cache
    runs = {
        "fitted": [*base, "--target-kappa", "0.85"],
        "cv": [*base, "--target-kappa", "0.85", "--estimate", "cv"],
    }
    ratios: dict[str, list[float]] = {k: [] for k in runs}
    anchor: list[float] = []
    for p in range(args.pairs):
        for k, cmd in runs.items():
            a = cli(proj, *base)
            b = cli(proj, *cmd)
            anchor.append(a)
            ratios[k].append(b / a)
            print(f"pair {p} {k}: default {a:.1f} s, --target-kappa {b:.1f} s, ratio {b / a:.2f}",
                  flush=True)  # fmt: skip
    print(f"{args.set}: default `code` median {statistics.median(anchor):.1f} s")
    for k, r in ratios.items():
        print(f"  --target-kappa 0.85, estimate {k}: median ratio {statistics.median(r):.2f} "
              f"(min {min(r):.2f}, max {max(r):.2f})")  # fmt: skip


if __name__ == "__main__":
    main()
