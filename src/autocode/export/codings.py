"""Codings as tables for statistics packages (``autocode export codings``), on the study
model (docs/study-model.md).

- ``csv`` / ``xlsx`` (long): one row per stored coding — every human coder's codes and the
  machine's decisions (``present`` 1, or 0 for a flagged cell decided absent; ``flagged``;
  ``confidence``) — with the answer's respondent, question and text, the code's theme and the
  row's ``status`` (:func:`autocode.project.codings.status_words`). An answer a coder coded
  with no code is one row with an empty ``code``, so no coded answer disappears. With
  ``final`` (the default) the final coding follows as coder ``final`` (source ``final``,
  ``basis`` = reconciled / human / primary / machine). Review suggestions are nobody's
  coding and are not written; a stored code outside its question never is.
- ``wide``: one row per (answer, coder) for every non-blank answer in scope and every coder
  (``final`` included), a ``coded`` column (1 when the coder coded the answer) and one 0/1
  column per code (1 = present, flagged cells included; empty where the code does not apply
  to the answer's question). Column names are safe for R, SPSS and Stata (letters, digits and
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
    from ..report.study import Study

FORMATS = ("csv", "xlsx", "wide")
LONG_COLUMNS = [
    "id", "respondent", "respondent_label", "question", "text", "coder", "source", "code",
    "theme", "present", "flagged", "confidence", "status", "basis", "run_id", "created_at",
]  # fmt: skip


def long_frame(store: Store, study: Study, final: bool = True) -> pd.DataFrame:
    """Every coding of the answers in scope, one row per (answer, code, coder); a coded
    answer with no code as one row with an empty code; then (``final``) the final coding."""
    import pandas as pd

    from ..project import codings as rows

    resp = study.responses.set_index("id")
    qof = study.question_of
    info = {c.name: c for c in reversed(study.codes)}  # a name's first code
    nodes: dict[str, list] = {}
    for c in study.codes:  # codes of one name in other questions (an "Other" per question)
        nodes.setdefault(c.name, []).append(c)
    cods = rows.codings(store)
    cods = cods[cods["response_id"].isin(qof)].copy()
    ok = [
        any(n.applies(qof[r]) for n in nodes[c]) if c in nodes else True
        for r, c in zip(cods["response_id"], cods["code"].astype(str), strict=True)
    ]
    cods = cods[pd.Series(ok, index=cods.index, dtype=bool)]  # [] would select no column
    cods["status"] = rows.status_words(cods)
    cods["present"] = cods["present"].astype(int)
    cods["flagged"] = cods["flagged"].astype(int)
    cods["basis"] = ""
    units = rows.coded_units(store)
    units = units[units["response_id"].isin(qof)]
    have = set(zip(cods["response_id"], cods["coder"], cods["source"], strict=True))
    empty = [
        (r, c, s, run)
        for r, c, s, run in units[["response_id", "coder", "source", "run_id"]].itertuples(
            index=False
        )
        if (r, c, s) not in have
    ]
    parts = [
        cods.rename(columns={"response_id": "id"}),
        pd.DataFrame(
            {
                "id": [e[0] for e in empty],
                "coder": [e[1] for e in empty],
                "source": [e[2] for e in empty],
                "run_id": [e[3] for e in empty],
                "code": "",
                "status": "coded",
                "basis": "",
            }
        ),
    ]
    if final and rows.FINAL in study.coded:
        basis = dict(
            zip(
                study.final.units["response_id"].astype(str),
                study.final.units["basis"],
                strict=True,
            )
        )
        recs = []
        for rid, codes in study.coded[rows.FINAL].items():
            flagged = study.flagged.get(rid, set()) if basis[rid] == "machine" else set()
            for code in sorted(codes) or [""]:
                f = int(code in flagged) if code else pd.NA
                recs.append(
                    {
                        "id": rid,
                        "coder": rows.FINAL,
                        "source": "final",
                        "code": code,
                        "present": 1 if code else pd.NA,
                        "flagged": f,
                        "status": "needs_review" if code in flagged else "coded",
                        "basis": basis[rid],
                    }
                )
        parts.append(pd.DataFrame(recs))
    kept = [p for p in parts if len(p)]
    if not kept:  # nobody coded anything yet (e.g. only review suggestions)
        return pd.DataFrame(columns=LONG_COLUMNS)
    df = pd.concat(kept, ignore_index=True)
    for col in ("present", "flagged"):
        df[col] = df[col].astype("Int64")
    df["respondent"] = df["id"].map(resp["respondent"])
    df["respondent_label"] = df["respondent"].map(study.labels)
    df["question"] = df["id"].map(resp["question"])
    df["text"] = df["id"].map(resp["text"])
    df["theme"] = [
        next((n.theme for n in nodes.get(c, []) if n.applies(q)), info[c].theme)
        if c in info
        else ""
        for c, q in zip(df["code"], df["question"], strict=True)
    ]
    for col in LONG_COLUMNS:
        if col not in df:
            df[col] = None
    q_order = {q: i for i, q in enumerate(study.questions)}
    c_order = {c: i for i, c in enumerate(study.coders)}
    df = df.assign(
        _q=df["question"].map(q_order),
        _c=df["coder"].map(lambda c: c_order.get(c, len(c_order))),
    )
    df = df.sort_values(["_q", "id", "_c", "code"], kind="mergesort")
    return df[LONG_COLUMNS].reset_index(drop=True)


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


def wide_frame(study: Study, final: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(wide table, key table): per (answer, coder) a 0/1 column per code; flagged cells
    count as present; empty where the code does not apply to the answer's question."""
    import pandas as pd

    from ..project.codings import FINAL

    coders = [c for c in study.coders if final or c != FINAL]
    used = {code for c in coders for codes in study.coded[c].values() for code in codes}
    codes = [c for c in study.codes if c.name in used]
    names = variable_names([c.name for c in codes])
    resp = study.responses.sort_values(["question", "id"], kind="mergesort")
    frames = []
    for coder in coders:
        mine = study.coded[coder]
        f = pd.DataFrame(
            {
                "response_id": resp["id"].to_numpy(),
                "respondent": resp["respondent"].to_numpy(),
                "respondent_label": resp["respondent"].map(study.labels).to_numpy(),
                "question": resp["question"].to_numpy(),
                "coder": coder,
                "coded": [int(i in mine) for i in resp["id"]],
            }
        )
        for c in codes:
            f[names[c.name]] = pd.array(
                [
                    (int(c.name in mine.get(i, ())) if c.applies(q) else pd.NA)
                    for i, q in zip(resp["id"], resp["question"], strict=True)
                ],
                dtype="Int64",
            )
        frames.append(f)
    cols = ["response_id", "respondent", "respondent_label", "question", "coder", "coded"]
    wide = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=cols + list(names.values()))
    )
    key = pd.DataFrame(
        {
            "variable": [names[c.name] for c in codes],
            "code": [c.name for c in codes],
            "theme": [c.theme for c in codes],
            "definition": [c.definition for c in codes],
            "questions": ["" if c.questions is None else ";".join(c.questions) for c in codes],
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
    store: Store,
    out: str | Path,
    fmt: str | None = None,
    question: str | None = None,
    final: bool = True,
) -> dict[str, Any]:
    """Write the codings (``final``: also the final coding, coder ``final``); returns a
    summary (rows, files written, coders)."""
    from ..project.codings import FINAL
    from ..report.study import load_study

    layout, ftype = codings_format(out, fmt)
    out = check_output(out)
    key_path = out.with_name(out.stem + ".codes.csv")
    if layout == "wide" and ftype == "csv":
        check_output(key_path)
    study = load_study(store, question)
    files = [str(out)]
    if layout == "long":
        df = long_frame(store, study, final)
        if ftype == "csv":
            write_frame(out, df)
        else:
            write_frames(out, [("codings", df)])
        rows = len(df)
    else:
        wide, key = wide_frame(study, final)
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
        "coders": [c for c in study.coders if final or c != FINAL],
    }
