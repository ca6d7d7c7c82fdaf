"""Codings as tables for statistics packages (``autocode export codings``).

- ``csv`` / ``xlsx`` (long): one row per (response, code, coder) with the respondent, the
  question, the code's theme, the coder, source (human/machine), status and confidence.
  Every stored coding is written, rejected machine codings included (status says so).
- ``wide``: one row per (response, coder) for every non-blank response in scope and every
  coder, a ``coded`` column (1 when the coder has any coding row for the response) and one
  0/1 column per code (1 = applied: status not ``rejected``/``needs_review``, the rule of
  ``autocode agree``). Column names are safe for R, SPSS and Stata (letters, digits and
  underscores, at most 32 characters); the key from column to code is written beside the
  file (``<name>.codes.csv``) or, for ``.xlsx``, on a second sheet.

The file format is the extension's (``-o codings.xlsx`` writes XLSX); cells are written by
:mod:`autocode.tabular` (text never becomes a spreadsheet formula).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..files import check_output
from ..tabular import table_format, write_frame, write_frames

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..project import Store
    from ..report.data import ProjectData

FORMATS = ("csv", "xlsx", "wide")
LONG_COLUMNS = [
    "response_id", "respondent", "respondent_label", "question", "code", "theme", "coder",
    "source", "status", "confidence", "run_id", "created_at",
]  # fmt: skip


def long_frame(data: ProjectData) -> pd.DataFrame:
    """All codings in scope, one row per (response, code, coder)."""
    c = data.codings.copy()
    c["respondent_label"] = c["respondent"].map(data.labels)
    theme = data.code_theme()
    c["theme"] = c["code"].map(lambda x: theme.get(x, ""))
    c = c[LONG_COLUMNS]
    return c.sort_values(
        ["question", "response_id", "coder", "code"], kind="mergesort"
    ).reset_index(drop=True)


def variable_names(codes: list[str]) -> dict[str, str]:
    """code -> a unique variable name valid in R, SPSS and Stata (≤ 32 chars)."""
    out: dict[str, str] = {}
    used: set[str] = {
        "response_id",
        "respondent",
        "respondent_label",
        "question",
        "coder",
        "source",
        "coded",
    }
    for code in codes:
        base = re.sub(r"[^0-9a-zA-Z]+", "_", code).strip("_").lower() or "code"
        if not base[0].isalpha():
            base = "c_" + base
        base = base[:32].rstrip("_")
        name, i = base, 2
        while name in used:
            suffix = f"_{i}"
            name = base[: 32 - len(suffix)] + suffix
            i += 1
        used.add(name)
        out[code] = name
    return out


def wide_frame(data: ProjectData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(wide table, key table). Rejected machine codings count as not applied."""
    import pandas as pd

    codes = [c.name for c in data.codes if c.name in set(data.codings["code"])]
    names = variable_names(codes)
    resp = data.responses.sort_values(["question", "id"], kind="mergesort")
    frames = []
    for rater in data.raters:
        rc = data.rater_codings(rater)
        applied = set(zip(rc["response_id"], rc["code"], strict=True))
        coded = set(data.rater_rows(rater)["response_id"])  # any row, whatever its status
        f = pd.DataFrame(
            {
                "response_id": resp["id"].to_numpy(),
                "respondent": resp["respondent"].to_numpy(),
                "respondent_label": resp["respondent"].map(data.labels).to_numpy(),
                "question": resp["question"].to_numpy(),
                "coder": rater.key,
                "source": rater.source,
                "coded": [int(i in coded) for i in resp["id"]],
            }
        )
        for code in codes:
            f[names[code]] = [int((i, code) in applied) for i in resp["id"]]
        frames.append(f)
    cols = ["response_id", "respondent", "respondent_label", "question", "coder", "source", "coded"]
    wide = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=cols + list(names.values()))
    )
    theme = data.code_theme()
    definition = {c.name: c.definition for c in data.codes}
    key = pd.DataFrame(
        {
            "variable": [names[c] for c in codes],
            "code": codes,
            "theme": [theme.get(c, "") for c in codes],
            "definition": [definition.get(c, "") for c in codes],
        }
    )
    return wide, key


def codings_format(out: str | Path | None, fmt: str | None = None) -> tuple[str, str]:
    """(layout ``long``/``wide``, file format ``csv``/``xlsx``) for ``--out`` and ``--format``.

    ``--format wide`` picks the layout and the extension the file format; ``csv``/``xlsx``
    must agree with the extension; without ``--format`` the extension decides (default csv).
    """
    f = fmt.lower() if fmt else None
    if f is not None and f not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}", "use --format csv, xlsx or wide")
    if f == "wide":
        return "wide", table_format(out)
    return "long", table_format(out, f)


def export_codings(
    store: Store, out: str | Path, fmt: str | None = None, question: str | None = None
) -> dict[str, Any]:
    """Write the codings; returns a summary (rows, files written)."""
    from ..report.data import load_project

    layout, ftype = codings_format(out, fmt)
    out = check_output(out)
    key_path = out.with_name(out.stem + ".codes.csv")
    if layout == "wide" and ftype == "csv":
        check_output(key_path)
    data = load_project(store, question)
    files = [str(out)]
    if layout == "long":
        df = long_frame(data)
        if ftype == "csv":
            write_frame(out, df)
        else:
            write_frames(out, [("codings", df)])
        rows = len(df)
    else:
        wide, key = wide_frame(data)
        if ftype == "xlsx":
            write_frames(out, [("codings", wide), ("codes", key)])
        else:
            write_frame(out, wide)
            write_frame(key_path, key)
            files.append(str(key_path))
        rows = len(wide)
    return {
        "format": ftype if layout == "long" else "wide",
        "file_format": ftype,
        "rows": rows,
        "files": files,
        "coders": [r.key for r in data.raters],
    }
