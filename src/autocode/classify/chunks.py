"""Code one chunk of answers with a saved coder: the unit of work of ``code --engine
stream|dask`` (:mod:`.engines`).

A chunk is a pandas frame of input rows in the long layout (an id column, a text column, an
optional question column). :func:`answers` turns it into the rows the survey reader gives
(:func:`autocode.io.read_responses`: the same character cleaning, trimming, blank answers
left out and non-answers flagged by the same matcher) and :func:`code_chunk` returns the
decisions table ``code --load --out`` writes for them (:func:`.api.decide_answers`,
:func:`.api.decisions_table`). Every step is row-independent — the coder's probabilities,
its decisions and the embedding of each text — so a file coded chunk by chunk gives the
codes of the file coded at once (confidences equal to the float, except that torch's
kernels may differ in the last bits between batch shapes: ~2e-7 in the vectors).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError

#: the columns of the decisions table, in order, and their Parquet types
DECISION_COLUMNS = [
    "id", "question", "code", "present", "confidence", "flagged", "status",
    "answer_confidence", "answer_status",
]  # fmt: skip
_INTS = ("present", "flagged")
_FLOATS = ("confidence", "answer_confidence")


@dataclass(frozen=True)
class Layout:
    """Where the answers are in the input: column names, and how ids are made."""

    id: str
    text: str
    question: str | None  # None: one text column; its name is every answer's question
    #: response id ``<id>:<question>`` (some respondent answers several questions), as the
    #: survey reader makes it; decided on the whole input (:func:`survey_shape`)
    composite: bool = False

    @property
    def columns(self) -> list[str]:
        return [c for c in (self.id, self.question, self.text) if c is not None]


def layout_for(
    header: list[str], text: list[str] | None, id_col: str | None, question: str | None
) -> Layout:
    """The layout of an input with columns ``header``: ``--text`` (one column) and ``--id``
    are required; ``--question`` is found as the survey reader finds it when left out."""
    from ..io.columns import question_candidates
    from ..io.responses import _resolve

    if not text or len(text) != 1 or not id_col:
        raise InputError(
            "--engine stream|dask reads a long file: one answer per row",
            "name its columns: --id COL --text COL [--question COL]",
        )
    t = _resolve(text[0], header, "--text")
    i = _resolve(id_col, header, "--id")
    q = _resolve(question, header, "--question") if question else None
    if q is None:
        qc = [c for c in question_candidates(header) if c not in (i, t)]
        if len(qc) > 1:
            raise InputError(
                f"several columns could name the question: {', '.join(qc)}",
                "pass --question COL",
            )
        q = qc[0] if qc else None
    if len({i, t, q} - {None}) < len([c for c in (i, t, q) if c is not None]):
        raise InputError("a column cannot be both text and id/question", "check the flags")
    return Layout(i, t, q)


def _cells(values: pd.Series, name: str, row0: int) -> list[str]:
    """Strings of one column, cleaned like every cell the survey reader reads (a NUL byte
    is refused, naming the row)."""
    from ..io.text import clean_text

    out = []
    for k, v in enumerate(values.tolist()):
        s = "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
        out.append(clean_text(s, name, f"row {row0 + k + 1}"))
    return out


def answers(
    frame: pd.DataFrame, lay: Layout, row0: int = 0, name: str = "input", flag: bool = True
) -> pd.DataFrame:
    """The answers of ``frame`` as the survey reader gives them: ``id, respondent,
    question, text, non_answer``; blank answers left out. ``row0``: the input row of the
    frame's first row (for messages); ``flag``: detect non-answers."""
    from ..io import NonAnswerMatcher
    from ..io.text import trim_answer

    n = len(frame)
    ids = [s.strip() for s in _cells(frame[lay.id], name, row0)]
    texts = [trim_answer(s) for s in _cells(frame[lay.text], name, row0)]
    if lay.question is not None:
        qs = [s.strip() for s in _cells(frame[lay.question], name, row0)]
    else:
        qs = [lay.text] * n
    keep = [k for k in range(n) if texts[k]]
    for k in keep:
        if not ids[k]:
            raise InputError(
                f"{name}: row {row0 + k + 1} has an answer but no id in column {lay.id!r}",
                "fill in the id, or pass --id with another column",
            )
        if not qs[k]:
            raise InputError(
                f"{name}: row {row0 + k + 1} has an answer but no question in column "
                f"{lay.question!r}",
                "fill in the question, or pass --question with another column",
            )
    matcher = NonAnswerMatcher(True, None)
    flags: dict[str, bool] = {}
    na = []
    for k in keep:
        t = texts[k]
        if t not in flags:
            flags[t] = bool(matcher(t)) if flag and matcher.active else False
        na.append(flags[t])
    resp = [ids[k] for k in keep]
    q = [qs[k] for k in keep]
    rid = [f"{r}:{qq}" for r, qq in zip(resp, q, strict=True)] if lay.composite else resp
    return pd.DataFrame(
        {
            "id": rid,
            "respondent": resp,
            "question": q,
            "text": [texts[k] for k in keep],
            "non_answer": np.asarray(na, dtype=bool),
        }
    )


