"""From a long codings frame to an agreement analysis: coders, units, design, missing codings.

:func:`agree` is the library entry point for codings held as rows (files or the store).
Results never depend on row order: units are sorted by id, codes by name (codebook order
first when a codebook is given).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .analysis import AgreementResult, agree_labels, agree_matrices
from .coefficients import LEVELS

MISSING = ("exclude", "as-absent")
NO_CODE = "(no code)"


def _sort_key(ids: Any) -> list[Any]:
    """Numeric ids in numeric order, otherwise text order."""
    ids = [str(i) for i in ids]
    try:
        return [(float(s), s) for s in ids]
    except ValueError:
        return [(0.0, s) for s in ids]


def _sort_ids(ids: Any) -> list[str]:
    ids = [str(i) for i in ids]
    key = _sort_key(ids)
    return [ids[i] for i in sorted(range(len(ids)), key=key.__getitem__)]


def agree(
    codings: pd.DataFrame,
    *,
    coders: Sequence[str] | None = None,
    single_label: bool | None = None,
    level: str = "nominal",
    missing: str = "exclude",
    codebook: Sequence[str] | None = None,
    bootstrap: int = 0,
    seed: int | None = None,
    confidence: float = 0.95,
) -> AgreementResult:
    """Agreement between coders from long codings (columns ``id``, ``coder``, ``code``).

    - ``coders``: which coders to compare (default: all, in order of appearance); >= 2.
    - design: multi-label by default; single-label when ``single_label`` is True, or (None)
      when every compared response has exactly one code from every coder who coded it;
      ``level`` ordinal/interval/ratio: codes are numeric ratings, one per response and coder.
    - ``missing``: ``"exclude"`` leaves responses coded by only one coder out of the observed
      agreement (listed in ``excluded_ids``, not counted in ``n_units``) while their codes
      still count toward chance agreement, as Gwet (2014) and R irrCAC do; ``"as-absent"``
      treats them as coded with no code by the other coders.
    - ``codebook``: the codebook's code names; codes outside it are flagged in
      ``unknown_codes``; codebook codes nobody used are reported (as undefined where so).
    """
    if level not in LEVELS:
        raise InputError(f"--level must be one of {', '.join(LEVELS)}, got {level!r}")
    if missing not in MISSING:
        raise InputError(f"--missing must be exclude or as-absent, got {missing!r}")
    if bootstrap < 0:
        raise InputError(f"--bootstrap must be >= 0, got {bootstrap}")
    for col in ("id", "coder", "code"):
        if col not in codings.columns:
            raise InputError(f"codings need an {col!r} column")
    # factorize once; clean only the distinct values (fast on millions of rows)
    id_i, id_u = pd.factorize(codings["id"].astype(str))
    co_i, co_u = pd.factorize(codings["coder"].astype(str))
    cd_i, cd_u = pd.factorize(codings["code"])  # -1 = missing
    names = [None if _blank(v) else str(v).strip() for v in cd_u]
    code_names = sorted({v for v in names if v is not None})
    name_idx = {c: i for i, c in enumerate(code_names)}
    cd_map = np.array([-1 if v is None else name_idx[v] for v in names] + [-1], np.int64)
    cd_i = cd_map[cd_i]  # index into code_names, -1 = "coded, no code"
    present = [str(c) for c in co_u]
    if coders:
        unknown = [c for c in coders if c not in present]
        if unknown:
            raise InputError(
                f"no codings by {', '.join(map(repr, unknown))}",
                "coders found: " + ", ".join(present),
            )
        coders = list(dict.fromkeys(coders))
    else:
        coders = present
    if len(coders) < 2:
        raise InputError(
            f"only one coder ({coders[0] if coders else 'none'}) — agreement needs two or more",
            "give two files, or a coder column with two "
            "or more coders (--coder COL / --coders a,b)",
        )
    m = len(coders)
    co_map = np.array([coders.index(c) if c in coders else -1 for c in present], np.int64)
    ci = co_map[co_i]
    rows = ci >= 0
    id_i, ci, cd_i = id_i[rows], ci[rows], cd_i[rows]
    used = np.unique(id_i)
    key = _sort_key(id_u[used])
    order = np.array(sorted(range(len(used)), key=key.__getitem__), np.int64)
    all_ids = [str(v) for v in id_u[used[order]]]
    pos = np.full(len(id_u), -1, np.int64)
    pos[used[order]] = np.arange(len(used))
    ui = pos[id_i]
    coded = np.zeros((m, len(all_ids)), bool)
    coded[ci, ui] = True
    # Gwet (2014): a response coded by one coder has no observed agreement (it is listed as
    # excluded and not in n_units) but its codes count toward chance agreement, so it stays.
    keep = np.any(coded, axis=0)
    if missing == "exclude":
        excluded = [u for u, k in zip(all_ids, coded.sum(0) >= 2, strict=True) if not k]
    else:
        coded[:] = True
        excluded = []
    if not (coded.sum(0) >= 2).any():
        raise InputError(
            "no response was coded by two of the coders (no overlapping ids)",
            "check that the files use the same response ids (--id COL), or use --missing as-absent",
        )
    ids = [u for u, k in zip(all_ids, keep, strict=True) if k]
    coded = coded[:, keep]
    newidx = np.cumsum(keep) - 1
    sel = keep[ui]
    ui, ci, cd_i = newidx[ui[sel]], ci[sel], cd_i[sel]
    has = cd_i >= 0
    codes_used = [code_names[j] for j in np.unique(cd_i[has])]
    book = list(dict.fromkeys(codebook)) if codebook else []
    unknown_codes = [c for c in codes_used if book and c not in set(book)]
    n = len(ids)
    names_arr = np.array([*code_names, ""], dtype=object)

    if level != "nominal":
        return _ordinal(
            names_arr[cd_i],
            ui,
            ci,
            has,
            coded,
            coders,
            ids,
            level,
            missing,
            excluded,
            bootstrap,
            seed,
            confidence,
        )

    # codes per (coder, unit)
    per = np.zeros((m, n), np.int64)
    np.add.at(per, (ci[has], ui[has]), 1)
    if single_label is None:
        single_label = bool(n) and bool((per[coded] == 1).all()) and len(codes_used) > 1
    if single_label:
        over = np.argwhere(per > 1)
        if len(over):
            c, u = over[0]
            raise InputError(
                f"response {ids[u]!r} has {per[c, u]} codes from {coders[c]!r} "
                "but --single-label expects one",
                "drop --single-label to analyse the codes as multi-label",
            )
        labels = np.full((n, m), None, dtype=object)
        labels[ui[has], ci[has]] = names_arr[cd_i[has]]
        empty = coded.T & (labels == None)  # noqa: E711 - elementwise, an object array
        labels[empty] = NO_CODE if missing == "as-absent" else None
        cats = book + [c for c in codes_used if c not in set(book)] if book else None
        if cats is not None and (labels == NO_CODE).any():
            cats = [*cats, NO_CODE]
        return agree_labels(
            labels,
            coders=coders,
            ids=ids,
            level="nominal",
            categories=cats,
            excluded_ids=excluded,
            unknown_codes=unknown_codes,
            missing=missing,
            bootstrap=bootstrap,
            seed=seed,
            confidence=confidence,
        )

    codes = book + [c for c in codes_used if c not in set(book)] if book else codes_used
    kmap = np.array([codes.index(c) if c in codes else -1 for c in code_names], np.int64)
    mats = np.zeros((m, n, len(codes)), bool)
    mats[ci[has], ui[has], kmap[cd_i[has]]] = True
    return agree_matrices(
        mats,
        codes=codes,
        coders=coders,
        ids=ids,
        coded=coded,
        excluded_ids=excluded,
        unknown_codes=unknown_codes,
        missing=missing,
        bootstrap=bootstrap,
        seed=seed,
        confidence=confidence,
    )


def _blank(v: Any) -> bool:
    if v is None:
        return True
    try:
        if pd.isna(v):
            return True
    except (TypeError, ValueError):
        pass
    return str(v).strip() in ("", "nan", "None")


def _ordinal(
    values: np.ndarray,
    ui: np.ndarray,
    ci: np.ndarray,
    has: np.ndarray,
    coded: np.ndarray,
    coders: list[str],
    ids: list[str],
    level: str,
    missing: str,
    excluded: list[str],
    bootstrap: int,
    seed: int | None,
    confidence: float,
) -> AgreementResult:
    vals = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    bad = has & np.isnan(vals)
    if bad.any():
        v = values[np.argmax(bad)]
        raise InputError(
            f"--level {level} needs numeric ratings, got {v!r}",
            "use numbers for the ratings, or drop --level for nominal codes",
        )
    m, n = coded.shape
    cnt = np.zeros((m, n), np.int64)
    np.add.at(cnt, (ci[has], ui[has]), 1)
    if (cnt > 1).any():
        c, u = np.argwhere(cnt > 1)[0]
        raise InputError(
            f"response {ids[u]!r} has {cnt[c, u]} ratings from {coders[c]!r}",
            f"--level {level} expects one rating per response and coder",
        )
    if level == "ratio" and (vals[has] < 0).any():
        raise InputError("--level ratio needs non-negative ratings")
    labels = np.full((n, m), None, dtype=object)
    labels[ui[has], ci[has]] = vals[has]
    if missing == "as-absent" and (labels == None).any():  # noqa: E711 - elementwise
        raise InputError(
            "--missing as-absent does not apply to ratings (no rating is not 0)",
            "use --missing exclude",
        )
    return agree_labels(
        labels,
        coders=coders,
        ids=ids,
        level=level,
        excluded_ids=excluded,
        missing=missing,
        bootstrap=bootstrap,
        seed=seed,
        confidence=confidence,
    )
