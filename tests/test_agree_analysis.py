"""autocode.agree library: per-code / pooled / macro results, designs, missing codings,
bootstrap, disagreements and the JSON document."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from autocode.agree import agree, agree_labels, agree_matrices
from autocode.errors import InputError


def _pair(n=300, k=6, seed=0, flip=0.1):
    rng = np.random.default_rng(seed)
    x = rng.random((n, k)) < np.linspace(0.05, 0.5, k)
    y = x ^ (rng.random((n, k)) < flip)
    return x, y


def _long(mats, coders, codes, ids=None):
    rows = []
    for c, m in zip(coders, mats, strict=True):
        for i in range(m.shape[0]):
            uid = ids[i] if ids else f"r{i}"
            got = [codes[j] for j in np.flatnonzero(m[i])]
            rows += [(uid, c, g) for g in got] or [(uid, c, None)]
    return pd.DataFrame(rows, columns=["id", "coder", "code"])


def test_multilabel_two_coders_matches_sklearn_per_code_pooled_and_macro():
    from sklearn.metrics import cohen_kappa_score

    x, y = _pair()
    res = agree_matrices([x, y], codes=list("abcdef"), coders=["h", "m"])
    for j, code in enumerate("abcdef"):
        r = res.per_code[code]
        assert r.coefficients["cohen_kappa"].value == pytest.approx(
            cohen_kappa_score(x[:, j], y[:, j]), abs=1e-9
        )
        assert r.prevalence_by_coder["h"] == pytest.approx(x[:, j].mean())
    pooled = res.overall["pooled"]["cohen_kappa"].value
    assert pooled == pytest.approx(cohen_kappa_score(x.ravel(), y.ravel()), abs=1e-9)
    macro = np.mean([cohen_kappa_score(x[:, j], y[:, j]) for j in range(6)])
    assert res.overall["macro"]["cohen_kappa"].value == pytest.approx(macro, abs=1e-9)


def test_unused_code_is_undefined_with_reason_and_left_out_of_macro():
    x, y = _pair(k=3)
    x[:, 2] = y[:, 2] = False
    res = agree_matrices([x, y], codes=["a", "b", "never"])
    k = res.per_code["never"].coefficients["cohen_kappa"]
    assert k.value is None
    assert "no coder used this code" in k.reason
    macro = res.overall["macro"]["cohen_kappa"]
    assert "2 of 3" in macro.note
    doc = res.to_json()
    json.dumps(doc, allow_nan=False)  # null, never NaN
    assert doc["per_code"]["never"]["cohen_kappa"]["value"] is None
    assert doc["per_code"]["never"]["gwet_ac1"]["value"] == 1.0


def test_three_coders_match_statsmodels_and_krippendorff():
    import krippendorff
    from statsmodels.stats.inter_rater import fleiss_kappa

    rng = np.random.default_rng(4)
    x, y = _pair(seed=4)
    z = x ^ (rng.random(x.shape) < 0.2)
    res = agree_matrices([x, y, z], codes=list("abcdef"), coders=["a", "b", "c"])
    for j, code in enumerate("abcdef"):
        pres = x[:, j].astype(int) + y[:, j] + z[:, j]
        counts = np.c_[3 - pres, pres]
        c = res.per_code[code].coefficients
        assert c["fleiss_kappa"].value == pytest.approx(fleiss_kappa(counts), abs=1e-9)
        data = np.vstack([x[:, j], y[:, j], z[:, j]]).astype(float)
        assert c["krippendorff_alpha"].value == pytest.approx(
            krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"), abs=1e-9
        )
        assert c["cohen_kappa"].value is None
        assert "two coders" in c["cohen_kappa"].reason
    assert set(res.pairwise) == {"a|b", "a|c", "b|c"}


def test_long_frame_missing_exclude_and_as_absent():
    x, y = _pair(n=50, k=3)
    df = _long([x, y], ["alice", "bob"], ["p", "q", "r"])
    extra = pd.DataFrame(
        [("only-alice", "alice", "p"), ("only-bob", "bob", None)], columns=["id", "coder", "code"]
    )
    df = pd.concat([df, extra])
    res = agree(df)
    assert res.n_units == 50
    assert res.excluded_ids == ["only-alice", "only-bob"]
    both = agree(df, missing="as-absent")
    assert both.n_units == 52
    assert both.excluded_ids == []
    # alice's p on a response bob never saw now counts as a disagreement
    rows = both.disagreements()
    assert {"id": "only-alice", "text": "", "code": "p", "alice": 1, "bob": 0} in rows


def test_results_do_not_depend_on_row_order():
    x, y = _pair(n=80, k=4)
    df = _long([x, y], ["a", "b"], list("wxyz"))
    one = agree(df, bootstrap=50, seed=3).to_json()
    two = agree(df.sample(frac=1, random_state=1), bootstrap=50, seed=3).to_json()
    assert one == two


def test_single_label_detected_and_equal_to_cohen():
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(2)
    a = rng.choice(["pos", "neg", "mixed"], 120)
    b = np.where(rng.random(120) < 0.7, a, rng.choice(["pos", "neg", "mixed"], 120))
    df = pd.DataFrame(
        {
            "id": np.r_[np.arange(120), np.arange(120)],
            "coder": ["a"] * 120 + ["b"] * 120,
            "code": np.r_[a, b],
        }
    )
    res = agree(df)
    assert res.design == "single-label"
    assert res.per_code == {}
    assert res.overall["cohen_kappa"].value == pytest.approx(cohen_kappa_score(a, b), abs=1e-9)
    assert res.categories == ["mixed", "neg", "pos"]
    doc = res.to_json()
    assert doc["overall"]["cohen_kappa"]["value"] == res.overall["cohen_kappa"].value
    dis = res.disagreements({"0": "text zero"})
    assert len(dis) == int((a != b).sum())


def test_single_label_flag_rejects_two_codes():
    df = pd.DataFrame(
        {
            "id": ["1", "1", "1", "2", "2"],
            "coder": ["a", "a", "b", "a", "b"],
            "code": ["x", "y", "x", "y", "y"],
        }
    )
    with pytest.raises(InputError, match="one"):
        agree(df, single_label=True)
    assert agree(df).design == "multi-label"


def test_ordinal_and_interval_designs():
    import krippendorff
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(9)
    a = rng.integers(1, 6, 200)
    b = np.clip(a + rng.integers(-1, 2, 200), 1, 5)
    df = pd.DataFrame(
        {
            "id": np.r_[np.arange(200), np.arange(200)],
            "coder": ["a"] * 200 + ["b"] * 200,
            "code": np.r_[a, b].astype(str),
        }
    )
    res = agree(df, level="ordinal")
    assert res.design == "ordinal"
    for w in ("linear", "quadratic"):
        assert res.overall[f"cohen_kappa_{w}"].value == pytest.approx(
            cohen_kappa_score(a, b, weights=w), abs=1e-9
        )
    for level in ("ordinal", "interval", "ratio"):
        r = agree(df, level=level, bootstrap=30, seed=1)
        ref = krippendorff.alpha(
            reliability_data=np.vstack([a, b]).astype(float), level_of_measurement=level
        )
        assert r.overall["krippendorff_alpha"].value == pytest.approx(ref, abs=1e-9)
        assert r.overall["gwet_ac2"].value is not None
    with pytest.raises(InputError, match="numeric"):
        agree(df.assign(code="high"), level="ordinal")


def test_ratings_with_three_coders_and_missing():
    import krippendorff

    lab = np.array(
        [
            [1, 1, None, 1],
            [2, 2, 3, 2],
            [3, 3, 3, 3],
            [3, 3, 3, 3],
            [2, 2, 2, 2],
            [1, 2, 3, 4],
            [4, 4, 4, 4],
            [1, 1, 2, 1],
            [2, 2, 2, 2],
            [None, 5, 5, 5],
            [None, None, 1, 1],
            [None, 3, None, None],
        ],
        dtype=object,
    )
    res = agree_labels(lab, level="interval", bootstrap=20, seed=0)
    ref = krippendorff.alpha(
        reliability_data=np.array(lab, float).T, level_of_measurement="interval"
    )
    assert res.overall["krippendorff_alpha"].value == pytest.approx(ref, abs=1e-9)
    assert res.overall["gwet_ac1"].value == pytest.approx(0.77544, abs=5e-6)
    assert len(res.pairwise) == 6


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    x, y = _pair(n=400, k=4, seed=5)
    a = agree_matrices([x, y], bootstrap=300, seed=11)
    b = agree_matrices([x, y], bootstrap=300, seed=11)
    c = agree_matrices([x, y], bootstrap=300, seed=12)
    ka, kb = a.overall["pooled"]["cohen_kappa"], b.overall["pooled"]["cohen_kappa"]
    assert (ka.boot_ci_low, ka.boot_ci_high) == (kb.boot_ci_low, kb.boot_ci_high)
    assert ka.boot_ci_low != c.overall["pooled"]["cohen_kappa"].boot_ci_low
    assert ka.boot_ci_low < ka.value < ka.boot_ci_high
    # bootstrap and analytic (FCE) intervals roughly agree
    assert abs(ka.boot_ci_low - ka.ci_low) < 0.03
    assert a.to_json()["bootstrap"]["resamples"] == 300
    m = a.overall["macro"]["gwet_ac1"]
    assert m.boot_ci_low < m.value < m.boot_ci_high


def test_bootstrap_three_coders_and_single_label():
    rng = np.random.default_rng(1)
    x, y = _pair(n=60, k=3, seed=1)
    z = x ^ (rng.random(x.shape) < 0.1)
    r = agree_matrices([x, y, z], bootstrap=20, seed=1)
    assert r.overall["pooled"]["fleiss_kappa"].boot_ci_low is not None
    lab = np.array([rng.choice(list("abc"), 60) for _ in range(2)], dtype=object).T
    s = agree_labels(lab, bootstrap=25, seed=2)
    assert s.overall["cohen_kappa"].boot_ci_high is not None


def test_codebook_flags_unknown_codes_and_reports_unused_ones():
    x, y = _pair(n=40, k=2)
    df = _long([x, y], ["a", "b"], ["known", "typo"])
    res = agree(df, codebook=["known", "unused"])
    assert res.unknown_codes == ["typo"]
    assert list(res.per_code) == ["known", "unused", "typo"]
    assert res.per_code["unused"].coefficients["cohen_kappa"].value is None
    assert res.to_json()["unknown_codes"] == ["typo"]


def test_input_errors():
    df = pd.DataFrame({"id": ["1", "2"], "coder": ["a", "a"], "code": ["x", "y"]})
    with pytest.raises(InputError, match="only one coder"):
        agree(df)
    df2 = pd.DataFrame({"id": ["1", "2"], "coder": ["a", "b"], "code": ["x", "y"]})
    with pytest.raises(InputError, match="no response was coded by two"):
        agree(df2)
    with pytest.raises(InputError, match="no codings by 'zed'"):
        agree(df2, coders=["a", "zed"])
    with pytest.raises(InputError, match="--level"):
        agree(df2, level="fuzzy")


def test_json_document_shape():
    x, y = _pair(n=30, k=2)
    doc = agree_matrices([x, y], codes=["a", "b"], coders=["h", "m"]).to_json()
    assert set(doc) >= {"coders", "design", "n_units", "excluded_units", "overall", "per_code"}
    assert set(doc["excluded_units"]) == {"count", "ids"}
    assert set(doc["overall"]) == {"pooled", "macro"}
    code = doc["per_code"]["a"]
    for key in (
        "n_units",
        "prevalence",
        "percent_agreement",
        "cohen_kappa",
        "scott_pi",
        "fleiss_kappa",
        "krippendorff_alpha",
        "gwet_ac1",
        "brennan_prediger",
        "pabak",
        "prevalence_index",
        "bias_index",
    ):
        assert key in code
    assert set(code["cohen_kappa"]) >= {"value", "se", "ci_low", "ci_high"}


def test_three_coders_with_missing_codings_match_krippendorff_and_unit_level():
    import krippendorff

    from autocode.agree import multi_rater_stats

    rng = np.random.default_rng(8)
    x, y = _pair(n=200, k=4, seed=8)
    z = x ^ (rng.random(x.shape) < 0.1)
    coded = rng.random((3, 200)) < 0.8
    coded[:, :5] = True
    res = agree_matrices([x, y, z], coded=coded, bootstrap=40, seed=0)
    mats = np.stack([x, y, z])
    for j in range(4):
        data = np.where(coded, mats[:, :, j], np.nan).astype(float)
        c = res.per_code[f"code{j + 1}"].coefficients
        assert c["krippendorff_alpha"].value == pytest.approx(
            krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"), abs=1e-9
        )
        pres = np.nansum(data, 0)
        cnt = np.c_[coded.sum(0) - pres, pres]
        ref = multi_rater_stats(cnt)  # one row per unit, no patterns
        assert c["gwet_ac1"].value == pytest.approx(float(ref["gwet_ac1"]), abs=1e-12)
        assert c["fleiss_kappa"].se == pytest.approx(float(ref["fleiss_kappa_se"]), abs=1e-12)
    assert res.overall["pooled"]["gwet_ac1"].boot_ci_low is not None
