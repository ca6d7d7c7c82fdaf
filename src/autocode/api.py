"""The Python API: a project, responses, suggestions and agreement as DataFrames.

Everything here is importable from :mod:`autocode` itself (lazily: ``import autocode`` stays
light)::

    import autocode

    rs = autocode.read_responses(df, text=["what_was_good"], id="record_id")
    result = autocode.suggest(rs, embedder="hash")          # in memory, no project file
    coder = autocode.Coder(codebook, embedder="hash").fit(rs, seeds_df)
    project = autocode.Project("autocode.db")                # a project, read-only
    project.responses, project.codings("primary"), project.final()

Errors are :class:`autocode.errors.AutocodeError` subclasses whose messages name the
parameter (``min_cluster_size must be at least 2, got 1``), never a command-line flag.
The walkthrough is ``docs/python-api.md``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, NotFoundError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

    from .agree import AgreementResult, ProjectAgreement
    from .codebook import Codebook
    from .io import ResponseSet
    from .project.final import FinalCoding
    from .suggest import SuggestResult

#: the question of a frame that names none
DEFAULT_QUESTION = "answer"


# -- responses -------------------------------------------------------------------------------
def read_responses(
    source: str | os.PathLike | pd.DataFrame,
    text: list[str] | str | None = None,
    id: str | None = None,
    question: str | None = None,
    *,
    sheet: str | None = None,
    flag_non_answers: bool = True,
    non_answers: list[str] | None = None,
    encoding: str | None = None,
) -> ResponseSet:
    """Responses from a survey export file (:func:`autocode.io.read_responses`) or from a
    pandas DataFrame laid out like one (wide: a column per open-ended question; long: an
    id, a question and a text column). Columns are detected as for a file; ``text``,
    ``id`` and ``question`` name them when detection cannot tell."""
    import pandas as pd

    from .io import read_responses as read_file

    if isinstance(source, pd.DataFrame):
        if sheet is not None or encoding is not None:
            raise InputError(
                "sheet and encoding are for files; a DataFrame has neither",
                "leave out sheet= and encoding=",
            )
        return _frame_responses(source, text, id, question, flag_non_answers, non_answers)
    if not isinstance(source, str | os.PathLike):
        raise InputError(
            f"source must be a file path or a pandas DataFrame, got {type(source).__name__}"
        )
    return read_file(
        Path(source),
        text=text,
        id=id,
        question=question,
        sheet=sheet,
        flag_non_answers=flag_non_answers,
        non_answers=non_answers,
        encoding=encoding,
    )


def _cell(v: Any) -> str:
    import pandas as pd

    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))  # an id column with a gap reads as float: 12.0 is "12"
    return str(v)


def _frame_responses(df, text, id_col, question, flag, extra) -> ResponseSet:
    """The steps of :func:`autocode.io.read_responses` after a file is read, on a table
    made from ``df`` (every cell as a string, "" for a missing value)."""
    from .io import responses as r
    from .io.columns import id_candidates, question_candidates
    from .io.exports import recognise
    from .io.nonanswers import NonAnswerMatcher
    from .io.tables import Table, _tidy
    from .io.tables import _cell as _table_cell

    header = [str(c) for c in df.columns]
    if len(set(header)) != len(header):
        raise InputError("the DataFrame has two columns of the same name", "rename one")
    rows = [[_table_cell(v) for v in row] for row in df.itertuples(index=False, name=None)]
    if not rows:
        raise InputError("the DataFrame has no rows", "pass a DataFrame with responses")
    data = json.dumps([header, rows]).encode("utf-8")
    labels = [f"row {i}" for i in range(1, len(rows) + 1)]
    # the file readers' last step: the character rule, names stripped, empty rows dropped
    t = _tidy(Path("DataFrame"), header, rows, labels, Table([], [], [], "dataframe"))
    ex = recognise(t)
    notes = t.notes + ex.notes
    header = t.header
    columns = {h: [row[j] for row in t.rows] for j, h in enumerate(header)}
    texts = [text] if isinstance(text, str) else list(text or [])
    text_cols = list(dict.fromkeys(c for pat in texts for c in r._resolve_many(pat, header)))
    id_c = r._resolve(id_col, header, "id") if id_col else ex.id_column
    q_col = r._resolve(question, header, "question") if question else None
    if id_c is None:
        cands = [c for c in id_candidates(header, columns) if c not in text_cols and c != q_col]
        if len(cands) > 1:
            raise InputError(
                f"several columns could be the respondent id: {', '.join(cands)}",
                "pass id= with one of them",
            )
        id_c = cands[0] if cands else None
    reserved = {id_c, q_col} | ex.meta | set(ex.structure)
    if q_col is None and len(text_cols) <= 1:
        qc = [c for c in question_candidates(header) if c not in reserved and c not in text_cols]
        if len(qc) == 1:
            q_col = qc[0]
            reserved.add(q_col)
            notes.append(f"long layout: question column {q_col!r}")
    if not text_cols:
        p = Path("DataFrame")
        text_cols = r._detect_text(p, t, header, columns, reserved, q_col is not None, notes)
    if q_col is not None and len(text_cols) > 1:
        raise InputError(
            f"a long table has one text column, got {len(text_cols)}: {', '.join(text_cols)}",
            "pass one text= column with question=, or leave out question= for a wide table",
        )
    if id_c is None:
        notes.append("no respondent id column: respondents numbered 1..n in row order (id=)")
    rs = r._build(
        Path("DataFrame"), data, t, ex, notes, id_c, q_col, text_cols, NonAnswerMatcher(flag, extra)
    )
    rs.path = "<DataFrame>"
    return rs


def response_frame(responses: Any) -> pd.DataFrame:
    """``id, question, text, non_answer`` of a :class:`~autocode.io.ResponseSet` or of a
    DataFrame with a ``text`` column (``id`` defaults to the row number from 1, ``question``
    to :data:`DEFAULT_QUESTION`, ``non_answer`` to the built-in non-answer list)."""
    import pandas as pd

    from .io import NonAnswerMatcher

    if hasattr(responses, "responses") and isinstance(responses.responses, pd.DataFrame):
        responses = responses.responses
    if not isinstance(responses, pd.DataFrame):
        raise InputError(
            "responses must be a DataFrame or a ResponseSet (autocode.read_responses), "
            f"got {type(responses).__name__}"
        )
    if "text" not in responses.columns:
        raise InputError(
            "responses has no text column (columns: "
            f"{', '.join(map(str, responses.columns)) or 'none'})",
            "read a survey table with autocode.read_responses(df, text=[...]) first",
        )
    df = responses.reset_index(drop=True)
    out = pd.DataFrame({"text": df["text"].map(_cell)})
    out.insert(0, "id", df["id"].map(_cell) if "id" in df else [str(i + 1) for i in range(len(df))])
    out.insert(1, "question", df["question"].map(_cell) if "question" in df else DEFAULT_QUESTION)
    if "respondent" in df:
        out["respondent"] = df["respondent"].map(_cell)
    if "non_answer" in df:
        out["non_answer"] = df["non_answer"].fillna(False).astype(bool)
    else:
        match = NonAnswerMatcher()
        out["non_answer"] = [match(t) for t in out["text"]]
    if (out["id"] == "").any():
        raise InputError("responses has a row with no id", "give every response an id")
    if out["id"].duplicated().any():
        dup = out.loc[out["id"].duplicated(), "id"].iloc[0]
        raise InputError(f"response id {dup!r} appears twice", "response ids must be unique")
    return out[out["text"].str.strip() != ""].reset_index(drop=True)


def embedder_of(embedder: Any = None) -> Any:
    """An embedder from ``embedder``: None (the bundled default model), a string
    (``"hash"``/``"hash:DIM"``, ``"plugin:NAME"``, a model folder) or an object with
    ``model_id``, ``dim`` and ``encode`` (checked)."""
    from .embed import get_embedder
    from .plugins import check

    if embedder is None or isinstance(embedder, str | os.PathLike):
        return get_embedder(embedder)
    return check("embedder", embedder)


# -- suggest ---------------------------------------------------------------------------------
def suggest(
    responses: Any,
    X: np.ndarray | None = None,
    *,
    embedder: Any = None,
    clusterer: Any = None,
    labeler: Any = None,
    seed: int = 0,
    min_cluster_size: int | None = None,
    assign_outliers: bool = False,
    outlier_threshold: float = 0.55,
    questions: list[str] | None = None,
    segments: str = "sentences",
    across_questions: bool = False,
) -> SuggestResult:
    """Candidate codes for ``responses`` (a ResponseSet or a DataFrame, see
    :func:`response_frame`), in memory: nothing is stored.

    ``segments``: "sentences" (default) or "clauses": answers are split into idea units,
    embedded with ``embedder``, and an answer joins every suggestion a unit of it joins
    (only when this call embeds: with ``X`` given, whole answers are clustered); "off":
    whole answers. ``across_questions``: one clustering of all
    questions (:func:`autocode.suggest.core.suggest`).
    ``X``: one embedding per row of the response frame (L2-normalised); None embeds the
    answers with ``embedder`` (see :func:`embedder_of`; non-answers are not embedded).
    ``clusterer`` and ``labeler``: stage objects, or names registered in the
    ``autocode.clusterers`` / ``autocode.labelers`` entry-point groups; default HDBSCAN and
    class-based TF-IDF (:mod:`autocode.suggest.stages`)."""
    import numpy as np

    from .suggest.core import suggest as run
    from .suggest.run import embed_answers

    df = response_frame(responses)
    embed_segments = None
    if X is None:
        emb = embedder_of(embedder)
        X, _ = embed_answers(df, emb)
        if segments != "off":
            embed_segments = emb.encode
    elif embedder is not None:
        raise InputError("give X or embedder, not both", "leave out embedder= when passing X")
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2 or len(X) != len(df):
        raise InputError(
            f"X must have one row per response ({len(df)}), got shape {tuple(X.shape)}",
            "pass X in the order of the responses (blank answers dropped)",
        )
    return run(
        df,
        X,
        seed=seed,
        min_cluster_size=min_cluster_size,
        assign_outliers=assign_outliers,
        outlier_threshold=outlier_threshold,
        questions=questions,
        clusterer=clusterer,
        labeler=labeler,
        embed_segments=embed_segments,
        clauses=segments == "clauses",
        across_questions=across_questions,
    )


# -- agreement -------------------------------------------------------------------------------
def agree(codings: pd.DataFrame, **options: Any) -> AgreementResult:
    """Agreement between coders from long codings (``id, coder, code``):
    :func:`autocode.agree.agree` (``coders``, ``single_label``, ``level``, ``missing``,
    ``codebook``, ``bootstrap``, ``seed``, ``confidence``)."""
    from .agree import agree as run

    return run(codings, **options)


# -- a project -------------------------------------------------------------------------------
class Project:
    """A project file, read-only: its responses, codebook, coders' codings and final coding
    as DataFrames. Each read opens the file for the read only (no lock is held between)."""

    def __init__(self, path: str | os.PathLike = "autocode.db"):
        self.path = Path(path)
        if not self.path.is_file():
            raise NotFoundError(
                f"no project file {self.path}", "pass the path of an autocode project (.db)"
            )
        with self._open():
            pass  # a foreign or damaged file is refused here, once

    def __repr__(self) -> str:
        return f"Project({str(self.path)!r})"

    def _open(self):
        from .project import open_store

        return open_store(self.path, create=False, readonly=True)

    @property
    def responses(self) -> pd.DataFrame:
        """``id, respondent, question, text, non_answer`` (and the stored extras)."""
        from .project import responses as rows

        with self._open() as store:
            return rows.load(store)

    @property
    def attributes(self) -> pd.DataFrame:
        """The survey's other columns, one row per respondent."""
        from .project import responses as rows

        with self._open() as store:
            return rows.attributes(store)

    @property
    def questions(self) -> list[str]:
        from .project import responses as rows

        with self._open() as store:
            return rows.questions(store)

    def codebook(self) -> Codebook:
        """The current codebook (:class:`NotFoundError` when the project has none)."""
        from .codebook import load

        with self._open() as store:
            return load(store)

    def codebook_frame(self) -> pd.DataFrame:
        """``code, theme, definition, questions`` (questions: None = every question)."""
        import pandas as pd

        cb = self.codebook()
        rows = [
            (c.name, c.theme, c.description, cb.questions_of(c.name)) for c in cb.codes if c.codable
        ]
        return pd.DataFrame(rows, columns=["code", "theme", "definition", "questions"])

    @property
    def coders(self) -> list[str]:
        """Every coder with stored work (humans, ``reconciled``, the machine ``autocode``)."""
        from .project import codings

        with self._open() as store:
            return list(dict.fromkeys(c["coder"] for c in codings.coders(store)))

    @property
    def primary_coder(self) -> str | None:
        from .project import codings

        with self._open() as store:
            return codings.primary_coder(store)

    def codings(self, coder: str | None = None) -> pd.DataFrame:
        """Long codings ``id, question, coder, code, source, present, flagged, confidence,
        run_id``: a row per stored coding of ``coder`` (None: every coder), and a row with
        ``code`` None for each answer a coder coded with no code. The machine's absent
        cells are kept only when flagged (``present`` False)."""
        import pandas as pd

        from .project import codings
        from .project import responses as rows

        who = None if coder is None else [coder]
        with self._open() as store:
            if coder is not None and coder not in {c["coder"] for c in codings.coders(store)}:
                known = ", ".join(dict.fromkeys(c["coder"] for c in codings.coders(store)))
                raise NotFoundError(
                    f"coder {coder!r} has no codings in {self.path} (coders: {known or 'none'})",
                    "pass one of the project's coders",
                )
            units = codings.coded_units(store, who)
            cells = codings.codings(store, who)
            q_of = dict(zip(*_ids_questions(rows.load(store)), strict=True))
        cells = cells.rename(columns={"response_id": "id"})
        coded = set(zip(cells["id"], cells["coder"], strict=True))
        empty = units[
            [(i, c) not in coded for i, c in zip(units["response_id"], units["coder"], strict=True)]
        ].rename(columns={"response_id": "id"})
        empty = empty.assign(code=None, present=False, flagged=False, confidence=None)
        cols = ["id", "coder", "code", "source", "present", "flagged", "confidence", "run_id"]
        out = pd.concat([cells[cols], empty[cols]], ignore_index=True)
        out.insert(1, "question", out["id"].map(q_of))
        return out.sort_values(["coder", "id", "code"], kind="mergesort", na_position="first")[
            ["id", "question", *cols[1:]]
        ].reset_index(drop=True)

    def final(self) -> pd.DataFrame:
        """The final coding, long: ``id, question, code, basis, flagged`` (``code`` None for
        an answer whose final coding has no code; basis reconciled, human, primary or
        machine — :mod:`autocode.project.final`)."""
        f = self.final_coding()
        units = f.units.rename(columns={"response_id": "id"})
        codes = f.codings.rename(columns={"response_id": "id"})
        out = units.merge(codes, on="id", how="left")
        out["code"] = out["code"].astype(object).where(out["code"].notna(), None)
        q_of = dict(zip(*_ids_questions(self.responses), strict=True))
        out.insert(1, "question", out["id"].map(q_of))
        return out[["id", "question", "code", "basis", "flagged"]]

    def final_coding(self) -> FinalCoding:
        """The final coding as :class:`autocode.project.final.FinalCoding`."""
        from .project.final import load_final

        with self._open() as store:
            return load_final(store)

    def agree(self, coders: list[str], **options: Any) -> ProjectAgreement:
        """Agreement of ``coders`` on the project (:func:`autocode.agree.agree_project`:
        cells where the code applies, the machine on held-out answers only)."""
        from .agree import agree_project

        with self._open() as store:
            return agree_project(store, list(coders), **options)


def _ids_questions(df: pd.DataFrame) -> tuple[list[str], list[str]]:
    return df["id"].astype(str).tolist(), df["question"].astype(str).tolist()
