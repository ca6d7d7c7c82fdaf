"""Agreement when coders did not code every response: Gwet (2014) / R irrCAC, through the CLI.

Gwet's formulas for missing ratings take the chance agreement from *all* ratings (a response
coded by one coder still counts) and the observed agreement from the responses coded by two
or more. The two data sets are irrCAC's ``cac.raw4raters`` (Gwet 2014, p. 120) and
``cac.ben.gerry`` (see tests/data/agree/SOURCES.md), one row per rating, run as a user runs
``autocode agree FILE --coder rater --json``.

Expected values: the digits irrCAC 1.0 prints (value and SE rounded to 5 decimals; the README
of irrCAC prints those of cac.raw4raters). ``PE``: irrCAC's chance agreement to 15 digits, so
each coefficient is also checked as ``(pa - pe) / (1 - pe)`` to 1e-12.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from autocode.agree import agree, agree_matrices, cohen_kappa, multi_rater_stats
from autocode.agree.missing import conger_stats, one_hot

DATA = Path(__file__).parent / "data" / "agree"
RAW4 = DATA / "irrcac_raw4raters_long.csv"
BEN_GERRY = DATA / "irrcac_ben_gerry_long.csv"

# coefficient: (value, se) as irrCAC prints them; our JSON key for it
RAW4_PUBLISHED = {
    "percent_agreement": (0.8181818, 0.12561),  # pa.coeff.raw
    "gwet_ac1": (0.77544, 0.14295),  # gwet.ac1.raw
    "fleiss_kappa": (0.76117, 0.15302),  # fleiss.kappa.raw
    "krippendorff_alpha": (0.74342, None),  # krippen.alpha.raw (SE .14557: not reported)
    "conger_kappa": (0.76282, 0.14917),  # conger.kappa.raw
    "brennan_prediger": (0.77273, 0.14472),  # bp.coeff.raw
}
RAW4_PA = 0.818181818181818
RAW4_PE = {
    "gwet_ac1": 0.190321180555556,
    "fleiss_kappa": 0.238715277777778,
    "conger_kappa": 0.233425160697888,
    "brennan_prediger": 0.2,
}
# two raters: irrCAC's conger.kappa.raw is Cohen's kappa, fleiss.kappa.raw is Scott's pi
BEN_GERRY_PUBLISHED = {
    "percent_agreement": (0.7272727, 0.15506),
    "gwet_ac1": (0.66144, 0.18396),
    "fleiss_kappa": (0.64935, 0.19130),
    "scott_pi": (0.64935, 0.19130),
    "krippendorff_alpha": (0.66489, None),  # SE .18007: not reported
    "cohen_kappa": (0.65714, 0.17943),
    "brennan_prediger": (0.65909, 0.18527),
}
BEN_GERRY_PA = 0.727272727272727
BEN_GERRY_PE = {
    "gwet_ac1": 0.194444444444444,
    "fleiss_kappa": 0.222222222222222,
    "cohen_kappa": 0.204545454545455,
    "brennan_prediger": 0.2,
}


def agree_json(*args: str | Path) -> dict:
    """``python -m autocode agree ... --json`` in a subprocess, as a user runs it."""
    proc = subprocess.run(
        [sys.executable, "-m", "autocode", "agree", *map(str, args), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _check(overall: dict, published: dict, pa: float, pe: dict) -> None:
    for key, (value, se) in published.items():
        got = overall[key]
        assert got["value"] == pytest.approx(value, abs=5e-6), key
        if se is not None:
            assert got["se"] == pytest.approx(se, abs=5e-6), key
    for key, e in pe.items():
        assert overall[key]["value"] == pytest.approx((pa - e) / (1 - e), abs=1e-12), key
    assert overall["percent_agreement"]["value"] == pytest.approx(pa, abs=1e-12)


def test_gwet_handbook_four_raters_through_the_cli():
    doc = agree_json(RAW4, "--coder", "rater")
    assert doc["design"] == "single-label"
    assert sorted(doc["coders"]) == ["Rater1", "Rater2", "Rater3", "Rater4"]
    # unit 12 has one rating: not in observed agreement (n = 11), listed, used for chance
    assert doc["n_units"] == 11
    assert doc["excluded_units"] == {"count": 1, "ids": ["12"]}
    _check(doc["overall"], RAW4_PUBLISHED, RAW4_PA, RAW4_PE)
    assert doc["overall"]["cohen_kappa"]["value"] is None  # Conger's is the multi-coder one


def test_ben_gerry_two_raters_one_missing_through_the_cli():
    doc = agree_json(BEN_GERRY, "--coder", "rater")
    assert doc["design"] == "single-label"
    assert doc["coders"] == ["Ben", "Gerry"]
    assert doc["n_units"] == 11
    assert doc["excluded_units"]["ids"] == ["10"]
    _check(doc["overall"], BEN_GERRY_PUBLISHED, BEN_GERRY_PA, BEN_GERRY_PE)
    assert "Gwet 2014" in doc["overall"]["cohen_kappa"]["note"]


def test_gwet_ac2_with_quadratic_weights_matches_irrcac():
    # irrCAC gwet.ac1.raw(cac.raw4raters, weights = "quadratic"): .914 (SE .10396);
    # pa .975378787878788, pe .713704427083333
    doc = agree_json(RAW4, "--coder", "rater", "--level", "ordinal")
    ac2 = doc["overall"]["gwet_ac2"]
    assert ac2["value"] == pytest.approx(0.914, abs=5e-6)
    assert ac2["se"] == pytest.approx(0.10396, abs=5e-6)
    pa, pe = 0.975378787878788, 0.713704427083333
    assert ac2["value"] == pytest.approx((pa - pe) / (1 - pe), abs=1e-12)
    # Krippendorff (2011) publishes ordinal alpha .815 for the same ratings
    assert doc["overall"]["krippendorff_alpha"]["value"] == pytest.approx(0.815, abs=5e-4)


def _wide(path: Path) -> pd.DataFrame:
    long = pd.read_csv(path, dtype=str)
    return long.pivot(index="unit", columns="rater", values="category")


def test_alpha_with_missing_ratings_matches_the_krippendorff_package():
    import krippendorff

    for path in (RAW4, BEN_GERRY):
        wide = _wide(path)
        cats = sorted(set(wide.stack().dropna()))
        rows = wide.to_numpy().T  # coders x units, NaN = not rated
        data = np.array(
            [[cats.index(v) if isinstance(v, str) else np.nan for v in row] for row in rows], float
        )
        ref = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        doc = agree_json(path, "--coder", "rater")
        assert doc["overall"]["krippendorff_alpha"]["value"] == pytest.approx(ref, abs=1e-12)


def test_complete_two_coder_data_still_equal_sklearn_statsmodels_krippendorff(tmp_path):
    """Without missing ratings nothing changes: Cohen's kappa = scikit-learn, its SE =
    statsmodels (Fleiss–Cohen–Everitt), alpha = krippendorff."""
    import krippendorff
    from sklearn.metrics import cohen_kappa_score
    from statsmodels.stats.inter_rater import cohens_kappa

    long = pd.read_csv(BEN_GERRY, dtype=str)
    long = long[long["unit"] != "10"]
    path = tmp_path / "complete.csv"
    long.to_csv(path, index=False)
    doc = agree_json(path, "--coder", "rater")
    assert doc["n_units"] == 11
    assert doc["excluded_units"]["count"] == 0
    wide = _wide(path)
    a, b = wide["Ben"].tolist(), wide["Gerry"].tolist()
    cats = sorted(set(a) | set(b))
    table = np.array(
        [[sum(x == r and y == c for x, y in zip(a, b, strict=True)) for c in cats] for r in cats]
    )
    k = doc["overall"]["cohen_kappa"]
    assert k["value"] == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
    assert k["se"] == pytest.approx(cohens_kappa(table).std_kappa, abs=1e-12)
    assert "note" not in k
    codes = np.array([[cats.index(x) for x in a], [cats.index(y) for y in b]], float)
    alpha = krippendorff.alpha(reliability_data=codes, level_of_measurement="nominal")
    assert doc["overall"]["krippendorff_alpha"]["value"] == pytest.approx(alpha, abs=1e-12)


def test_pattern_engine_equals_the_two_coder_tables_without_missing_ratings():
    """The missing-data formulas reduce to the ordinary ones on complete data."""
    rng = np.random.default_rng(4)
    a = rng.integers(0, 4, 300)
    b = np.where(rng.random(300) < 0.7, a, rng.integers(0, 4, 300))
    states = np.c_[a, b]
    cg = conger_stats(one_hot(states, 4))
    assert float(cg["conger_kappa"]) == pytest.approx(cohen_kappa(a, b).value, abs=1e-12)
    s = multi_rater_stats(one_hot(states, 4).sum(1))
    from autocode.agree import gwet_ac1, scott_pi

    assert float(s["gwet_ac1"]) == pytest.approx(gwet_ac1(a, b).value, abs=1e-12)
    assert float(s["fleiss_kappa"]) == pytest.approx(scott_pi(a, b).value, abs=1e-12)
    assert float(s["fleiss_kappa_se"]) == pytest.approx(scott_pi(a, b).se, abs=1e-12)


def test_multi_label_two_coders_with_missing_follow_gwet_per_code():
    """Per code, a multi-label analysis with responses coded by one coder equals the
    single-variable Gwet formulas on that code's present/absent ratings."""
    rng = np.random.default_rng(11)
    n, k = 120, 3
    x = rng.random((n, k)) < 0.3
    y = np.where(rng.random((n, k)) < 0.85, x, ~x)
    coded = np.ones((2, n), bool)
    coded[0, :15] = False  # 15 responses only the second coder coded
    coded[1, 15:25] = False  # 10 only the first coded
    res = agree_matrices([x, y], coded=coded, bootstrap=30, seed=1)
    assert res.n_units == n - 25
    for j in range(k):
        states = np.stack(
            [np.where(coded[0], x[:, j], -1), np.where(coded[1], y[:, j], -1)], axis=1
        ).astype(int)
        ref_m = multi_rater_stats(one_hot(states, 2).sum(1))
        ref_c = conger_stats(one_hot(states, 2))
        c = res.per_code[f"code{j + 1}"].coefficients
        assert c["gwet_ac1"].value == pytest.approx(float(ref_m["gwet_ac1"]), abs=1e-12)
        assert c["gwet_ac1"].se == pytest.approx(float(ref_m["gwet_ac1_se"]), abs=1e-12)
        assert c["scott_pi"].value == pytest.approx(float(ref_m["fleiss_kappa"]), abs=1e-12)
        assert c["cohen_kappa"].value == pytest.approx(float(ref_c["conger_kappa"]), abs=1e-12)
        assert c["cohen_kappa"].se == pytest.approx(float(ref_c["conger_kappa_se"]), abs=1e-12)
        assert c["cohen_kappa"].boot_ci_low is not None
        # the prevalence index describes the responses both coded
        both = coded.all(0)
        p11 = np.mean(x[both, j] & y[both, j])
        p00 = np.mean(~x[both, j] & ~y[both, j])
        assert c["prevalence_index"].value == pytest.approx(p11 - p00, abs=1e-12)


