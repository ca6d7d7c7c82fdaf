"""Labels to tables: category indices, contingency tables and rater counts.

The data-shaping half of the agreement module (the coefficients themselves are in
:mod:`.coefficients`). Missing labels are None, NaN or pandas' NA/NaT.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


def _is_missing(x: Any) -> bool:
    """None, NaN (float or numpy) or pandas' NA/NaT."""
    if x is None:
        return True
    if isinstance(x, (float, np.floating)):
        return bool(np.isnan(x))
    return type(x).__name__ in ("NAType", "NaTType")


def _categories(values: Iterable[Any], categories: Sequence[Any] | None) -> list[Any]:
    if categories is not None:
        return list(categories)
    seen = {v for v in values if not _is_missing(v)}
    try:
        return sorted(seen)
    except TypeError:
        return sorted(seen, key=str)


_missing_ufunc = np.frompyfunc(_is_missing, 1, 1)


def missing_mask(values: Any) -> np.ndarray:
    """Elementwise None/NaN test for any array of labels."""
    arr = np.asarray(values, dtype=object)
    return _missing_ufunc(arr).astype(bool) if arr.size else np.zeros(arr.shape, bool)


def label_index(
    values: Any, categories: Sequence[Any] | None = None
) -> tuple[np.ndarray, list[Any]]:
    """Category index of every label (-1 = missing) and the category list (sorted if not given)."""
    arr = np.asarray(values, dtype=object)
    miss = missing_mask(arr)
    cats = _categories(set(arr[~miss].tolist()), categories)
    index = {c: i for i, c in enumerate(cats)}
    if not arr.size:
        return np.zeros(arr.shape, np.int64), cats
    idx = np.frompyfunc(lambda v: index.get(v, -2), 1, 1)(arr).astype(np.int64)
    idx[miss] = -1
    if (idx == -2).any():
        raise ValueError(f"label {arr[idx == -2][0]!r} is not in categories")
    return idx, cats


def contingency_table(
    a: Sequence[Any], b: Sequence[Any], categories: Sequence[Any] | None = None
) -> tuple[np.ndarray, list[Any]]:
    """q x q table of two coders' labels (pairs with a missing label are dropped)."""
    a, b = list(a), list(b)
    if len(a) != len(b):
        raise ValueError(f"the two coders rated {len(a)} and {len(b)} units; they must match")
    pair = np.empty((2, len(a)), dtype=object)
    pair[0], pair[1] = a, b
    both = ~missing_mask(pair).any(0)
    idx, cats = label_index(pair[:, both], categories)
    q = len(cats)
    t = np.bincount(idx[0] * q + idx[1], minlength=q * q).reshape(q, q).astype(float)
    return t, cats


def rater_counts(
    ratings: Any, categories: Sequence[Any] | None = None
) -> tuple[np.ndarray, list[Any]]:
    """Counts ``(n_units, q)`` from raw ratings ``(n_units, n_coders)`` (None/NaN = missing)."""
    arr = np.asarray(ratings, dtype=object)
    if arr.ndim != 2:
        raise ValueError(f"ratings must be 2-D (units x coders), got shape {arr.shape}")
    idx, cats = label_index(arr, categories)
    n, q = arr.shape[0], len(cats)
    rows = np.broadcast_to(np.arange(n)[:, None], idx.shape)
    ok = idx >= 0
    flat = rows[ok] * q + idx[ok]
    return np.bincount(flat, minlength=n * q).reshape(n, q).astype(float), cats
