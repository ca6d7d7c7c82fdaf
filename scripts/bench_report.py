"""Time `autocode report` and the exports on a real coded survey (nhs_fft_qdc_v6:
~7,400 answers, 4,392 respondents, one human coder) plus a synthetic second coder.

    nice python scripts/bench_report.py [--data ../shared/data/nhs_fft_qdc_v6/nhs_fft_qdc_v6.csv]

Writes everything under bench-out/report/ and prints one line per step (seconds, peak RSS).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import sys
import time
from pathlib import Path

import pandas as pd

from autocode.cli import main
from autocode.project import now_iso, open_store


def build(csv: Path, db: Path) -> None:
    d = pd.read_csv(csv, dtype=str, keep_default_na=False)
    d["respondent"] = d["id"].str.rsplit(" - ", n=1).str[0]
    resp = d.drop_duplicates("id")
    if db.exists():
        db.unlink()
    store = open_store(db)
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO responses(id, respondent, question, text, text_hash, non_answer) "
            "VALUES (?,?,?,?,?,0)",
            [
                (
                    r.id,
                    r.respondent,
                    r.question,
                    r.text,
                    hashlib.sha256(r.text.encode()).hexdigest()[:32],
                )
                for r in resp.itertuples()
            ],
        )
        attrs = resp.drop_duplicates("respondent")
        conn.executemany(
            "INSERT INTO respondent_attributes(respondent, name, value) VALUES (?,?,?)",
            [(r.respondent, "trust", r.trust) for r in attrs.itertuples()]
            + [(r.respondent, "fft_score", r.fft_score) for r in attrs.itertuples()],
        )
        rows = []
        for i, r in enumerate(d.itertuples()):
            rows.append((r.id, r.code, "human", "human", "coded", None, None, now_iso()))
            if i % 5:  # a synthetic machine coder that agrees 4 times out of 5
                rows.append(
                    (r.id, r.code, "autocode", "machine", "coded", 0.8, "classify-1", now_iso())
                )
        conn.executemany(
            "INSERT OR IGNORE INTO codings(response_id, code, coder, source, status, confidence, "
            "run_id, created_at) VALUES (?,?,?,?,?,?,?,?)",
            rows,
        )
        cb = pd.read_csv(csv.parent / "codebook.csv", dtype=str, keep_default_na=False)
        doc = {
            "autocode_codebook": 1,
            "name": "QDC v6",
            "themes": [
                {
                    "name": t,
                    "codes": [
                        {"name": c, "definition": x}
                        for c, x in zip(g["code"], g["description"], strict=True)
                    ],
                }
                for t, g in cb.groupby("category", sort=False)
            ],
        }
        conn.execute(
            "INSERT INTO codebook_versions(created_at, user, source, note, content) "
            "VALUES (?,?,?,?,?)",
            (now_iso(), "bench", "import", None, json.dumps(doc)),
        )
    store.close()


def timed(label: str, argv: list[str]) -> None:
    t = time.perf_counter()
    rc = main(argv)
    dt = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label:<34} rc={rc} {dt:6.2f} s   peak RSS {rss:5.0f} MB", flush=True)


def run(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/nhs_fft_qdc_v6/nhs_fft_qdc_v6.csv")
    ap.add_argument("--out", default="bench-out/report")
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "nhs.db"
    t = time.perf_counter()
    build(Path(a.data), db)
    print(f"{'build project':<34}      {time.perf_counter() - t:6.2f} s", flush=True)
    p = ["-p", str(db)]
    timed("report html (all questions)", ["report", *p, "-o", str(out / "r.html")])
    timed("report md --by trust", ["report", *p, "--by", "trust", "-o", str(out / "r.md")])
    timed(
        "report xlsx --redact --no-ner",
        ["report", *p, "--redact", "--no-ner", "-o", str(out / "r.xlsx")],
    )
    timed("export codings csv", ["export", "codings", *p, "-o", str(out / "c.csv")])
    timed("export codings wide", ["export", "codings", *p, "-f", "wide", "-o", str(out / "w.csv")])
    timed("export qdpx", ["export", "qdpx", *p, "-o", str(out / "nhs.qdpx")])
    return 0


if __name__ == "__main__":
    sys.exit(run())
