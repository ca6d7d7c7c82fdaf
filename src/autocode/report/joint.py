"""Joint display: code prevalence by a respondent attribute, with a test of association.

For each code, respondents (with a non-blank answer to the question(s) in scope and a
recorded value of the attribute) are split by the attribute's value; the table shows n (%)
of each group who raised the code. The test is on the 2 × k table (code raised / not
raised × group):

- Pearson's chi-square test of independence (no continuity correction) when every
  expected count is at least 5 (Cochran 1954);
- otherwise Fisher's exact test — the 2 × 2 exact test, or for 2 × k the
  Fisher–Freeman–Halton test, its p-value estimated by SciPy from 9,999 Monte Carlo tables
  with a fixed seed (reproducible);
- no test, flagged "too few", when fewer than 5 respondents raised the code or fewer than 5
  did not, or there are fewer than two groups.

p-values are not adjusted for the number of codes tested; the table note says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import NotFoundError
from .data import code_respondents, natural_key

if TYPE_CHECKING:  # pragma: no cover
    from .data import ProjectData, Rater

MISSING = "(missing)"
MIN_CELL = 5
MC_RESAMPLES = 9999
SEED = 0


@dataclass
class Association:
    test: str  # "chi-square" | "Fisher exact" | "Fisher–Freeman–Halton (MC)" | "too few" | ...
    statistic: float | None
    df: int | None
    p: float | None
    small: bool  # expected counts under 5 (exact test used) or too few to test

    def describe(self) -> str:
        if self.p is None:
            return self.test
        p = "p < 0.001" if self.p < 0.001 else f"p = {self.p:.3f}"
        if self.test == "chi-square":
            return f"χ²({self.df}) = {self.statistic:.2f}, {p}"
        short = "Fisher" if self.test == "Fisher exact" else "FFH"
        return f"{short}, {p}"


def association(table: list[list[int]]) -> Association:
    """Test a 2 × k table of counts (row 0: raised the code, row 1: did not)."""
    import numpy as np
    from scipy import stats

    obs = np.asarray(table, dtype=np.int64)
    obs = obs[:, obs.sum(axis=0) > 0]
    if obs.shape[1] < 2:
        return Association("fewer than two groups", None, None, None, True)
    if obs[0].sum() < MIN_CELL or obs[1].sum() < MIN_CELL:
        return Association("too few", None, None, None, True)
    expected = stats.contingency.expected_freq(obs)
    if (expected >= 5).all():
        chi2, p, dof, _ = stats.chi2_contingency(obs, correction=False)
        return Association("chi-square", float(chi2), int(dof), float(p), False)
    if obs.shape == (2, 2):
        res = stats.fisher_exact(obs)
        return Association("Fisher exact", None, None, float(res.pvalue), True)
    method = stats.MonteCarloMethod(n_resamples=MC_RESAMPLES, rng=np.random.default_rng(SEED))
    res = stats.fisher_exact(obs, method=method)
    return Association("Fisher–Freeman–Halton (MC)", None, None, float(res.pvalue), True)


def joint_display(
    data: ProjectData, by: str, rater: Rater, questions: list[str] | None = None
) -> dict[str, Any]:
    """Rows: one per code the rater applied; per group n and %, and the association test."""
    if by not in data.attributes.columns:
        raise NotFoundError(
            f"no respondent attribute {by!r}",
            "choose one of: " + (", ".join(map(str, data.attributes.columns)) or "(none stored)"),
        )
    import pandas as pd

    qs = questions if questions is not None else data.questions
    r = data.responses[data.responses["question"].isin(qs)]
    answered = sorted(set(r["respondent"]))
    values = data.attributes[by].reindex(answered)
    group_of = {
        resp: (MISSING if v is None or pd.isna(v) or str(v).strip() == "" else str(v))
        for resp, v in values.items()
    }
    groups = sorted({g for g in group_of.values() if g != MISSING}, key=natural_key)
    size = {g: sum(1 for v in group_of.values() if v == g) for g in groups}
    n_missing = sum(1 for v in group_of.values() if v == MISSING)
    sets = code_respondents(data, rater, qs)
    theme_of = data.code_theme()
    rows: list[dict[str, Any]] = []
    for code in [c.name for c in data.codes if c.name in sets]:
        members = sets[code]
        counts = {g: sum(1 for m in members if group_of.get(m) == g) for g in groups}
        total = sum(counts.values())
        table = [[counts[g] for g in groups], [size[g] - counts[g] for g in groups]]
        assoc = association(table)
        rows.append(
            {
                "theme": theme_of.get(code, ""),
                "code": code,
                "counts": counts,
                "pct": {g: (100.0 * counts[g] / size[g]) if size[g] else None for g in groups},
                "total": total,
                "total_pct": 100.0 * total / sum(size.values()) if size else None,
                "assoc": assoc,
            }
        )
    rows.sort(key=lambda x: (-x["total"], x["code"]))
    return {
        "by": by,
        "rater": rater.label,
        "groups": groups,
        "sizes": size,
        "missing": n_missing,
        "rows": rows,
    }
