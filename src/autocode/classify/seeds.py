"""The human seed codings the coder learns from: one reader for every codings file.

A seeds file is read by :mod:`autocode.codings` (long ``id[, question], code`` with an empty
code = coded, no code applies; wide 0/1 per code with ``n/a`` and ``no_code``, e.g. the sheet
``autocode next`` writes; XLSX; REFI-QDA ``.qdpx``) and matched to the answers it codes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..codings.resolve import CodingSet

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: human codings the coder learns from: one home with the codings files' reader
Seeds = CodingSet


def read_seeds(
    path: str | os.PathLike,
    answers: pd.DataFrame | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    codebook=None,
) -> Seeds:
    """Human codings (every coder in the file together) from ``path``, matched to
    ``answers`` (``id, respondent, question[, text]``: a respondent id with a question, or
    an answer id) and checked against ``codebook`` (known codes, applied only where they
    apply). ``answers`` None: the file is only read (its layout checked) and its ids are
    taken as answer ids as written, codes unchecked. :class:`InputError` on a bad file,
    naming one offending row."""
    from ..codings.read import read_file
    from ..codings.resolve import resolve

    raw = read_file(Path(path))
    if answers is None:
        coded: dict[str, list[str]] = {}
        for r in raw.rows:
            got = coded.setdefault(r.id.strip(), [])
            if r.code is not None and r.code not in got:
                got.append(r.code)
        return Seeds.from_coded(coded, str(path))
    return resolve(raw, answers, labels=labels, codebook=codebook, need_coder=False).coding_set()
