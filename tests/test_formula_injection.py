"""Spreadsheet formula injection: answers, code names, theme names and attribute values that
start with = + - @ are text in every XLSX and CSV autocode writes (issue 11, section 3).

XLSX: no cell is a formula (openpyxl ``data_type`` never ``f``) and the text is there as
written; CSV: such cells start with a quote (OWASP), come back exactly through autocode's
readers, and ``AUTOCODE_RAW_CSV=1`` writes them raw.
"""

from __future__ import annotations

import csv
import json
import zipfile

import pandas as pd
import pytest
from _hostile_project import ATTR, CODE, HOSTILE, LINK, THEME, build, formulas_in
from openpyxl import load_workbook

from autocode import tabular
from autocode.cli import main


@pytest.fixture(scope="module")
def study(tmp_path_factory, request):
    folder = tmp_path_factory.mktemp("hostile")
    seeds = request.getfixturevalue("seeds_module")
    return build(folder, seeds)


@pytest.fixture(scope="module")
def seeds_module(tmp_path_factory):
    from importlib.resources import files

    d = pd.read_csv(str(files("autocode") / "data" / "example_codings.csv"), dtype=str)
    ids = sorted(d["id"].unique())[:240]
    p = tmp_path_factory.mktemp("seeds") / "seeds.csv"
    d[d["id"].isin(ids)].to_csv(p, index=False)
    d.to_csv(p.parent / "all_codings.csv", index=False)  # the rest: coded later (held out)
    return p


def xlsx_cells(path) -> list:
    assert zipfile.is_zipfile(path), f"{path} is not a workbook"
    wb = load_workbook(path)
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def check_xlsx(path, *expected: str) -> None:
    cells = xlsx_cells(path)
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a cell is a formula"
    values = {c.value for c in cells if isinstance(c.value, str)}
    for e in expected:
        assert e in values, f"{e!r} not written as text in {path.name}"
    # and pandas reads the text back as it was
    frames = pd.read_excel(path, sheet_name=None, dtype=str, header=None)
    seen = {v for df in frames.values() for v in df.to_numpy().ravel() if isinstance(v, str)}
    for e in expected:
        assert e in seen


