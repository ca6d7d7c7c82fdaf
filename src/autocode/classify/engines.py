"""``autocode code RESPONSES --load CODER --engine stream|dask --out results.parquet``.

Coding millions of answers with bounded memory: the input (CSV/TSV in UTF-8, or Parquet:
a file or a dataset folder) is read in chunks, each chunk is coded by
:func:`.chunks.code_chunk` and its decisions are written to Parquet.

- ``stream``: one process; chunks of :data:`CHUNK_ROWS` rows appended to one Parquet file
  (pyarrow ``ParquetWriter``); memory follows the chunk size, not the file size.
- ``dask``: partitions of a ``dask.dataframe`` coded on a Dask cluster (``--scheduler
  ADDRESS``, or a ``distributed.LocalCluster`` of ``--workers`` processes, one thread
  each), written as a Parquet dataset (a folder). The coder is sent to every worker once
  (a worker plugin: no shared file system needed for it); each worker process loads the
  embedding model once.

The whole input is read once first (ids, questions and texts checked, answers counted), so
a refusal comes before any output is written, and an id is ``<id>:<question>`` exactly when
the survey reader would make it so. Output is written beside ``--out`` and moved into place
at the end: an interrupted run leaves no half file. When the project exists and the input
has at most :data:`IMPORT_LIMIT` answers, the answers and the machine's codings are stored
as a ``code`` run, as ``autocode code --load`` stores them.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from .chunks import Layout, answer_keys, answers, code_chunk, layout_for, survey_shape

#: answers at most for which an engine run is also stored in the project
IMPORT_LIMIT = 200_000
#: input rows per chunk (stream) and per partition of a CSV input (dask)
CHUNK_ROWS = 10_000
#: seconds to wait for a Dask scheduler (``AUTOCODE_DASK_TIMEOUT`` overrides)
CONNECT_TIMEOUT = 10
ENGINES = ("project", "stream", "dask")


def check_engine_args(engine: str, *, load, out, target_kappa, responses, others: dict) -> None:
    """Refuse, in one line each, what the engines cannot do (before any work)."""
    if engine not in ENGINES:
        raise InputError(f"--engine must be project, stream or dask, got {engine!r}")
    if engine == "project":
        return
    if load is None:
        raise InputError(
            f"--engine {engine} applies a saved coder and --load was not given",
            "train one first (autocode code --seeds ... --save DIR), then pass --load DIR",
        )
    if target_kappa is not None:
        raise InputError(
            f"--engine {engine} cannot use --target-kappa (it needs the seeds and all answers "
            "at once)",
            "leave out --target-kappa, or use the project engine (no --engine)",
        )
    if out is None or Path(out).suffix.lower() != ".parquet":
        raise InputError(
            f"--engine {engine} writes Parquet and --out "
            + ("was not given" if out is None else f"{out} does not end in .parquet"),
            "pass --out results.parquet",
        )
    if responses is None:
        raise InputError(
            f"--engine {engine} reads a file of answers and none was given",
            f"autocode code RESPONSES.csv|.parquet --load CODER --engine {engine} --out ...",
        )
    for flag, given in others.items():
        if given:
            raise InputError(
                f"--engine {engine} only applies a saved coder: {flag} is not possible with it",
                f"leave out {flag}, or use the project engine (no --engine)",
            )


# -- reading the input in chunks ---------------------------------------------------------------
def _kind(path: Path) -> str:
    if path.is_dir() or path.suffix.lower() in (".parquet", ".parq", ".pq"):
        return "parquet"
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        return "csv"
    raise InputError(
        f"{path.name}: --engine stream|dask reads CSV/TSV (UTF-8) or Parquet",
        "convert the file to CSV or Parquet first",
    )


def _csv_kw(path: Path) -> dict:
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    return {
        "sep": sep,
        "dtype": str,
        "keep_default_na": False,
        "na_filter": False,
        "encoding": "utf-8-sig",
    }


def header_of(path: Path) -> list[str]:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if _kind(path) == "csv":
        try:
            return [str(c) for c in pd.read_csv(path, nrows=0, **_csv_kw(path)).columns]
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
            raise InputError(
                f"{path.name}: cannot read it as UTF-8 CSV ({type(e).__name__})"
            ) from None
    import pyarrow.dataset as ds

    return list(ds.dataset(str(path), format="parquet").schema.names)


def read_chunks(path: Path, lay: Layout, rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """The input's columns of ``lay`` as frames of at most ``rows`` rows."""
    if _kind(path) == "csv":
        try:
            yield from pd.read_csv(path, usecols=lay.columns, chunksize=rows, **_csv_kw(path))
        except (UnicodeDecodeError, pd.errors.ParserError) as e:
            raise InputError(f"{path.name}: cannot read it as UTF-8 CSV ({e})") from None
        return
    import pyarrow.dataset as ds

    for b in ds.dataset(str(path), format="parquet").to_batches(
        columns=lay.columns, batch_size=rows
    ):
        if b.num_rows:
            yield b.to_pandas()


