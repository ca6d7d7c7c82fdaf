"""Agreement tables for the report, computed with :func:`autocode.agree.agree`.

The first human coder is compared with every other coder (human or machine), multi-label
design: observed agreement on the responses both coded, chance agreement from all their
codings (``missing="exclude"``, Gwet 2014; a response counts as coded by
a coder when it has any coding row from them, and a code as applied unless its status is
``rejected`` or ``needs_review``). Per code: Cohen's (1960) kappa with its 95% CI (Fleiss,
Cohen & Everitt 1969 SE; Gwet's linearisation when some responses were coded by one of
them only) and percent agreement; overall: pooled kappa over every
(response, code) decision (De Vries et al. 2008). Undefined kappas are shown as
"undefined" with the reason, never as 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .data import NOT_PRESENT_STATUSES

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .data import ProjectData, Rater


def pair_frame(data: ProjectData, raters: list[Rater]) -> pd.DataFrame:
    """Long codings (id, coder, code) of the raters as ``agree`` reads them from a store."""
    import pandas as pd

    frames = []
    for r in raters:
        rows = data.rater_rows(r)
        code = rows["code"].where(~rows["status"].fillna("").isin(NOT_PRESENT_STATUSES), None)
        frames.append(
            pd.DataFrame({"id": rows["response_id"].astype(str), "coder": r.label, "code": code})
        )
    return pd.concat(frames, ignore_index=True)


def pair_agreement(data: ProjectData, a: Rater, b: Rater):
    """:class:`autocode.agree.AgreementResult` of two raters (None when nothing in common)."""
    from ..agree import agree
    from ..errors import AutocodeError

    df = pair_frame(data, [a, b])
    if not (set(df.loc[df["coder"] == a.label, "id"]) & set(df.loc[df["coder"] == b.label, "id"])):
        return None
    try:
        return agree(
            df,
            coders=[a.label, b.label],
            single_label=False,
            missing="exclude",
            codebook=[c.name for c in data.codes],
        )
    except AutocodeError:
        return None


def fmt_coef(c) -> str:
    if c is None:
        return ""
    if c.value is None:
        return f"undefined ({c.reason})" if c.reason else "undefined"
    if c.ci_low is not None and c.ci_high is not None:
        return f"{c.value:.2f} [{c.ci_low:.2f}, {c.ci_high:.2f}]"
    return f"{c.value:.2f}"


def _pct(c) -> str:
    return f"{100 * c.value:.1f}%" if c is not None and c.value is not None else ""


def agreement_tables(data: ProjectData) -> list[Any]:
    """Report blocks (tables and paragraphs); empty when fewer than two coders."""
    from .build import Table

    if len(data.raters) < 2:
        return []
    humans = [r for r in data.raters if r.source == "human"]
    ref = humans[0] if humans else data.raters[0]
    blocks: list[Any] = []
    overall_rows = []
    for other in [r for r in data.raters if r is not ref]:
        res = pair_agreement(data, ref, other)
        if res is None:
            blocks.append(f"{ref.label} and {other.label} coded no response in common.")
            continue
        pooled = res.overall.get("pooled", {})
        overall_rows.append(
            [
                f"{ref.label} vs {other.label}",
                res.n_units,
                _pct(pooled.get("percent_agreement")),
                fmt_coef(pooled.get("cohen_kappa")),
                fmt_coef(pooled.get("gwet_ac1")),
            ]
        )
        rows = []
        for code, cr in res.per_code.items():
            prev = cr.prevalence_by_coder or {}
            rows.append(
                [
                    code,
                    _n(prev.get(ref.label), cr.n_units),
                    _n(prev.get(other.label), cr.n_units),
                    _pct(cr.coefficients.get("percent_agreement")),
                    fmt_coef(cr.coefficients.get("cohen_kappa")),
                ]
            )
        unused = [r for r in rows if not r[1] and not r[2]]
        rows = [r for r in rows if r[1] or r[2]]
        rows.sort(key=lambda r: (-(r[1] or 0), r[0]))
        blocks.append(
            Table(
                f"agreement_{len(overall_rows)}",
                f"Agreement per code — {ref.label} vs {other.label}",
                [
                    "Code",
                    f"n {ref.label}",
                    f"n {other.label}",
                    "Agreement",
                    "Cohen's \u03ba [95% CI]",
                ],
                rows,
                f"On the {res.n_units} responses both coded; "
                "n = responses each coder gave the code. "
                "\u03ba is undefined when a coder used the code on every response or on none. "
                + (
                    f"{len(res.excluded_ids)} responses coded by one of them only count toward "
                    "chance agreement (Gwet 2014). "
                    "CI: \u03ba \u00b1 1.96 SE (Gwet's linearisation)."
                    if res.excluded_ids
                    else "CI: \u03ba \u00b1 1.96 SE (Fleiss, Cohen & Everitt 1969)."
                )
                + (
                    f" {len(unused)} codebook codes neither coder used are left out."
                    if unused
                    else ""
                ),
                ["code"] * len(rows),
            )
        )
    if overall_rows:
        blocks.insert(
            0,
            Table(
                "agreement",
                "Agreement overall",
                [
                    "Coders",
                    "Responses coded by both",
                    "Agreement",
                    "Pooled \u03ba [95% CI]",
                    "Pooled AC1 [95% CI]",
                ],
                overall_rows,
                "Pooled over every (response, code) decision (De Vries et al. 2008); "
                "AC1: Gwet (2008). "
                "Computed with autocode.agree.",
            ),
        )
    return blocks


def _n(prevalence: float | None, n_units: int) -> int | None:
    return None if prevalence is None else round(prevalence * n_units)
