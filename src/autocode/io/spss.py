"""SPSS ``.sav`` files, read with pyreadstat (optional dependency) in a child process.

pyreadstat's C reader can crash the whole interpreter (a segmentation fault) on a damaged
file — found by fuzzing the fixtures. Reading in a forked child turns that crash into one
clear error instead of killing the user's session (the child first switches off
:mod:`faulthandler`, which it inherits from a parent run with ``-X faulthandler`` or under
pytest: the crash is expected and handled, and must not print a "Fatal Python error" dump
with a stack trace on the user's terminal). Value labels are applied (1 → "North"),
variable labels become question labels, and numeric variables are never free text.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError

_FORMATS = "CSV, TSV, XLSX or SPSS .sav"


def read_sav(p: Path) -> tuple[list[str], list[list], dict[str, str], set[str], str | None]:
    """(header, rows of raw values, variable labels, non-string variables, file encoding)."""
    try:
        import pyreadstat  # noqa: F401 - fail here, in the parent, when it is missing
    except ImportError:
        raise InputError(
            f"{p}: reading SPSS .sav files needs pyreadstat",
            "pip install pyreadstat (or autocode[spss]), or export the survey as CSV",
        ) from None
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    methods = mp.get_all_start_methods()
    ctx = mp.get_context("fork" if "fork" in methods else "spawn")
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
            result = pool.submit(_worker, str(p)).result()
    except BrokenProcessPool:
        result = ("error", "the SPSS reader crashed")
    if result[0] == "error":
        raise InputError(
            f"{p}: not a readable SPSS .sav file ({result[1]})", f"export as {_FORMATS}"
        )
    return result[1]


def _worker(path: str):
    import faulthandler

    faulthandler.disable()  # a crash here is reported by the parent, not dumped to stderr
    import pyreadstat

    try:
        df, meta = pyreadstat.read_sav(path, apply_value_formats=True, formats_as_category=False)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError, ValueError) as e:
        return ("error", type(e).__name__)
    header = [str(c) for c in df.columns]
    rows = [list(r) for r in df.astype(object).itertuples(index=False, name=None)]
    labels = {str(k): str(v) for k, v in (meta.column_names_to_labels or {}).items() if v}
    types = getattr(meta, "readstat_variable_types", {}) or {}
    non_text = {str(c) for c, ty in types.items() if ty != "string"}
    encoding = (meta.file_encoding or "").lower() or None
    return ("ok", (header, rows, labels, non_text, encoding))