def _shape(path: Path, lay: Layout, progress) -> tuple[int, Layout]:
    keys, row0 = [], 0
    for f in read_chunks(path, lay):
        keys.append(answer_keys(f, lay, row0, path.name))
        row0 += len(f)
        if progress:
            progress("reading", row0, 0)
    n, composite = survey_shape(np.vstack(keys) if keys else np.zeros((0, 2), np.uint64))
    return n, Layout(lay.id, lay.text, lay.question, composite)


# -- the engines ---------------------------------------------------------------------------------
def _tmp(out: Path) -> Path:
    return out.with_name(f".{out.name}.{os.getpid()}.part")


def _remove(p: Path) -> None:
    if p.is_dir():
        shutil.rmtree(p, ignore_errors=True)
    elif p.exists():
        p.unlink()


def _check_out(out: Path) -> None:
    """``--out``: a writable file path, or an earlier Parquet output to replace (a folder
    holding anything but Parquet files is refused, never deleted)."""
    from ..files import check_output

    if not out.is_dir():
        check_output(out, "--out")
        return
    other = [p for p in out.rglob("*") if p.is_file() and p.suffix != ".parquet"]
    if other:
        raise InputError(
            f"--out {out} is a folder that holds other files than Parquet (e.g. {other[0].name})",
            "give a new name for the results",
        )


def _place(tmp: Path, out: Path) -> None:
    """Move the finished output into place (an older output of the same name replaced)."""
    if out.exists():
        _remove(out)
    os.replace(tmp, out)


def run_stream(
    path: Path, lay: Layout, coder, embedder, out: Path, n: int, progress
) -> pd.DataFrame:
    """Code chunk by chunk into one Parquet file; returns the chunks' tallies."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .chunks import tally, typed

    tmp = _tmp(out)
    tallies = []
    schema = _schema()
    done = 0
    try:
        with pq.ParquetWriter(str(tmp), schema) as w:
            row0 = 0
            for f in read_chunks(path, lay):
                part = code_chunk(f, coder, embedder, lay, row0, path.name)
                row0 += len(f)
                w.write_table(pa.Table.from_pandas(typed(part), schema, preserve_index=False))
                tallies.append(tally(part))
                done += int(part["id"].nunique())
                if progress:
                    progress("coding", done, n)
        _place(tmp, out)
    except BaseException:
        _remove(tmp)
        raise
    return pd.concat(tallies, ignore_index=True) if tallies else pd.DataFrame()


def _schema():
    import pyarrow as pa

    from .chunks import _FLOATS, _INTS, DECISION_COLUMNS

    return pa.schema(
        [
            (c, pa.int64() if c in _INTS else pa.float64() if c in _FLOATS else pa.string())
            for c in DECISION_COLUMNS
        ]
    )


def _client(scheduler: str | None, workers: int):
    """A Dask client: of the cluster at ``scheduler``, or of a new LocalCluster (returned
    too, to close)."""
    import logging

    from distributed import Client, LocalCluster

    if scheduler:
        wait = float(os.environ.get("AUTOCODE_DASK_TIMEOUT") or CONNECT_TIMEOUT)
        try:
            return Client(scheduler, timeout=wait), None
        except (OSError, TimeoutError, ValueError) as e:
            raise InputError(
                f"no Dask scheduler answered at {scheduler} within {wait:g} s ({type(e).__name__})",
                "start one (dask scheduler; dask worker ADDRESS on each machine) or check "
                "--scheduler",
            ) from None
    if workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    return Client(cluster), cluster


def _stage_csv(path: Path, lay: Layout, where: Path) -> Path:
    """A CSV as a Parquet dataset of :data:`CHUNK_ROWS`-row files (a CSV split by bytes
    would cut answers that hold line breaks), read in chunks: bounded memory."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    where.mkdir(parents=True)
    for k, f in enumerate(read_chunks(path, lay)):
        pq.write_table(pa.Table.from_pandas(f, preserve_index=False), where / f"{k:06d}.parquet")
    return where