def csv_rows(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def check_csv(path, *expected: str) -> None:
    cells = [c for r in csv_rows(path) for c in r]
    live = [c for c in cells if formulas_in(c) and not tabular._PLAIN_NUMBER.fullmatch(c)]
    assert not live, f"formula-like cells in {path.name}: {live[:3]}"
    back = {tabular.unneutralise(c) for c in cells}
    for e in expected:
        assert e in back, f"{e!r} missing from {path.name}"
        assert "'" + e in cells  # neutralised with the OWASP quote


def run(*args) -> None:
    rc = main([str(a) for a in args])
    assert rc == 0


def test_code_out_xlsx_and_csv(study, tmp_path):
    for ext in ("xlsx", "csv"):
        out = tmp_path / f"m.{ext}"
        run("code", "-p", study["project"], "-s", study["seeds"], "-c", study["codebook"],
            "--model", "hash", "--out", out)  # fmt: skip
        (check_xlsx if ext == "xlsx" else check_csv)(out, CODE)


def test_next_sheets(study, tmp_path):
    for ext in ("xlsx", "csv"):
        out = tmp_path / f"sheet.{ext}"
        run("next", "-p", study["project"], "-c", study["codebook"], "--model", "hash",
            "--n", 400, "--out", out)  # fmt: skip
        (check_xlsx if ext == "xlsx" else check_csv)(out, CODE)
        texts = set(pd.read_csv(tmp_path / "sheet.csv", dtype=str)["text"]) if ext == "csv" else {}
        if ext == "csv":  # the hostile answers nobody coded yet are proposed, quoted
            shown = [h for h in HOSTILE if "'" + h in texts]
            assert shown
            check_csv(out, *shown)
    # the coding sheet still reads back as seeds with the hostile code name
    from autocode.classify.seeds import read_seeds

    sheet = pd.read_csv(tmp_path / "sheet.csv", dtype=str, keep_default_na=False)
    col = "'" + CODE
    assert col in sheet.columns
    sheet[col] = "1"
    sheet.to_csv(tmp_path / "filled.csv", index=False)
    assert set(read_seeds(tmp_path / "filled.csv").pairs["code"]) == {CODE}


def test_export_codings_every_layout(study, tmp_path):
    for name, fmt in [("c.xlsx", None), ("c.csv", None), ("w.xlsx", "wide"), ("w.csv", "wide")]:
        out = tmp_path / name
        run("export", "codings", "-p", study["project"], "-o", out,
            *(["--format", fmt] if fmt else []))  # fmt: skip
        wide = fmt == "wide"  # wide: code names are in the key (sheet or .codes.csv)
        if name.endswith(".xlsx"):
            check_xlsx(out, CODE, *([THEME] if wide else []))
        else:
            check_csv(out, *([] if wide else [CODE]))
    check_csv(tmp_path / "w.codes.csv", CODE, THEME)


def test_export_codings_csv_back_through_agree(study, tmp_path, capsys):
    out = tmp_path / "c.csv"
    run("export", "codings", "-p", study["project"], "-o", out)
    capsys.readouterr()
    run("agree", out, "--coder", "coder", "--json")
    doc = json.loads(capsys.readouterr().out)
    assert CODE in doc["per_code"]  # the quote prefix is gone again


def test_report_xlsx(study, tmp_path):
    out = tmp_path / "r.xlsx"
    run("report", "-p", study["project"], "-o", out, "--by", "service")
    check_xlsx(out, CODE, THEME)
    headers = [c.value for c in xlsx_cells(out) if isinstance(c.value, str)]
    assert any(h.startswith(ATTR + " (n = ") for h in headers)  # the joint display's column


def test_agree_tables(study, tmp_path):
    a, d = tmp_path / "a.xlsx", tmp_path / "d.csv"
    run("agree", "-p", study["project"], "--coders", "human,autocode", "--out", a,
        "--disagreements", d)  # fmt: skip
    check_xlsx(a, CODE)
    shown = [h for h in [*HOSTILE, CODE] if "'" + h in {c for r in csv_rows(d) for c in r}]
    assert shown  # disagreements on hostile answers (or the hostile code) are listed, quoted
    check_csv(d, *shown)
    a2, d2 = tmp_path / "a.csv", tmp_path / "d.xlsx"
    run("agree", "-p", study["project"], "--coders", "human,autocode", "--out", a2,
        "--disagreements", d2)  # fmt: skip
    check_csv(a2, CODE)
    check_xlsx(d2, *shown)
    # the numbers autocode computed stay numbers (a negative kappa too)
    table = pd.read_excel(a)
    assert pd.api.types.is_numeric_dtype(table["cohen_kappa"])
    rows = csv_rows(a2)
    k = rows[0].index("cohen_kappa")
    negative = [r[j] for r in rows[1:] for j in range(k, len(r)) if r[j].startswith("-")]
    assert negative  # negative statistics are written as plain numbers, not quoted
    assert all(float(x) < 0 for x in negative)


def test_suggest_out(study, tmp_path):
    for ext in ("xlsx", "csv"):
        out = tmp_path / f"s.{ext}"
        run("suggest", study["survey"], "-p", tmp_path / "s.db", "--model", "hash",
            "--out", out)  # fmt: skip
        (check_xlsx if ext == "xlsx" else check_csv)(out, *HOSTILE)


def test_codebook_csv_export(study, tmp_path):
    out = tmp_path / "cb.csv"
    run("codebook", "export", "-p", study["project"], "-o", out)
    check_csv(out, CODE, THEME)


def test_raw_csv_option(study, tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOCODE_RAW_CSV", "1")
    out = tmp_path / "raw.csv"
    run("export", "codings", "-p", study["project"], "-o", out)
    cells = [c for r in csv_rows(out) for c in r]
    assert CODE in cells
    assert "'" + CODE not in cells
    df = pd.read_csv(out, dtype=str, keep_default_na=False)  # what R or pandas read
    assert CODE in set(df["code"])


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        (LINK, True),
        ("+1+1", True),
        ("-2+3", True),
        ("@SUM(A1)", True),
        ("\t=1+1", True),
        ("\r=1+1", True),
        ("  =1+1", True),
        ("\n@x", True),
        ("-", True),
        ("'=1", True),  # a quote already there gets another, so it reads back exactly
        ("-0.2", False),  # a plain number cannot run
        ("+5", False),
        ("1e-3", False),
        ("a=b", False),
        ("'quoted'", False),
        ("", False),
    ],
)
def test_neutralise_rule(text, quoted):
    cell = tabular.neutralise(text)
    assert cell == ("'" + text if quoted else text)
    assert tabular.unneutralise(cell) == text


def test_neutralise_fast_path_is_the_whole_rule():
    """Random short strings of the characters that matter: the fast path gives exactly what
    the full rule gives, and unneutralise inverts it."""
    import random

    rnd = random.Random(0)
    alphabet = "'=+-@ \t\r\nab1.eE"
    for _ in range(20000):
        s = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 6)))
        full = "'" + s if tabular._formula_like(s.lstrip("'")) else s  # no fast path
        assert tabular.neutralise(s) == full
        assert tabular.csv_cell(s, raw=False) == full
        assert tabular.unneutralise(full) == s


def test_computed_numbers_stay_numbers(tmp_path):
    p = tmp_path / "t.csv"
    tabular.write_table(p, ["kappa", "name"], [[-0.2, "-x"], [float("nan"), None]])
    assert csv_rows(p) == [["kappa", "name"], ["-0.2", "'-x"], ["", ""]]
    x = tmp_path / "t.xlsx"
    tabular.write_table(x, ["kappa", "name"], [[-0.2, "=1+1"], [3, "#N/A"]])
    ws = load_workbook(x).active
    assert (ws["A2"].value, ws["A2"].data_type) == (-0.2, "n")
    assert (ws["B2"].value, ws["B2"].data_type) == ("=1+1", "s")
    assert (ws["B3"].value, ws["B3"].data_type) == ("#N/A", "s")  # not an error value
