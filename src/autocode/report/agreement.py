"""Agreement tables for the report, computed with :mod:`autocode.agree`.

Each pair compares the first human coder with every other coder (human or machine) on the
responses both of them coded (a response counts as coded by a coder when it has at least
one code from them). Per code: the two coders' present/absent decisions on those responses
give Cohen's (1960) kappa with its 95% CI (Fleiss, Cohen & Everitt 1969 SE) and percent
agreement. Overall: pooled kappa over every (response, code) decision (De Vries et al.
2008). Undefined kappas (a code one coder never used, or both always used) are shown as
"undefined" with the reason, never as 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .data import ProjectData, Rater


def _coded_units(data: ProjectData, rater: Rater) -> set[str]:
    return set(data.rater_codings(rater)["response_id"])


def pair_agreement(data: ProjectData, a: Rater, b: Rater) -> dict[str, Any] | None:
    """Per-code and pooled agreement of two raters (None when they share no response)."""
    from ..agree.coefficients import cohen_kappa, percent_agreement

    units = sorted(_coded_units(data, a) & _coded_units(data, b))
    if not units:
        return None
    ca, cb = data.rater_codings(a), data.rater_codings(b)
    sa = set(zip(ca["response_id"], ca["code"]))
    sb = set(zip(cb["response_id"], cb["code"]))
    codes = [c.name for c in data.codes if any(c.name == x[1] for x in sa | sb)]
    per_code = []
    pooled_a: list[int] = []
    pooled_b: list[int] = []
    for code in codes:
        va = [int((u, code) in sa) for u in units]
        vb = [int((u, code) in sb) for u in units]
        pooled_a += va
        pooled_b += vb
        k = cohen_kappa(va, vb, categories=[0, 1])
        pa = percent_agreement(va, vb)
        per_code.append(
            {"code": code, "n_a": sum(va), "n_b": sum(vb), "kappa": k, "pa": pa}
        )
    pooled = cohen_kappa(pooled_a, pooled_b, categories=[0, 1]) if codes else None
    return {"a": a, "b": b, "units": len(units), "per_code": per_code, "pooled": pooled}


def fmt_coef(c) -> str:
    if c is None:
        return ""
    if c.value is None:
        return f"undefined ({c.reason})" if c.reason else "undefined"
    if c.ci_low is not None and c.ci_high is not None:
        return f"{c.value:.2f} [{c.ci_low:.2f}, {c.ci_high:.2f}]"
    return f"{c.value:.2f}"


def agreement_tables(data: ProjectData) -> list[Any]:
    """Report blocks (tables and paragraphs); empty when fewer than two coders."""
    from .build import Table

    if len(data.raters) < 2:
        return []
    try:
        import autocode.agree.coefficients  # noqa: F401
    except ImportError:  # pragma: no cover - the module ships with autocode
        return ["Agreement: the agreement module is not available."]
    humans = [r for r in data.raters if r.source == "human"]
    ref = humans[0] if humans else data.raters[0]
    blocks: list[Any] = []
    overall_rows = []
    for other in [r for r in data.raters if r is not ref]:
        res = pair_agreement(data, ref, other)
        if res is None:
            blocks.append(f"{ref.label} and {other.label} coded no response in common.")
            continue
        overall_rows.append([f"{ref.label} vs {other.label}", res["units"], fmt_coef(res["pooled"])])
        rows = [
            [r["code"], r["n_a"], r["n_b"], f"{100 * r['pa'].value:.1f}%" if r["pa"].value is not None else "",
             fmt_coef(r["kappa"])]
            for r in res["per_code"]
        ]
        blocks.append(
            Table(
                f"agreement_{len(overall_rows)}",
                f"Agreement per code — {ref.label} vs {other.label}",
                ["Code", f"n {ref.label}", f"n {other.label}", "Agreement", "Cohen's \u03ba [95% CI]"],
                rows,
                f"On the {res['units']} responses both coded. \u03ba undefined when a coder used the "
                "code on every response or on none. CI: \u03ba \u00b1 1.96 SE (Fleiss, Cohen & Everitt 1969).",
                ["code"] * len(rows),
            )
        )
    if overall_rows:
        blocks.insert(
            0,
            Table(
                "agreement",
                "Agreement overall",
                ["Coders", "Responses coded by both", "Pooled \u03ba [95% CI]"],
                overall_rows,
                "Pooled kappa over every (response, code) decision (De Vries et al. 2008).",
            ),
        )
    return blocks