def run_dask(
    path: Path,
    lay: Layout,
    coder,
    model: str | None,
    out: Path,
    progress,
    scheduler: str | None,
    workers: int,
) -> tuple[int, int, pd.DataFrame]:
    """Code on a Dask cluster; returns (answers, workers, the partitions' tallies)."""
    import hashlib
    import pickle

    import dask.dataframe as dd
    from distributed import as_completed, futures_of

    from .chunks import code_partition, empty_decisions, partition_keys, tally
    from .dask_plugin import SendCoder

    tmp = _tmp(out)
    stage = out.with_name(f".{out.name}.{os.getpid()}.input")
    client, cluster = _client(scheduler, workers)
    try:
        src = _stage_csv(path, lay, stage) if _kind(path) == "csv" else path
        ddf = dd.read_parquet(str(src), columns=lay.columns, split_row_groups=True)
        keys = ddf.map_partitions(partition_keys, lay, meta={"r": "u8", "q": "u8"})
        k = client.compute(keys, sync=True)
        n, composite = survey_shape(k[["r", "q"]].to_numpy(dtype=np.uint64))
        lay = Layout(lay.id, lay.text, lay.question, composite)
        blob = pickle.dumps(coder)
        key = hashlib.sha256(blob).hexdigest()[:16]
        client.register_plugin(SendCoder(key, coder), name=f"autocode-coder-{key}")
        coded = ddf.map_partitions(
            code_partition, key, model, lay, 1, meta=empty_decisions(), enforce_metadata=False
        )
        coded = client.persist(coded)
        for done, fut in enumerate(as_completed(futures_of(coded)), start=1):
            fut.result()  # a worker's error is raised here
            if progress:
                progress("coding (partitions)", done, coded.npartitions)
        tallies = client.compute(
            coded.map_partitions(tally, meta={"key": object, "n": "i8"}), sync=True
        )
        coded.to_parquet(str(tmp), write_index=False, schema=_schema())
        n_workers = len(client.scheduler_info().get("workers", {}))
        _place(tmp, out)
        return n, n_workers, tallies
    except BaseException:
        _remove(tmp)
        raise
    finally:
        _remove(stage)
        client.close()
        if cluster is not None:
            cluster.close()


# -- what was coded, and the import into the project --------------------------------------------
def summary(tallies: pd.DataFrame) -> dict:
    """The counts of :func:`.chunks.tally` frames (concatenated), summed."""
    t = tallies.groupby("key")["n"].sum() if len(tallies) else pd.Series(dtype="int64")

    def get(k: str) -> int:
        return int(t.get(k, 0))

    return {
        "n_responses": get("#responses"),
        "n_coded": get("#coded"),
        "n_no_code": get("#responses") - get("#coded"),
        "n_needs_review": get("#review"),
        "n_flagged_cells": get("#flagged"),
        "counts": {str(k)[5:]: int(v) for k, v in t.items() if str(k).startswith("code:")},
    }


