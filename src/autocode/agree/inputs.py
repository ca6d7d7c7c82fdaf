"""Reading codings for agreement: coding files (long or wide), the project store, codebooks.

Everything is normalised to one long ``DataFrame`` with columns ``id, coder, code`` (``code``
None = the coder coded the response and gave it no code), plus a ``{id: text}`` dict when the
response text is known.

File formats (CSV/TSV/TXT in any common encoding, XLSX):

- **long**: an id column and a code column, one row per (id, code); several rows per id
  allowed; an empty code means "coded, no code". Detected when a column is named ``code``,
  ``codes``, ``label`` or ``rating`` (or ``--code COL``), or when the file has one value column.
- **wide**: an id column plus one 0/1 column per code (blank = 0). Any other value is an error.

The id column is ``--id COL`` or the first of ``id, response_id, record_id, respondent_id,
respondent, unit``. A ``coder`` column (``--coder COL``) holds coder names in a single file;
otherwise each file is one coder, named after the file.

Store codings (:mod:`autocode.project.codings`): a response counts as coded by a coder when
the coder coded it (``coded_units``, also when no code applies); a code counts as *present*
when the coder's decision is present and not flagged for review.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import AutocodeError, InputError, NotFoundError

ID_NAMES = ("id", "response_id", "record_id", "respondent_id", "respondent", "unit")
CODE_NAMES = ("code", "codes", "label", "rating", "category")
TEXT_NAMES = ("text", "response", "answer", "response_text")
NOT_PRESENT_STATUSES = ("needs_review", "rejected")
_TRUE = {"1", "1.0", "true", "yes", "y"}
_FALSE = {"0", "0.0", "false", "no", "n", ""}


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """A CSV/TSV/TXT (encoding detected as for survey exports) or XLSX file, cells as text."""
    p = Path(path)
    if not p.exists():
        raise NotFoundError(f"file {p} does not exist", "check the path")
    if p.is_dir():
        raise InputError(f"{p} is a folder, not a coding file")
    suffix = p.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            from ..io.tables import load_table, read_bytes  # checks it is a workbook, capped

            t = load_table(p, read_bytes(p))
            df = pd.DataFrame(t.rows, columns=t.header, dtype=str)
        else:
            raw = p.read_bytes()
            if not raw.strip():
                raise pd.errors.EmptyDataError
            from io import StringIO

            from ..io.decode import decode_bytes

            text, _ = decode_bytes(raw, p.name)
            first = text.splitlines()[0]
            sep = (
                "\t"
                if suffix in (".tsv", ".tab")
                else max((",", ";", "\t"), key=lambda d: (first.count(d), d == ","))
            )
            df = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, sep=sep)
            from ..tabular import unneutralise  # cells autocode wrote with a leading '

            df = df.map(unneutralise)
            df.columns = [unneutralise(str(c)) for c in df.columns]
    except pd.errors.EmptyDataError:
        raise InputError(f"{p} is empty", "export the codings with a header row") from None
    except (pd.errors.ParserError, ValueError, OSError) as e:
        raise InputError(
            f"cannot read {p} ({type(e).__name__})", "save it as CSV (UTF-8) or XLSX"
        ) from None
    df.columns = [str(c).strip() for c in df.columns]
    if df.empty:
        raise InputError(f"{p} has no rows", "export the codings with one row per response")
    return df.apply(lambda s: s.str.strip())


def _find(
    columns: Sequence[str],
    wanted: str | None,
    candidates: Sequence[str],
    what: str,
    path: Path,
    option: str,
) -> str | None:
    lower = {c.lower(): c for c in columns}
    if wanted is not None:
        if wanted in columns:
            return wanted
        if wanted.lower() in lower:
            return lower[wanted.lower()]
        raise InputError(
            f"{path} has no {what} column {wanted!r} (columns: {', '.join(columns)})",
            f"pass {option} with one of those",
        )
    for c in candidates:
        if c in lower:
            return lower[c]
    return None


def read_codings_file(
    path: str | os.PathLike,
    *,
    coder: str | None = None,
    id_col: str | None = None,
    code_col: str | None = None,
    coder_col: str | None = None,
    level: str = "nominal",
    detect_coder: bool = False,
) -> tuple[pd.DataFrame, dict[str, str], str]:
    """Read one coding file into ``(long frame, texts, format)``; format is long or wide.

    ``detect_coder``: take coder names from a column named ``coder``/``rater`` if present.
    """
    p = Path(path)
    df = read_table(p)
    cols = list(df.columns)
    idc = _find(cols, id_col, ID_NAMES, "id", p, "--id")
    if idc is None:
        raise InputError(f"{p} has no id column (columns: {', '.join(cols)})", "pass --id COL")
    coc = _find(
        cols,
        coder_col,
        ("coder", "rater", "annotator") if detect_coder else (),
        "coder",
        p,
        "--coder",
    )
    textc = _find(cols, None, TEXT_NAMES, "text", p, "")
    if textc in (code_col,):
        textc = None
    codec = _find(cols, code_col, CODE_NAMES, "code", p, "--code")
    if (df[idc] == "").any():
        raise InputError(
            f"{p}: {int((df[idc] == '').sum())} row(s) have an empty {idc!r}",
            "every row needs a response id",
        )
    texts: dict[str, str] = {}
    if textc is not None:
        t = df.loc[df[textc] != "", [idc, textc]].drop_duplicates(idc)  # first text per id
        texts = dict(zip(t[idc], t[textc], strict=True))
    if coc is not None:
        coders = df[coc]
        if (coders == "").any():
            raise InputError(
                f"{p}: some rows have an empty coder in column {coc!r}",
                "fill in who coded each row",
            )
    else:
        coders = pd.Series(coder or p.stem, index=df.index)
    value_cols = [c for c in cols if c not in (idc, coc, textc)]
    if (
        codec is None
        and len(value_cols) == 1
        and (level != "nominal" or not _all_binary(df[value_cols[0]]))
    ):
        codec = value_cols[0]
    if codec is not None:  # long
        code = df[codec].where(df[codec] != "", None)
        out = pd.DataFrame({"id": df[idc], "coder": coders, "code": code})
        return out, texts, "long"
    if not value_cols:
        raise InputError(
            f"{p} has an id column but no codes",
            "add a code column (long) or one 0/1 column per code (wide)",
        )
    for c in value_cols:
        bad = ~df[c].str.lower().isin(_TRUE | _FALSE)
        if bad.any():
            raise InputError(
                f"{p} looks wide (one column per code) but column {c!r} has a value other "
                f"than 0/1 ({df.loc[bad, c].iloc[0]!r})",
                "use 0/1 in every code column, or pass --code COL for a long file",
            )
    key = pd.DataFrame({"id": df[idc], "coder": coders})
    if key.duplicated().any():
        dup = key[key.duplicated()].iloc[0]
        raise InputError(
            f"{p}: response id {dup['id']!r} appears on more than one row",
            "a wide file needs one row per response (per coder)",
        )
    flags = df[value_cols].apply(lambda s: s.str.lower().isin(_TRUE))
    rows = [key.assign(code=None)]
    for c in value_cols:
        sel = flags[c].to_numpy()
        rows.append(key[sel].assign(code=c))
    out = pd.concat(rows, ignore_index=True)
    # an "empty" marker row only where the response got no code at all
    has_code = out["code"].notna()
    coded = set(zip(out.loc[has_code, "id"], out.loc[has_code, "coder"], strict=True))
    keep = has_code | ~pd.Series(
        [(i, c) in coded for i, c in zip(out["id"], out["coder"], strict=True)]
    )
    return out[keep.to_numpy()].reset_index(drop=True), texts, "wide"


def _all_binary(s: pd.Series) -> bool:
    return bool(s.str.lower().isin(_TRUE | _FALSE).all())


def load_files(
    paths: Sequence[str | os.PathLike],
    *,
    coder_col: str | None = None,
    id_col: str | None = None,
    code_col: str | None = None,
    level: str = "nominal",
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Codings from one file per coder (named after the files) or files with a coder column."""
    if not paths:
        raise InputError(
            "no coding files given",
            "pass A.csv B.csv, CODINGS.csv --coder COL, or --project P --coders a,b",
        )
    names = [Path(p).stem for p in paths]
    if len(set(names)) < len(names):
        names = [str(p) for p in paths]
    frames, texts = [], {}
    for p, name in zip(paths, names, strict=True):
        df, t, _ = read_codings_file(
            p,
            coder=name,
            id_col=id_col,
            code_col=code_col,
            coder_col=coder_col,
            level=level,
            detect_coder=len(paths) == 1,
        )
        frames.append(df)
        texts.update(t)
    return pd.concat(frames, ignore_index=True), texts


