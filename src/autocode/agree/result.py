"""Result objects of an agreement analysis: :class:`AgreementResult` and :class:`CodeResult`.

``AgreementResult.to_json()`` is the documented JSON document, ``to_rows()`` the flat table
behind ``--out``, ``disagreements()`` the rows behind ``--disagreements``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import coefficients as C


@dataclass
class CodeResult:
    """Agreement on one code (multi-label design)."""

    n_units: int
    prevalence: float | None
    prevalence_by_coder: dict[str, float | None]
    coefficients: dict[str, C.Coefficient]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "n_units": self.n_units,
            "prevalence": self.prevalence,
            "prevalence_by_coder": self.prevalence_by_coder,
        }
        d.update({k: v.to_dict() for k, v in self.coefficients.items()})
        return d


@dataclass
class AgreementResult:
    """What :func:`agree` returns. ``to_json()`` gives the documented JSON document."""

    coders: list[str]
    design: str
    level: str
    missing: str
    n_units: int
    ids: list[str] | None
    excluded_ids: list[str]
    overall: dict[str, Any]
    per_code: dict[str, CodeResult] = field(default_factory=dict)
    categories: list[Any] | None = None
    unknown_codes: list[str] = field(default_factory=list)
    pairwise: dict[str, dict[str, C.Coefficient]] = field(default_factory=dict)
    bootstrap: dict[str, Any] | None = None
    # the data behind the numbers, for disagreements (not serialised)
    data: Any = field(default=None, repr=False)
    coded: Any = field(default=None, repr=False)
    codes: list[str] = field(default_factory=list)
    #: ``(n_units, n_codes)`` cells where the code applies (None: every cell)
    applies: Any = field(default=None, repr=False)

    @property
    def matrices(self) -> np.ndarray | None:
        """Multi-label data ``(n_coders, n_units, n_codes)`` behind the numbers."""
        d = self.data
        return d.get() if hasattr(d, "get") else d

    def unit_id(self, u: int) -> str:
        return self.ids[u] if self.ids is not None else str(u)

    def to_json(self) -> dict[str, Any]:
        """The JSON document (shape documented in the package docstring)."""
        if self.design == "multi-label":
            overall = {
                "pooled": {k: v.to_dict() for k, v in self.overall["pooled"].items()},
                "macro": {
                    k: (v.to_dict() if isinstance(v, C.Coefficient) else v)
                    for k, v in self.overall["macro"].items()
                },
            }
        else:
            overall = {
                k: (v.to_dict() if isinstance(v, C.Coefficient) else v)
                for k, v in self.overall.items()
            }
        doc: dict[str, Any] = {
            "coders": list(self.coders),
            "design": self.design,
            "level": self.level,
            "missing": self.missing,
            "n_units": self.n_units,
            "excluded_units": {"count": len(self.excluded_ids), "ids": list(self.excluded_ids)},
            "overall": overall,
            "per_code": {k: v.to_dict() for k, v in self.per_code.items()},
        }
        if self.categories is not None:
            doc["categories"] = list(self.categories)
        if self.unknown_codes:
            doc["unknown_codes"] = list(self.unknown_codes)
        if self.pairwise:
            doc["pairwise"] = {
                k: {n: c.to_dict() for n, c in v.items()} for k, v in self.pairwise.items()
            }
        if self.bootstrap:
            doc["bootstrap"] = dict(self.bootstrap)
        return doc

    def to_rows(self) -> list[dict[str, Any]]:
        """One flat row per code (+ pooled, macro) or one overall row, for ``--out FILE.csv``."""

        def flat(name: str, coefs: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
            row: dict[str, Any] = {"code": name, **extra}
            reasons = []
            for k, c in coefs.items():
                if not isinstance(c, C.Coefficient):
                    row[k] = c
                    continue
                row[k] = c.value
                if c.se is not None:
                    row[k + "_se"] = c.se
                    row[k + "_ci_low"], row[k + "_ci_high"] = c.ci_low, c.ci_high
                if c.boot_ci_low is not None:
                    row[k + "_boot_ci_low"], row[k + "_boot_ci_high"] = (
                        c.boot_ci_low,
                        c.boot_ci_high,
                    )
                if c.reason:
                    reasons.append(f"{k}: {c.reason}")
            row["notes"] = "; ".join(reasons)
            return row

        if self.design != "multi-label":
            return [flat("(overall)", self.overall, {"n_units": self.n_units})]
        rows = [
            flat(code, r.coefficients, {"n_units": r.n_units, "prevalence": r.prevalence})
            for code, r in self.per_code.items()
        ]
        rows.append(flat("(pooled)", self.overall["pooled"], {"n_units": self.n_units}))
        rows.append(flat("(macro)", self.overall["macro"], {"n_units": self.n_units}))
        return rows

    def disagreements(self, texts: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Rows where coders differ, ready for a reconciliation meeting.

        Multi-label: one row per (unit, code): ``id, text, code, <coder>...`` with 1/0 (blank =
        that coder did not code the unit). Single-label/ordinal: one row per unit with each
        coder's label.
        """
        texts = texts or {}
        rows: list[dict[str, Any]] = []
        m = self.matrices  # multi-label: (m, n, K) bool
        if m is None:
            return rows
        if self.design == "multi-label":
            coded = self.coded  # (m, n) bool
            vals = np.where(coded[:, :, None], m.astype(np.int8), -1)
            pres = (vals == 1).any(0)
            absn = (vals == 0).any(0)
            ui, ki = np.nonzero(pres & absn)
            for u, k in zip(ui.tolist(), ki.tolist(), strict=True):
                uid = self.unit_id(u)
                row: dict[str, Any] = {"id": uid, "text": texts.get(uid, ""), "code": self.codes[k]}
                for c, name in enumerate(self.coders):
                    row[name] = "" if vals[c, u, k] < 0 else int(vals[c, u, k])
                rows.append(row)
            return rows
        labels = self.data  # (n, m) object
        miss = C.missing_mask(labels)
        for u in range(labels.shape[0]):
            given = labels[u][~miss[u]]
            if len(given) >= 2 and len(set(given.tolist())) > 1:
                uid = self.unit_id(u)
                row = {"id": uid, "text": texts.get(uid, "")}
                for c, name in enumerate(self.coders):
                    row[name] = "" if miss[u, c] else labels[u, c]
                rows.append(row)
        return rows