def import_run(store, path: Path, lay: Layout, out: Path, coder, model_id: str, params) -> str:
    """Store the answers and the machine's codings of an engine run as a ``code`` run
    (the survey reader's writer, the project path's codings writer)."""
    from ..io import ResponseSet, file_sha256
    from ..project.responses import save_responses
    from .api import _input_hash, _write_codings
    from .pipeline import Corpus

    parts, row0 = [], 0
    for f in read_chunks(path, lay):
        parts.append(answers(f, lay, row0, path.name))
        row0 += len(f)
    df = pd.concat(parts, ignore_index=True)
    corpus = Corpus.from_frame(df)
    cells = pd.read_parquet(out)
    cells = cells[cells["code"] != ""]
    cells = cells.assign(present=cells["present"].astype(bool), flagged=cells["flagged"] == 1)
    rs = ResponseSet(
        responses=df,
        attributes=pd.DataFrame(index=pd.Index([], name="respondent")),
        questions=sorted(set(df["question"])),
        blanks={},
        path=str(path),
        sha256=file_sha256(path) if path.is_file() else "",
        format=_kind(path),
        layout="long",
    )
    save_responses(store, rs)
    run_id = store.start_run(
        "code", params, 0, model_id, _input_hash(corpus, coder.manifest["codebook_digest"], "")
    )
    with store.failed_if_raised(run_id), store.transaction():
        _write_codings(store, run_id, corpus, cells, None, None, None)
        store.finish_run(run_id)
    return run_id


def code_scaled(
    project,
    responses,
    *,
    engine: str,
    load,
    out,
    model: str | None = None,
    band: float = 0.5,
    codebook=None,
    text: list[str] | None = None,
    id_col: str | None = None,
    question: str | None = None,
    scheduler: str | None = None,
    workers: int = 2,
    progress=None,
) -> dict:
    """Apply the saved coder ``load`` to every answer of ``responses`` with the stream or
    dask engine (module docstring); returns what was done (counts, seconds, run id)."""
    from .inputs import _codebook, embedder_for
    from .persist import load_model
    from .pipeline import BookInfo

    t0 = time.perf_counter()
    path, out = Path(responses), Path(out)
    _check_out(out)
    lay = layout_for(header_of(path), text, id_col, question)
    embedder = embedder_for(model)
    digest = BookInfo.from_codebook(_codebook(None, codebook)).digest if codebook else None
    coder = load_model(load, digest, embedder.model_id)
    if coder.manifest.get("tuned_encoder"):
        raise InputError(
            f"--engine {engine} cannot apply a coder saved by a --tune run (its tuned model "
            "is not sent to workers)",
            "use the project engine (no --engine), or save a coder trained without --tune",
        )
    coder.band = band
    n_workers = 1
    if engine == "stream":
        n, lay = _shape(path, lay, progress)
        tallies = run_stream(path, lay, coder, embedder, out, n, progress)
    else:
        n, n_workers, tallies = run_dask(path, lay, coder, model, out, progress, scheduler, workers)
    res: dict = {"engine": engine, "workers": n_workers, "out": str(out), "run_id": None}
    res.update(summary(tallies))
    res["warnings"] = []
    if Path(project).exists():
        if n <= IMPORT_LIMIT:
            from ..project import open_store

            params = {"engine": engine, "load": str(load), "responses": str(path), "band": band}
            params["out"] = str(out)
            with open_store(project) as store:
                res["run_id"] = import_run(store, path, lay, out, coder, embedder.model_id, params)
        else:
            res["warnings"].append(
                f"{n:,} answers is more than {IMPORT_LIMIT:,}: not stored in the project "
                f"{project}; the codings are in {out}"
            )
    res["seconds"] = round(time.perf_counter() - t0, 2)
    return res
