"""Joint display (--by): counts by respondent attribute and the right test for the counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _report_project import build_example, example_frames
from scipy import stats

from autocode.cli import main
from autocode.project import open_store
from autocode.report.data import load_project
from autocode.report.joint import association, joint_display


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    p = build_example(tmp_path_factory.mktemp("joint") / "j.db")
    with open_store(p, create=False) as store:
        yield p, load_project(store)


def test_chi_square_when_expected_counts_allow():
    t = [[30, 20, 25], [70, 80, 75]]
    a = association(t)
    chi2, p, dof, _ = stats.chi2_contingency(np.array(t), correction=False)
    assert a.test == "chi-square"
    assert not a.small
    assert a.statistic == pytest.approx(chi2, abs=1e-9)
    assert a.p == pytest.approx(p, abs=1e-12)
    assert a.df == dof == 2
    assert a.describe().startswith("χ²(2) = ")


def test_fisher_exact_for_small_2x2():
    t = [[6, 1], [20, 30]]
    a = association(t)
    assert a.test == "Fisher exact"
    assert a.small
    assert a.p == pytest.approx(stats.fisher_exact(np.array(t)).pvalue, abs=1e-12)


def test_fisher_freeman_halton_for_small_2xk_is_reproducible():
    t = [[5, 1, 0], [40, 30, 9]]
    a, b = association(t), association(t)
    assert a.test.startswith("Fisher–Freeman–Halton")
    assert a.small
    assert a.p == b.p
    assert 0 <= a.p <= 1


def test_too_few_is_flagged_without_a_p_value():
    a = association([[2, 1, 0], [40, 30, 9]])
    assert a.test == "too few"
    assert a.p is None
    assert a.small
    assert association([[3, 4], [0, 0]]).p is None


def test_joint_counts_match_pandas(data):
    _, d = data
    jd = joint_display(d, "service", d.raters[0])
    responses, attrs, codings, _ = example_frames()
    answered = set(responses["respondent"])
    svc = attrs["service"].reindex(sorted(answered))
    svc = svc[svc.str.strip() != ""]
    sizes = svc.value_counts().to_dict()
    assert jd["sizes"] == sizes
    assert jd["missing"] == len(answered) - len(svc)
    c = codings.assign(respondent=codings["id"].str.split(":").str[0])
    c = c[c["respondent"].isin(svc.index)]
    c["group"] = c["respondent"].map(svc)
    exp = c.drop_duplicates(["code", "respondent"]).groupby(["code", "group"]).size()
    for row in jd["rows"]:
        for g in jd["groups"]:
            assert row["counts"][g] == exp.get((row["code"], g), 0)
    # a chi-square row in the display agrees with scipy on the same table
    top = jd["rows"][0]
    table = [
        [top["counts"][g] for g in jd["groups"]],
        [jd["sizes"][g] - top["counts"][g] for g in jd["groups"]],
    ]
    assert top["assoc"].p == association(table).p


def test_cli_by_column(data, tmp_path):
    p, _ = data
    out = tmp_path / "j.md"
    assert (
        main(["report", "-p", str(p), "--by", "fft_score", "-q", "what_was_good", "-o", str(out)])
        == 0
    )
    md = out.read_text()
    assert "Code prevalence by fft_score" in md
    assert "1 (n = " in md
    assert "too few" in md
    assert "FFH, p" in md or "Fisher, p" in md
    assert "not adjusted for multiple comparisons" in md
    # the groups are in natural order
    header = next(ln for ln in md.splitlines() if ln.startswith("| Code | 1 (n"))
    assert header.index("| 2 (n") < header.index("| 7 (n")


def test_joint_sheet_in_xlsx(data, tmp_path):
    from openpyxl import load_workbook

    p, _ = data
    out = tmp_path / "j.xlsx"
    assert main(["report", "-p", str(p), "--by", "service", "-o", str(out)]) == 0
    ws = load_workbook(out)["Joint display"]
    header = [c.value for c in ws[2]]
    assert "Test" in header
    assert any(str(h).startswith("Forensic") for h in header)
    assert pd.DataFrame(list(ws.iter_rows(min_row=3, values_only=True))).shape[0] > 10
