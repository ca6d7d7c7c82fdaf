"""`autocode export codings`: long CSV/XLSX and wide 0/1 tables that round-trip through
`autocode agree` to the same numbers as the project store."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from _report_project import build_example, example_frames

from autocode.cli import main


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return build_example(tmp_path_factory.mktemp("exp") / "p.db", second_human=True, machine=True)


def agree_json(capsys, *args: str) -> dict:
    capsys.readouterr()
    assert main(["agree", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def numbers(doc: dict) -> dict:
    """Every coefficient value and CI in an agree document, flattened."""
    out = {"n_units": doc["n_units"]}
    for code, r in doc["per_code"].items():
        for k, v in r.items():
            if isinstance(v, dict) and "value" in v:
                out[(code, k)] = (v["value"], v.get("ci_low"), v.get("ci_high"))
    for k, v in doc["overall"]["pooled"].items():
        if isinstance(v, dict) and "value" in v:
            out[("pooled", k)] = (v["value"], v.get("ci_low"), v.get("ci_high"))
    return out


def test_long_csv_has_every_coding(project, tmp_path, capsys):
    out = tmp_path / "c.csv"
    assert main(["export", "codings", "-p", str(project), "-o", str(out)]) == 0
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(df.columns[:13]) == [
        "id",
        "respondent",
        "respondent_label",
        "question",
        "text",
        "coder",
        "source",
        "code",
        "theme",
        "present",
        "flagged",
        "confidence",
        "status",
    ]
    _, _, codings, _ = example_frames()
    a = df[df["coder"] == "coder_a"]
    assert sorted(zip(a["id"], a["code"], strict=True)) == sorted(
        zip(codings["id"], codings["code"], strict=True)
    )
    # the final coding (coder final) is the primary coder's (coder_a coded every answer the
    # others did; coder_b agrees or not)
    f = df[df["coder"] == "final"]
    assert sorted(zip(f["id"], f["code"], strict=True)) == sorted(
        zip(codings["id"], codings["code"], strict=True)
    )
    assert set(f["basis"]) == {"human", "primary"}
    m = df[df["source"] == "machine"]
    assert set(m["status"]) == {"coded", "needs_review", "absent"}
    assert m["confidence"].astype(float).between(0, 1).all()
    assert df["respondent_label"].str.match(r"^Respondent \d+$").all()
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_long_round_trips_through_agree(project, tmp_path, capsys, suffix):
    out = tmp_path / f"c.{suffix}"
    assert main(["export", "codings", "-p", str(project), "-o", str(out), "-f", suffix]) == 0
    df = pd.read_csv(out, dtype=str) if suffix == "csv" else pd.read_excel(out, dtype=str)
    humans = df[df["source"] == "human"][["id", "code", "coder"]]
    f = tmp_path / "humans.csv"
    humans.to_csv(f, index=False)
    from_file = agree_json(capsys, str(f), "--coder", "coder")
    from_store = agree_json(capsys, "-p", str(project), "--coders", "coder_a,coder_b")
    assert numbers(from_file) == numbers(from_store)
    assert from_store["overall"]["pooled"]["cohen_kappa"]["value"] is not None


def test_wide_round_trips_through_agree(project, tmp_path, capsys):
    out = tmp_path / "w.csv"
    assert main(["export", "codings", "-p", str(project), "-o", str(out), "-f", "wide"]) == 0
    wide = pd.read_csv(out, dtype=str)
    key = pd.read_csv(tmp_path / "w.codes.csv", dtype=str)
    code_cols = list(key["variable"])
    assert all(len(c) <= 32 and c.replace("_", "").isalnum() and c[0].isalpha() for c in code_cols)
    assert wide[code_cols].isin(["0", "1"]).all().all()
    assert len(wide) == 407 * 4  # every response x every coder (coder_a, coder_b, autocode, final)
    files = []
    coded_by = {
        c: set(wide.loc[(wide["coder"] == c) & (wide["coded"] == "1"), "response_id"])
        for c in ("coder_a", "autocode")
    }
    both = coded_by["coder_a"] & coded_by["autocode"]
    for coder in ("coder_a", "autocode"):
        part = wide[(wide["coder"] == coder) & (wide["coded"] == "1")][["response_id", *code_cols]]
        # the machine is measured on the answers both coded (its test set)
        part = part[part["response_id"].isin(both)]
        part = part.rename(columns=dict(zip(key["variable"], key["code"], strict=True)))
        f = tmp_path / f"{coder}.csv"
        part.to_csv(f, index=False)
        files.append(str(f))
    from_files = agree_json(capsys, *files)
    from_store = agree_json(capsys, "-p", str(project), "--coders", "coder_a,autocode")
    a, b = numbers(from_files), numbers(from_store)
    # codes nobody used in the shared responses are reported by the store side only
    assert {k: v for k, v in b.items() if k in a} == a
    assert a["n_units"] == b["n_units"]
    assert a[("pooled", "cohen_kappa")] == b[("pooled", "cohen_kappa")]


def test_wide_xlsx_has_key_sheet(project, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "w.xlsx"
    assert main(["export", "codings", "-p", str(project), "-o", str(out), "-f", "wide"]) == 0
    wb = load_workbook(out)
    assert wb.sheetnames == ["codings", "codes"]
    assert [c.value for c in wb["codes"][1]] == [
        "variable",
        "code",
        "theme",
        "definition",
        "questions",
    ]


def test_question_filter_and_errors(project, tmp_path, capsys):
    out = tmp_path / "q.csv"
    assert (
        main(["export", "codings", "-p", str(project), "-o", str(out), "-q", "what_was_good"]) == 0
    )
    assert set(pd.read_csv(out)["question"]) == {"what_was_good"}
    assert main(["export", "codings", "-p", str(project), "-o", str(out), "-f", "sav"]) == 2
    assert "unknown export format" in capsys.readouterr().err
    assert (
        main(["export", "codings", "-p", str(project), "-o", str(tmp_path / "no" / "x.csv")]) == 2
    )
    assert "does not exist" in capsys.readouterr().err
