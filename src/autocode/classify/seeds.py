"""Reading the human seed codings that the coder learns from.

Accepted layouts (CSV/TSV/XLSX, any common encoding, via :func:`autocode.agree.inputs.read_table`):

- **long**: ``id,code[,coder]`` — one row per (response, code); an empty code means the
  response was coded and got no code;
- **wide**: ``id`` plus one 0/1 column per code (``question``/``text`` columns are ignored),
  e.g. the coding sheet written by ``autocode next``. A row whose code cells are all blank
  has not been coded yet and is skipped; a row with any 0/1 is a coded response.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError

_ID_NAMES = ("id", "response_id", "record_id", "respondent_id", "respondent", "unit")
_CODE_NAMES = ("code", "codes", "label", "category")
_IGNORED = (
    "question",
    "text",
    "response",
    "answer",
    "response_text",
    "coder",
    "rater",
    "confidence",
    "status",
)
_TRUE = {"1", "1.0", "true", "yes", "y", "x"}
_FALSE = {"0", "0.0", "false", "no", "n"}


@dataclass
class Seeds:
    """Human codings: ``pairs`` (id, code) for applied codes and ``ids`` of coded responses."""

    pairs: pd.DataFrame
    ids: list[str]
    path: str = ""

    def matrix(self, ids: list[str], codes: list[str]) -> np.ndarray:
        """0/1 matrix (len(ids) x len(codes)) of the human codes."""
        row = {i: r for r, i in enumerate(ids)}
        col = {c: j for j, c in enumerate(codes)}
        Y = np.zeros((len(ids), len(codes)), dtype=int)
        for i, c in zip(self.pairs["id"], self.pairs["code"], strict=True):
            if i in row and c in col:
                Y[row[i], col[c]] = 1
        return Y

    def digest(self) -> str:
        """sha256 of the seed set (sorted pairs and coded ids): recorded with every model."""
        doc = {
            "ids": sorted(self.ids),
            "pairs": sorted(map(list, zip(self.pairs["id"], self.pairs["code"], strict=True))),
        }
        return hashlib.sha256(json.dumps(doc).encode()).hexdigest()


def read_seeds(path: str | os.PathLike) -> Seeds:
    """Read human codings (long or wide) from a file; :class:`InputError` on bad input."""
    from ..agree.inputs import read_table

    p = Path(path)
    df = read_table(p)
    cols = list(df.columns)
    lower = {c.lower().strip(): c for c in cols}
    idc = next((lower[n] for n in _ID_NAMES if n in lower), None)
    if idc is None:
        raise InputError(
            f"{p.name} has no id column (columns: {', '.join(cols)})",
            "name the response id column 'id'",
        )
    df[idc] = df[idc].astype(str).str.strip()
    if (df[idc] == "").any():
        raise InputError(f"{p.name}: some rows have an empty id", "every row needs a response id")
    codec = next((lower[n] for n in _CODE_NAMES if n in lower), None)
    if codec is not None:  # long
        code = df[codec].astype(str).str.strip()
        pairs = pd.DataFrame({"id": df[idc], "code": code})[code != ""]
        pairs = pairs.drop_duplicates().reset_index(drop=True)
        return Seeds(pairs, sorted(set(df[idc])), str(p))
    value_cols = [c for c in cols if c != idc and c.lower().strip() not in _IGNORED]
    if not value_cols:
        raise InputError(
            f"{p.name} has an id column but no codes",
            "add a 'code' column (long) or one 0/1 column per code (wide)",
        )
    vals = df[value_cols].apply(lambda s: s.astype(str).str.strip().str.lower())
    bad = ~vals.isin(_TRUE | _FALSE | {""})
    if bad.any().any():
        c = bad.any()[lambda s: s].index[0]
        raise InputError(
            f"{p.name} looks wide (one column per code) but column {c!r} has a value "
            f"other than 0/1 ({df.loc[bad[c], c].iloc[0]!r})",
            "use 0/1 (or blank) in every code column, or a long file with id,code",
        )
    if df[idc].duplicated().any():
        raise InputError(
            f"{p.name}: response id {df[idc][df[idc].duplicated()].iloc[0]!r} "
            "appears on more than one row",
            "a wide file needs one row per response",
        )
    coded = (vals != "").any(axis=1).to_numpy()
    on = vals.isin(_TRUE).to_numpy()
    rows = [
        (df[idc].iloc[r], value_cols[j]) for r, j in zip(*np.nonzero(on), strict=True) if coded[r]
    ]
    pairs = pd.DataFrame(rows, columns=["id", "code"])
    return Seeds(pairs, sorted(df[idc][coded]), str(p))