def test_single_coded_responses_count_toward_chance_agreement_in_the_long_frame():
    """A response only one coder coded changes chance agreement (so kappa), not pa."""
    pairs = ["aa", "ab", "bb", "ba", "aa"]
    rows = [(str(i), c, lab) for i, pq in enumerate(pairs) for c, lab in zip("xy", pq, strict=True)]
    base = pd.DataFrame(rows, columns=["id", "coder", "code"])
    extra = pd.DataFrame([("9", "x", "b"), ("10", "x", "b")], columns=["id", "coder", "code"])
    one = agree(base, single_label=True)
    two = agree(pd.concat([base, extra]), single_label=True)
    assert one.overall["percent_agreement"].value == two.overall["percent_agreement"].value
    assert two.n_units == one.n_units == 5
    assert two.excluded_ids == ["9", "10"]
    assert two.overall["gwet_ac1"].value != pytest.approx(one.overall["gwet_ac1"].value)
    # by hand (Gwet 2014): pi_b = mean over 7 units of r_ib / r_i
    pi_b = (0 + 0.5 + 1 + 0.5 + 0 + 1 + 1) / 7
    pe = pi_b**2 + (1 - pi_b) ** 2
    pa = 3 / 5
    assert two.overall["fleiss_kappa"].value == pytest.approx((pa - pe) / (1 - pe), abs=1e-12)


def test_report_says_how_responses_coded_by_one_coder_were_used(tmp_path):
    """The report's agreement note names Gwet's rule and SE when coders' responses differ."""
    from _report_project import build_example

    from autocode.cli import main

    p = build_example(tmp_path / "p.db", second_human=True)
    doc = agree_json("--project", p, "--coders", "coder_a,coder_b")
    n_single = doc["excluded_units"]["count"]
    assert n_single > 0
    assert "Gwet 2014" in doc["overall"]["pooled"]["cohen_kappa"]["note"]
    assert main(["report", "-p", str(p), "--format", "md", "-o", str(tmp_path / "r.md")]) == 0
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert f"on the {doc['n_units']} answers both coded" in md
    assert f"{n_single} answers coded by one of them only count toward chance agreement" in md
    assert "CI: κ ± 1.96 SE (Gwet's linearisation)" in md