def load_store(
    project: str | os.PathLike, coders: Sequence[str] | None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Codings of the named coders from the project's ``codings`` table (see module doc)."""
    from ..project import codings as coding_rows
    from ..project import open_store
    from ..project import responses as response_rows

    with open_store(project, readonly=True) as store:
        known = sorted(dict.fromkeys(c["coder"] for c in coding_rows.coders(store)))
        if not known:
            raise InputError(
                f"{project} has no codings yet",
                "code some responses first (autocode review / autocode code)",
            )
        if not coders:
            raise InputError(
                "which coders? the project has: " + ", ".join(known), "pass --coders NAME1,NAME2"
            )
        missing = [c for c in coders if c not in known]
        if missing:
            raise InputError(
                f"no codings by {', '.join(map(repr, missing))} in {project}",
                "coders in this project: " + ", ".join(known),
            )
        units = coding_rows.coded_units(store, list(coders))
        rows = coding_rows.codings(store, list(coders))
        rows = rows[rows["present"] & ~rows["flagged"]]
        df = pd.concat(
            [
                pd.DataFrame(
                    {"id": rows["response_id"], "code": rows["code"], "coder": rows["coder"]}
                ),
                pd.DataFrame({"id": units["response_id"], "code": None, "coder": units["coder"]}),
            ],
            ignore_index=True,
        )
        df["id"] = df["id"].astype(str)
        df.loc[df["code"].fillna("").astype(str).str.strip() == "", "code"] = None
        texts = response_rows.texts(store, df["id"].unique())
    return df[["id", "coder", "code"]], texts


def store_texts(store: Any, ids: Iterable[str]) -> dict[str, str]:
    """``{response id: text}`` from the store's responses table."""
    from ..project import responses as response_rows

    return response_rows.texts(store, ids)


def texts_from_project(project: str | os.PathLike, ids: Sequence[str]) -> dict[str, str]:
    """Response texts from a project file, if it exists (empty dict otherwise)."""
    if not Path(project).is_file():
        return {}
    from ..project import open_store

    with open_store(project, readonly=True) as store:
        return store_texts(store, ids)


def read_codebook_codes(path: str | os.PathLike) -> list[str]:
    """Code names from a codebook: CSV/XLSX (``name`` or ``code`` column), YAML, or ``.qdc``."""
    p = Path(path)
    if not p.exists():
        raise NotFoundError(f"codebook {p} does not exist", "check the --codebook path")
    suffix = p.suffix.lower()
    try:  # the codebook stage's loader (YAML, REFI-QDA .qdc, its CSV layout)
        from .. import codebook as cb_mod

        loader = cb_mod.load
    except (ImportError, AttributeError):  # pragma: no cover - codebook stage absent
        loader = None
    if loader is not None and suffix in (".yaml", ".yml", ".qdc", ".xml", ".csv"):
        try:
            names = [c.name for c in loader(p).codes]
            if names:
                return list(dict.fromkeys(names))
        except AutocodeError:
            if suffix != ".csv":
                raise
    if suffix == ".qdc":
        import xml.etree.ElementTree as ET

        try:
            root = ET.parse(p).getroot()
        except ET.ParseError as e:
            raise InputError(f"codebook {p} is not valid XML ({e})") from None
        named = [el.get("name") for el in root.iter() if el.tag.split("}")[-1] == "Code"]
        return [n for n in named if n]
    if suffix in (".yaml", ".yml"):
        from ..codebook.yaml_io import load_document  # aliases bounded (no YAML bomb)

        doc = load_document(p.read_text(encoding="utf-8"), f"codebook {p}")
        names = _yaml_code_names(doc)
        if not names:
            raise InputError(
                f"no codes found in codebook {p}", "expected a list of codes with a 'name' each"
            )
        return names
    df = read_table(p)
    col = _find(list(df.columns), None, ("name", "code"), "name", p, "")
    if col is None:
        raise InputError(
            f"codebook {p} has no 'name' or 'code' column",
            "rename the column holding the code names to 'name'",
        )
    return [c for c in dict.fromkeys(df[col]) if c]


def _yaml_code_names(doc: Any) -> list[str]:
    out: list[str] = []

    def walk(node: Any, in_codes: bool) -> None:
        if isinstance(node, dict):
            if in_codes and isinstance(node.get("name"), str):
                out.append(node["name"])
            for k, v in node.items():
                walk(v, k == "codes" or (in_codes and k not in ("examples",)))
        elif isinstance(node, list):
            for item in node:
                if in_codes and isinstance(item, str):
                    out.append(item)
                else:
                    walk(item, in_codes)

    walk(doc, isinstance(doc, list))
    return list(dict.fromkeys(out))
