"""Build the bundled example survey from ../shared/data/nhs_fft_qdc_v6 (MIT, (c) 2021 NHS England).

Writes, under src/autocode/data/:
- example_survey.csv   a REDCap-style wide export: record_id, service, fft_score and two
                       open-ended questions (what_was_good, what_could_we_do_better)
- example_codings.csv  the trust labellers' codes for those answers, long format (id, code)
- example_codebook.csv the QDC codes used, with descriptions (name, description, parent)

Deterministic: the first 250 NHFT respondents (by numeric id) with at least one answer.
Run: python scripts/make_example.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT.parent / "shared" / "data" / "nhs_fft_qdc_v6"
OUT = ROOT / "src" / "autocode" / "data"
N = 250
QUESTIONS = {
    "What was good?": "what_was_good",
    "What could we do better?": "what_could_we_do_better",
}


def main() -> None:
    d = pd.read_csv(SRC / "nhs_fft_qdc_v6.csv", dtype=str, keep_default_na=False)
    d = d[(d.trust == "NHFT") & d.question.isin(QUESTIONS)].copy()
    d["record_id"] = d.id.str.extract(r"^NHFT (\d+) - Q\d+$")[0].astype(int)
    d["field"] = d.question.map(QUESTIONS)
    ids = sorted(d.record_id.unique())[:N]
    d = d[d.record_id.isin(ids)]
    u = d.drop_duplicates(["record_id", "field"])
    wide = u.pivot(index="record_id", columns="field", values="text").reindex(
        columns=list(QUESTIONS.values())
    )
    attrs = u.groupby("record_id").agg(
        service=("service_type_1", "first"), fft_score=("fft_score", "first")
    )
    survey = attrs.join(wide).reset_index().sort_values("record_id")
    survey["service"] = survey.service.str.replace(r"\s+", " ", regex=True).str.strip()
    survey = survey.fillna("")
    OUT.mkdir(parents=True, exist_ok=True)
    survey.to_csv(OUT / "example_survey.csv", index=False)
    cod = d.assign(id=d.record_id.astype(str) + ":" + d.field)[["id", "code"]].drop_duplicates()
    cod.sort_values(["id", "code"]).to_csv(OUT / "example_codings.csv", index=False)
    cb = pd.read_csv(SRC / "codebook.csv", dtype=str, keep_default_na=False)
    cb = cb[cb.code.isin(set(cod.code))]
    cb = cb.rename(columns={"code": "name", "category": "parent"})[
        ["name", "description", "parent"]
    ]
    cb.to_csv(OUT / "example_codebook.csv", index=False)
    print(
        len(survey),
        "respondents;",
        (wide != "").sum().sum() if False else u.shape[0],
        "answers;",
        len(cod),
        "codings;",
        len(cb),
        "codes",
    )


if __name__ == "__main__":
    main()
