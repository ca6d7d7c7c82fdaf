"""Agreement for the report, from :func:`autocode.agree.project.agree_project` (the study
model's one rule: cells where the code applies; the machine only on answers its run did not
train on; flagged cells count as decided).

Pairs: every pair of human coders (human–human), and the machine (``autocode``) with the
primary coder (machine–human). Each row carries pooled Cohen's kappa over every applicable
(answer, code) cell (De Vries et al. 2008) with its 95% CI, percent agreement, the answers
compared (``n_units``), the answers left out and why (``trained_on``, ``coded_by_one_coder``)
and, for the machine, the share of its compared cells that are flagged. Undefined kappas are
"undefined" with the reason, never 0.
"""

from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..project import Store
    from .study import Study


def _coef(c: Any) -> dict[str, Any]:
    if c is None:
        return {"value": None, "ci_low": None, "ci_high": None, "reason": "not computed"}
    out = {"value": c.value, "ci_low": c.ci_low, "ci_high": c.ci_high, "reason": c.reason}
    if getattr(c, "note", None):
        out["note"] = c.note
    return out


def fmt_kappa(k: dict[str, Any]) -> str:
    """``0.81 [0.74, 0.88]``; ``undefined (reason)`` when there is no value."""
    if k.get("value") is None:
        return f"undefined ({k['reason']})" if k.get("reason") else "undefined"
    if k.get("ci_low") is not None and k.get("ci_high") is not None:
        return f"{k['value']:.2f} [{k['ci_low']:.2f}, {k['ci_high']:.2f}]"
    return f"{k['value']:.2f}"


def pairs(study: Study) -> list[tuple[str, str, str]]:
    """(kind, coder a, coder b) of the pairs the report compares."""
    from ..project.codings import MACHINE

    out = [("human-human", a, b) for a, b in combinations(study.humans, 2)]
    if MACHINE in study.coded and study.primary is not None:
        out.append(("machine-human", study.primary, MACHINE))
    return out


def agreement_rows(store: Store, study: Study) -> list[dict[str, Any]]:
    """One entry per pair; ``error`` (one line) instead of numbers when it cannot be computed
    (e.g. every answer both coded is one the machine trained on)."""
    from ..agree.project import agree_project
    from ..errors import AutocodeError

    questions = study.questions if study.questions != study.all_questions else None
    out: list[dict[str, Any]] = []
    for kind, a, b in pairs(study):
        row: dict[str, Any] = {"kind": kind, "coders": [a, b]}
        try:
            res = agree_project(store, [a, b], questions=questions)
        except AutocodeError as e:
            row["error"] = e.message
            out.append(row)
            continue
        pooled = res.result.overall.get("pooled", {})
        pa = pooled.get("percent_agreement")
        row.update(
            {
                "n_units": res.n_units,
                "kappa": _coef(pooled.get("cohen_kappa")),
                "percent_agreement": None if pa is None else pa.value,
                "excluded": {
                    "count": int(res.excluded["count"]),
                    "reasons": dict(res.excluded["reasons"]),
                },
                "flagged": None if res.flagged is None else dict(res.flagged),
                "per_code": [
                    {
                        "code": code,
                        "n_units": cr.n_units,
                        "kappa": _coef(cr.coefficients.get("cohen_kappa")),
                    }
                    for code, cr in res.result.per_code.items()
                ],
            }
        )
        out.append(row)
    return out
