"""``autocode code --load CODER --engine stream|dask`` at scale (issue 16): wall time,
answers/s and peak memory of the main process and of each Dask worker.

Usage:  nice python scripts/bench_scale_code.py [--part a|b|ab] [--n 1000000] [--n-onnx 20000]
        [--repeats 1] [--data ../shared/data]

The answers are nhs_fft_qdc_v6's 7,400 (id, question, text), repeated under new ids
(``<id>#<copy>``) until there are ``--n``; each copy's texts get `` (<copy>)`` appended so
that no text repeats (no chunk reuses another's vector: every answer is embedded). They
are written to ``bench-out/scale_<n>.parquet`` (row groups of 10,000 rows: the dask
partitions). A coder is trained first on the project path (2,000 of the 7,400 as seeds,
``--save``), with the same ``--model``.

(a) ``--model hash`` (the model-free embedder: the pipeline and memory without the embedding
    cost), ``--n`` answers through ``--engine stream`` and ``--engine dask`` (a LocalCluster
    of 2 worker processes, 1 thread each);
(b) ``--model onnx`` (int8 ONNX, the real cost), ``--n-onnx`` answers: stream (one process,
    ONNX Runtime's default threads) against dask with 2 workers of 1 thread each.

Each run is the console script in a subprocess, sampled every 0.2 s with psutil: the peak
RSS of the main process and of each worker process (its descendants that are not nannies),
the largest worker and the peak of the sum. Engines alternate between repeats; medians and
the dask/stream ratio are printed as JSON and appended to ``bench-out/bench_scale_code.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench-out"
EXE = Path(sys.executable).with_name("autocode")
COLS = ["--id", "id", "--text", "text", "--question", "question"]


def nhs(data: Path) -> pd.DataFrame:
    d = pd.read_csv(
        data / "nhs_fft_qdc_v6" / "nhs_fft_qdc_v6.csv", dtype=str, keep_default_na=False
    )
    return d


def build(data: Path, n: int) -> Path:
    p = OUT / f"scale_{n}.parquet"
    if p.exists():
        return p
    import pyarrow as pa
    import pyarrow.parquet as pq

    base = nhs(data)[["id", "question", "text"]].drop_duplicates("id").reset_index(drop=True)
    schema = pa.schema([(c, pa.string()) for c in base.columns])
    tmp = p.with_suffix(".tmp")
    with pq.ParquetWriter(str(tmp), schema) as w:
        done, copy = 0, 0
        while done < n:
            part = base.head(n - done)
            part = part.assign(
                id=part["id"] + f"#{copy}",
                text=part["text"] if copy == 0 else part["text"] + f" ({copy})",
            )
            w.write_table(pa.Table.from_pandas(part, schema, preserve_index=False), 10_000)
            done += len(part)
            copy += 1
    tmp.replace(p)
    return p


def train(data: Path, model: str) -> Path:
    coder = OUT / f"scale_coder_{model}"
    if (coder / "manifest.json").exists():
        return coder
    d = nhs(data)
    base = d[["id", "question", "text"]].drop_duplicates("id")
    src = OUT / "scale_train.csv"
    base.to_csv(src, index=False)
    ids = base["id"].sample(2000, random_state=0)
    seeds = OUT / "scale_seeds.csv"
    d[d["id"].isin(ids)][["id", "code"]].to_csv(seeds, index=False)
    book = data / "nhs_fft_qdc_v6" / "codebook.csv"
    db = OUT / f"scale_train_{model}.db"
    r = subprocess.run(
        [str(EXE), "code", str(src), *COLS, "-c", str(book), "--seeds", str(seeds), "--model",
         model, "-p", str(db), "--save", str(coder), "--json"],
        capture_output=True, text=True,
    )  # fmt: skip
    if r.returncode:
        sys.exit(r.stderr)
    return coder


def measure(args: list[str]) -> dict:
    """Run the console script, sampling the RSS of it and its worker processes."""
    t0 = time.perf_counter()
    proc = psutil.Popen([str(EXE), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    main_peak, sum_peak = 0, 0
    workers: dict[int, int] = {}
    while proc.poll() is None:
        try:
            main = proc.memory_info().rss
            kids = proc.children(recursive=True)
        except psutil.Error:
            break
        total = main
        main_peak = max(main_peak, main)
        for k in kids:
            try:
                if "nanny" in " ".join(k.cmdline()).lower():
                    continue  # the nanny only watches its worker
                rss = k.memory_info().rss
            except psutil.Error:
                continue
            total += rss
            workers[k.pid] = max(workers.get(k.pid, 0), rss)
        sum_peak = max(sum_peak, total)
        time.sleep(0.2)
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode:
        sys.exit(err.decode()[-2000:])
    res = json.loads(out)
    big = sorted(workers.values(), reverse=True)
    return {
        "wall_s": round(wall, 1),
        "answers": res["n_responses"],
        "answers_per_s": round(res["n_responses"] / wall),
        "workers": res["workers"],
        "main_peak_mb": round(main_peak / 2**20),
        "worker_peak_mb": [round(b / 2**20) for b in big[:8]],
        "sum_peak_mb": round(sum_peak / 2**20),
    }


def compare(src: Path, coder: Path, model: str, repeats: int) -> dict:
    runs: dict[str, list[dict]] = {"stream": [], "dask": []}
    for r in range(repeats):
        order = ("stream", "dask") if r % 2 == 0 else ("dask", "stream")
        for engine in order:
            out = OUT / f"scale_out_{engine}.parquet"
            args = ["code", str(src), *COLS, "--load", str(coder), "--model", model,
                    "--engine", engine, "--workers", "2", "--out", str(out),
                    "-p", str(OUT / "no-project.db"), "--json"]  # fmt: skip
            m = measure(args)
            print(json.dumps({"engine": engine, "model": model, **m}), flush=True)
            runs[engine].append(m)
    med = {
        e: {k: statistics.median(x[k] for x in v) for k in ("wall_s", "answers_per_s")}
        | {"main_peak_mb": max(x["main_peak_mb"] for x in v)}
        | {"worker_peak_mb": max(max(x["worker_peak_mb"] or [0]) for x in v)}
        | {"sum_peak_mb": max(x["sum_peak_mb"] for x in v)}
        for e, v in runs.items()
    }
    ratio = med["dask"]["answers_per_s"] / med["stream"]["answers_per_s"]
    return {"model": model, "n": runs["stream"][0]["answers"], "repeats": repeats,
            "median": med, "dask_over_stream_rate": round(ratio, 2), "runs": runs}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--part", default="ab")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--n-onnx", type=int, default=20_000)
    ap.add_argument("--repeats", type=int, default=1)
    a = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    results = []
    if "a" in a.part:
        results.append(compare(build(a.data, a.n), train(a.data, "hash"), "hash", a.repeats))
    if "b" in a.part:
        src = build(a.data, a.n_onnx)
        results.append(compare(src, train(a.data, "onnx"), "onnx", a.repeats))
    with open(OUT / "bench_scale_code.jsonl", "a") as f:
        for r in results:
            line = {"cpus": os.cpu_count(), "load_avg": os.getloadavg()[0], **r}
            f.write(json.dumps(line) + "\n")
            print(json.dumps({k: v for k, v in line.items() if k != "runs"}, indent=1))


if __name__ == "__main__":
    main()
