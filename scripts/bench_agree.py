"""Benchmark ``autocode.agree`` (issue 3 targets).

1. 1,000,000 responses x 50 codes, two coders: every coefficient with analytic SEs per code,
   pooled and macro (``agree_matrices``) — target < 10 s and >= 20x faster than looping
   scikit-learn's ``cohen_kappa_score`` over the codes (measured in the same run, same data).
2. Bootstrap, 1,000 resamples of 10,000 responses x 50 codes — target < 30 s.
3. (extra) three coders on the same 1,000,000 x 50; the long-rows path, ``agree(DataFrame)``,
   on 100,000 responses x 50 codes.

Synthetic data (seeded): code prevalences from 2% to 40%, the second coder flips 5-15% of cells.
Run with ``nice python scripts/bench_agree.py`` (``--quick`` for a 10x smaller smoke run).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

import numpy as np


def make(n: int, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    prev = np.linspace(0.02, 0.40, k)
    x = rng.random((n, k), dtype=np.float32) < prev
    y = x ^ (rng.random((n, k), dtype=np.float32) < np.linspace(0.05, 0.15, k))
    return x, y


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10x smaller sizes (smoke test)")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    args = ap.parse_args()
    from sklearn.metrics import cohen_kappa_score
    from threadpoolctl import threadpool_limits

    from autocode.agree import agree, agree_matrices

    scale = 10 if args.quick else 1
    n_big, k = 1_000_000 // scale, 50
    n_boot_units, n_boot = 10_000 // scale, 1_000 // scale
    rows = []
    with threadpool_limits(1):
        x, y = make(n_big, k)
        codes = [f"code{j:02d}" for j in range(k)]
        ours, res = timed(lambda: agree_matrices([x, y], codes=codes, coders=["a", "b"]), 3)
        xt, yt = np.ascontiguousarray(x.T), np.ascontiguousarray(y.T)  # fair to sklearn
        skl, ref = timed(lambda: [cohen_kappa_score(xt[j], yt[j]) for j in range(k)])
        diff = max(
            abs(res.per_code[c].coefficients["cohen_kappa"].value - r)
            for c, r in zip(codes, ref, strict=True)
        )
        rows.append((f"{n_big:,} x {k}, 2 coders: all coefficients + SEs", ours, "< 10 s"))
        rows.append((f"  sklearn cohen_kappa_score loop over {k} codes (kappa only)", skl, ""))
        rows.append(("  speed-up vs sklearn loop", skl / ours, ">= 20x"))
        rows.append(("  max |kappa - sklearn|", diff, "<= 1e-9"))

        z = x ^ (np.random.default_rng(9).random(x.shape, dtype=np.float32) < 0.1)
        three, _ = timed(lambda: agree_matrices([x, y, z], codes=codes))
        rows.append((f"{n_big:,} x {k}, 3 coders (Fleiss, alpha, AC1 + pairwise)", three, ""))

        xb, yb = make(n_boot_units, k, seed=1)
        boot, _bres = timed(lambda: agree_matrices([xb, yb], codes=codes, bootstrap=n_boot, seed=0))
        rows.append((f"bootstrap {n_boot:,} resamples, {n_boot_units:,} x {k}", boot, "< 30 s"))

        import pandas as pd

        n_long = 100_000 // scale
        xl, yl = make(n_long, k, seed=2)
        parts = []
        for name, m in (("a", xl), ("b", yl)):
            ui, ki = np.nonzero(m)
            parts.append(
                pd.DataFrame(
                    {
                        "id": ui.astype(str),
                        "coder": name,
                        "code": np.asarray(codes, dtype=object)[ki],
                    }
                )
            )
        df = pd.concat(parts, ignore_index=True)
        longt, _ = timed(lambda: agree(df))
        rows.append((f"agree(DataFrame): {n_long:,} x {k}, {len(df):,} long rows", longt, ""))

    print(
        f"autocode agree benchmark — {platform.processor() or platform.machine()}, "
        f"numpy {np.__version__}, 1 BLAS thread"
    )
    print(f"{'measure':<64} {'value':>12}  target")
    for name, val, target in rows:
        unit = "x" if "speed-up" in name else ("" if "max |" in name else " s")
        s = f"{val:.2e}" if "max |" in name else f"{val:,.2f}{unit}"
        print(f"{name:<64} {s:>12}  {target}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({name.strip(): val for name, val, _ in rows}, fh, indent=2)


if __name__ == "__main__":
    main()
