"""Benchmark: the workbench's pages on a 10,000-answer project (goal: every page < 300 ms,
the suggestions board with ~150 suggestions < 1 s).

The project is synthetic: 10,000 answers to two questions, written around 200 topics
(150 in the first question, 50 in the second), suggested with the model-free hash embedder
through the console script (``autocode suggest --model hash``), so it builds in a minute
without the model. Each page is requested in-process through Starlette's TestClient (the
app's own time: routing, guard, library calls, template; no network), after one warm-up,
``--repeats`` times; the median and the maximum are printed as a Markdown table. Pages
reuse the replayed review state while the decision log is unchanged; the first page after
a decision replays it (timed separately).

    nice python scripts/bench_app.py [--repeats 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pandas as pd

WORDS = [
    *[
        "staff",
        "ward",
        "food",
        "parking",
        "waiting",
        "doctor",
        "nurse",
        "appointment",
        "phone",
        "letter",
        "clinic",
        "room",
    ],
    *[
        "bed",
        "noise",
        "visit",
        "family",
        "discharge",
        "medicine",
        "pain",
        "test",
        "result",
        "booking",
        "reception",
    ],
    *[
        "kindness",
        "time",
        "respect",
        "privacy",
        "clean",
        "toilet",
        "canteen",
        "signage",
        "transport",
        "wheelchair",
    ],
    *[
        "bus",
        "therapy",
        "group",
        "support",
        "listen",
        "explain",
        "advice",
        "referral",
        "carer",
        "night",
        "weekend",
    ],
    *["queue", "online", "app", "record"],
]


def survey(n: int = 10_000, seed: int = 0) -> pd.DataFrame:
    """About ``n`` answers: ``n / 1.6`` respondents, all answering the first question (150
    topics) and 60% the second (50 topics)."""
    rng = np.random.default_rng(seed)
    topics = [
        (f"topic{k}", *rng.choice(WORDS, size=3, replace=False)) for k in range(200)
    ]  # fmt: skip
    half = round(n / 1.6)
    rows = []
    for i in range(half):
        row = {"id": f"R{i:05d}"}
        for q, (lo, hi) in (("good", (0, 150)), ("better", (150, 200))):
            t = topics[int(rng.integers(lo, hi))]
            extra = " ".join(rng.choice(WORDS, size=int(rng.integers(2, 6))))
            row[q] = f"The {t[1]} and the {t[2]} {t[0]}, {t[3]} {t[0]} {extra}"
        rows.append(row)
    # uneven questions (~6,250 and ~3,750 answers): blank 40% of the second
    df = pd.DataFrame(rows)
    df.loc[rng.random(half) < 0.4, "better"] = ""
    return df


def build(folder: Path) -> Path:
    path = folder / "survey.csv"
    df = survey()
    df.to_csv(path, index=False)
    proj = folder / "bench.db"
    exe = Path(sys.executable).with_name("autocode")
    t = time.perf_counter()
    r = subprocess.run(
        [str(exe), "suggest", str(path), "--id", "id", "--model", "hash", "-p", str(proj),
         "--min-cluster-size", "15", "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if r.returncode:
        sys.exit(r.stderr)
    print(f"built the project in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return proj


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--keep", type=Path, help="build (or reuse) the project in this folder")
    args = ap.parse_args()

    from starlette.testclient import TestClient

    from autocode import review
    from autocode.app import create_app, views
    from autocode.app.security import COOKIE, Guard
    from autocode.project import open_store, responses

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_app_"))
    folder.mkdir(parents=True, exist_ok=True)
    proj = folder / "bench.db"
    if not proj.exists():
        proj = build(folder)
    with open_store(proj, readonly=True) as store:
        n = responses.count(store)
        listing = review.listing(store, review.resolve_run(store)["id"])
    per_q: dict[str, int] = {}
    for s in listing:
        per_q[str(s["question"])] = per_q.get(str(s["question"]), 0) + 1
    big = max(per_q, key=lambda q: per_q[q])
    biggest = max(listing, key=lambda s: s["size"])

    guard = Guard(port=8765)
    c = TestClient(create_app(proj, guard), base_url="http://127.0.0.1:8765")
    r = c.get(f"/?token={guard.token}", follow_redirects=False)
    c.cookies.set(COOKIE, r.cookies[COOKIE])
    csrf = next(iter(guard.sessions.values())).csrf
    # a codebook and a coder, so the coding screen has codes to offer
    pending = [s["id"] for s in listing if s["question"] == big][:10]
    for sid in pending:
        c.post("/decide", data={"csrf": csrf, "action": "accept", "sid": sid})
    c.post("/coder", data={"csrf": csrf, "coder": "bench"})

    def timed(label: str, call) -> tuple[str, float, float]:
        call()  # warm-up
        ts = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            resp = call()
            ts.append(time.perf_counter() - t)
            assert resp.status_code == 200, (label, resp.status_code, resp.text[:300])
        return label, statistics.median(ts) * 1000, max(ts) * 1000

    def timed_pair(first, second) -> list[tuple[str, float, float]]:
        """Two writes that undo each other, alternated; each timed alone (``after``, the
        bookkeeping between them, runs after the clock stops). The first round warms up."""
        out: dict[str, list[float]] = {first[0]: [], second[0]: []}
        for _ in range(args.repeats + 1):
            for label, call, after in (first, second):
                t = time.perf_counter()
                resp = call()
                out[label].append(time.perf_counter() - t)
                assert resp.status_code in (200, 303), (label, resp.status_code)
                after()
        return [
            (label, statistics.median(ts[1:]) * 1000, max(ts[1:]) * 1000)
            for label, ts in out.items()
        ]

    pages: list = [
        timed("overview `/`", lambda: c.get("/")),
        timed(
            f"board, {per_q[big]} suggestions",
            lambda: c.get("/board", params={"question": big}),
        ),
        timed(
            "board, right after a decision (the log replayed)",
            lambda: (views._CACHE.clear(), c.get("/board", params={"question": big}))[1],
        ),
        timed(
            "board, find a word", lambda: c.get("/board", params={"question": big, "find": "staff"})
        ),
        timed(
            f"suggestion page ({biggest['size']} members, page 1)",
            lambda: c.get(f"/suggestion/{biggest['id']}"),
        ),
        timed("coding screen", lambda: c.get("/code")),
    ]
    # writes, each timed alone (the POST; its redirect is the board, timed above): accept one
    # suggestion, undo it; save one answer (POST + the next answer's screen)
    sid = [s["id"] for s in listing if s["question"] == big][10]
    ids = iter(range(10**6))
    state: dict[str, str] = {}

    def accept():
        return c.post(
            "/decide", data={"csrf": csrf, "action": "accept", "sid": sid}, follow_redirects=False
        )

    def last_decision():
        with open_store(proj, readonly=True) as store:
            state["undo"] = str(review.replay(store).decisions[-1].id)

    def undo():
        return c.post(
            "/decide",
            data={"csrf": csrf, "action": "undo", "decision": state["undo"]},
            follow_redirects=False,
        )

    def save():
        i = next(ids)
        return c.post(
            "/code/save",
            data={"csrf": csrf, "source": "next", "answer": f"R{i:05d}:{big}", "code": []},
        )

    pages.append(
        timed_pair(
            ("accept one suggestion (POST)", accept, last_decision),
            ("undo it (POST)", undo, lambda: None),
        )
    )
    # move 5 answers of an undecided suggestion to an accepted code, undo it; an accepted
    # code's scope widened to every question and set back to its own
    with open_store(proj, readonly=True) as store:
        run = review.resolve_run(store)["id"]
        st = review.load_state(store, run)
        src = next(
            x
            for x in st.queue(run)
            if x.question == big
            and x.status in review.PENDING
            and len(review.members_of(st, x)) > 5
        )
        moved = review.members_of(st, src)[:5]
        code = st.code_name(st.suggestions[(run, pending[0])].code) or ""

    def move():
        to = {"to": f"code:{code}", "run": run, "answer": moved}
        return c.post("/move", data={"csrf": csrf, "from": src.id, **to}, follow_redirects=False)

    def scope(questions: list[str]):
        return lambda: c.post(
            "/scope",
            data={"csrf": csrf, "code": code, "question": questions},
            follow_redirects=False,
        )

    pages.append(
        timed_pair(
            ("move 5 answers to an accepted code (POST)", move, last_decision),
            ("undo the move (POST)", undo, lambda: None),
        )
    )
    pages.append(
        timed_pair(
            (
                f"scope of a code: all {len(per_q)} questions (POST)",
                scope(sorted(per_q)),
                lambda: None,
            ),
            ("scope of a code: its own question (POST)", scope([big]), lambda: None),
        )
    )
    pages = [p for group in pages for p in (group if isinstance(group, list) else [group])]
    pages.append(timed("save one answer (POST + next)", save))
    print(f"{n} answers, {len(listing)} suggestions; median of {args.repeats} (max), ms\n")
    print("| page | median ms | max ms |\n|---|---:|---:|")
    for label, med, mx in pages:
        print(f"| {label} | {med:.0f} | {mx:.0f} |")


if __name__ == "__main__":
    main()