def answer_keys(frame: pd.DataFrame, lay: Layout, row0: int = 0, name: str = "input"):
    """``(n, 2)`` uint64 hashes of (respondent, question) of the answers of ``frame``, and
    their input rows: what :func:`survey_shape` needs of a chunk (checks the cells too)."""
    a = answers(frame, lay, row0, name, flag=False)
    if a.empty:
        return np.zeros((0, 2), dtype=np.uint64)
    h = np.column_stack(
        [
            pd.util.hash_array(a["respondent"].to_numpy(dtype=object)),
            pd.util.hash_array(a["question"].to_numpy(dtype=object)),
        ]
    )
    return h.astype(np.uint64, copy=False)


def survey_shape(keys: np.ndarray) -> tuple[int, bool]:
    """From every answer's (respondent, question) hashes: the number of answers and
    whether ids must be ``<id>:<question>`` (a respondent answers several questions, as
    the survey reader decides). A respondent answering one question twice is refused."""
    n = len(keys)
    if n == 0:
        raise InputError("there are no answers to code (every text is blank)", "check --text")
    pairs = np.unique(keys, axis=0)
    if len(pairs) < n:
        raise InputError(
            f"{n - len(pairs)} row(s) repeat the id (and question) of another row",
            "each id (with its question) must be unique; pass --id with the right column",
        )
    composite = len(np.unique(pairs[:, 0])) < len(pairs)
    return n, bool(composite)


def empty_decisions() -> pd.DataFrame:
    """A decisions table with no rows, typed as :func:`code_chunk` returns them."""
    return typed(pd.DataFrame({c: [] for c in DECISION_COLUMNS}))


def typed(df: pd.DataFrame) -> pd.DataFrame:
    """Fixed column types, so that every chunk has the same Parquet schema."""
    out: dict[str, pd.Series] = {}
    for c in DECISION_COLUMNS:
        if c in _INTS:
            out[c] = df[c].astype("int64")
        elif c in _FLOATS:
            out[c] = df[c].astype("float64")
        else:
            out[c] = pd.Series([str(v) for v in df[c]], dtype=object, index=df.index)
    return pd.DataFrame(out).reset_index(drop=True)


def code_chunk(
    frame: pd.DataFrame, coder, embedder, lay: Layout, row0: int = 0, name: str = "input"
) -> pd.DataFrame:
    """The decisions table (:data:`DECISION_COLUMNS`) of the answers in ``frame``, coded by
    the loaded ``coder`` (its ``band`` set) with vectors from ``embedder``: the rows
    ``code --load --out`` writes for these answers, in answer-id order."""
    from .api import decide_answers, decisions_table
    from .pipeline import Corpus
    from .vectors import response_vectors

    df = answers(frame, lay, row0, name)
    if df.empty:
        return empty_decisions()
    corpus = Corpus.from_frame(df)
    E = response_vectors(corpus.texts, embedder)
    coded, per_answer = decide_answers(coder, corpus, E, None)
    return typed(decisions_table(corpus, coded, per_answer))


# -- what a worker process keeps (one per process: loaded once, used for every chunk) -------
_EMBEDDERS: dict[tuple[str | None, int | None], Any] = {}
_CODERS: dict[str, Any] = {}


def worker_embedder(model: str | None, threads: int | None = None):
    """The embedder for ``--model``, made once per process. ``threads``: the compute
    threads of the model (one per Dask worker, so N workers share N cores)."""
    key = (model, threads)
    if key not in _EMBEDDERS:
        if threads is not None:
            from threadpoolctl import threadpool_limits

            threadpool_limits(threads)
        if model == "onnx" and threads is not None:
            from ..embed_onnx import OnnxEmbedder

            emb: Any = OnnxEmbedder(threads=threads)
        else:
            from .inputs import embedder_for

            emb = embedder_for(model)
            if threads is not None and hasattr(emb, "_load"):
                import torch

                torch.set_num_threads(threads)
        _EMBEDDERS[key] = emb
    return _EMBEDDERS[key]


def keep_coder(key: str, coder) -> None:
    """Keep a coder in this process under ``key`` (a worker plugin sends it once)."""
    _CODERS[key] = coder


def code_partition(
    frame: pd.DataFrame, key: str, model: str | None, lay: Layout, threads: int | None = 1
) -> pd.DataFrame:
    """:func:`code_chunk` on a worker: the coder kept under ``key``, the model once per
    process."""
    if key not in _CODERS:
        raise RuntimeError(f"coder {key} was not sent to this worker")
    return code_chunk(frame, _CODERS[key], worker_embedder(model, threads), lay)


def partition_keys(frame: pd.DataFrame, lay: Layout) -> pd.DataFrame:
    """:func:`answer_keys` of a partition as a frame (Dask's map_partitions)."""
    k = answer_keys(frame, lay)
    return pd.DataFrame({"r": k[:, 0], "q": k[:, 1]}) if len(k) else _NO_KEYS.copy()


def tally(part: pd.DataFrame) -> pd.DataFrame:
    """What a chunk's decisions count (``key, n``; summed over chunks): answers, answers
    with a code, answers to review, flagged cells, and ``code:NAME`` per code applied."""
    pres = part[part["present"] == 1]
    rows = {
        "#responses": part["id"].nunique(),
        "#coded": pres["id"].nunique(),
        "#review": part.loc[part["answer_status"] == "needs_review", "id"].nunique(),
        "#flagged": int(part["flagged"].sum()),
    }
    rows.update({f"code:{c}": int(m) for c, m in pres.groupby("code").size().items()})
    return pd.DataFrame({"key": list(rows), "n": [int(v) for v in rows.values()]})


_NO_KEYS = pd.DataFrame({"r": np.zeros(0, np.uint64), "q": np.zeros(0, np.uint64)})
