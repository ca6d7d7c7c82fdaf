"""The faculty-survey study of issue 12, end to end through the real CLI and the real model.

A REDCap export (41 faculty, 3 open-ended questions), a question-scoped codebook, a primary
coder who codes an `autocode next` sheet as seeds, the machine coder, a validation sample drawn
with `autocode next --validation`, a second coder who double-codes every answer, agreement,
reconciliation and the report. The humans are simulated by filling the sheets autocode writes
from the two coders' hand codings in tests/data/study (primary.csv, secondary.csv).

    python scripts/study_trial.py OUT_FOLDER [--model hash]

Prints the commands with their output; the folder keeps every file (report.html,
report.json, all.csv, ...).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "study"


def cli(d: Path, *args: str, show: bool = True) -> str:
    print(f"\n$ autocode {' '.join(args)}", flush=True)
    r = subprocess.run(
        [sys.executable, "-m", "autocode", *args], cwd=d, capture_output=True, text=True
    )
    if show:
        print(r.stdout.rstrip())
    if r.returncode != 0:
        print(r.stderr, file=sys.stderr)
        raise SystemExit(f"autocode {args[0]} failed ({r.returncode})")
    return r.stdout


def fill(sheet: Path, coding: pd.DataFrame, out: Path) -> None:
    """Fill a coding sheet as the coder would: 1 where the coder applied a code, 0 in the
    other applicable cells, no_code = 1 where the coder found that no code applies."""
    df = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    codes = [c for c in df.columns if c not in ("id", "question", "text", "no_code")]
    have: dict[str, set[str]] = {}
    for r, q, c in zip(coding["record_id"], coding["question"], coding["code"], strict=True):
        have.setdefault(f"{r}:{q}", set())
        if c:
            have[f"{r}:{q}"].add(c)
    keep = []
    for i, row in df.iterrows():
        got = have.get(row["id"])
        if got is None:  # an answer the coder leaves alone (a non-answer): not coded
            continue
        keep.append(i)
        for c in codes:
            if df.at[i, c] != "n/a":
                df.at[i, c] = "1" if c in got else "0"
        df.at[i, "no_code"] = "1" if not got else "0"
    df.loc[keep].to_csv(out, index=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--model", default=None, help="e.g. hash (fast, no model)")
    ap.add_argument("--seeds", type=int, default=30, help="answers in the first sheet")
    ap.add_argument("--validation", type=int, default=30)
    a = ap.parse_args()
    d = a.out
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    shutil.copy(DATA / "faculty_survey_raw.csv", d / "survey.csv")
    shutil.copy(DATA / "codebook.yaml", d / "codebook.yaml")
    primary = pd.read_csv(DATA / "primary.csv", dtype=str, keep_default_na=False)
    secondary = pd.read_csv(DATA / "secondary.csv", dtype=str, keep_default_na=False)
    model = ["--model", a.model] if a.model else []

    cli(d, "import", "survey.csv", "--id", "record_id")
    cli(d, "codebook", "import", "codebook.yaml", "--yes")
    cli(d, "next", "--n", str(a.seeds), "--out", "sheet.csv", *model, show=False)
    fill(d / "sheet.csv", primary, d / "sheet_primary.csv")
    cli(d, "codings", "import", "sheet_primary.csv", "--coder", "primary")
    cli(d, "code", "--seeds-coder", "primary", "--evaluate", *model)
    cli(d, "code", "--seeds-coder", "primary", "--out", "machine.csv", *model)
    cli(d, "next", "--validation", str(a.validation), "--seed", "1", "--out", "val.csv")
    fill(d / "val.csv", primary, d / "val_primary.csv")
    cli(d, "codings", "import", "val_primary.csv", "--coder", "primary")
    secondary.to_csv(d / "secondary.csv", index=False)
    cli(d, "codings", "import", "secondary.csv", "--coder", "secondary")
    cli(d, "coders")
    cli(d, "agree", "--coders", "primary,secondary")
    hh = json.loads(cli(d, "agree", "--coders", "primary,secondary", "--json", show=False))
    cli(d, "agree", "--coders", "primary,autocode")
    mh = json.loads(cli(d, "agree", "--coders", "primary,autocode", "--json", show=False))
    cli(d, "reconcile", "--list")
    cli(d, "reconcile", "--take", "primary")
    cli(d, "report", "--out", "report.html")
    cli(d, "report", "--format", "md", "--out", "report.md")
    cli(d, "report", "--format", "json", "--out", "report.json")
    cli(d, "export", "codings", "--format", "csv", "--out", "all.csv")
    k = lambda doc: doc["overall"]["pooled"]["cohen_kappa"]  # noqa: E731
    print(
        f"\nsummary: human-human pooled kappa {k(hh)['value']:.3f} on {hh['n_units']} answers; "
        f"machine-human pooled kappa {k(mh)['value']:.3f} on {mh['n_units']} held-out answers "
        f"({mh['excluded_units']['reasons']})"
    )


if __name__ == "__main__":
    main()
